#include "undo_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "endian.h"

namespace llb {
namespace {

constexpr char kMagic[8] = {'L', 'L', 'B', 'U', 'N', 'D', 'O', '1'};
constexpr char kTrailer[8] = {'L', 'L', 'B', 'U', 'N', 'D', 'O', 'E'};
constexpr std::uint32_t kVersion = 2;
constexpr std::uint32_t kMaxUndoFileBytes = 1u << 30;  // far above any writer's metadata
constexpr std::uint32_t kMaxWriterStates = 1u << 20;    // one per write into one range

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  std::uint8_t b[4];
  store_le32(b, v);
  out.insert(out.end(), b, b + 4);
}
void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  std::uint8_t b[8];
  store_le64(b, v);
  out.insert(out.end(), b, b + 8);
}

// Reads fields in order and remembers the first failure.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> b, const std::string& name) : b_(b), name_(name) {}
  bool take(std::size_t n, const char* what) {
    if (!st_.ok()) return false;
    if (b_.size() - pos_ < n) {
      st_ = Status(Code::ShortRead, str_cat(name_, ": undo file ends at byte ", b_.size(),
                                            " inside ", what, " (", n, " bytes at byte ", pos_,
                                            ")"));
      return false;
    }
    return true;
  }
  std::uint32_t u32(const char* what) {
    if (!take(4, what)) return 0;
    pos_ += 4;
    return load_le32(b_.data() + pos_ - 4);
  }
  std::uint64_t u64(const char* what) {
    if (!take(8, what)) return 0;
    pos_ += 8;
    return load_le64(b_.data() + pos_ - 8);
  }
  std::span<const std::uint8_t> bytes(std::size_t n, const char* what) {
    if (!take(n, what)) return {};
    pos_ += n;
    return b_.subspan(pos_ - n, n);
  }
  std::size_t pos() const { return pos_; }
  Status& status() { return st_; }

 private:
  std::span<const std::uint8_t> b_;
  const std::string& name_;
  std::size_t pos_ = 0;
  Status st_;
};

}  // namespace

