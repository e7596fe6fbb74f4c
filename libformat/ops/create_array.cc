#include "libformat/ops/create_array.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libformat/io/device_identity.h"
#include "libformat/io/discover.h"
#include "libformat/io/undo_file.h"
#include "libformat/ops/member.h"

namespace llb {
namespace {

constexpr std::uint32_t kMinMembers = 2, kMaxMembers = 8;
// Write groups: old superblock copies invalidated, then bitmap pages, then the md superblocks
// that make the members valid, one group after the other with every device flushed in between.
enum CreateOrder : int { kOrderInvalidate = 0, kOrderBitmap = 1, kOrderSuperblock = 2 };

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status refuse(const std::string& path, const std::string& why) {
  return Status(Code::Unsupported, str_cat(path, ": ", why, "; refused"));
}

Result<std::uint64_t> member_size(const CreateRequest& r) {
  std::optional<std::uint64_t> size;
  for (const std::string& p : r.paths) {
    if (!exists(p)) continue;
    auto dev = open_device(p, Access::ReadOnly);
    if (!dev.ok()) return dev.status();
    const std::uint64_t s = (*dev)->size_bytes();
    // Existing image files take --size when given (they are grown or shrunk to nothing: refused
    // below when they differ); block devices always give their own size.
    if ((*dev)->kind() == DeviceKind::ImageFile && r.size_bytes) continue;
    if (size && *size != s) {
      return Status(Code::Unsupported, str_cat(p, ": has ", s, " bytes, expected ", *size,
                                               " like the members before it"));
    }
    size = s;
  }
  if (!size) size = r.size_bytes;
  if (!size) {
    return Status(Code::InvalidArgument,
                  str_cat(r.paths.front(), " does not exist: give --size to create it"));
  }
  for (const std::string& p : r.paths) {
    if (!exists(p)) continue;
    auto dev = open_device(p, Access::ReadOnly);
    if (!dev.ok()) return dev.status();
    if ((*dev)->size_bytes() != *size) {
      return Status(Code::Unsupported, str_cat(p, ": has ", (*dev)->size_bytes(),
                                               " bytes, expected ", *size, " like the others"));
    }
  }
  return *size;
}

Result<CreatePlan> plan_new(const CreateRequest& r) {
  CreatePlan plan;
  plan.request = r;
  if (r.size_bytes && (*r.size_bytes < (4ull << 20) || *r.size_bytes % 512 != 0)) {
    return Status(Code::InvalidArgument,
                  str_cat("--size ", *r.size_bytes, " bytes: expected a multiple of 512 bytes, "
                                                    "at least 4 MiB"));
  }
  if (r.paths.size() < kMinMembers || r.paths.size() > kMaxMembers) {
    return Status(Code::InvalidArgument, str_cat("a RAID1 here has ", kMinMembers, " to ",
                                                 kMaxMembers, " members, ", r.paths.size(),
                                                 " given"));
  }
  for (const std::string& p : r.paths) {
    const bool there = exists(p);
    plan.make_file.push_back(!there);
    if (!there) continue;
    const ProbeResult pr = probe_path(p);
    if (pr.outcome == ProbeOutcome::Found && !r.force) {
      return refuse(p, str_cat("holds a ", pr.type, " signature (--force overwrites its metadata)"));
    }
  }
  auto size = member_size(r);
  if (!size.ok()) return size.status();
  ArraySpec& spec = plan.spec;
  spec.layout = r.layout;
  spec.assume_clean = r.assume_clean;
  spec.bblog = ArraySpec::BblogPlacement::AfterBitmap;  // never inside the llbitmap's area
  spec.raid_disks = static_cast<std::uint32_t>(r.paths.size());
  spec.array_uuid = r.array_uuid ? *r.array_uuid : generate_uuid();
  spec.name = r.name;
  spec.ctime_seconds = r.ctime_seconds;
  spec.member_size_bytes = *size;
  if (*size / 512 <= spec.data_offset_sectors + kMinChunkSectors) {
    return Status(Code::Unsupported, str_cat("members of ", *size,
                                             " bytes leave no room for data after data_offset ",
                                             spec.data_offset_sectors, " sectors"));
  }
  const Geometry g = spec_geometry(spec);
  plan.lines.push_back(str_cat("array ", uuid_colon(spec.array_uuid), ": raid1, ",
                               r.paths.size(), " members of ", *size,
                               " bytes, metadata 1.2, llbitmap (", kernel_version_name(r.layout),
                               " layout), chunk ", g.chunksize_sectors, " sectors (", g.chunks,
                               " chunks) at first assembly",
                               spec.assume_clean ? ", --assume-clean" : ""));
  for (std::size_t i = 0; i < r.paths.size(); ++i) {
    plan.device_uuids.push_back(generate_uuid());
    plan.lines.push_back(str_cat("  ", r.paths[i], ": role ", i, ", device ",
                                 uuid_colon(plan.device_uuids.back()),
                                 plan.make_file[i] ? " (new image file)" : ""));
  }
  return plan;
}

// Why an existing member cannot take an llbitmap placeholder, or an empty string.
std::string add_refusal(const Member& m) {
  const MdSuperblock& sb = m.md.sb;
  if (m.md.minor_version != 2) return str_cat("metadata is 1.", m.md.minor_version, ", expected 1.2");
  if (!m.md_verdict.accepted()) {
    return m.md_verdict.findings.front().message + " (llbitmap-repair fixes a bad checksum)";
  }
  if (m.has_bitmap) {
    if (m.lockless) return "it already has an llbitmap";
    if (m.bitmap && m.bitmap->version >= kBitmapMajorHostEndian &&
        m.bitmap->version <= kBitmapMajorClustered) {
      return "it has a classic bitmap (remove it with mdadm --grow --bitmap=none first)";
    }
    return "its bitmap superblock is damaged (see llbitmap-examine; llbitmap-repair rebuilds it)";
  }
  if (sb.resync_offset != kMaxSector) {
    return str_cat("the array is not clean (resync_offset ", sb.resync_offset,
                   "): a new bitmap would hide the pending resync; resync it first");
  }
  if (sb.data_offset * 512 < m.md.offset_bytes + 4096 + kDefaultSectorsReserved * 512ull) {
    return str_cat("data_offset ", sb.data_offset, " sectors leaves less than ",
                   kDefaultSectorsReserved, " sectors for the bitmap after the superblock");
  }
  if (sb.level != 1) return str_cat("level is ", md_level_name(sb.level), ", expected raid1");
  return {};
}

Result<CreatePlan> plan_add(const CreateRequest& r) {
  CreatePlan plan;
  plan.request = r;
  std::optional<Uuid> array;
  for (const std::string& p : r.paths) {
    auto dev = open_device(p, Access::ReadOnly);
    if (!dev.ok()) return dev.status();
    auto m = load_member(**dev, LayoutChoice::Auto);
    if (!m.ok()) {
      return Status(Code::Unsupported,
                    str_cat(m.status().message(), " (give --new to make new members)"));
    }
    if (std::string why = add_refusal(*m); !why.empty()) return refuse(p, why);
    if (array && *array != m->md.sb.set_uuid) {
      return refuse(p, str_cat("belongs to array ", uuid_colon(m->md.sb.set_uuid), ", not ",
                               uuid_colon(*array), " like ", r.paths.front()));
    }
    array = m->md.sb.set_uuid;
    plan.device_uuids.push_back(m->md.sb.device_uuid);
    plan.make_file.push_back(false);
    plan.lines.push_back(str_cat(p, ": add an llbitmap placeholder (",
                                 kernel_version_name(r.layout),
                                 " layout) at 8 sectors from the superblock"));
  }
  plan.spec.array_uuid = *array;
  return plan;
}

Status create_sparse_file(const std::string& path, std::uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status(Code::IoError, str_cat(path, ": cannot create: ", std::strerror(errno)));
  }
  const int rc = ::ftruncate(fd, static_cast<off_t>(size));
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    ::unlink(path.c_str());
    return Status(Code::IoError, str_cat(path, ": cannot size it to ", size, " bytes: ",
                                         std::strerror(err)));
  }
  return Status();
}

