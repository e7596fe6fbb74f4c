#pragma once
// The in-memory llbitmap of one array, as each kernel version keeps it. The model holds the bitmap
// pages as real bytes from the bitmap superblock on (page 0 starts with the superblock, exactly
// as the kernel's page 0 does), so every byte the kernel would write comes from this buffer.
//
// Upstream (Linux 7.2): pages with per-page control (LLPageDirty, LLPageFlush, expire, active
//   writers, suspension) and per-logical-block dirty bits; writes go out in io_size blocks; a
//   second dirtying in a block "infects" the whole block.
// RFC (January 2025): a page cache over a hidden disk; any state change dirties its 4 KiB page;
//   unplug and writeback write whole pages with FUA but without PREFLUSH.
//
// The transition table is libformat's (llbitmap_transitions.h); the rules around it (degraded
// arrays, raid456, invalid bytes, timers) are here, each version as its source says.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/llbitmap_geometry.h"
#include "libformat/codec/llbitmap_transitions.h"
#include "sim/core/meta_bytes.h"
#include "sim/kernel/policy.h"
#include "sim/core/time.h"

namespace llb::sim {

// A piece of the bitmap area to write to every member: bytes [offset, offset + bytes.size())
// relative to the bitmap superblock.
struct BitmapWrite {
  std::uint64_t offset = 0;
  MetaBytes bytes;
  std::uint32_t page = 0;
  std::uint32_t block = 0;
};

struct PageCtl {
  bool dirty = false;          // LLPageDirty (upstream) / page cache dirty (RFC)
  bool flush = false;          // LLPageFlush: the daemon must handle this page now
  Tick expire = kNever;        // upstream: the daemon may clear the page after this time
  Tick dirtied_at = kNever;    // RFC: when the page became dirty (for writeback expiry)
  std::uint32_t active = 0;    // writers holding the page's barrier
  bool suspended = false;      // the daemon holds the page (percpu_ref killed)
  std::uint64_t dirty_blocks = 0;  // per-io_size-block dirty bits (upstream)
};

// What a state machine pass asks of its caller.
struct PassResult {
  std::uint8_t last_state = kBitNone;  // the new state of the last chunk touched (or kBitNone)
  bool need_resync = false;            // set MD_RECOVERY_SYNC / NEEDED
  bool arm_daemon_timer = false;       // upstream: mod_timer if not pending
  bool rfc_timer_now = false;          // RFC: timer_reduce(..., 1): fire at the next jiffy
  std::uint64_t invalid = 0;           // invalid bytes forced to NeedSync
};

class LlbitmapModel {
 public:
  // `area` holds the bitmap bytes from the superblock to the end of the last state page, as read
  // from the member the kernel loads it from.
  LlbitmapModel(const KernelPolicy& policy, const Geometry& g, std::uint32_t io_size,
                std::vector<std::uint8_t> area);

  KernelVersion version() const { return version_; }
  const KernelPolicy& policy() const { return policy_; }
  const Geometry& geometry() const { return g_; }
  std::uint32_t io_size() const { return io_size_; }
  std::uint32_t pages() const { return static_cast<std::uint32_t>(pctl_.size()); }
  std::uint32_t blocks_per_page() const { return blocks_per_page_; }
  const std::vector<std::uint8_t>& area() const { return area_; }
  // Changes one byte of the area (at `offset` from the bitmap superblock) outside the state
  // machine: damage, or a test's setup.
  void set_area_byte(std::uint64_t offset, std::uint8_t value) {
    area_[offset] = value;
    note_change(offset);
  }
  // Lets fn change the bitmap superblock's bytes in memory (llbitmap_update_sb).
  template <class Fn>
  void edit_superblock(Fn&& fn) {
    fn(std::span<std::uint8_t>(area_.data(), kBitmapSbBytes));
    forget_kept(0);
  }
  std::uint8_t state(std::uint64_t chunk) const { return area_[g_.data_offset_bytes + chunk]; }
  std::uint32_t page_of_chunk(std::uint64_t chunk) const {
    return static_cast<std::uint32_t>((g_.data_offset_bytes + chunk) / kBitmapPageBytes);
  }
  PageCtl& page(std::uint32_t i) { return pctl_[i]; }
  const PageCtl& page(std::uint32_t i) const { return pctl_[i]; }

  // Off: every pass takes the plain chunk-by-chunk loop (for the test that checks the shortcuts
  // below against it). On by default.
  void set_fast_paths(bool on) { fast_paths_ = on; }

  // llbitmap_state_machine: applies `action` to chunks [start, end].
  PassResult apply(std::uint64_t start, std::uint64_t end, Action action, bool degraded,
                   Tick now) {
    // The steady state of a write-heavy load: one chunk, Dirty already, written again. A single
    // chunk the pass would leave alone (untouched_) asks for nothing, without the loop's setup.
    if (fast_paths_ && start == end && start < g_.chunks &&
        untouched_[degraded][static_cast<int>(action)][state(start)]) {
      degraded_for_infect_ = degraded;
      return PassResult{};
    }
    return apply_pass(start, end, action, degraded, now);
  }
  // First use: every chunk Unwritten (or Clean with the CLEAN flag). Returns the timer request.
  void init_states(bool clean, Tick now);

