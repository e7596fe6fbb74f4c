#pragma once
// The toolkit's version, as the tools print it with --version.

#include <string_view>

namespace llb {

std::string_view version();

}  // namespace llb
