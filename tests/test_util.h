#pragma once
// Helpers shared by the tests: where fixtures are, and builders of small synthetic members.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "libformat/io/block_device.h"
#include "libformat/codec/create.h"
#include "libformat/io/member_writer.h"

namespace llb::test {

std::string fixture_image(const std::string& scenario, const std::string& member);  // "vda"
// Same, for a fixture group other than realkernel ("realkernel-extra").
std::string fixture_image_in(const std::string& group, const std::string& scenario,
                             const std::string& member);
std::vector<std::string> scenario_members_in(const std::string& group, const std::string& scenario);
std::string fixture_dir(const std::string& scenario);  // fixtures/realkernel/<scenario>
std::string shared_dir();
std::string read_text_file(const std::string& path);
void write_text_file(const std::string& path, const std::string& text);
std::vector<std::string> realkernel_scenarios();
// Members of a scenario: "vda", "vdb", ...
std::vector<std::string> scenario_members(const std::string& scenario);

std::array<std::uint8_t, 16> test_uuid(std::uint8_t seed);

// A 2-member (or `raid_disks`) RAID1 array spec of `size_mib` per member, upstream layout.
ArraySpec small_array(std::uint64_t size_mib = 64, std::uint32_t raid_disks = 2,
                      KernelVersion layout = KernelVersion::Upstream);
// A member device in memory with initialised bitmap and the given states (default all Unwritten).
MemoryDevice make_member(const ArraySpec& spec, std::uint16_t role, std::uint64_t events = 3,
                         std::vector<std::uint8_t> states = {},
                         BitmapInit init = BitmapInit::Initialised);

// A sparse copy of a file in a private temporary directory, removed with the object.
class TempCopy {
 public:
  TempCopy(const std::string& src, const std::string& name);
  ~TempCopy();
  TempCopy(const TempCopy&) = delete;
  TempCopy& operator=(const TempCopy&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

// A fresh temporary directory, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A loop device over `file` for the life of the object; path() is empty when losetup failed
// (not root, no loop support), and error() says why.
class LoopDevice {
 public:
  explicit LoopDevice(const std::string& file, bool read_only = true);
  ~LoopDevice();
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

 private:
  std::string path_, error_;
};

// Runs a command through the shell, returns its exit status and puts stdout in *out.
int run_command(const std::string& cmd, std::string* out);
// As run_command (stdout and stderr together), and reports the largest resident set of the
// command's own process tree in KiB: what getrusage(RUSAGE_CHILDREN) cannot tell apart from the
// test's earlier children.
int run_command_rss(const std::string& cmd, std::string* out, long* max_rss_kib);

// Compares `actual` with the golden file fixtures/golden/<name>; UPDATE_GOLDEN=1 rewrites it.
void expect_golden(const std::string& name, const std::string& actual);

}  // namespace llb::test
