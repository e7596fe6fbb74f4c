#pragma once
// Small helpers shared by the command-line front ends. Only argv handling lives in tools/; every
// decision is made by the libraries.

#include <boost/program_options.hpp>
#include <iostream>
#include <string>

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

}  // namespace llb::cli
