#include "libformat/io/uuid.h"

#include <uuid/uuid.h>

#include <cctype>

namespace llb {

Uuid generate_uuid() {
  uuid_t u;
  uuid_generate_random(u);
  Uuid out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = u[i];
  return out;
}

std::optional<Uuid> parse_uuid(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (c == ':' || c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits += c;
  }
  if (digits.size() != 32) return std::nullopt;
  Uuid u{};
  for (std::size_t i = 0; i < 16; ++i) {
    u[i] = static_cast<std::uint8_t>(std::stoi(digits.substr(2 * i, 2), nullptr, 16));
  }
  return u;
}

}  // namespace llb