ByteChange change(std::size_t member, std::uint64_t offset, std::vector<std::uint8_t> old_b,
                  std::vector<std::uint8_t> new_b, std::string what, int order) {
  ByteChange c;
  c.member = member;
  c.offset_bytes = offset;
  c.old_bytes = std::move(old_b);
  c.new_bytes = std::move(new_b);
  c.what = std::move(what);
  c.order = order;
  return c;
}

}  // namespace

Result<CreatePlan> plan_create(const CreateRequest& request) {
  if (request.paths.empty()) return Status(Code::InvalidArgument, "no member given");
  std::vector<DeviceIdentity> ids;
  for (const std::string& p : request.paths) {
    auto id = identify_device(p);
    if (id.ok()) ids.push_back(std::move(id).value());
  }
  for (const Alias& a : find_aliases(ids)) {
    return Status(Code::InvalidArgument, str_cat(ids[a.again].path, " is the same device as ",
                                                 ids[a.first].path, ": give each member once"));
  }
  for (std::size_t j = 0; j < request.paths.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (request.paths[i] == request.paths[j]) {
        return Status(Code::InvalidArgument, str_cat(request.paths[j], ": given twice"));
      }
    }
  }
  return request.mode == CreateMode::NewMembers ? plan_new(request) : plan_add(request);
}

CreateJob::~CreateJob() {
  if (!keep_files_) remove_created_files();
}

void CreateJob::remove_created_files() {
  devices_.clear();
  targets_.clear();
  for (const std::string& p : created_) ::unlink(p.c_str());
  created_.clear();
}

