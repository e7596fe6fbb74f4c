#pragma once
// Each kernel the simulator models, as a behaviour policy: the switches its code reads where the
// versions of md-llbitmap.c (and md's use of it) behave differently, beside libformat's profile of
// the version's on-disk format. A kernel version, or a patched variant of one, is one KernelModel
// value and one policy here; the simulator's code never tests a version.

#include <cstdint>
#include <optional>
#include <string_view>

#include "libformat/codec/kernel_profile.h"

namespace llb::sim {

enum class KernelModel : std::uint8_t {
  Upstream,         // Linux 7.2 as it ships
  Rfc,              // the January 2025 RFC, as written
  UpstreamPatched,  // Linux 7.2 with tests/realkernel/patches (the project's fixes)
};

// Which llbitmap_state_machine: Linux 7.2's (an invalid byte is forced to NeedSync and asks for
// recovery, the degraded-array rules apply, a Dirty chunk arms the daemon timer) or the RFC's as
// written (an invalid byte takes the previous chunk's state, and a Dirty chunk makes the timer
// fire at the next jiffy: '+' binds tighter than '==' in its timer_reduce).
enum class StateMachine : std::uint8_t { Linux72, Rfc };

struct KernelPolicy {
  KernelModel model;
  std::string_view name;             // "upstream", "rfc": the command line's and the traces' word
  const KernelProfile* format;       // its bitmap on disk
  StateMachine state_machine;
  // How state bytes reach the disk. Linux 7.2: the dirty logical blocks of each page at unplug and
  // at superblock updates, PREFLUSH|FUA, and the writer waits for every metadata write in flight
  // (md_super_wait). The RFC: whole dirty state pages through the page cache, FUA without
  // PREFLUSH, and the page cache's flusher writes pages dirty for longer than dirty_expire.
  bool block_writes;
  bool page_cache_writeback;
  // Writes of a state block that a second dirtying (or a Dirty neighbour) finds not yet written
  // turn the whole block Dirty ("infection"), as Linux 7.2's llbitmap_infect_dirty_bits does.
  bool infects_blocks;
  // The bytes one infection turns Dirty: 0 for the whole logical block (Linux 7.2: on 4 KiB
  // blocks, 3072 or 4096 chunks), else this many bytes around the dirtied one (the patch: 512,
  // the unit the heuristic was written for).
  std::uint32_t infect_unit_bytes;
  // Infection leaves the bytes before the state bytes alone. Linux 7.2 does not: on 4 KiB logical
  // blocks state block 0 holds the bitmap superblock, whose zero bytes become 2 (version
  // 0x02020206) and the array no longer assembles.
  bool infect_spares_superblock;
  // The patch: one unplug writes state blocks at a time (llbitmap->unplug_mutex), and an unplug
  // that finds nothing dirty waits for the one in progress. Linux 7.2 returns at once, so a write
  // whose bits another writer's unplug is still writing goes to the mirrors before them (the
  // unplug race), and two unplugs can write one state block at once (overlapping block writes).
  bool unplug_waits_for_unplugs;
  // The patch (0004): a discard marks Unwritten only the chunks it covers whole. Linux 7.2 rounds
  // the first chunk up but takes the chunk of the last sector as the last, so a discard ending
  // inside a chunk marks it Unwritten while the rest of it holds data
  // (docs/findings/partial-discard.md). The barriers cover the same pages either way.
  bool discard_whole_chunks_only;
  // The daemon. Linux 7.2: each expired page behind its own barrier (writers of the page wait, the
  // daemon waits up to daemon_sleep for the page to drain), DAEMON_BUSY when the timer fires while
  // it runs. The RFC: mddev_suspend around one pass over every chunk.
  bool page_barriers;
  bool daemon_busy_retry;
  // Around the array's life.
  bool initial_flush;                // llbitmap_init writes every block at first use
  bool flush_through_daemon;         // a stop marks every page for the daemon, then writes all
  bool write_all_at_member_failure;  // md_error's superblock update writes the whole bitmap
  bool write_all_at_readd;           // llbitmap_write_all when md starts a recovery
  bool load_clears_runtime_flags;    // SHUTDOWN and STALE are cleared in memory at load
  // The sync thread's hooks.
  bool skip_sync_blocks;             // llbitmap_skip_sync_blocks
  bool cond_end_sync;                // llbitmap_cond_end_sync: periodic Endsync and a full write
  bool clear_unwritten_at_recovery;  // ClearUnwritten over every chunk before a recovery
  bool close_sync_expires_pages;     // close_sync lets the daemon take every page at once
};

const KernelPolicy& kernel_policy(KernelModel m);
std::string_view kernel_model_name(KernelModel m);
std::optional<KernelModel> parse_kernel_model(std::string_view name);
// "upstream or rfc": the names a command line takes, for its messages.
std::string_view kernel_model_choices();

}  // namespace llb::sim
