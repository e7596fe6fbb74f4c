#pragma once
// A simulated member disk. Its bytes live in two areas: the metadata area (everything before
// data_offset: md superblock, bitmap superblock, state bytes) held as real bytes, and the data
// area held as a stamp per 512-byte sector (0 = never written; otherwise the id of the write whose
// pattern the sector holds), stored per 4 KiB block (see stamp_map.h), so mirrors compare in a
// word and a 128 MiB member costs 256 KiB. A write goes through three stages: in flight
// (submitted), completed into the volatile cache, durable (after FUA, a flush, or a PREFLUSH
// that follows it). Power loss keeps what is durable; in-flight and cached writes land, vanish
// or tear as the crash policy says.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/meta_area.h"
#include "sim/core/meta_bytes.h"
#include "sim/core/prng.h"
#include "sim/core/stamp_map.h"
#include "sim/core/time.h"

namespace llb::sim {

struct DiskConfig {
  std::uint64_t size_bytes = 64ull << 20;
  std::uint64_t data_offset_sectors = 2048;
  std::uint32_t logical_block_size = 512;
  bool volatile_cache = true;            // completed writes stay volatile until flushed
  Tick write_latency_min = 50, write_latency_max = 200;
  Tick read_latency_min = 50, read_latency_max = 100;
  Tick flush_latency_min = 100, flush_latency_max = 400;
  // Completed writes a disk holds in its volatile cache at most; older ones are destaged
  // (become durable) first, as a drive writes its cache back on its own.
  std::uint32_t cache_capacity = 256;
  // A planted fault for the crash explorer's own test: a pure flush completes without making the
  // cache durable. Never set outside that test.
  bool fault_flush_noop = false;
};

enum class DiskWriteKind : std::uint8_t { Meta, Data };

// The tag of the llbitmap's state writes (one address: tags are compared as pointers).
inline constexpr char kBitmapWriteTag[] = "bitmap";

struct DiskWrite {
  std::uint64_t id = 0;
  DiskWriteKind kind = DiskWriteKind::Data;
  std::uint64_t sector = 0;          // absolute sector on the member
  std::uint32_t sectors = 0;
  bool fua = false;
  bool preflush = false;
  std::uint64_t flush_upto = 0;      // with preflush: cached writes completed up to this seq
  MetaBytes bytes;                   // Meta: sectors * 512 bytes
  std::vector<std::uint64_t> stamps; // Data: one per sector, or empty when all are `stamp`
  std::uint64_t stamp = 0;           // Data: the stamp of every sector (when stamps is empty)
  std::uint64_t completed_seq = 0;   // order of completion into the cache
  std::uint32_t owner = ~0u;         // the job waiting for it
  bool is_read = false;              // a read request (nothing is applied)
  const char* tag = "";              // what this write is ("data", "bitmap", "md superblock")
};

struct Completion {
  bool found = false;
  bool ok = false;
  std::uint32_t owner = ~0u;
  bool is_read = false;
  DiskWriteKind kind = DiskWriteKind::Data;
};

// What a crash does with writes that are not durable.
enum class InflightFate : std::uint8_t { Lost, Landed, Torn };
enum class CachedFate : std::uint8_t { Lost, Kept };

struct CrashPolicy {
  // Decides each write's fate; the default loses everything not durable (power loss with a
  // volatile cache and no write reaching the platter in time).
  std::function<InflightFate(const DiskWrite&)> inflight = [](const DiskWrite&) {
    return InflightFate::Lost;
  };
  std::function<CachedFate(const DiskWrite&)> cached = [](const DiskWrite&) {
    return CachedFate::Lost;
  };
  // For Torn writes: which logical blocks of the write land (true); by default only the first.
  std::function<bool(const DiskWrite&, std::uint32_t block_index)> torn_sector_lands =
      [](const DiskWrite&, std::uint32_t i) { return i == 0; };
};

enum class DiskHealth : std::uint8_t { Healthy, Failed, Removed };

class SimDisk {
 public:
  SimDisk(std::string name, const DiskConfig& config);

  const std::string& name() const { return name_; }
  const DiskConfig& config() const { return config_; }
  std::uint64_t data_sectors() const { return data_current_.size(); }
  DiskHealth health() const { return health_; }
  void set_health(DiskHealth h) { health_ = h; }

