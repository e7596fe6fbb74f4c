#pragma once
// Device discovery through libblkid: probe one path, or scan every block device for md members.
// libblkid stays behind this header.

#include <string>
#include <vector>

#include "libformat/codec/status.h"

namespace llb {

enum class ProbeOutcome { Found, NotFound, Error };

struct ProbeResult {
  ProbeOutcome outcome = ProbeOutcome::NotFound;
  std::string type;      // "linux_raid_member", "ext4", ...
  std::string uuid;      // for md members: the array UUID, dashed
  std::string uuid_sub;  // for md members: the device UUID
  std::string label;     // for md members: the array name
  std::string version;   // for md members: "1.2"
  std::string message;   // why, for Error
};

ProbeResult probe_path(const std::string& path);

// Block devices the kernel lists in /proc/partitions, as /dev paths.
std::vector<std::string> list_block_devices();

// Every listed block device that libblkid identifies as linux_raid_member.
std::vector<std::string> scan_raid_members();

}  // namespace llb
