// llbitmap-create: make md v1.2 RAID1 members with an llbitmap as `mdadm --create
// --bitmap=lockless` leaves them (--new), or put an llbitmap on existing v1.2 members.

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "libformat/create.h"
#include "libformat/discover.h"
#include "libformat/member.h"
#include "tools/cli_common.h"

namespace po = boost::program_options;
using namespace llb;

namespace {

enum Exit { kOk = 0, kRefused = 2, kIoError = 4, kUsage = 8 };

std::array<std::uint8_t, 16> random_uuid() {
  std::array<std::uint8_t, 16> u{};
  std::ifstream r("/dev/urandom", std::ios::binary);
  r.read(reinterpret_cast<char*>(u.data()), 16);
  return u;
}

std::optional<std::array<std::uint8_t, 16>> parse_uuid(std::string s) {
  std::string hexs;
  for (char c : s) {
    if (c == ':' || c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    hexs += c;
  }
  if (hexs.size() != 32) return std::nullopt;
  std::array<std::uint8_t, 16> u{};
  for (int i = 0; i < 16; ++i) u[i] = static_cast<std::uint8_t>(std::stoi(hexs.substr(2 * i, 2), nullptr, 16));
  return u;
}

// Creates an image file of `size` bytes (sparse) unless the path exists.
Status ensure_image(const std::string& path, std::uint64_t size) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) return Status();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Code::IoError, str_cat(path, ": cannot create: ", std::strerror(errno)));
  const int rc = ::ftruncate(fd, static_cast<off_t>(size));
  ::close(fd);
  if (rc != 0) return Status(Code::IoError, str_cat(path, ": cannot size it: ", std::strerror(errno)));
  return Status();
}

int exit_for(const Status& s) { return cli::is_device_failure(s) ? kIoError : kRefused; }

int create_new(const po::variables_map& vm, const std::vector<std::string>& paths,
               KernelVersion layout, bool dry) {
  ArraySpec spec;
  spec.layout = layout;
  spec.assume_clean = vm.count("assume-clean") > 0;
  spec.raid_disks = static_cast<std::uint32_t>(paths.size());
  if (vm.count("members") && vm["members"].as<std::uint32_t>() != paths.size()) {
    std::cerr << "llbitmap-create: --members is " << vm["members"].as<std::uint32_t>() << " but "
              << paths.size() << " paths were given\n";
    return kUsage;
  }
  if (paths.size() < 2 || paths.size() > 8) {
    std::cerr << "llbitmap-create: a RAID1 here has 2 to 8 members, " << paths.size() << " given\n";
    return kUsage;
  }
  if (vm.count("uuid")) {
    auto u = parse_uuid(vm["uuid"].as<std::string>());
    if (!u) {
      std::cerr << "llbitmap-create: --uuid '" << vm["uuid"].as<std::string>()
                << "' is not 32 hex digits\n";
      return kUsage;
    }
    spec.array_uuid = *u;
  } else {
    spec.array_uuid = random_uuid();
  }
  spec.name = vm["name"].as<std::string>();
  spec.ctime_seconds = static_cast<std::uint64_t>(::time(nullptr));
  std::optional<std::uint64_t> size;
  if (vm.count("size")) {
    size = cli::parse_size(vm["size"].as<std::string>());
    if (!size || *size < (4ull << 20) || *size % 512) {
      std::cerr << "llbitmap-create: --size '" << vm["size"].as<std::string>()
                << "': expected a multiple of 512 bytes, at least 4M (suffixes K, M, G, T)\n";
      return kUsage;
    }
  }
  const bool force = vm.count("force") > 0;
  // Refuse devices that hold something, unless --force.
  for (const auto& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) {
      if (!size) {
        std::cerr << "llbitmap-create: " << p << " does not exist: give --size to create it\n";
        return kUsage;
      }
      continue;
    }
    ProbeResult pr = probe_path(p);
    if (pr.outcome == ProbeOutcome::Found && !force) {
      std::cerr << "llbitmap-create: " << p << " holds a " << pr.type
                << " signature; refused (--force overwrites its metadata)\n";
      return kRefused;
    }
  }
  std::vector<std::unique_ptr<BlockDevice>> devs;
  for (const auto& p : paths) {
    if (!dry) {
      Status st = ensure_image(p, size.value_or(0));
      if (!st.ok()) {
        std::cerr << "llbitmap-create: " << st.message() << "\n";
        return kIoError;
      }
    }
    std::error_code ec;
    if (dry && !std::filesystem::exists(p, ec)) continue;
    auto d = open_device(p, dry ? Access::ReadOnly : Access::ReadWriteExclusive);
    if (!d.ok()) {
      std::cerr << "llbitmap-create: " << d.status().message() << "\n";
      return exit_for(d.status());
    }
    devs.push_back(std::move(d).value());
  }
  std::uint64_t member_size = size.value_or(0);
  for (auto& d : devs) {
    if (d->kind() == DeviceKind::BlockDevice || !size) member_size = d->size_bytes();
  }
  for (auto& d : devs) {
    if (d->size_bytes() != member_size) {
      std::cerr << "llbitmap-create: " << d->name() << " has " << d->size_bytes()
                << " bytes, expected " << member_size << " like the others\n";
      return kRefused;
    }
  }
  spec.member_size_bytes = member_size;
  if (member_size / 512 <= spec.data_offset_sectors + kMinChunkSectors) {
    std::cerr << "llbitmap-create: members of " << member_size << " bytes leave no room for data\n";
    return kRefused;
  }
  const Geometry g = spec_geometry(spec);
  std::cout << "array " << uuid_colon(spec.array_uuid) << ": raid1, " << paths.size()
            << " members of " << member_size << " bytes, metadata 1.2, llbitmap ("
            << kernel_version_name(layout) << " layout), chunk " << g.chunksize_sectors
            << " sectors (" << g.chunks << " chunks) at first assembly"
            << (spec.assume_clean ? ", --assume-clean" : "") << "\n";
  if (dry) {
    std::cout << "dry run: nothing written\n";
    return kOk;
  }
  for (std::size_t i = 0; i < devs.size(); ++i) {
    MemberSpec m;
    m.dev_number = static_cast<std::uint32_t>(i);
    m.role = static_cast<std::uint16_t>(i);
    m.device_uuid = random_uuid();
    Status st = write_member_metadata(*devs[i], spec, m, BitmapInit::Placeholder, 0, {});
    if (st.ok()) st = devs[i]->flush();
    if (!st.ok()) {
      std::cerr << "llbitmap-create: " << st.message() << "\n";
      return kIoError;
    }
    std::cout << "  " << paths[i] << ": role " << i << ", device " << uuid_colon(m.device_uuid)
              << "\n";
  }
  return kOk;
}

