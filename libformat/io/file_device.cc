// Image files and block devices through POSIX file descriptors.

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "libformat/io/block_device.h"
#include "libformat/io/device_identity.h"
#include "libformat/io/write_hook.h"

namespace llb {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

class FileDevice final : public BlockDevice {
 public:
  FileDevice(std::string name, int fd, DeviceKind kind, std::uint64_t size_bytes,
             std::uint32_t lbs, bool writable)
      : name_(std::move(name)),
        fd_(fd),
        kind_(kind),
        size_bytes_(size_bytes),
        lbs_(lbs),
        writable_(writable) {}
  ~FileDevice() override { ::close(fd_); }
  FileDevice(const FileDevice&) = delete;
  FileDevice& operator=(const FileDevice&) = delete;

  const std::string& name() const override { return name_; }
  DeviceKind kind() const override { return kind_; }
  std::uint64_t size_bytes() const override { return size_bytes_; }
  std::uint32_t logical_block_size() const override { return lbs_; }
  bool writable() const override { return writable_; }

  Status read_at(std::uint64_t offset_bytes, std::span<std::uint8_t> out) override {
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                          static_cast<off_t>(offset_bytes + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status(Code::IoError, str_cat(name_, ": read of ", out.size(), " bytes at byte ",
                                             offset_bytes, " failed: ", errno_text(errno)));
      }
      if (n == 0) {
        return Status(Code::ShortRead,
                      str_cat(name_, ": read of ", out.size(), " bytes at byte ", offset_bytes,
                              " goes past the end of the device (", size_bytes_, " bytes)"));
      }
      done += static_cast<std::size_t>(n);
    }
    return Status();
  }

  Status write_at(std::uint64_t offset_bytes, std::span<const std::uint8_t> in) override {
    if (!writable_) return Status(Code::ReadOnly, str_cat(name_, ": device is open read-only"));
    run_write_hook();
    if (offset_bytes > size_bytes_ || in.size() > size_bytes_ - offset_bytes) {
      return Status(Code::InvalidArgument,
                    str_cat(name_, ": write of ", in.size(), " bytes at byte ", offset_bytes,
                            " goes past the end of the device (", size_bytes_, " bytes)"));
    }
    std::size_t done = 0;
    while (done < in.size()) {
      ssize_t n = ::pwrite(fd_, in.data() + done, in.size() - done,
                           static_cast<off_t>(offset_bytes + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status(Code::IoError, str_cat(name_, ": write of ", in.size(), " bytes at byte ",
                                             offset_bytes, " failed: ", errno_text(errno)));
      }
      done += static_cast<std::size_t>(n);
    }
    return Status();
  }

  Status flush() override {
    if (writable_) run_write_hook();
    if (::fdatasync(fd_) != 0) {
      return Status(Code::IoError, str_cat(name_, ": fdatasync failed: ", errno_text(errno)));
    }
    return Status();
  }

 private:
  std::string name_;
  int fd_;
  DeviceKind kind_;
  std::uint64_t size_bytes_;
  std::uint32_t lbs_;
  bool writable_;
};

// Names of the holders of a block device (md arrays, dm targets) from sysfs.
std::string holders_of(dev_t rdev) {
  std::error_code ec;
  auto dir = std::filesystem::path("/sys/dev/block") /
             (std::to_string(major(rdev)) + ":" + std::to_string(minor(rdev))) / "holders";
  std::string out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!out.empty()) out += ",";
    out += entry.path().filename().string();
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<BlockDevice>> open_device(const std::string& path, Access access) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    return Status(err == ENOENT ? Code::NotFound : Code::IoError,
                  str_cat(path, ": cannot open: ", errno_text(err)));
  }
  const bool is_block = S_ISBLK(st.st_mode);
  if (!is_block && !S_ISREG(st.st_mode)) {
    return Status(Code::InvalidArgument,
                  str_cat(path, ": not a block device or a regular file"));
  }
  const bool write = access == Access::ReadWriteExclusive;
  if (write && is_block) {
    std::string holders = holders_of(st.st_rdev);
    if (!holders.empty()) {
      return Status(Code::Busy, str_cat(path, ": in use by ", holders,
                                        " (stop the array before writing to its members)"));
    }
  }
  if (write && !is_block) {
    // By inode, not by name: a hard link or a bind mount of a loop device's backing file is the
    // same file, and writing it under a running array is what this refuses.
    const FileKey key{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                      false};
    const std::vector<std::string> loops = loop_devices_backed_by(key);
    if (!loops.empty()) {
      return Status(Code::Busy, str_cat(path, ": in use: it is the backing file of loop device ",
                                        loops.front(),
                                        " (detach it with losetup -d, or give the loop device)"));
    }
  }
  int flags = O_CLOEXEC | (write ? O_RDWR : O_RDONLY);
  if (write && is_block) flags |= O_EXCL;
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    int err = errno;
    if (err == EBUSY) {
      return Status(Code::Busy, str_cat(path, ": device is in use (exclusive open refused: ",
                                        errno_text(err), ")"));
    }
    return Status(err == ENOENT ? Code::NotFound : Code::IoError,
                  str_cat(path, ": cannot open: ", errno_text(err)));
  }
  if (write && !is_block && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    return Status(Code::Busy, str_cat(path, ": image file is locked by another process (",
                                      errno_text(err), ")"));
  }
  std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  std::uint32_t lbs = 512;
  if (is_block) {
    unsigned long long bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
      int err = errno;
      ::close(fd);
      return Status(Code::IoError, str_cat(path, ": BLKGETSIZE64 failed: ", errno_text(err)));
    }
    size = bytes;
    int ssz = 0;
    if (::ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz > 0) lbs = static_cast<std::uint32_t>(ssz);
  }
  return std::unique_ptr<BlockDevice>(std::make_unique<FileDevice>(
      path, fd, is_block ? DeviceKind::BlockDevice : DeviceKind::ImageFile, size, lbs, write));
}

}  // namespace llb
