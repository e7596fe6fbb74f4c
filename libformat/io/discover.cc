#include "libformat/io/discover.h"

#include <blkid/blkid.h>

#include <fstream>
#include <sstream>

namespace llb {
namespace {

std::string lookup(blkid_probe pr, const char* name) {
  const char* data = nullptr;
  std::size_t len = 0;
  if (blkid_probe_lookup_value(pr, name, &data, &len) == 0 && data) {
    return std::string(data, len && data[len - 1] == '\0' ? len - 1 : len);
  }
  return {};
}

}  // namespace

ProbeResult probe_path(const std::string& path) {
  ProbeResult r;
  blkid_probe pr = blkid_new_probe_from_filename(path.c_str());
  if (!pr) {
    r.outcome = ProbeOutcome::Error;
    r.message = str_cat(path, ": libblkid cannot open it for probing");
    return r;
  }
  blkid_probe_enable_superblocks(pr, 1);
  blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID |
                                            BLKID_SUBLKS_LABEL | BLKID_SUBLKS_VERSION);
  int rc = blkid_do_safeprobe(pr);
  if (rc == 0) {
    r.outcome = ProbeOutcome::Found;
    r.type = lookup(pr, "TYPE");
    r.uuid = lookup(pr, "UUID");
    r.uuid_sub = lookup(pr, "UUID_SUB");
    r.label = lookup(pr, "LABEL");
    r.version = lookup(pr, "VERSION");
  } else if (rc == 1) {
    r.outcome = ProbeOutcome::NotFound;
  } else {
    r.outcome = ProbeOutcome::Error;
    r.message = rc == -2 ? str_cat(path, ": libblkid found several conflicting signatures")
                         : str_cat(path, ": libblkid probe failed");
  }
  blkid_free_probe(pr);
  return r;
}

std::vector<std::string> list_block_devices() {
  std::vector<std::string> out;
  std::ifstream in("/proc/partitions");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    unsigned long major = 0, minor = 0, blocks = 0;
    std::string name;
    if (!(ls >> major >> minor >> blocks >> name)) continue;
    if (blocks == 0) continue;
    out.push_back("/dev/" + name);
  }
  return out;
}

std::vector<std::string> scan_raid_members() {
  std::vector<std::string> out;
  for (const std::string& dev : list_block_devices()) {
    ProbeResult r = probe_path(dev);
    if (r.outcome == ProbeOutcome::Found && r.type == "linux_raid_member") out.push_back(dev);
  }
  return out;
}

}  // namespace llb
