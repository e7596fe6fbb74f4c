// Linked into the kill tests' builds of the writing tools only: with LLB_TEST_KILL_AFTER_WRITES=N
// set, the process sends itself SIGKILL just before its (N+1)-th write or flush on a device opened
// for writing (libformat/io/write_hook.h). The tools that ship have no such code.

#include <csignal>
#include <cstdlib>

#include "libformat/io/write_hook.h"

namespace {

long long g_limit = -1;
long long g_done = 0;

void kill_before_write() {
  if (g_done >= g_limit) std::raise(SIGKILL);
  ++g_done;
}

[[maybe_unused]] const bool g_installed = [] {
  const char* v = std::getenv("LLB_TEST_KILL_AFTER_WRITES");
  if (!v) return false;
  g_limit = std::atoll(v);
  llb::set_write_hook(kill_before_write);
  return true;
}();

}  // namespace
