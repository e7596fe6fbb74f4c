#pragma once
// The one place that includes nlohmann/json: the rest of libformat does not see it.
#include <nlohmann/json.hpp>

#include <string>

namespace llb {
using Json = nlohmann::ordered_json;

// Every JSON document the project prints goes through this. Some strings in it come from disk
// (an array's name) or from the user (a device path) and need not be UTF-8, which JSON text must
// be: invalid bytes are written as U+FFFD instead of throwing. indent < 0: one line.
inline std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}
}  // namespace llb
