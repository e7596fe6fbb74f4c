#pragma once
// A test hook for the kill tests: when the environment variable LLB_TEST_KILL_AFTER_WRITES=N is
// set, the process sends itself SIGKILL just before its (N+1)-th write or flush on a device
// opened for writing. It lets a test stop a writer between any two of its I/Os, deterministically,
// which is what "killed at any moment" means for a process whose every step is one system call.
// Unset (always, outside tests), it costs one branch.

namespace llb {

void kill_hook_before_write();

}  // namespace llb
