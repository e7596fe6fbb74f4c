#pragma once
// A simulated md RAID1 array with an llbitmap, driven by discrete events. It models the paths
// that decide what reaches each member and when: md_write_start and the superblock update, the
// bitmap's start_write / unplug / end_write around the mirrored data writes, the daemon and its
// page barriers (or the RFC's mddev_suspend), safe mode, member failure and re-add, resync and
// recovery, stop, the reboot notifier, power loss and assembly from what is durable.
//
// Each user-visible operation is a job: a small state machine that waits on disk I/O or on
// another job and is resumed by events. Everything is deterministic: integer ticks, the
// simulator's PRNG, events ordered by (tick, sequence).

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libformat/codec/bitmap_superblock.h"
#include "libformat/codec/llbitmap_state.h"
#include "libformat/codec/md_superblock.h"
#include "sim/core/disk.h"
#include "sim/core/event_queue.h"
#include "sim/md/array_state.h"
#include "sim/md/bad_blocks.h"
#include "sim/kernel/policy.h"
#include "sim/core/prng.h"

namespace llb::sim {

// llbitmap's side of the array, defined in sim/llbitmap/: md holds its state by pointer only.
class LlbitmapModel;
struct LlbitmapState;
struct BitmapWrite;
struct PassResult;
struct LlbitmapStateDeleter {
  void operator()(LlbitmapState* s) const;
};
std::unique_ptr<LlbitmapState, LlbitmapStateDeleter> new_llbitmap_state();

struct ArrayConfig {
  KernelModel kernel = KernelModel::Upstream;
  std::uint32_t members = 2;
  DiskConfig disk;
  std::array<std::uint8_t, 16> array_uuid{};
  std::uint64_t ctime_seconds = 1795000000;
  std::uint32_t daemon_sleep_s = kDefaultDaemonSleep;
  std::uint32_t barrier_idle_s = kDefaultBarrierIdle;
  std::uint32_t safe_mode_delay_ms = 200;
  Tick rfc_writeback_expire = 30 * kTicksPerSecond;     // dirty_expire_centisecs
  Tick rfc_writeback_interval = 5 * kTicksPerSecond;    // dirty_writeback_centisecs
  Tick resync_chunk_cpu = 0;  // extra time per resynced chunk beyond the disk I/O
  Tick md_thread_latency = 100;  // from a wake-up of the md thread to its pass
  // A planted fault for the crash explorer's own test: user data is issued without waiting for
  // the dirty bitmap blocks to complete. Never set outside that test.
  bool fault_data_before_bitmap = false;
  // Live pages: the kernel hands the device its live bitmap page, not a copy, so a bitmap write
  // carries the bytes of the moment the device fetches them. Modelled as the latest moment: its
  // completion, or the crash while it is in flight. Off: the bytes of its submission (the
  // pessimistic end, where two writes of one block can land the older copy last).
  bool live_pages = false;
};

enum class ArrayStatus { Absent, Running, Stopped, Crashed };

struct Rdev {
  std::unique_ptr<SimDisk> disk;
  std::uint32_t dev_number = 0;
  std::uint16_t role = 0;           // raid disk, or kRoleSpare
  bool in_sync = true;
  bool faulty = false;
  bool in_array = true;             // part of the running array
  std::array<std::uint8_t, 16> device_uuid{};
  BadBlockTable badblocks;          // rdev->badblocks
  bool bblog_clobbered = false;     // state bytes written over the log since md last wrote it
};

// Where md's bad-block log and the llbitmap's state bytes met on a member (docs/findings/
// bblog-overlap.md): md wrote its log page over state bytes, the llbitmap wrote state bytes over
// a log the superblock declares, or assembly refused the member because of what its log holds.
struct MetaCollision {
  enum class Kind { LogOverStates, StatesOverLog, MemberRefused };
  Tick at = 0;
  std::uint32_t member = 0;
  Kind kind = Kind::LogOverStates;
  std::uint64_t first_chunk = 0, last_chunk = 0;  // the chunks whose state bytes were involved
  std::string detail;
};
const char* collision_invariant(MetaCollision::Kind k);  // "state-bytes-destroyed", ...


// What a completed job reports.
struct JobResult {
  bool done = false;
  bool ok = true;
  std::string error;
  std::vector<std::uint64_t> read_stamps;  // for reads
};

// One line of the timeline: something a kernel engineer would want to see.
struct TimelineEntry {
  Tick at = 0;
  std::string what;
};

class MdArray {
 public:
  MdArray(const ArrayConfig& config, std::uint64_t seed);
  ~MdArray();

