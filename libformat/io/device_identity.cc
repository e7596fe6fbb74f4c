// Device identity by inode and device number, and the loop devices behind a file.

#include "libformat/io/device_identity.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace llb {
namespace {

// The kernel reports lo_device in its "huge" encoding (new_encode_dev): minor's low byte, then
// 12 bits of major, then the rest of minor. glibc's st_dev packs the same numbers differently.
FileKey key_from_loop_info(const loop_info64& info) {
  const std::uint64_t d = info.lo_device;
  const unsigned maj = static_cast<unsigned>((d & 0xfff00) >> 8);
  const unsigned min = static_cast<unsigned>((d & 0xff) | ((d >> 12) & 0xfff00));
  return FileKey{static_cast<std::uint64_t>(makedev(maj, min)), info.lo_inode, false};
}

FileKey key_from_stat(const struct stat& st) {
  if (S_ISBLK(st.st_mode)) return FileKey{static_cast<std::uint64_t>(st.st_rdev), 0, true};
  return FileKey{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                 false};
}

// The backing file of the bound loop device at `node`, or nullopt when it is not bound (or not a
// loop device at all).
std::optional<FileKey> loop_backing(const std::string& node) {
  const int fd = ::open(node.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  loop_info64 info{};
  const int rc = ::ioctl(fd, LOOP_GET_STATUS64, &info);
  ::close(fd);
  if (rc != 0) return std::nullopt;
  return key_from_loop_info(info);
}

bool is_loop_major(dev_t rdev) {
  // Loop devices are block major 7; partitions of loop devices use the extended major 259, which
  // a LOOP_GET_STATUS64 on the node tells apart.
  return major(rdev) == 7 || major(rdev) == 259;
}

}  // namespace

Result<DeviceIdentity> identify_device(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    return Status(err == ENOENT ? Code::NotFound : Code::IoError,
                  str_cat(path, ": cannot open: ", std::strerror(err)));
  }
  DeviceIdentity id;
  id.path = path;
  id.key = key_from_stat(st);
  if (S_ISBLK(st.st_mode) && is_loop_major(st.st_rdev)) id.loop_backing = loop_backing(path);
  return id;
}

bool same_device(const DeviceIdentity& a, const DeviceIdentity& b) {
  if (a.key == b.key) return true;
  if (a.loop_backing && *a.loop_backing == b.key) return true;
  if (b.loop_backing && *b.loop_backing == a.key) return true;
  return a.loop_backing && b.loop_backing && *a.loop_backing == *b.loop_backing;
}

std::vector<Alias> find_aliases(const std::vector<DeviceIdentity>& ids) {
  std::vector<Alias> out;
  for (std::size_t j = 0; j < ids.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (same_device(ids[i], ids[j])) {
        out.push_back({i, j});
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> loop_devices_backed_by(const FileKey& file) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/block", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    // Unbound loop devices have no backing_file attribute: skip them without an ioctl.
    if (!std::filesystem::exists(entry.path() / "loop" / "backing_file", ec)) continue;
    const std::string node = "/dev/" + name;
    std::optional<FileKey> backing = loop_backing(node);
    if (!backing) {
      // No device node to ask (a container without /dev/loopN): fall back to the name sysfs
      // gives, stat()ed, which still compares inodes.
      std::FILE* f = std::fopen((entry.path() / "loop" / "backing_file").c_str(), "r");
      if (!f) continue;
      char buf[4096] = {};
      const bool got = std::fgets(buf, sizeof buf, f) != nullptr;
      std::fclose(f);
      if (!got) continue;
      std::string p(buf);
      while (!p.empty() && (p.back() == '\n')) p.pop_back();
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0) continue;
      backing = key_from_stat(st);
    }
    if (*backing == file) out.push_back(node);
  }
  return out;
}

}  // namespace llb
