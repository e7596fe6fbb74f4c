#pragma once
// A seam for tests: a function the device layer calls just before every write or flush of a device
// opened for writing. No tool installs one; the kill tests' builds of the writers install one that
// sends SIGKILL before the N-th I/O (tests/kill/kill_hook.cc), which is what "killed at any moment"
// means for a process whose every step is one system call.

namespace llb {

using WriteHook = void (*)();
void set_write_hook(WriteHook hook);
void run_write_hook();

}  // namespace llb
