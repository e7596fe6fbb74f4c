#include "tools/cli.h"

#include <sstream>

#include "libformat/codec/version.h"
#include "libformat/report/tool_json.h"

namespace llb::cli {

Command::Command(ToolInfo info) : info_(std::move(info)), visible_("Options") {
  visible_.add_options()("help,h", "show this help")("version", "show the version");
}

std::string Command::help_text() const {
  std::ostringstream o;
  o << info_.synopsis << "\n" << info_.description << "\n\n" << visible_ << "\nExit status"
    << (info_.exits_are_bits ? " (bits, OR-ed)" : "") << ":\n";
  for (const ExitStatus& e : info_.exits) {
    o << "  " << e.value << (e.value < 10 ? "   " : "  ") << e.meaning << "\n";
  }
  return o.str();
}

std::optional<int> Command::parse(int argc, char** argv) {
  po::options_description all;
  all.add(visible_).add(hidden_);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional_).run(), vm_);
    po::notify(vm_);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (has("help")) {
    std::cout << help_text();
    return 0;
  }
  if (has("version")) {
    std::cout << info_.name << " " << version() << "\n";
    return 0;
  }
  if (quiet_means_silent_ && has("quiet")) {
    if (has("json")) return usage_error("--quiet and --json exclude each other");
    std::cout.setstate(std::ios::badbit);  // every later write to stdout is dropped
  }
  return std::nullopt;
}

int Command::usage_error(std::string_view message) const {
  if (has("json")) std::cout << error_json(info_.name, message, info_.usage_exit) << "\n";
  std::cerr << info_.name << ": " << message << "\n" << info_.synopsis << "\n(" << info_.name
            << " --help lists the options)\n";
  return info_.usage_exit;
}

int Command::fail(std::string_view message, int exit) const {
  if (has("json")) std::cout << error_json(info_.name, message, exit) << "\n";
  std::cerr << info_.name << ": " << message << "\n";
  return exit;
}

bool is_device_failure(const Status& s) {
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

}  // namespace llb::cli
