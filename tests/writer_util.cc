#include "tests/writer_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "libformat/ops/assembly.h"
#include "libformat/ops/member.h"
#include "libformat/codec/undo_log.h"

namespace llb::test {

MemberCopies::MemberCopies(const std::string& group, const std::string& scenario) {
  for (const std::string& m : scenario_members_in(group, scenario)) {
    const std::string dst = dir_.path() + "/" + m + ".img";
    // Sparse copies: the images are mostly holes.
    const int rc = run_command("cp --sparse=always '" + fixture_image_in(group, scenario, m) +
                                   "' '" + dst + "'", nullptr);
    EXPECT_EQ(rc, 0) << "copying " << m << " of " << scenario;
    paths_.push_back(dst);
  }
}

std::string MemberCopies::args() const {
  std::string s;
  for (const auto& p : paths_) s += (s.empty() ? "" : " ") + p;
  return s;
}

std::string tool(const std::string& name) { return std::string(LLB_TOOLS_DIR) + "/" + name; }

namespace {
Member load(const std::string& path) {
  auto dev = open_device(path, Access::ReadOnly);
  EXPECT_TRUE(dev.ok()) << dev.status().to_string();
  auto m = load_member(**dev, LayoutChoice::Auto);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  return *m;
}
}  // namespace

void scribble_chunks(const std::string& path, const std::vector<std::uint64_t>& chunks,
                     std::uint8_t seed) {
  Member m = load(path);
  ASSERT_TRUE(m.geometry);
  auto dev = open_device(path, Access::ReadWriteExclusive);
  ASSERT_TRUE(dev.ok()) << dev.status().to_string();
  for (std::uint64_t c : chunks) {
    std::vector<std::uint8_t> b(m.geometry->chunk_sectors(c) * 512);
    for (std::size_t i = 0; i < b.size(); ++i) {
      b[i] = static_cast<std::uint8_t>((i * 131 + c * 7 + seed * 29) ^ seed);
    }
    const std::uint64_t off = (m.md.sb.data_offset + m.geometry->chunk_start_sector(c)) * 512;
    ASSERT_TRUE((*dev)->write_at(off, b).ok());
  }
}

std::vector<std::uint8_t> data_region(const std::string& path) {
  Member m = load(path);
  const std::uint64_t sectors = resync_max_sectors(m.md.sb);
  auto dev = open_device(path, Access::ReadOnly);
  auto b = read_bytes(**dev, m.md.sb.data_offset * 512, sectors * 512);
  EXPECT_TRUE(b.ok());
  return b.ok() ? *b : std::vector<std::uint8_t>{};
}

std::vector<std::uint8_t> state_bytes(const std::string& path) {
  Member m = load(path);
  return m.states ? m.states->bytes : std::vector<std::uint8_t>{};
}

std::vector<std::uint64_t> differing_chunks(const std::vector<std::string>& paths) {
  // Streams chunk by chunk: the images are 128 MiB and this runs after every kill.
  std::vector<Member> ms;
  std::vector<std::unique_ptr<BlockDevice>> devs;
  for (const auto& p : paths) {
    ms.push_back(load(p));
    devs.push_back(std::move(open_device(p, Access::ReadOnly)).value());
  }
  const Geometry& g = *ms[0].geometry;
  std::vector<std::uint64_t> out;
  std::vector<std::uint8_t> a, b;
  for (std::uint64_t c = 0; c < g.chunks; ++c) {
    const std::size_t n = static_cast<std::size_t>(g.chunk_sectors(c) * 512);
    a.resize(n);
    b.resize(n);
    const std::uint64_t sector = g.chunk_start_sector(c);
    EXPECT_TRUE(devs[0]->read_at((ms[0].md.sb.data_offset + sector) * 512, a).ok());
    for (std::size_t k = 1; k < devs.size(); ++k) {
      EXPECT_TRUE(devs[k]->read_at((ms[k].md.sb.data_offset + sector) * 512, b).ok());
      if (a != b) {
        out.push_back(c);
        break;
      }
    }
  }
  return out;
}

std::vector<std::uint8_t> chunk_data(const std::string& path, const std::vector<std::uint64_t>& chunks) {
  Member m = load(path);
  auto dev = open_device(path, Access::ReadOnly);
  std::vector<std::uint8_t> out;
  for (std::uint64_t c : chunks) {
    std::vector<std::uint8_t> b(m.geometry->chunk_sectors(c) * 512);
    EXPECT_TRUE((*dev)->read_at((m.md.sb.data_offset + m.geometry->chunk_start_sector(c)) * 512, b).ok());
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

std::vector<std::vector<std::uint64_t>> flagged_per_member(const std::vector<std::string>& paths) {
  std::vector<std::vector<std::uint64_t>> out;
  for (const auto& p : paths) {
    Member m = load(p);
    std::vector<std::uint64_t> f;
    if (m.states && m.verdict) {
      AssemblyPlan plan = predict_assembly(m, false);
      for (const StateRun& r : plan.sync_runs) {
        for (std::uint64_t c = r.first; c <= r.last; ++c) f.push_back(c);
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::uint64_t file_hash(const std::string& path, std::uint64_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string b(static_cast<std::size_t>(std::min(limit, std::filesystem::file_size(path))), '\0');
  in.read(b.data(), static_cast<std::streamsize>(b.size()));
  return std::hash<std::string_view>{}(b);
}

}  // namespace llb::test