  // Submission returns the request id; the caller schedules completion after latency().
  std::uint64_t submit_write(DiskWrite&& w);
  // A data write with one stamp, filled in place (the simulator's most frequent request).
  std::uint64_t submit_data(std::uint64_t sector, std::uint32_t sectors, std::uint64_t stamp,
                            bool fua, std::uint32_t owner, const char* tag);
  // A metadata write, filled in place (a bitmap block or page: the RFC sends one per user write).
  std::uint64_t submit_meta(std::uint64_t sector, const MetaBytes& bytes, bool fua, bool preflush,
                            std::uint32_t owner, const char* tag);
  std::uint64_t submit_flush(std::uint32_t owner);
  std::uint64_t submit_read(std::uint64_t sector, std::uint32_t sectors, std::uint32_t owner);
  Tick write_latency(Prng& prng) const;
  Tick read_latency(Prng& prng) const;
  Tick flush_latency(Prng& prng) const;
  // Completes an in-flight request; ok is false if it failed (failed or removed disk, or an
  // injected error).
  Completion complete(std::uint64_t id) {
    Completion c;
    complete(id, c);
    return c;
  }
  // The same, filling c (the event loop's form: no struct assembled in registers).
  void complete(std::uint64_t id, Completion& c);
  bool is_inflight(std::uint64_t id) const;
  std::uint64_t next_request_id() const { return next_id_; }
  // Makes the next `count` writes (or reads) fail.
  void inject_write_errors(std::uint32_t count) { write_errors_ += count; }
  void inject_read_errors(std::uint32_t count) { read_errors_ += count; }
  bool take_read_error();
  // A media defect: from now on every write that touches [sector, sector + sectors) (absolute)
  // fails, retries included, until the end of the simulation.
  void add_media_defect(std::uint64_t sector, std::uint64_t sectors) {
    defects_.push_back({sector, sectors});
  }
  bool hits_defect(std::uint64_t sector, std::uint64_t sectors) const {
    for (const auto& [s, n] : defects_) {
      if (s < sector + sectors && sector < s + n) return true;
    }
    return false;
  }

  // What a reader sees now (durable + completed cached writes).
  const MetaArea& meta_current() const { return meta_current_; }
  const StampMap& data_current() const { return data_current_; }
  // What survives power loss without help.
  const MetaArea& meta_durable() const { return meta_durable_; }
  const StampMap& data_durable() const { return data_durable_; }
  std::uint64_t data_sector_index(std::uint64_t absolute_sector) const {
    return absolute_sector - config_.data_offset_sectors;
  }

  // One of the disk's request lists (in flight, or cached), oldest first; valid until the disk
  // changes. The lists are linked through the request slots.
  class WriteList {
   public:
    class iterator {
     public:
      iterator(const SimDisk* d, std::uint32_t at) : d_(d), at_(at) {}
      const DiskWrite& operator*() const { return d_->slots_[at_]; }
      iterator& operator++() {
        at_ = d_->links_[at_].next;
        return *this;
      }
      bool operator!=(const iterator& o) const { return at_ != o.at_; }

     private:
      const SimDisk* d_;
      std::uint32_t at_;
    };
    WriteList(const SimDisk* d, std::uint32_t head, std::size_t count)
        : d_(d), head_(head), count_(count) {}
    iterator begin() const { return {d_, head_}; }
    iterator end() const { return {d_, kNoSlot}; }
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }

   private:
    const SimDisk* d_;
    std::uint32_t head_;
    std::size_t count_;
  };
  // Writes that completed into the volatile cache and are not durable yet, in completion order.
  WriteList cached_view() const { return {this, cache_.head, cache_.count}; }
  std::size_t cached_count() const { return cache_.count; }
  // Requests submitted and not completed, in submission order.
  WriteList inflight() const { return {this, inflight_.head, inflight_.count}; }
  // Gives each in-flight metadata write tagged `tag` the bytes fetch(write) returns (a device that
  // reads a live page when it fetches the request, not when it is submitted).
  // With an id, only that request (the one about to complete).
  template <class Fetch>
  void refetch_inflight_meta(const char* tag, Fetch&& fetch) {
    for (std::uint32_t at = inflight_.head; at != kNoSlot; at = links_[at].next) refetch(at, tag, fetch);
  }
  template <class Fetch>
  void refetch_inflight_meta(std::uint64_t id, const char* tag, Fetch&& fetch) {
    const std::uint32_t at = find_inflight(id);
    if (at != kNoSlot) refetch(at, tag, fetch);
  }

