#pragma once
// Writing the member images of a simulated moment as sparse image files that llbitmap-examine
// and the other tools read: the metadata area byte for byte, and each written data sector as the
// pattern of its stamp.

#include <string>
#include <vector>

#include "libformat/codec/status.h"
#include "sim/core/disk_device.h"
#include "sim/md/md_array.h"

namespace llb::sim {

// Writes one disk's image to `path`.
Status export_disk(const SimDisk& disk, const std::string& path, DiskView view);

// Writes <dir>/<prefix><member name>.img for every member; returns the paths.
Result<std::vector<std::string>> export_members(const MdArray& array, const std::string& dir,
                                                const std::string& prefix, DiskView view);

}  // namespace llb::sim
