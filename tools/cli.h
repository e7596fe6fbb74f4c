#pragma once
// The command-line front ends' shared preamble: one Command per tool declares its synopsis, its
// description, its documented exit statuses and its options; parse() handles --help (the synopsis,
// the options and the exit statuses, from that one declaration), --version and usage errors, each
// with the tool's own usage exit status. Only argv handling lives in tools/; every decision is
// made by the libraries.

#include <boost/program_options.hpp>
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libformat/codec/status.h"

namespace llb::cli {

namespace po = boost::program_options;

struct ExitStatus {
  int value;
  const char* meaning;
};

struct ToolInfo {
  const char* name;                 // "llbitmap-resync"
  const char* synopsis;             // the "Usage:" lines, without a final newline
  const char* description;          // a paragraph, lines of at most 79 columns
  std::vector<ExitStatus> exits;    // every status the tool returns
  int usage_exit = 8;               // what a usage error returns (e2fsck's 16 for repair)
  bool exits_are_bits = false;      // statuses are OR-ed bits (examine, repair)
};

class Command {
 public:
  explicit Command(ToolInfo info);

  // Options shown by --help (--help and --version are already there), hidden ones, positionals.
  po::options_description_easy_init add() { return visible_.add_options(); }
  po::options_description_easy_init add_hidden() { return hidden_.add_options(); }
  void positional(const char* name, int max_count) { positional_.add(name, max_count); }
  // -q/--quiet: nothing on standard output, for a script that wants only the exit status
  // (errors still go to standard error).
  void add_quiet() {
    add()("quiet,q", "print nothing on standard output; the exit status says it all");
    quiet_means_silent_ = true;
  }

  // Parses argv (from argv[first] on). An exit status when the tool is done already (--help,
  // --version, or a usage error, reported), nullopt when it goes on.
  std::optional<int> parse(int argc, char** argv);

  const po::variables_map& vm() const { return vm_; }
  bool has(const char* name) const { return vm_.count(name) > 0; }
  template <typename T>
  const T& get(const char* name) const {
    return vm_[name].as<T>();
  }

  // "<tool>: <message>" and the usage text on stderr; returns the usage exit status. With --json,
  // also the error document (schema: the tool's name) on stdout, so a script always gets one.
  int usage_error(std::string_view message) const;
  // "<tool>: <message>" on stderr; returns `exit`.
  int fail(std::string_view message, int exit) const;
  int fail(const Status& s, int exit) const { return fail(s.message(), exit); }

  const ToolInfo& info() const { return info_; }
  std::string help_text() const;  // what --help prints

 private:
  ToolInfo info_;
  po::options_description visible_;
  po::options_description hidden_;
  po::positional_options_description positional_;
  po::variables_map vm_;
  bool quiet_means_silent_ = false;  // add_quiet() was called (llbitmap-sim's --quiet is its own)
};

// Whether a failure is the device's (could not be opened, found, read or written, or is busy)
// rather than a refusal of what is on it: the writers give these their "I/O" exit status.
bool is_device_failure(const Status& s);

// A whole number from `min` to `max`, in decimal digits only: no sign, no spaces, no suffix.
// nullopt otherwise (std::stoull would take "-5" and wrap it).
inline std::optional<std::uint64_t> parse_unsigned(const std::string& s, std::uint64_t min = 0,
                                                   std::uint64_t max = ~std::uint64_t{0}) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (~std::uint64_t{0} - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (v < min || v > max) return std::nullopt;
  return v;
}

// An unsigned option value, bounded: Boost's own parser accepts "-5" for an unsigned option and
// wraps it to a huge number, and accepts any value the type holds. Declare an option with
// po::value<cli::Bounded<T, Max>>() and read it with .as<...>().value.
template <typename T, std::uint64_t Max = std::numeric_limits<T>::max(), std::uint64_t Min = 0>
struct Bounded {
  T value = 0;
};
template <typename T, std::uint64_t Max, std::uint64_t Min>
std::ostream& operator<<(std::ostream& o, const Bounded<T, Max, Min>& b) {
  return o << b.value;
}
template <typename T, std::uint64_t Max, std::uint64_t Min>
void validate(boost::any& v, const std::vector<std::string>& values, Bounded<T, Max, Min>*, int) {
  namespace po = boost::program_options;
  po::validators::check_first_occurrence(v);
  const std::string& s = po::validators::get_single_string(values);
  const auto n = parse_unsigned(s, Min, Max);
  if (!n) {
    throw po::error_with_option_name(
        "the argument ('" + s + "') for option '%canonical_option%' is invalid: expected a whole "
        "number from " + std::to_string(Min) + " to " + std::to_string(Max));
  }
  v = Bounded<T, Max, Min>{static_cast<T>(*n)};
}

// "128M", "1G", "4096", "64K": bytes, with binary suffixes K, M, G, T. nullopt when malformed.
inline std::optional<std::uint64_t> parse_size(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::size_t end = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &end, 10);
  } catch (...) {
    return std::nullopt;
  }
  std::uint64_t mult = 1;
  if (end < s.size()) {
    if (end + 1 != s.size() && !(end + 3 == s.size() && s.substr(end + 1) == "iB")) {
      return std::nullopt;
    }
    switch (s[end]) {
      case 'k': case 'K': mult = 1ull << 10; break;
      case 'm': case 'M': mult = 1ull << 20; break;
      case 'g': case 'G': mult = 1ull << 30; break;
      case 't': case 'T': mult = 1ull << 40; break;
      default: return std::nullopt;
    }
  }
  if (v > ~0ull / mult) return std::nullopt;
  return v * mult;
}

}  // namespace llb::cli
