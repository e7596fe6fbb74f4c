#pragma once
// Small helpers shared by the command-line front ends. Only argv handling lives in tools/; every
// decision is made by the libraries.

#include <boost/program_options.hpp>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "libformat/status.h"

namespace llb::cli {

namespace po = boost::program_options;

// Parses argv; on a usage error prints "<tool>: <what>" and the usage text to stderr and returns
// false, so the caller exits with its usage status.
inline bool parse(int argc, char** argv, const po::options_description& visible,
                  const po::options_description& all, const po::positional_options_description& pos,
                  po::variables_map& vm, const char* tool) {
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    std::cerr << tool << ": " << e.what() << "\n" << visible;
    return false;
  }
}

// Whether a failure is the device's (could not be opened, found, read or written, or is busy)
// rather than a refusal of what is on it: the writers give these their "I/O" exit status.
inline bool is_device_failure(const Status& s) {
  switch (s.code()) {
    case Code::IoError:
    case Code::ShortRead:
    case Code::NotFound:
    case Code::Busy:
    case Code::ReadOnly:
      return true;
    default:
      return false;
  }
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
