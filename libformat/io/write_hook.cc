#include "libformat/io/write_hook.h"

namespace llb {
namespace {
WriteHook g_hook = nullptr;
}  // namespace

void set_write_hook(WriteHook hook) { g_hook = hook; }

void run_write_hook() {
  if (g_hook) g_hook();
}

}  // namespace llb
