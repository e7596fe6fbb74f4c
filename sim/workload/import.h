#pragma once
// Importers that turn a user's recorded I/O into a simulator trace, so it can be replayed and
// crash-explored: fio's iolog (versions 2 and 3) and blkparse's default text output. Offsets are
// folded into the simulated array (modulo its size), lengths rounded up to whole sectors; with
// timestamps (iolog v3: microseconds since the job started, as fio's log_io_u writes them;
// blkparse: seconds) each I/O is issued no earlier than its recorded time, with at most
// `iodepth` in flight, as fio's replay issues them.

#include <cstdint>
#include <string>

#include "libformat/codec/status.h"
#include "sim/workload/trace.h"

namespace llb::sim {

struct ImportOptions {
  std::uint32_t members = 2;
  std::uint64_t member_size_bytes = 128ull << 20;
  std::uint32_t max_ops = 0;  // keep only the first N I/O operations (0: all)
  // fio replays an iolog with at most iodepth I/Os in flight (its --iodepth, default 1), each
  // issued no earlier than its recorded time: the import does the same (timed formats).
  std::uint32_t iodepth = 1;
};

enum class WorkloadFormat { FioIolog, Blkparse };

Result<Trace> import_fio_iolog(const std::string& text, const std::string& source,
                               const ImportOptions& options);
Result<Trace> import_blkparse(const std::string& text, const std::string& source,
                              const ImportOptions& options);
// Reads the file and picks the importer from its first line ("fio version N iolog", else
// blkparse).
Result<Trace> import_workload_file(const std::string& path, const ImportOptions& options);

}  // namespace llb::sim
