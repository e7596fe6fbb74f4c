#include "libformat/report/progress_report.h"

#include <cmath>
#include <cstdio>

#include "libformat/report/json.h"

namespace llb {
namespace {

struct Figures {
  std::uint64_t done_kib, total_kib, speed_kib;
  double percent, finish_min;
};

Figures figures(const Progress& p) {
  Figures f;
  f.done_kib = p.done_bytes / 1024;
  f.total_kib = p.total_bytes / 1024;
  f.percent = p.total_bytes ? 100.0 * static_cast<double>(p.done_bytes) /
                                  static_cast<double>(p.total_bytes)
                            : 100.0;
  const double secs = p.elapsed_seconds > 0 ? p.elapsed_seconds : 1e-9;
  f.speed_kib = static_cast<std::uint64_t>(static_cast<double>(f.done_kib) / secs);
  const double left = static_cast<double>(f.total_kib - std::min(f.done_kib, f.total_kib));
  f.finish_min = f.speed_kib ? left / static_cast<double>(f.speed_kib) / 60.0 : 0.0;
  return f;
}

}  // namespace

std::string progress_mdstat_line(const Progress& p) {
  const Figures f = figures(p);
  // md draws 20 cells: '=' for done, '>' at the front, '.' for the rest.
  const int done_cells = static_cast<int>(f.percent / 5.0);
  std::string bar = "[";
  for (int i = 0; i < 20; ++i) {
    bar += i < done_cells ? '=' : (i == done_cells ? '>' : '.');
  }
  bar += "]";
  char line[256];
  std::snprintf(line, sizeof line, "%s  %s = %4.1f%% (%llu/%llu) finish=%.1fmin speed=%lluK/sec",
                bar.c_str(), p.action.c_str(), std::floor(f.percent * 10) / 10,
                static_cast<unsigned long long>(f.done_kib),
                static_cast<unsigned long long>(f.total_kib), f.finish_min,
                static_cast<unsigned long long>(f.speed_kib));
  return line;
}

std::string progress_json_line(const Progress& p) {
  const Figures f = figures(p);
  nlohmann::ordered_json j;
  j["action"] = p.action;
  j["done_kib"] = f.done_kib;
  j["total_kib"] = f.total_kib;
  j["percent"] = std::floor(f.percent * 10) / 10;
  j["speed_kib_per_sec"] = f.speed_kib;
  j["finish_seconds"] = std::round(f.finish_min * 60.0);
  return json_text(j);
}

}  // namespace llb