  // Upstream unplug: the dirty blocks of dirty pages, cleared as the kernel clears them. The
  // forms taking `out` replace its contents, reusing its storage (the write path's form).
  std::vector<BitmapWrite> take_dirty_blocks() {
    std::vector<BitmapWrite> out;
    take_dirty_blocks(out);
    return out;
  }
  void take_dirty_blocks(std::vector<BitmapWrite>& out);
  bool any_page_dirty() const;
  // Upstream __llbitmap_flush: every block of every page.
  std::vector<BitmapWrite> all_blocks();
  // Upstream llbitmap_write_sb: the blocks covering the first 1024 bytes, plus whatever other
  // blocks of page 0 are dirty (the kernel writes the whole dirty mask of the page).
  std::vector<BitmapWrite> superblock_blocks();
  // RFC unplug (filemap_write_and_wait_range over the state pages): dirty state pages, whole.
  std::vector<BitmapWrite> take_dirty_state_pages() {
    std::vector<BitmapWrite> out;
    take_dirty_state_pages(out);
    return out;
  }
  void take_dirty_state_pages(std::vector<BitmapWrite>& out);
  // RFC page-cache writeback: dirty pages (superblock page included) dirtied before `older_than`.
  std::vector<BitmapWrite> take_expired_pages(Tick older_than);
  // RFC update_sb (filemap_write_and_wait_range(0, BITMAP_SB_SIZE)): the superblock page.
  BitmapWrite take_superblock_page();

  // Page writes that copied the whole page (the others refilled a buffer; see changes_).
  std::uint64_t page_copies() const { return page_copies_; }

  // Counts of each state byte value over the chunks (the kernel's sysfs "bits").
  std::vector<std::uint64_t> counts() const;

 private:
  PassResult apply_pass(std::uint64_t start, std::uint64_t end, Action action, bool degraded,
                        Tick now);
  PassResult apply_pass_rfc(std::uint64_t start, std::uint64_t end, Action action, Tick now);
  void write_state(std::uint64_t chunk, std::uint8_t s, Tick now);
  void set_page_dirty(std::uint32_t idx, std::uint32_t offset, bool infect, bool degraded);
  void infect_block(std::uint32_t idx, std::uint32_t offset);
  // The bytes of page idx that a dirtying at offset can infect: [first, end).
  std::pair<std::uint32_t, std::uint32_t> infect_range(std::uint32_t idx, std::uint32_t offset) const;
  BitmapWrite block_write(std::uint32_t page, std::uint32_t block) const;
  BitmapWrite page_write(std::uint32_t page);
  void note_change(std::uint64_t offset);
  void forget_kept(std::uint32_t page);

  const KernelPolicy& policy_;
  KernelVersion version_;  // policy_.format->version
  Geometry g_;
  std::uint32_t io_size_;
  std::uint32_t blocks_per_page_;
  std::vector<std::uint8_t> area_;
  std::vector<PageCtl> pctl_;
  // RFC page writes: each page keeps the last few buffers it was written from, and a log of the
  // offsets changed in it. A buffer that nobody else holds any more (its writes are done and the
  // disks' views have moved on to a newer copy) is brought up to date with the bytes changed
  // since it was written and written again, instead of copying the whole 4 KiB page into a new
  // buffer: the RFC writes a page for nearly every user write, and that copy was a tenth of the
  // simulator's time. Every change of the area goes through note_change (or forget_kept).
  static constexpr std::size_t kKeptPerPage = 8;   // writes in flight, and the disks' copies
  static constexpr std::size_t kChangeLog = 64;    // offsets remembered per page
  struct KeptPage {
    MetaBytes bytes;
    std::uint64_t synced = 0;  // the page's change count when `bytes` last matched it
  };
  struct PageChanges {
    std::array<KeptPage, kKeptPerPage> kept;
    std::uint8_t next = 0;                      // the entry a new buffer replaces
    std::uint64_t count = 0;                    // changes so far
    std::array<std::uint16_t, kChangeLog> log{};  // offset of change i at i % kChangeLog
  };
  std::vector<PageChanges> changes_;  // per page; empty for upstream
  std::uint64_t page_copies_ = 0;
  bool degraded_for_infect_ = false;
  bool fast_paths_ = true;
  // Per [degraded][action], the state bytes a pass leaves alone without recording anything: valid,
  // no transition, not a NeedSync state (those ask for recovery) and no degraded rule applies. A
  // daemon pass over every chunk (the RFC's, at the next jiffy after each write) mostly meets these.
  std::array<std::array<std::array<bool, 256>, 10>, 2> untouched_{};
  // ... and whether Unwritten and Clean (bytes 0 and 1) are both untouched: then eight chunks
  // holding only those are passed over in one 64-bit test.
  std::array<std::array<bool, 10>, 2> untouched_01_{};
  // The first chunk in [i, limit) the pass must look at (limit when none): i itself unless the
  // fast paths are on.
  std::uint64_t next_touched(std::uint64_t i, std::uint64_t limit, bool degraded,
                             Action action) const;
};

}  // namespace llb::sim
