#include "libformat/codec/version.h"

namespace llb {

std::string_view version() { return LLB_VERSION; }

}  // namespace llb