  // --- lifecycle ---------------------------------------------------------------------------
  // mdadm --create --bitmap=lockless: placeholder metadata, then the kernel runs the array.
  JobId create(bool assume_clean);
  // mdadm --assemble --run from what the members hold; `offered`: bit m set for each member given
  // on the command line (the others are left out, as absent).
  JobId assemble(std::uint32_t offered = ~0u);
  JobId stop();                      // mdadm --stop
  JobId poweroff();                  // reboot notifier, then power off
  // Power loss now: in-memory state is gone; each member resolves its pending writes.
  void crash(const CrashPolicy& policy);

  // --- I/O -----------------------------------------------------------------------------------
  JobId write(std::uint64_t array_sector, std::uint32_t sectors, std::uint64_t stamp, bool fua);
  JobId read(std::uint64_t array_sector, std::uint32_t sectors);
  JobId discard(std::uint64_t array_sector, std::uint32_t sectors);
  JobId flush();                     // fsync on the md device

  // --- members -------------------------------------------------------------------------------
  JobId fail(std::uint32_t member);  // mdadm --fail
  JobId remove(std::uint32_t member);  // mdadm --remove
  JobId readd(std::uint32_t member);   // mdadm --re-add (recovery driven by the bitmap)
  void inject_write_errors(std::uint32_t member, std::uint32_t count);
  // A media defect under array sectors [array_sector, + sectors) of a member: every write there
  // fails from now on, md's retries included (raid1 then records bad blocks, see narrow_write_error).
  void add_media_defect(std::uint32_t member, std::uint64_t array_sector, std::uint64_t sectors);
  // echo "sector sectors" > /sys/block/mdX/md/dev-Y/bad_blocks: absolute member sectors, recorded
  // without a superblock update of its own (the next one writes the log). False when the member
  // cannot record bad blocks (no log) or its table is full.
  bool record_bad_blocks(std::uint32_t member, std::uint64_t sector, std::uint64_t sectors);

  // --- knobs ---------------------------------------------------------------------------------
  void set_daemon_sleep(std::uint32_t s) { config_.daemon_sleep_s = s; }
  void set_barrier_idle(std::uint32_t s) { config_.barrier_idle_s = s; }
  void set_safe_mode_delay(std::uint32_t ms) { config_.safe_mode_delay_ms = ms; }

  // --- running -------------------------------------------------------------------------------
  Tick now() const { return now_; }
  bool step();                       // runs one event; false when the queue is empty
  void run_until(Tick t);            // runs events due before t, then sets now to t
  bool run_until_done(JobId job, Tick limit);
  bool run_until_idle(Tick limit);   // no jobs, no sync, no pending I/O
  const JobResult& result(JobId job) const;
  bool job_done(JobId job) const { return done_[job] != 0; }
  // For drivers keeping many user jobs in flight: once on, every user job that finishes is
  // appended to finished() (the driver clears it), so nothing has to poll job_done().
  void collect_finished(bool on) { collect_finished_ = on; }
  std::vector<JobId>& finished() { return finished_; }
  // Returns a finished job to the pool; its id may be reused afterwards.
  void release(JobId job);

