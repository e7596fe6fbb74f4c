#pragma once
// Undo files on disk: written durably, read back whole (the format is undo_log.h's).

#include <string>

#include "libformat/codec/status.h"
#include "libformat/codec/undo_log.h"

namespace llb {

// Writes the log to `path` durably (a temporary file, fsync, rename, fsync of the directory).
// Refuses an existing file: an older undo file is worth keeping.
Status write_undo_file(const std::string& path, const UndoLog& log);
// Refuses what is not a regular file (a directory, a device) with a clear error.
Result<UndoLog> read_undo_file(const std::string& path);

}  // namespace llb
