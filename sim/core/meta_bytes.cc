#include "sim/core/meta_bytes.h"

namespace llb::sim {

namespace {
// Buffers a thread keeps for reuse at most: a burst of writes (a whole-bitmap flush) does not
// hold its memory for the rest of the run.
constexpr std::size_t kMaxPooled = 256;
}  // namespace

std::vector<MetaBytes::Buffer*>& MetaBytes::pool() {
  struct Owned {
    std::vector<Buffer*> buffers;
    ~Owned() {
      for (Buffer* b : buffers) delete b;
    }
  };
  thread_local Owned owned;
  return owned.buffers;
}

MetaBytes::Buffer* MetaBytes::acquire() {
  std::vector<Buffer*>& p = pool();
  if (p.empty()) return new Buffer;
  Buffer* b = p.back();
  p.pop_back();
  b->owners = 1;
  return b;
}

void MetaBytes::release_last(Buffer* b) {
  std::vector<Buffer*>& p = pool();
  if (p.size() >= kMaxPooled) {
    delete b;
    return;
  }
  p.push_back(b);
}

}  // namespace llb::sim
