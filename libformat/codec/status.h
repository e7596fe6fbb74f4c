#pragma once
// Errors as values. The library never throws: every fallible function returns a Status or a
// Result<T>. A Status carries a reason code and a message that names the device, the byte offset,
// the field, the value found and what was expected.

#include <charconv>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace llb {

// One code per distinct failure, in the e2fsprogs manner.
enum class Code : std::uint8_t {
  Ok = 0,
  InvalidArgument,   // the caller asked for something impossible
  NotFound,          // no such file, or no md superblock where one was looked for
  IoError,           // the operating system reported an error
  ShortRead,         // the device ended before the bytes asked for
  Busy,              // the device is in use (O_EXCL failed, or held by a running array)
  ReadOnly,          // a write was attempted on a device opened read-only
  BadMagic,          // a magic number is wrong
  BadVersion,        // a format version is unknown
  ChecksumMismatch,  // a stored checksum disagrees with the bytes
  BadField,          // a field holds a value the format does not allow
  UuidMismatch,      // a UUID disagrees with the array's
  Unsupported,       // valid, but not something this tool handles (for example md-cluster)
  Stale,             // a bitmap or member is behind the array's events
  Cancelled,         // the user declined
};

std::string_view code_name(Code c);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }
  bool ok() const { return code_ == Code::Ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "BadMagic: vda.img: md superblock at byte 4096: ..."
  std::string to_string() const;

 private:
  Code code_ = Code::Ok;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<Status, T> v_;
};

namespace detail {
// One piece of str_cat, printed as `std::ostream <<` prints it (char types as characters, bool as
// 0/1), without a stream for the common kinds: messages are built on every finding.
template <typename T>
void append_piece(std::string& out, const T& v) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_convertible_v<const U&, std::string_view>) {
    out += std::string_view(v);
  } else if constexpr (std::is_same_v<U, char> || std::is_same_v<U, signed char> ||
                       std::is_same_v<U, unsigned char>) {
    out += static_cast<char>(v);
  } else if constexpr (std::is_same_v<U, bool>) {
    out += v ? '1' : '0';
  } else if constexpr (std::is_integral_v<U>) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  } else {
    std::ostringstream os;
    os << v;
    out += os.str();
  }
}
}  // namespace detail

// Builds a message from pieces: str_cat("chunk ", 12, " is ", "bad").
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::string out;
  (detail::append_piece(out, args), ...);
  return out;
}

std::string hex(std::uint64_t v, int width = 0);  // "0x" followed by lowercase hex digits

// Where a record sits, for messages: the device name and the record's byte offset on it.
struct Where {
  std::string device;
  std::uint64_t offset_bytes = 0;
  std::string record;  // "md superblock", "bitmap superblock", ...
};

// "vda.img: md superblock at byte 4096: field magic is 0x00000000, expected 0xa92b4efc"
Status field_error(Code code, const Where& where, std::string_view field, std::string_view value,
                   std::string_view expected);

#define LLB_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::llb::Status llb_status_ = (expr);      \
    if (!llb_status_.ok()) return llb_status_; \
  } while (0)

}  // namespace llb
