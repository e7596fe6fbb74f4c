#include "bench/bench_util.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

extern char** environ;

namespace llb::bench {

std::vector<std::string> split_command(const std::string& cmd) {
  std::istringstream in(cmd);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

int run_quiet(const std::vector<std::string>& argv) {
  if (argv.empty()) return -1;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void RecordingReporter::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& r : runs) {
    if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
    std::string name = r.benchmark_name();
    name = name.substr(0, name.find('/'));  // drop "/min_time:2.000" and the like
    ns_[name] = r.GetAdjustedRealTime() *
                              (r.time_unit == benchmark::kMillisecond   ? 1e6
                               : r.time_unit == benchmark::kMicrosecond ? 1e3
                               : r.time_unit == benchmark::kSecond      ? 1e9
                                                                        : 1.0);
    for (const auto& [k, c] : r.counters) samples_[name][k].push_back(c.value);
  }
  ConsoleReporter::ReportRuns(runs);
}

double RecordingReporter::ns(const std::string& name) const {
  auto it = ns_.find(name);
  return it == ns_.end() ? 0 : it->second;
}

double RecordingReporter::counter(const std::string& name, const std::string& c) const {
  const std::vector<double> v = samples(name, c);
  return v.empty() ? 0 : v.back();
}

std::vector<double> RecordingReporter::samples(const std::string& name,
                                               const std::string& c) const {
  auto it = samples_.find(name);
  if (it == samples_.end()) return {};
  auto jt = it->second.find(c);
  return jt == it->second.end() ? std::vector<double>{} : jt->second;
}

Spread spread(std::vector<double> v) {
  Spread s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return s;
}

std::string pretty_ns(double ns) {
  char buf[64];
  if (ns >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
  } else if (ns >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  } else if (ns >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.2f us", ns / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  }
  return buf;
}

}  // namespace llb::bench
