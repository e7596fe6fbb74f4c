// llbitmap-create: make md v1.2 RAID1 members with an llbitmap as `mdadm --create
// --bitmap=lockless` leaves them (--new), or put an llbitmap on existing v1.2 members. Only argv
// handling lives here; the decisions are libformat/create_array.h's.

#include <ctime>
#include <iostream>

#include "libformat/create_array.h"
#include "tools/cli_common.h"

namespace po = boost::program_options;
using namespace llb;

namespace {

enum Exit { kOk = 0, kRefused = 2, kIoError = 4, kUsage = 8 };

int fail(const Status& s) {
  std::cerr << "llbitmap-create: " << s.message() << "\n";
  if (s.code() == Code::InvalidArgument) return kUsage;
  return cli::is_device_failure(s) ? kIoError : kRefused;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible(
      "Usage: llbitmap-create --new [--size SIZE] [options] MEMBER...\n"
      "       llbitmap-create [options] MEMBER...\n"
      "With --new: writes md v1.2 RAID1 metadata with a lockless bitmap on each MEMBER (image\n"
      "files are created, sparse, with --size), as `mdadm --create --level=1 --bitmap=lockless`\n"
      "does: mdadm's placeholder bitmap with FIRST_USE, initialised by the kernel at the first\n"
      "assembly. Without --new: adds that placeholder to existing v1.2 members without a bitmap.\n"
      "Killed at any moment, each member is left without an md superblock or with a valid one;\n"
      "with --undo-file, llbitmap-undo puts back what was there.\n\n"
      "Exit status: 0 written, 2 refused (a device holds data or does not fit), 4 a device could\n"
      "not be opened (busy included) or written, 8 usage.\n\nOptions");
  visible.add_options()
      ("help,h", "show this help")
      ("version", "show the version")
      ("new", "make new members (their metadata is overwritten)")
      ("size", po::value<std::string>(), "member size for new image files (e.g. 128M)")
      ("members", po::value<std::string>(), "number of members (must equal the paths given)")
      ("layout", po::value<std::string>()->default_value("upstream"), "upstream (Linux 7.2) or rfc (January 2025 RFC)")
      ("assume-clean", "as mdadm --assume-clean: the kernel starts every chunk Clean")
      ("uuid", po::value<std::string>(), "array UUID (default: random)")
      ("name", po::value<std::string>()->default_value("llbitmap:0"), "array name (host:name)")
      ("force", "with --new: overwrite devices that hold a signature")
      ("undo-file,z", po::value<std::string>(), "save every block before it is overwritten (llbitmap-undo restores it)")
      ("dry-run,n", "say what would be written, write nothing");
  po::options_description hidden;
  hidden.add_options()("member", po::value<std::vector<std::string>>(), "members");
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("member", -1);
  po::variables_map vm;
  if (!cli::parse(argc, argv, visible, all, pos, vm, "llbitmap-create")) return kUsage;
  if (vm.count("help")) {
    std::cout << visible;
    return kOk;
  }
  if (vm.count("version")) {
    std::cout << "llbitmap-create " << LLB_VERSION << "\n";
    return kOk;
  }
  if (!vm.count("member")) {
    std::cerr << "llbitmap-create: no member given\n" << visible;
    return kUsage;
  }
  CreateRequest req;
  req.paths = vm["member"].as<std::vector<std::string>>();
  const auto layout = parse_kernel_version(vm["layout"].as<std::string>());
  if (!layout) {
    std::cerr << "llbitmap-create: --layout is '" << vm["layout"].as<std::string>()
              << "', expected upstream or rfc\n";
    return kUsage;
  }
  req.layout = *layout;
  req.assume_clean = vm.count("assume-clean") > 0;
  req.mode = vm.count("new") ? CreateMode::NewMembers : CreateMode::AddBitmap;
  if (req.mode == CreateMode::AddBitmap &&
      (vm.count("size") || vm.count("members") || vm.count("uuid") || vm.count("force"))) {
    std::cerr << "llbitmap-create: --size, --members, --uuid and --force go with --new\n";
    return kUsage;
  }
  if (vm.count("members")) {
    auto n = cli::parse_unsigned(vm["members"].as<std::string>(), 1, 1920);
    if (!n || *n != req.paths.size()) {
      std::cerr << "llbitmap-create: --members is '" << vm["members"].as<std::string>() << "' but "
                << req.paths.size() << " paths were given\n";
      return kUsage;
    }
  }
  if (vm.count("size")) {
    req.size_bytes = cli::parse_size(vm["size"].as<std::string>());
    if (!req.size_bytes) {
      std::cerr << "llbitmap-create: --size '" << vm["size"].as<std::string>()
                << "': expected a size in bytes, with an optional K, M, G or T suffix\n";
      return kUsage;
    }
  }
  if (vm.count("uuid")) {
    req.array_uuid = parse_uuid(vm["uuid"].as<std::string>());
    if (!req.array_uuid) {
      std::cerr << "llbitmap-create: --uuid '" << vm["uuid"].as<std::string>()
                << "' is not 32 hex digits\n";
      return kUsage;
    }
  }
  req.name = vm["name"].as<std::string>();
  req.force = vm.count("force") > 0;
  req.ctime_seconds = static_cast<std::uint64_t>(::time(nullptr));

  auto plan = plan_create(req);
  if (!plan.ok()) return fail(plan.status());
  for (const std::string& line : plan->lines) std::cout << line << "\n";
  if (vm.count("dry-run")) {
    std::cout << "dry run: nothing written\n";
    return kOk;
  }
  auto job = CreateJob::prepare(*plan);
  if (!job.ok()) return fail(job.status());
  const std::string undo = vm.count("undo-file") ? vm["undo-file"].as<std::string>() : "";
  if (Status st = job->run(undo); !st.ok()) return fail(st);
  if (!undo.empty()) std::cout << "undo file: " << undo << "\n";
  std::cout << (req.mode == CreateMode::NewMembers
                    ? "done: assemble with mdadm --assemble; the kernel initialises the bitmap\n"
                    : "done: the kernel initialises the bitmap at the next assembly\n");
  return kOk;
}
