#include "sim/workload/export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace llb::sim {

namespace {

Status write_all(int fd, const std::uint8_t* p, std::size_t n, std::uint64_t off,
                 const std::string& path) {
  while (n) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status(Code::IoError, str_cat(path, ": write failed: ", std::strerror(errno)));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    off += static_cast<std::uint64_t>(w);
  }
  return Status();
}

}  // namespace

Status export_disk(const SimDisk& disk, const std::string& path, DiskView view) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Code::IoError, str_cat(path, ": cannot create: ", std::strerror(errno)));
  Status st;
  if (::ftruncate(fd, static_cast<off_t>(disk.config().size_bytes)) != 0) {
    st = Status(Code::IoError, str_cat(path, ": ftruncate failed: ", std::strerror(errno)));
  }
  const auto& meta = view == DiskView::Current ? disk.meta_current() : disk.meta_durable();
  const auto& data = view == DiskView::Current ? disk.data_current() : disk.data_durable();
  if (st.ok()) {
    const std::vector<std::uint8_t> meta_bytes = meta.bytes();
    st = write_all(fd, meta_bytes.data(), meta_bytes.size(), 0, path);
  }
  // Data: only written sectors, in runs, so the image stays sparse.
  std::vector<std::uint8_t> buf;
  const std::uint64_t base = disk.config().data_offset_sectors;
  for (std::uint64_t i = 0; st.ok() && i < data.size();) {
    if (data[i] == 0) {
      ++i;
      continue;
    }
    std::uint64_t j = i;
    while (j < data.size() && data[j] != 0 && j - i < 2048) ++j;
    buf.resize((j - i) * 512);
    for (std::uint64_t k = i; k < j; ++k) fill_data_sector(data[k], base + k, buf.data() + (k - i) * 512);
    st = write_all(fd, buf.data(), buf.size(), (base + i) * 512, path);
    i = j;
  }
  ::close(fd);
  return st;
}

Result<std::vector<std::string>> export_members(const MdArray& array, const std::string& dir,
                                                const std::string& prefix, DiskView view) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Code::IoError, str_cat(dir, ": cannot create: ", ec.message()));
  std::vector<std::string> paths;
  for (std::uint32_t m = 0; m < array.member_count(); ++m) {
    const SimDisk& disk = array.disk(m);
    const std::string path = dir + "/" + prefix + disk.name() + ".img";
    LLB_RETURN_IF_ERROR(export_disk(disk, path, view));
    paths.push_back(path);
  }
  return paths;
}

}  // namespace llb::sim
