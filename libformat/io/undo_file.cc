#include "libformat/io/undo_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace llb {
namespace {
constexpr std::uint32_t kMaxUndoFileBytes = 1u << 30;  // far above any writer's metadata
}  // namespace

Status write_undo_file(const std::string& path, const UndoLog& log) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    return Status(Code::InvalidArgument,
                  str_cat(path, ": undo file already exists; move it away or choose another name"));
  }
  const std::vector<std::uint8_t> bytes = encode_undo_log(log);
  const std::string tmp = path + ".partial";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status(Code::IoError, str_cat(tmp, ": cannot create: ", std::strerror(errno)));
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return Status(Code::IoError, str_cat(tmp, ": write failed: ", std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status(Code::IoError, str_cat(tmp, ": fsync failed: ", std::strerror(errno)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status(Code::IoError, str_cat(path, ": rename failed: ", std::strerror(errno)));
  }
  const std::string dir = fs::path(path).parent_path().empty()
                              ? std::string(".")
                              : fs::path(path).parent_path().string();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status();
}

Result<UndoLog> read_undo_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return Status(err == ENOENT ? Code::NotFound : Code::IoError,
                  str_cat(path, ": cannot open the undo file: ", std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(Code::InvalidArgument,
                  str_cat(path, ": not a regular file, expected an undo file written by "
                                "llbitmap-repair or llbitmap-create"));
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxUndoFileBytes) {
    ::close(fd);
    return Status(Code::BadField, str_cat(path, ": undo file of ", st.st_size,
                                          " bytes, expected at most ", kMaxUndoFileBytes));
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);
  return decode_undo_log(bytes, path);
}

}  // namespace llb
