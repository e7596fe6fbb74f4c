#pragma once
// Which device a path denotes, whatever its spelling. Two paths name the same member when they
// reach the same inode (a symlink, "./a", a hard link, a bind mount), the same block device node,
// or a loop device and the file behind it. Writers use this to refuse a member given twice and a
// file that backs a live loop device; readers to examine each device once.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libformat/codec/status.h"

namespace llb {

// A file by (st_dev, st_ino), or a block device by its device number (ino 0, dev = st_rdev,
// block = true): stable across every name the file or device has.
struct FileKey {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  bool block = false;
  bool operator==(const FileKey&) const = default;
};

struct DeviceIdentity {
  std::string path;
  FileKey key;
  // A loop device's backing file, as the kernel reports it (LOOP_GET_STATUS64).
  std::optional<FileKey> loop_backing;
};

// stat()s the path; NotFound or IoError when it cannot.
Result<DeviceIdentity> identify_device(const std::string& path);

// The same device: one key, or a loop device and its backing file.
bool same_device(const DeviceIdentity& a, const DeviceIdentity& b);

// Every identity that names the same device as an earlier one (`again`), with the first index
// naming it (`first`); empty when every identity names its own device.
struct Alias {
  std::size_t first = 0;
  std::size_t again = 0;
};
std::vector<Alias> find_aliases(const std::vector<DeviceIdentity>& ids);

// The live loop devices whose backing file is `file` ("/dev/loop3"), compared by inode, not by
// name: a hard link or a bind mount of the backing file is found too.
std::vector<std::string> loop_devices_backed_by(const FileKey& file);

}  // namespace llb