  // Every change to the durable data area is appended here as (first data sector, count) while
  // set (the crash explorer keeps its view of diverging chunks current this way).
  void set_durable_log(std::vector<std::pair<std::uint64_t, std::uint32_t>>* log) {
    durable_log_ = log;
  }

  // Power loss: resolves in-flight and cached writes per `policy`, keeps the durable result.
  void crash(const CrashPolicy& policy);
  // Offline access (image export, tools running on the "disk" between runs): set both views.
  void write_meta_offline(std::uint64_t offset_bytes, std::span<const std::uint8_t> bytes);
  void reset_offline();  // drops cache and in-flight state without landing anything

 private:
  void apply(const DiskWrite& w, bool durable);
  // apply_to for a whole write: a data write of one stamp (nearly all of them) without a call.
  void apply_whole(const DiskWrite& w, MetaArea& meta, StampMap& data) {
    if (w.kind == DiskWriteKind::Data && w.stamps.empty() && !logged(data)) {
      data.fill(data_sector_index(w.sector), w.sectors, w.stamp);
      return;
    }
    apply_to(w, meta, data, 0, w.sectors);
  }
  void apply_to(const DiskWrite& w, MetaArea& meta, StampMap& data, std::uint32_t first,
                std::uint32_t count) const;
  // Whether changes to `data` go to the durable log (set_durable_log).
  bool logged(const StampMap& data) const {
    return durable_log_ != nullptr && &data == &data_durable_;
  }
  void make_durable_upto(std::uint64_t seq);

  std::string name_;
  DiskConfig config_;
  DiskHealth health_ = DiskHealth::Healthy;
  MetaArea meta_current_, meta_durable_;
  StampMap data_current_, data_durable_;
  // Requests live in slots, reused; a slot is on one of two lists, linked by slot index:
  // in flight (submission order) or cached (completion order). Completing or destaging a
  // request relinks an index. by_id_ finds a request's slot from its id in one probe.
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};
  static constexpr std::uint32_t kIdSlots = 1024;
  struct Link {
    std::uint32_t prev = kNoSlot, next = kNoSlot;
    bool in_flight = false;  // on inflight_ (a completed request keeps its id in its slot)
  };
  struct List {
    std::uint32_t head = kNoSlot, tail = kNoSlot;
    std::size_t count = 0;
  };
  std::vector<DiskWrite> slots_;
  std::vector<Link> links_;
  std::vector<std::uint32_t> free_slots_;
  List inflight_, cache_;
  std::vector<std::uint32_t> by_id_ = std::vector<std::uint32_t>(kIdSlots, kNoSlot);
  std::uint32_t new_slot();
  void release_slot(std::uint32_t slot) {
    slots_[slot].bytes.clear();  // a written buffer's holders are those still using it
    free_slots_.push_back(slot);
  }
  void push_back(List& l, std::uint32_t slot);
  void unlink(List& l, std::uint32_t slot);
  void track_inflight(std::uint32_t slot);  // on the in-flight list, findable by its id
  // A request in a free slot, on the in-flight list, with the fields every submission sets; the
  // payload (stamp, bytes) and is_read are left to the caller.
  DiskWrite& new_request(DiskWriteKind kind, std::uint64_t sector, std::uint32_t sectors, bool fua,
                         bool preflush, std::uint32_t owner, const char* tag);
  std::uint32_t find_inflight(std::uint64_t id) const;
  template <class Fetch>
  void refetch(std::uint32_t at, const char* tag, Fetch& fetch) {
    DiskWrite& w = slots_[at];
    if (w.kind == DiskWriteKind::Meta && !w.is_read && w.tag == tag) w.bytes = fetch(w);
  }
  void pop_cached();
  void drop_requests();
  std::uint64_t next_id_ = 1;
  std::uint64_t completed_seq_ = 0;
  std::uint32_t write_errors_ = 0, read_errors_ = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> defects_;  // (first sector, count)
  std::vector<std::pair<std::uint64_t, std::uint32_t>>* durable_log_ = nullptr;
};

}  // namespace llb::sim
