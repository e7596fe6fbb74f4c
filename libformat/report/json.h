#pragma once
// The one place that includes nlohmann/json: the rest of libformat does not see it.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace llb {
using Json = nlohmann::ordered_json;

// JSON nested deeper than this is refused before it is parsed: nlohmann builds and destroys
// values recursively, and input nested 100,000 deep overflows the stack.
inline constexpr std::size_t kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in `text` (brackets inside strings do not count).
inline std::size_t json_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// Every JSON document the project prints goes through this. Some strings in it come from disk
// (an array's name) or from the user (a device path) and need not be UTF-8, which JSON text must
// be: invalid bytes are written as U+FFFD instead of throwing. indent < 0: one line.
inline std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}
}  // namespace llb
