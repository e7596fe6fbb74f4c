#pragma once
// Helpers for benchmarks that compare against an outside baseline in the same run: spawning a
// command with its output discarded, and a reporter that remembers each benchmark's time so the
// run can end with the ratio.

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace llb::bench {

// Splits on spaces (the baseline commands here have no quoted arguments).
std::vector<std::string> split_command(const std::string& cmd);
// Runs argv with stdout and stderr sent to /dev/null; returns the exit status, -1 on failure.
int run_quiet(const std::vector<std::string>& argv);

// A console reporter that also records real time per benchmark name, in nanoseconds.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  RecordingReporter() : benchmark::ConsoleReporter(OO_None) {}
  void ReportRuns(const std::vector<Run>& runs) override;
  double ns(const std::string& name) const;  // 0 when the benchmark did not run
  double counter(const std::string& name, const std::string& counter) const;  // the last run's
  // Every repetition's value of a counter, in run order (empty when the benchmark did not run).
  std::vector<double> samples(const std::string& name, const std::string& counter) const;
  bool has(const std::string& name) const { return ns_.count(name) > 0; }

 private:
  std::map<std::string, double> ns_;
  std::map<std::string, std::map<std::string, std::vector<double>>> samples_;
};

// The median, smallest and largest of some samples (the machine's run-to-run noise is large, so
// a figure is the median of repetitions, printed with its range).
struct Spread {
  double median = 0, min = 0, max = 0;
  std::size_t n = 0;
};
Spread spread(std::vector<double> v);

// "12.3 ms" style
std::string pretty_ns(double ns);

}  // namespace llb::bench