// Adds an llbitmap (mdadm's placeholder) to members that have an md v1.2 superblock and no bitmap.
int add_bitmap(const std::vector<std::string>& paths, KernelVersion layout, bool assume_clean,
               bool dry) {
  struct Todo {
    std::unique_ptr<BlockDevice> dev;
    Member m;
  };
  std::vector<Todo> todo;
  for (const auto& p : paths) {
    auto d = open_device(p, dry ? Access::ReadOnly : Access::ReadWriteExclusive);
    if (!d.ok()) {
      std::cerr << "llbitmap-create: " << d.status().message() << "\n";
      return exit_for(d.status());
    }
    auto m = load_member(**d, LayoutChoice::Auto);
    if (!m.ok()) {
      std::cerr << "llbitmap-create: " << m.status().message()
                << " (give --new to make new members)\n";
      return kRefused;
    }
    const MdSuperblock& sb = m->md.sb;
    std::string why;
    if (m->md.minor_version != 2) {
      why = str_cat("metadata is 1.", m->md.minor_version, ", expected 1.2");
    } else if (!m->md.checksum_ok()) {
      why = "md superblock checksum is wrong (llbitmap-repair fixes it)";
    } else if (m->has_bitmap) {
      why = m->lockless ? "it already has an llbitmap"
                        : "it has a classic bitmap (remove it with mdadm --grow --bitmap=none first)";
    } else if (sb.resync_offset != kMaxSector) {
      why = str_cat("the array is not clean (resync_offset ", sb.resync_offset,
                    "): a new bitmap would hide the pending resync; resync it first");
    } else if (sb.data_offset * 512 < m->md.offset_bytes + 4096 + kDefaultSectorsReserved * 512ull) {
      why = str_cat("data_offset ", sb.data_offset, " sectors leaves less than ",
                    kDefaultSectorsReserved, " sectors for the bitmap after the superblock");
    } else if (sb.level != 1) {
      why = str_cat("level is ", md_level_name(sb.level), ", expected raid1");
    }
    if (!why.empty()) {
      std::cerr << "llbitmap-create: " << p << ": " << why << "; refused\n";
      return kRefused;
    }
    if (!todo.empty() && todo.front().m.md.sb.set_uuid != sb.set_uuid) {
      std::cerr << "llbitmap-create: " << p << " belongs to another array than "
                << todo.front().m.device << "\n";
      return kRefused;
    }
    todo.push_back({std::move(d).value(), std::move(m).value()});
  }
  for (auto& t : todo) {
    std::cout << t.m.device << ": add an llbitmap placeholder (" << kernel_version_name(layout)
              << " layout) at 8 sectors from the superblock\n";
  }
  if (dry) {
    std::cout << "dry run: nothing written\n";
    return kOk;
  }
  // The bitmap pages first; the md superblocks point at them only once they are durable.
  for (auto& t : todo) {
    BitmapSuperblock b = placeholder_for_md(t.m.md.sb, layout, assume_clean);
    std::vector<std::uint8_t> page(kBitmapPageBytes, 0xff);
    (void)encode_bitmap_superblock(b, page);
    Status st = t.dev->write_at(t.m.md.offset_bytes + 4096, page);
    if (st.ok()) st = t.dev->flush();
    if (!st.ok()) {
      std::cerr << "llbitmap-create: " << st.message() << "\n";
      return kIoError;
    }
  }
  for (auto& t : todo) {
    MdSuperblock sb = t.m.md.sb;
    sb.feature_map |= kFeatureBitmapOffset;
    sb.bitmap_offset = 8;
    sb.sb_csum = md_sb_checksum(sb);
    std::vector<std::uint8_t> bytes(sb.checksummed_bytes() + sb.tail.size(), 0);
    Status st = encode_md_superblock(sb, bytes);
    if (st.ok()) st = t.dev->write_at(t.m.md.offset_bytes, bytes);
    if (st.ok()) st = t.dev->flush();
    if (!st.ok()) {
      std::cerr << "llbitmap-create: " << st.message() << "\n";
      return kIoError;
    }
  }
  std::cout << "done: the kernel initialises the bitmap at the next assembly\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible(
      "Usage: llbitmap-create --new [--size SIZE] [options] MEMBER...\n"
      "       llbitmap-create [options] MEMBER...\n"
      "With --new: writes md v1.2 RAID1 metadata with a lockless bitmap on each MEMBER (image\n"
      "files are created, sparse, with --size), as `mdadm --create --level=1 --bitmap=lockless`\n"
      "does: mdadm's placeholder bitmap with FIRST_USE, initialised by the kernel at the first\n"
      "assembly. Without --new: adds that placeholder to existing v1.2 members without a bitmap.\n\n"
      "Exit status: 0 written, 2 refused (a device holds data or does not fit), 4 a device could\n"
      "not be opened (busy included) or written, 8 usage.\n\nOptions");
  visible.add_options()
      ("help,h", "show this help")
      ("new", "make new members (their metadata is overwritten)")
      ("size", po::value<std::string>(), "member size for new image files (e.g. 128M)")
      ("members", po::value<std::uint32_t>(), "number of members (must equal the paths given)")
      ("layout", po::value<std::string>()->default_value("upstream"), "upstream (Linux 7.2) or rfc (January 2025 RFC)")
      ("assume-clean", "as mdadm --assume-clean: the kernel starts every chunk Clean")
      ("uuid", po::value<std::string>(), "array UUID (default: random)")
      ("name", po::value<std::string>()->default_value("llbitmap:0"), "array name (host:name)")
      ("force", "with --new: overwrite devices that hold a signature")
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
  if (!vm.count("member")) {
    std::cerr << "llbitmap-create: no member given\n" << visible;
    return kUsage;
  }
  const std::string ls = vm["layout"].as<std::string>();
  const auto parsed_layout = parse_kernel_version(ls);
  if (!parsed_layout) {
    std::cerr << "llbitmap-create: --layout is '" << ls << "', expected upstream or rfc\n";
    return kUsage;
  }
  const KernelVersion layout = *parsed_layout;
  const auto paths = vm["member"].as<std::vector<std::string>>();
  const bool dry = vm.count("dry-run") > 0;
  if (vm.count("new")) return create_new(vm, paths, layout, dry);
  if (vm.count("size") || vm.count("members") || vm.count("uuid") || vm.count("force")) {
    std::cerr << "llbitmap-create: --size, --members, --uuid and --force go with --new\n";
    return kUsage;
  }
  return add_bitmap(paths, layout, vm.count("assume-clean") > 0, dry);
}