Result<CreateJob> CreateJob::prepare(const CreatePlan& plan) {
  CreateJob job;
  const CreateRequest& r = plan.request;
  for (std::size_t i = 0; i < r.paths.size(); ++i) {
    if (!plan.make_file[i]) continue;
    if (Status st = create_sparse_file(r.paths[i], plan.spec.member_size_bytes); !st.ok()) {
      return st;  // the destructor removes what was created before
    }
    job.created_.push_back(r.paths[i]);
  }
  for (std::size_t i = 0; i < r.paths.size(); ++i) {
    auto dev = open_device(r.paths[i], Access::ReadWriteExclusive);
    if (!dev.ok()) return dev.status();
    job.devices_.push_back(std::move(dev).value());
    job.targets_.push_back(
        {r.paths[i], job.devices_.back().get(), plan.spec.array_uuid, plan.device_uuids[i]});
  }
  if (Status st = job.plan_changes(plan); !st.ok()) return st;
  return job;
}

Status CreateJob::plan_changes(const CreatePlan& plan) {
  const CreateRequest& r = plan.request;
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    BlockDevice& dev = *targets_[i].dev;
    if (r.mode == CreateMode::NewMembers) {
      // Stale superblock copies of an earlier array (1.0 at the end, 1.1 at 0): their magic goes
      // first, so a kill never leaves an old superblock over the new bitmap page.
      for (int minor : {0, 1, 2}) {
        auto old = read_md_superblock_at(dev, minor);
        if (!old.ok()) continue;
        changes_.push_back(change(i, old->offset_bytes, std::vector<std::uint8_t>(4, 0), {0, 0, 0, 0},
                                  str_cat("old md superblock 1.", minor, " magic"),
                                  kOrderInvalidate));
      }
      MemberSpec ms;
      ms.dev_number = static_cast<std::uint32_t>(i);
      ms.role = static_cast<std::uint16_t>(i);
      ms.device_uuid = plan.device_uuids[i];
      const MdSuperblock sb = make_md_superblock(plan.spec, ms, 0);
      std::vector<std::uint8_t> sb_bytes(kMdSbMaxBytes, 0);
      LLB_RETURN_IF_ERROR(encode_md_superblock(sb, sb_bytes));
      const BitmapSuperblock bsb = make_bitmap_superblock(plan.spec, BitmapInit::Placeholder, 0);
      std::vector<std::uint8_t> page(kBitmapPageBytes, 0xff);
      LLB_RETURN_IF_ERROR(encode_bitmap_superblock(bsb, page));
      const std::uint64_t bitmap_at = spec_geometry(plan.spec).bitmap_offset_bytes;
      changes_.push_back(change(i, bitmap_at, {}, std::move(page), "bitmap page", kOrderBitmap));
      changes_.push_back(change(i, 4096, {}, std::move(sb_bytes), "md superblock",
                                kOrderSuperblock));
    } else {
      auto m = load_member(dev, LayoutChoice::Auto);
      if (!m.ok()) return m.status();
      // Re-checked on the device now held exclusively: it may have changed since planning.
      if (std::string why = add_refusal(*m); !why.empty()) return refuse(targets_[i].path, why);
      const BitmapSuperblock b = placeholder_for_md(m->md.sb, r.layout, r.assume_clean);
      std::vector<std::uint8_t> page(kBitmapPageBytes, 0xff);
      LLB_RETURN_IF_ERROR(encode_bitmap_superblock(b, page));
      changes_.push_back(change(i, m->md.offset_bytes + 4096, {}, std::move(page),
                                "bitmap page", kOrderBitmap));
      MdSuperblock sb = m->md.sb;
      sb.feature_map |= kFeatureBitmapOffset;
      sb.bitmap_offset = 8;
      sb.sb_csum = md_sb_checksum(sb);
      std::vector<std::uint8_t> bytes(sb.checksummed_bytes() + sb.tail.size(), 0);
      LLB_RETURN_IF_ERROR(encode_md_superblock(sb, bytes));
      changes_.push_back(change(i, m->md.offset_bytes, {}, std::move(bytes), "md superblock",
                                kOrderSuperblock));
    }
  }
  // The bytes each change replaces, for the plan's printout.
  for (ByteChange& c : changes_) {
    auto old = read_bytes(*targets_[c.member].dev, c.offset_bytes, c.new_bytes.size());
    if (!old.ok()) return old.status();
    c.old_bytes = std::move(old).value();
  }
  return Status();
}

Status CreateJob::run(const std::string& undo_path) {
  if (!undo_path.empty()) {
    auto log = make_undo_log(targets_, changes_);
    if (!log.ok()) return log.status();
    LLB_RETURN_IF_ERROR(write_undo_file(undo_path, *log));
  }
  // From the first write on, the files are the user's array (or its remains, which
  // llbitmap-undo or a re-run with --force deals with): never removed behind their back.
  keep_files_ = true;
  return apply_changes(targets_, changes_);
}

}  // namespace llb
