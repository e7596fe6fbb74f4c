// llbitmap-create: make md v1.2 RAID1 members with an llbitmap as `mdadm --create
// --bitmap=lockless` leaves them (--new), or put an llbitmap on existing v1.2 members. Only argv
// handling lives here; the decisions are libformat/create_array.h's.

#include <ctime>
#include <iostream>

#include "libformat/ops/create_array.h"
#include "libformat/report/tool_json.h"
#include "tools/cli.h"

namespace po = boost::program_options;
using namespace llb;

namespace {

enum Exit { kOk = 0, kRefused = 2, kIoError = 4, kUsage = 8 };

}  // namespace

int main(int argc, char** argv) {
  cli::Command cmd({
      "llbitmap-create",
      "Usage: llbitmap-create --new [--size SIZE] [options] MEMBER...\n"
      "       llbitmap-create [options] MEMBER...",
      "With --new: writes md v1.2 RAID1 metadata with a lockless bitmap on each MEMBER (image\n"
      "files are created, sparse, with --size), as `mdadm --create --level=1 --bitmap=lockless`\n"
      "does: mdadm's placeholder bitmap with FIRST_USE, initialised by the kernel at the first\n"
      "assembly. Without --new: adds that placeholder to existing v1.2 members without a bitmap.\n"
      "Killed at any moment, each member is left without an md superblock or with a valid one;\n"
      "with --undo-file, llbitmap-undo puts back what was there.",
      {{kOk, "written"},
       {kRefused, "refused: a device holds data or does not fit"},
       {kIoError, "a device could not be opened (busy included) or written"},
       {kUsage, "usage"}},
      kUsage});
  cmd.add()
      ("new", "make new members (their metadata is overwritten)")
      ("size", po::value<std::string>(), "member size for new image files (e.g. 128M)")
      ("members", po::value<std::string>(), "number of members (must equal the paths given)")
      ("layout", po::value<std::string>()->default_value("upstream"), "upstream (Linux 7.2) or rfc (January 2025 RFC)")
      ("assume-clean", "as mdadm --assume-clean: the kernel starts every chunk Clean")
      ("uuid", po::value<std::string>(), "array UUID (default: random)")
      ("name", po::value<std::string>()->default_value("llbitmap:0"), "array name (host:name)")
      ("force", "with --new: overwrite devices that hold a signature")
      ("undo-file,z", po::value<std::string>(), "save every block before it is overwritten (llbitmap-undo restores it)")
      ("dry-run,n", "say what would be written, write nothing")
      ("json", "print one JSON document (schema llbitmap-create, version 1; docs/tools-json.md)");
  cmd.add_hidden()("member", po::value<std::vector<std::string>>(), "members");
  cmd.add_quiet();
  cmd.positional("member", -1);
  if (auto done = cmd.parse(argc, argv)) return *done;
  if (!cmd.has("member")) return cmd.usage_error("no member given");
  auto fail = [&](const Status& s) {
    return cmd.fail(s, s.code() == Code::InvalidArgument ? kUsage
                       : cli::is_device_failure(s)      ? kIoError
                                                        : kRefused);
  };
  CreateRequest req;
  req.paths = cmd.get<std::vector<std::string>>("member");
  const auto layout = parse_kernel_version(cmd.get<std::string>("layout"));
  if (!layout) {
    return cmd.usage_error("--layout is '" + cmd.get<std::string>("layout") +
                           "', expected upstream or rfc");
  }
  req.layout = *layout;
  req.assume_clean = cmd.has("assume-clean");
  req.mode = cmd.has("new") ? CreateMode::NewMembers : CreateMode::AddBitmap;
  if (req.mode == CreateMode::AddBitmap &&
      (cmd.has("size") || cmd.has("members") || cmd.has("uuid") || cmd.has("force"))) {
    return cmd.usage_error("--size, --members, --uuid and --force go with --new");
  }
  if (cmd.has("members")) {
    auto n = cli::parse_unsigned(cmd.get<std::string>("members"), 1, 1920);
    if (!n || *n != req.paths.size()) {
      return cmd.usage_error(str_cat("--members is '", cmd.get<std::string>("members"), "' but ",
                                     req.paths.size(), " paths were given"));
    }
  }
  if (cmd.has("size")) {
    req.size_bytes = cli::parse_size(cmd.get<std::string>("size"));
    if (!req.size_bytes) {
      return cmd.usage_error("--size '" + cmd.get<std::string>("size") +
                             "': expected a size in bytes, with an optional K, M, G or T suffix");
    }
  }
  if (cmd.has("uuid")) {
    req.array_uuid = parse_uuid(cmd.get<std::string>("uuid"));
    if (!req.array_uuid) {
      return cmd.usage_error("--uuid '" + cmd.get<std::string>("uuid") + "' is not 32 hex digits");
    }
  }
  req.name = cmd.get<std::string>("name");
  req.force = cmd.has("force");
  req.ctime_seconds = static_cast<std::uint64_t>(::time(nullptr));

  auto plan = plan_create(req);
  if (!plan.ok()) return fail(plan.status());
  const bool json = cmd.has("json");
  const std::string undo = cmd.has("undo-file") ? cmd.get<std::string>("undo-file") : "";
  if (!json) {
    for (const std::string& line : plan->lines) std::cout << line << "\n";
  }
  if (cmd.has("dry-run")) {
    std::cout << (json ? create_json(*plan, true, false, undo, kOk) + "\n" : "dry run: nothing written\n");
    return kOk;
  }
  auto job = CreateJob::prepare(*plan);
  if (!job.ok()) return fail(job.status());
  if (Status st = job->run(undo); !st.ok()) return fail(st);
  if (json) {
    std::cout << create_json(*plan, false, true, undo, kOk) << "\n";
    return kOk;
  }
  if (!undo.empty()) std::cout << "undo file: " << undo << "\n";
  std::cout << (req.mode == CreateMode::NewMembers
                    ? "done: assemble with mdadm --assemble; the kernel initialises the bitmap\n"
                    : "done: the kernel initialises the bitmap at the next assembly\n");
  return kOk;
}
