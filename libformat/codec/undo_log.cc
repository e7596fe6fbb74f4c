#include "libformat/codec/undo_log.h"

#include <cstring>

#include "libformat/codec/endian.h"

namespace llb {
namespace {

constexpr char kMagic[8] = {'L', 'L', 'B', 'U', 'N', 'D', 'O', '1'};
constexpr char kTrailer[8] = {'L', 'L', 'B', 'U', 'N', 'D', 'O', 'E'};
constexpr std::uint32_t kVersion = 2;
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

}  // namespace llb
