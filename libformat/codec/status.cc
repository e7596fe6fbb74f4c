#include "libformat/codec/status.h"

#include <cstdio>

namespace llb {

std::string_view code_name(Code c) {
  switch (c) {
    case Code::Ok: return "Ok";
    case Code::InvalidArgument: return "InvalidArgument";
    case Code::NotFound: return "NotFound";
    case Code::IoError: return "IoError";
    case Code::ShortRead: return "ShortRead";
    case Code::Busy: return "Busy";
    case Code::ReadOnly: return "ReadOnly";
    case Code::BadMagic: return "BadMagic";
    case Code::BadVersion: return "BadVersion";
    case Code::ChecksumMismatch: return "ChecksumMismatch";
    case Code::BadField: return "BadField";
    case Code::UuidMismatch: return "UuidMismatch";
    case Code::Unsupported: return "Unsupported";
    case Code::Stale: return "Stale";
    case Code::Cancelled: return "Cancelled";
  }
  return "Unknown";
}

std::string Status::to_string() const {
  if (ok()) return "Ok";
  return str_cat(code_name(code_), ": ", message_);
}

std::string hex(std::uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", width, static_cast<unsigned long long>(v));
  return buf;
}

Status field_error(Code code, const Where& where, std::string_view field, std::string_view value,
                   std::string_view expected) {
  return Status(code, str_cat(where.device, ": ", where.record, " at byte ", where.offset_bytes,
                              ": field ", field, " is ", value, ", expected ", expected));
}

}  // namespace llb