  // --- inspection ----------------------------------------------------------------------------
  ArrayStatus status() const { return status_; }
  const ArrayConfig& config() const { return config_; }
  const KernelPolicy& policy() const { return *policy_; }
  std::uint32_t member_count() const { return static_cast<std::uint32_t>(rdevs_.size()); }
  SimDisk& disk(std::uint32_t member) { return *rdevs_[member].disk; }
  const SimDisk& disk(std::uint32_t member) const { return *rdevs_[member].disk; }
  const Rdev& rdev(std::uint32_t member) const { return rdevs_[member]; }
  const LlbitmapModel* bitmap() const;
  std::uint64_t events() const { return md_.events; }
  bool degraded() const;
  // The sync thread runs, or has finished and md has not reaped it yet (/proc/mdstat still
  // shows it until the superblocks are written).
  bool sync_running() const {
    return sync_.job != kNoJob || md_.md_reap_pending || md_.sb_update_running;
  }
  std::uint64_t array_sectors() const { return md_.array_sectors; }
  const Geometry& geometry() const;
  const std::vector<TimelineEntry>& timeline() const { return timeline_; }
  const std::vector<MetaCollision>& collisions() const { return collisions_; }
  // Whether a member holds recorded bad blocks inside the chunk: md reads that chunk there from
  // no other place than the mirrors without them, so their data may differ.
  bool chunk_has_bad_blocks(std::uint64_t chunk) const;
  // Whether a member holds recorded bad blocks among these array sectors: md returns an error
  // there rather than a stale copy (the simulator does not model reads and recovery around them).
  bool range_has_bad_blocks(std::uint64_t array_sector, std::uint64_t sectors) const;
  bool any_bad_blocks() const;
  std::uint64_t event_log_hash() const { return event_hash_; }
  std::uint64_t events_processed() const { return events_processed_; }
  // Bitmap writes submitted (one per state block or page and member), for the costs of a policy.
  std::uint64_t bitmap_writes_submitted() const { return bitmap_writes_; }
  // Whether two overlapping user writes were in flight together over this chunk (see Raid1State).
  bool chunk_raced(std::uint64_t chunk) const {
    return chunk < r1_.raced.size() && r1_.raced[chunk] != 0;
  }
  bool any_chunk_raced() const { return !r1_.raced.empty(); }
  // With live pages: the bitmap writes in flight take the bitmap's bytes as they are now.
  void refetch_live_bitmap_writes();
  void refetch_live_bitmap_write(std::uint32_t member, std::uint64_t id);  // the one completing
  void set_timeline_enabled(bool on) { timeline_enabled_ = on; }
  // Called for every event processed (after the hash is updated); the crash explorer uses it.
  void set_event_observer(std::function<void(const Event&)> f) { observer_ = std::move(f); }

  static constexpr JobId kNoJob = kNoJobId;

  // The durability promise made to users, for the crash explorer: per array sector, the stamp of
  // the last write acknowledged and then flushed (or written with FUA), 0 where there is none.
  // While tracking, sector ranges whose promise changed are appended to `log`.
  void track_promises(std::vector<std::pair<std::uint64_t, std::uint32_t>>* log) {
    dur_.log = log;
    dur_.tracking = true;
  }
  const std::vector<std::uint64_t>& promised() const { return dur_.promised; }
  // Discards submitted and not finished: they may zero sectors that hold a promised write.
  std::uint32_t discards_in_flight() const { return dur_.discards_in_flight; }

 private:
  struct Job;
  // jobs
  JobId new_job(int kind, bool internal);
  // A job the caller owns (stop, flush, fail, ...), started now; `member` for member operations.
  JobId launch(int kind, std::uint32_t member = 0);
  Job& job(JobId id) { return *jobs_[id]; }
  void resume(JobId id);
  void finish(JobId id, bool ok = true, std::string_view error = {});
  void mark_done(JobId id);  // result.done and its inline copy done_, together
  void park(JobId id, std::vector<JobId>& list);  // wait in a list until woken
  void wake(JobId id);
  void wake_all(std::vector<JobId>& waiters);
  void start_child(JobId parent, JobId child);

  // disk I/O
  void submit(std::uint32_t member, DiskWrite&& w, JobId owner);
  // The waiter waits for one more request: member's completion of request id, due after latency.
  void expect_completion(Job& waiter, std::uint32_t member, Tick latency, std::uint64_t id);
  void submit_flush(std::uint32_t member, JobId owner);
  void submit_read(std::uint32_t member, JobId owner);
  void on_io_complete(std::uint32_t member, std::uint64_t id);
  void write_bitmap_pieces(const std::vector<BitmapWrite>& pieces, bool preflush, JobId owner,
                           const char* why);

  // md
  bool member_writable(std::uint32_t m) const;
  bool sectors_out_of_range(std::uint64_t s, std::uint32_t n) const {
    return n == 0 || s + n > md_.array_sectors;
  }
  void request_sb_update(bool force_change, bool clean_transition, JobId waiter);
  void start_sb_update();
  void md_error(std::uint32_t member);
  void arm_safe_mode();

  // bitmap
  // llbitmap_update_sb: md_update_sb's fields into the bitmap superblock, written to every
  // member on behalf of job owner (which then waits for them).
  void bitmap_update_sb(JobId owner);
  void bitmap_pass_effects(const PassResult& r);
  void arm_daemon_timer(Tick delay);
  std::pair<std::uint64_t, std::uint64_t> page_chunk_range(std::uint32_t page) const;

