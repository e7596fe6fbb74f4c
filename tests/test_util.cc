#include "tests/test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace llb::test {

std::string fixture_image(const std::string& scenario, const std::string& member) {
  return fixture_image_in("realkernel", scenario, member);
}

std::string fixture_image_in(const std::string& group, const std::string& scenario,
                             const std::string& member) {
  return std::string(LLB_FIXTURE_IMAGES_DIR) + "/" + group + "/" + scenario + "/after-" + member +
         ".img";
}

std::vector<std::string> scenario_members_in(const std::string& group, const std::string& scenario) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(LLB_FIXTURES_DIR) + "/" +
                                                           group + "/" + scenario)) {
    std::string n = e.path().filename().string();
    if (n.rfind("after-", 0) == 0 && n.size() > 13 && n.substr(n.size() - 7) == ".img.xz") {
      out.push_back(n.substr(6, n.size() - 6 - 7));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string fixture_dir(const std::string& scenario) {
  return std::string(LLB_FIXTURES_DIR) + "/realkernel/" + scenario;
}

std::string shared_dir() { return LLB_SHARED_DIR; }

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<std::string> realkernel_scenarios() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(LLB_FIXTURES_DIR) +
                                                           "/realkernel")) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> scenario_members(const std::string& scenario) {
  return scenario_members_in("realkernel", scenario);
}

std::array<std::uint8_t, 16> test_uuid(std::uint8_t seed) {
  std::array<std::uint8_t, 16> u{};
  for (int i = 0; i < 16; ++i) u[i] = static_cast<std::uint8_t>(seed * 17 + i * 29 + 1);
  return u;
}

ArraySpec small_array(std::uint64_t size_mib, std::uint32_t raid_disks, KernelVersion layout) {
  ArraySpec s;
  s.array_uuid = test_uuid(1);
  s.raid_disks = raid_disks;
  s.member_size_bytes = size_mib << 20;
  s.layout = layout;
  s.ctime_seconds = 1795000000;
  return s;
}

MemoryDevice make_member(const ArraySpec& spec, std::uint16_t role, std::uint64_t events,
                         std::vector<std::uint8_t> states, BitmapInit init) {
  MemoryDevice dev("mem" + std::to_string(role), spec.member_size_bytes);
  if (states.empty()) states.assign(spec_geometry(spec).chunks, 0);
  MemberSpec m;
  m.dev_number = role;
  m.role = role;
  m.device_uuid = test_uuid(static_cast<std::uint8_t>(100 + role));
  Status st = write_member_metadata(dev, spec, m, init, events, states);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return dev;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "llb-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  EXPECT_NE(made, nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TempCopy::TempCopy(const std::string& src, const std::string& name) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "llb-copy-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  EXPECT_NE(made, nullptr);
  dir_ = tmpl;
  path_ = dir_ + "/" + name;
  EXPECT_EQ(run_command("cp --sparse=always '" + src + "' '" + path_ + "'", nullptr), 0);
}

TempCopy::~TempCopy() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int run_command(const std::string& cmd, std::string* out) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  std::string s;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) s.append(buf, n);
  int status = pclose(p);
  if (out) *out = s;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int run_command_rss(const std::string& cmd, std::string* out, long* max_rss_kib) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  struct rusage ru {};
  if (::wait4(pid, &status, 0, &ru) != pid) return -1;
  if (out) *out = s;
  if (max_rss_kib) *max_rss_kib = ru.ru_maxrss;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void expect_golden(const std::string& name, const std::string& actual) {
  std::string path = std::string(LLB_FIXTURES_DIR) + "/golden/" + name;
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    write_text_file(path, actual);
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing golden file " << path
                                             << " (run with UPDATE_GOLDEN=1 to create it)";
  EXPECT_EQ(read_text_file(path), actual) << "golden file " << path
                                          << " differs (UPDATE_GOLDEN=1 rewrites it)";
}

LoopDevice::LoopDevice(const std::string& file, bool read_only) {
  std::string out;
  int rc = run_command("losetup -f --show " + std::string(read_only ? "-r " : "") + file + " 2>&1",
                       &out);
  if (rc == 0 && out.rfind("/dev/loop", 0) == 0) path_ = out.substr(0, out.find('\n'));
  error_ = out;
}

LoopDevice::~LoopDevice() {
  if (!path_.empty()) run_command("losetup -d " + path_ + " 2>&1", nullptr);
}

}  // namespace llb::test
