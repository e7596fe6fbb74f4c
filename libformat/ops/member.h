#pragma once
// One member device read whole: md superblock, bitmap superblock, geometry and state bytes, with
// every finding about them. This is the library's single entry for "what is on this disk".

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/io/block_device.h"
#include "libformat/io/classic_bitmap.h"
#include "libformat/codec/finding.h"
#include "libformat/codec/llbitmap_geometry.h"
#include "libformat/codec/llbitmap_validate.h"
#include "libformat/codec/md_acceptance.h"
#include "libformat/io/md_locate.h"
#include "libformat/io/state_area.h"
#include "libformat/ops/bblog_overlap.h"

namespace llb {

enum class LayoutChoice { Upstream, Rfc, Auto };
std::optional<LayoutChoice> parse_layout_choice(std::string_view s);  // upstream|rfc|auto
// The layout a given kernel version writes (never Auto).
LayoutChoice layout_of(KernelVersion v);

// What one member's own bytes say about the state layout (with --layout auto).
enum class LayoutEvidence : std::uint8_t {
  None,            // nothing to go by (no geometry, unreadable, or --layout given)
  WeakRfc,         // the bytes at +1024 hold only mdadm's 0xff filler: the RFC, or damage
  StrongRfc,       // the RFC's FIRST_USE bit (bit 2) without the upstream one
  StrongUpstream,  // the upstream FIRST_USE bit, or state bytes at +1024
};

struct Member {
  std::string device;
  DeviceKind kind = DeviceKind::ImageFile;
  std::uint64_t size_bytes = 0;
  std::uint32_t logical_block_size = 512;
  // The array's: the md superblock's (0 before configurable LBS), else the device's.
  std::uint32_t array_logical_block_size() const {
    return std::max(md.sb.logical_block_size, logical_block_size);
  }

  LocatedMdSuperblock md;
  MdVerdict md_verdict;                    // the kernel's acceptance of the md superblock
  MemberClass member_class;                // in sync, spare, faulty, recovering...
  std::optional<BadBlockLog> bblog;        // read when feature_map says bad blocks are recorded
  bool has_bitmap = false;                 // feature_map has bitmap-offset
  std::uint64_t bitmap_offset_bytes = 0;   // absolute
  std::optional<BitmapSuperblock> bitmap;  // decoded bitmap superblock
  bool lockless = false;                   // bitmap version 6
  KernelVersion layout = KernelVersion::Upstream;
  std::string layout_reason;               // why this layout was chosen
  LayoutEvidence layout_evidence = LayoutEvidence::None;
  std::optional<BitmapVerdict> verdict;    // the kernel's checks (lockless only)
  std::optional<Geometry> geometry;        // of the bytes on disk (lockless only)
  std::optional<StateArea> states;         // lockless only
  std::optional<BblogOverlap> bblog_overlap;  // the bad-block log's place among the state bytes
  std::optional<ClassicBitmapSummary> classic;
  std::uint32_t io_size_bytes = 512;       // unit the kernel writes state bytes in
  std::vector<Finding> findings;

  const std::vector<std::uint8_t>* state_bytes() const {
    return states ? &states->bytes : nullptr;
  }
};

// The kernel accepts the md superblock and counts the member an in-sync mirror: one a writer may
// read data from or write data to.
bool usable_mirror(const Member& m);

// A lockless bitmap the kernel loads as it is (not refused, not mdadm's FIRST_USE placeholder),
// with its geometry and state bytes read: one the writers can work from.
bool llbitmap_usable(const Member& m);

// Reads a member. Fails only when nothing can be said (unreadable device, no md superblock);
// everything else wrong becomes a finding.
Result<Member> load_member(BlockDevice& dev, LayoutChoice layout);

}  // namespace llb