std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes, std::uint64_t h) {
  for (std::uint8_t c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<std::uint8_t> encode_undo_log(const UndoLog& log) {
  std::vector<std::uint8_t> out(kMagic, kMagic + 8);
  // A version-1 log (read from an old file) is written back as it was.
  const std::uint32_t version = log.version == 1 ? 1 : kVersion;
  put32(out, version);
  put32(out, static_cast<std::uint32_t>(log.devices.size()));
  put32(out, static_cast<std::uint32_t>(log.records.size()));
  for (const UndoDevice& d : log.devices) {
    put32(out, static_cast<std::uint32_t>(d.path.size()));
    out.insert(out.end(), d.path.begin(), d.path.end());
    put64(out, d.size_bytes);
    out.insert(out.end(), d.array_uuid.begin(), d.array_uuid.end());
    out.insert(out.end(), d.device_uuid.begin(), d.device_uuid.end());
  }
  for (const UndoRecord& r : log.records) {
    put32(out, r.device);
    put64(out, r.offset_bytes);
    put32(out, static_cast<std::uint32_t>(r.bytes.size()));
    put64(out, fnv1a64(r.bytes));
    if (version >= 2) {
      put32(out, static_cast<std::uint32_t>(r.writer_hashes.size()));
      for (std::uint64_t h : r.writer_hashes) put64(out, h);
    }
    out.insert(out.end(), r.bytes.begin(), r.bytes.end());
  }
  const std::uint64_t sum = fnv1a64(out);
  out.insert(out.end(), kTrailer, kTrailer + 8);
  put64(out, sum);
  return out;
}

Result<UndoLog> decode_undo_log(std::span<const std::uint8_t> bytes, const std::string& name) {
  Reader r(bytes, name);
  auto magic = r.bytes(8, "the header");
  if (!r.status().ok()) return r.status();
  if (std::memcmp(magic.data(), kMagic, 8) != 0) {
    return Status(Code::BadMagic, str_cat(name, ": undo file at byte 0: field magic is not ",
                                          "\"LLBUNDO1\": not an llbitmap undo file"));
  }
  const std::uint32_t version = r.u32("the header");
  if (r.status().ok() && version != kVersion && version != 1) {
    return Status(Code::BadVersion, str_cat(name, ": undo file at byte 8: field version is ",
                                            version, ", expected 1 or ", kVersion));
  }
  const std::uint32_t ndev = r.u32("the header");
  const std::uint32_t nrec = r.u32("the header");
  UndoLog log;
  log.version = version;
  for (std::uint32_t i = 0; i < ndev && r.status().ok(); ++i) {
    UndoDevice d;
    const std::uint32_t len = r.u32("a device entry");
    if (len > 4096) {
      return Status(Code::BadField, str_cat(name, ": undo file at byte ", r.pos() - 4,
                                            ": device path length is ", len,
                                            ", expected at most 4096"));
    }
    auto p = r.bytes(len, "a device path");
    d.path.assign(p.begin(), p.end());
    d.size_bytes = r.u64("a device entry");
    auto a = r.bytes(16, "a device entry");
    auto du = r.bytes(16, "a device entry");
    if (!r.status().ok()) break;
    std::copy(a.begin(), a.end(), d.array_uuid.begin());
    std::copy(du.begin(), du.end(), d.device_uuid.begin());
    log.devices.push_back(std::move(d));
  }
  for (std::uint32_t i = 0; i < nrec && r.status().ok(); ++i) {
    UndoRecord rec;
    const std::size_t at = r.pos();
    rec.device = r.u32("a record");
    rec.offset_bytes = r.u64("a record");
    const std::uint32_t len = r.u32("a record");
    const std::uint64_t sum = r.u64("a record");
    if (version >= 2) {
      const std::uint32_t n = r.u32("a record");
      if (n > kMaxWriterStates) {
        return Status(Code::BadField, str_cat(name, ": undo record at byte ", at, ": ", n,
                                              " writer states, expected at most ",
                                              kMaxWriterStates));
      }
      for (std::uint32_t k = 0; k < n && r.status().ok(); ++k) {
        rec.writer_hashes.push_back(r.u64("a record's writer states"));
      }
    }
    auto b = r.bytes(len, "a record's bytes");
    if (!r.status().ok()) break;
    if (rec.device >= log.devices.size()) {
      return Status(Code::BadField, str_cat(name, ": undo record at byte ", at, ": device index ",
                                            rec.device, ", expected below ", log.devices.size()));
    }
    if (fnv1a64(b) != sum) {
      return Status(Code::ChecksumMismatch,
                    str_cat(name, ": undo record at byte ", at, ": checksum ", hex(sum, 16),
                            " disagrees with its bytes (", hex(fnv1a64(b), 16), ")"));
    }
    rec.bytes.assign(b.begin(), b.end());
    log.records.push_back(std::move(rec));
  }
  if (!r.status().ok()) return r.status();
  const std::size_t body = r.pos();
  auto trailer = r.bytes(8, "the trailer");
  const std::uint64_t sum = r.u64("the trailer");
  if (!r.status().ok()) return r.status();
  if (std::memcmp(trailer.data(), kTrailer, 8) != 0) {
    return Status(Code::BadMagic, str_cat(name, ": undo file at byte ", body,
                                          ": trailer magic is not \"LLBUNDOE\"; the file is "
                                          "damaged or was not written to the end"));
  }
  if (fnv1a64(bytes.first(body)) != sum) {
    return Status(Code::ChecksumMismatch,
                  str_cat(name, ": undo file checksum ", hex(sum, 16), " disagrees with its ",
                          body, " bytes"));
  }
  if (r.pos() != bytes.size()) {
    return Status(Code::BadField, str_cat(name, ": undo file has ", bytes.size() - r.pos(),
                                          " bytes after its trailer, expected none"));
  }
  return log;
}

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