  // job steps
  void step_write(JobId id);
  // the stages of a write (raid1.cc): each false/true as step_write says
  bool md_write_start(JobId id);
  bool raid1_start_write(JobId id);
  bool raid1_unplug(JobId id);
  void note_overlapping_writes(JobId id);
  MetaBytes live_bitmap_bytes(const DiskWrite& w) const;  // w's range of the bitmap as it is now
  void end_unplug(JobId id);
  bool raid1_submit_mirrors(JobId id);
  void raid1_end_write(JobId id);
  // handle_write_finished's narrow_write_error: retries a failed mirror block by block and records
  // the blocks that fail again. begin picks the failed mirrors that keep a log; the other is true
  // while a retry is in flight.
  void raid1_begin_narrow(JobId id);
  bool raid1_narrow_write_error(JobId id);
  void step_read(JobId id);
  void step_flush(JobId id);
  void step_sb_update(JobId id);
  void step_daemon(JobId id);
  void step_sync(JobId id);
  void step_stop(JobId id);
  void step_create(JobId id);
  void step_assemble(JobId id);
  void step_fail(JobId id);
  void step_remove(JobId id);
  void step_readd(JobId id);
  // helpers of the steps
  bool bitmap_start_io(JobId id);   // raise barriers and run Startwrite/Discard; false: wait
  void bitmap_end_io(JobId id);
  void daemon_page(std::uint32_t page);
  bool sync_chunk_busy(std::uint64_t chunk) const;
  void sync_finish(JobId id, bool aborted);
  JobId start_sync_job(bool recovery, bool full);
  JobId start_daemon_job();
  void start_writeback_timer();

  // events
  void on_daemon_timer(std::uint64_t generation);
  void on_safe_mode_timer(std::uint64_t generation);
  void on_writeback_timer(std::uint64_t generation);
  void wake_md_thread();
  void on_md_thread();

  // A new life of the array (create, assemble, stop, crash): I/O of the old one is ignored.
  void new_incarnation() {
    ++incarnation_;
    md_.meta_inflight = 0;
    md_.super_waiters.clear();
    bitmap_new_incarnation();
  }
  void bitmap_new_incarnation();  // the llbitmap's waits of the old life (llbitmap_glue.cc)
  void log(std::string what);
  void hash_event(const Event& e);
  // Loads the bitmap from a member as llbitmap_create/llbitmap_load would. On FirstUse the
  // caller writes the whole bitmap (llbitmap_init's flush); Refused fails the assembly, as
  // RUN_ARRAY fails when the bitmap cannot be created.
  enum class BitmapLoad { None, FirstUse, Loaded, Refused };
  BitmapLoad load_bitmap_from(std::uint32_t member, std::string* why);
  void encode_superblocks();
  // super_1_sync's share of the bad-block log: the log page of members whose table changed,
  // written after their superblock.
  void write_bad_block_logs(JobId owner);
  // The log's place on member m in absolute bytes, [first, end); {0, 0} without a log.
  std::pair<std::uint64_t, std::uint64_t> bad_block_log_bytes(std::uint32_t m) const;
  void note_collision(std::uint32_t m, MetaCollision::Kind kind, std::uint64_t first_byte,
                      std::uint64_t end_byte, std::string detail);
  // super_1_load's read of the log at assembly; false (with why) when it refuses the member.
  bool load_bad_blocks(std::uint32_t m, std::string* why);

  ArrayConfig config_;
  const KernelPolicy* policy_;  // kernel_policy(config_.kernel)
  Prng prng_;
  EventQueue queue_;
  Tick now_ = 0;
  std::uint64_t incarnation_ = 0;  // bumps at crash/stop: stale events are ignored
  ArrayStatus status_ = ArrayStatus::Absent;
  std::vector<Rdev> rdevs_;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<JobId> free_jobs_;
  std::vector<std::uint8_t> done_;       // per job: its result.done, for job_done() inline
  std::vector<JobId> finished_;          // user jobs finished, when collect_finished_
  bool collect_finished_ = false;

  MdState md_;
  Raid1State r1_;
  std::unique_ptr<LlbitmapState, LlbitmapStateDeleter> bm_;  // mddev->bitmap
  SyncState sync_;

  // observation
  bool timeline_enabled_ = true;
  std::vector<TimelineEntry> timeline_;
  std::vector<MetaCollision> collisions_;
  std::uint64_t event_hash_ = 0xcbf29ce484222325ull;
  std::uint64_t events_processed_ = 0;
  std::uint64_t bitmap_writes_ = 0;
  std::function<void(const Event&)> observer_;

  void promise(std::uint64_t sector, std::uint32_t sectors, std::uint64_t stamp);
  Promises dur_;
};

}  // namespace llb::sim
