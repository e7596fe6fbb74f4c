#pragma once
// The one place that includes nlohmann/json: the rest of libformat does not see it.
#include <nlohmann/json.hpp>

namespace llb {
using Json = nlohmann::ordered_json;
}  // namespace llb
