// The Python face of llbitmap-tools (the extension under python/llbitmap/__init__.py): examine
// member devices or images, run the simulator, and run the crash explorer. Every result is the
// document the command-line tools print with --json, converted from its DOM straight into Python
// dicts and lists (no JSON text for the simulator's documents; examine's report, written by a
// streaming writer for speed, is parsed once here); the package wraps them in typed classes. Bad
// input raises ValueError naming what was wrong, as the tools' messages do (the package turns it
// into llbitmap.ArgumentError). Long runs release the GIL.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "libformat/ops/examine.h"
#include "libformat/report/json.h"
#include "libformat/report/report.h"
#include "libformat/report/json_dom.h"
#include "sim/explore/explore.h"
#include "sim/workload/random_workload.h"
#include "sim/report/result_dom.h"
#include "sim/report/result_json.h"
#include "sim/workload/runner.h"
#include "sim/workload/trace.h"

namespace py = pybind11;
using namespace llb;
using namespace llb::sim;

namespace {

// A JSON DOM as Python objects: null, bool, int, float, str, list, dict (keys in document order).
py::object to_python(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return py::none();
    case Json::value_t::boolean: return py::bool_(j.get<bool>());
    case Json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case Json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case Json::value_t::number_float: return py::float_(j.get<double>());
    case Json::value_t::string: return py::str(j.get_ref<const std::string&>());
    case Json::value_t::array: {
      py::list l(j.size());
      std::size_t i = 0;
      for (const Json& e : j) l[i++] = to_python(e);
      return l;
    }
    case Json::value_t::object: {
      py::dict d;
      for (const auto& [k, v] : j.items()) d[py::str(k)] = to_python(v);
      return d;
    }
    default: return py::none();  // binary and discarded values: never in our documents
  }
}

LayoutChoice layout_arg(const std::string& s) {
  auto l = parse_layout_choice(s);
  if (!l) throw py::value_error("layout is '" + s + "', expected upstream, rfc or auto");
  return *l;
}

std::optional<KernelModel> kernel_arg(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  auto k = parse_kernel_model(*s);
  if (!k) {
    throw py::value_error("kernel is '" + *s + "', expected " + std::string(kernel_model_choices()));
  }
  return k;
}

// The workload: a trace file, a trace given as JSON text, or a random one made from the seed.
Trace workload_arg(const std::optional<std::string>& trace, const std::optional<std::string>& trace_json,
                   const std::optional<std::uint64_t>& seed, const WorkloadOptions& w) {
  if (trace && trace_json) throw py::value_error("give trace or trace_json, not both");
  if (trace || trace_json) {
    auto t = trace ? load_trace(*trace) : parse_trace(*trace_json, "trace_json");
    if (!t.ok()) throw py::value_error(t.status().to_string());
    return *t;
  }
  if (!seed) throw py::value_error("give a trace, trace_json or seed");
  return random_workload(*seed, w);
}

void check_shape(std::uint32_t members, std::uint64_t member_size) {
  if (auto p = array_shape_problem(members, member_size)) {
    throw py::value_error(p->field + " is " + p->value + ", expected " + p->expected);
  }
}

py::object examine(const std::vector<std::string>& paths, const std::string& layout) {
  const LayoutChoice l = layout_arg(layout);
  Json j;
  {
    py::gil_scoped_release unlocked;
    Examination ex = examine_paths(paths, l);
    j = examination_to_json(ex, {});
  }
  return to_python(j);
}

std::string examine_text(const std::vector<std::string>& paths, const std::string& layout) {
  const LayoutChoice l = layout_arg(layout);
  py::gil_scoped_release unlocked;
  return render_text(examine_paths(paths, l), {});
}

py::object run_py(const std::optional<std::string>& trace, const std::optional<std::string>& trace_json,
               const std::optional<std::uint64_t>& seed, const std::optional<std::string>& kernel,
               const std::optional<std::string>& export_dir, bool timeline) {
  const auto k = kernel_arg(kernel);
  Trace t = workload_arg(trace, trace_json, seed, WorkloadOptions{});
  RunOptions opts;
  opts.seed = seed.value_or(t.seed.value_or(1));
  opts.kernel = k.value_or(t.kernel.value_or(KernelModel::Upstream));
  opts.export_dir = export_dir.value_or("");
  opts.timeline = timeline;
  Json j;
  {
    py::gil_scoped_release unlocked;
    TraceRunner runner(t, opts);
    RunResult r = runner.run();
    const std::string repro =
        str_cat("llbitmap-sim run ", trace ? *trace + " " : "", "--seed ", opts.seed, " --kernel ",
                kernel_model_name(opts.kernel));
    j = run_document(t, opts, r, runner.array().timeline(), repro);
  }
  return to_python(j);
}

py::object explore_py(const std::optional<std::string>& trace, const std::optional<std::string>& trace_json,
                   const std::optional<std::uint64_t>& seed, const std::optional<std::string>& kernel,
                   std::uint32_t ops, std::uint32_t members, std::uint64_t member_size,
                   bool exhaustive, std::uint64_t max_states, bool torn, bool cache_loss,
                   bool live_pages, bool plant_fault, bool stop_at_first, bool media_errors) {
  const auto k = kernel_arg(kernel);
  if (!trace && !trace_json) check_shape(members, member_size);
  WorkloadOptions w;
  w.ops = ops;
  w.members = members;
  w.member_size_bytes = member_size;
  w.media_errors = media_errors;
  Trace t = workload_arg(trace, trace_json, seed, w);
  ExploreOptions o;
  o.seed = seed.value_or(t.seed.value_or(1));
  o.kernel = k.value_or(t.kernel.value_or(KernelModel::Upstream));
  o.exhaustive = exhaustive;
  o.max_states = max_states;
  o.torn = torn;
  o.cache_loss = cache_loss;
  o.live_pages = live_pages;
  o.planted_fault = plant_fault;
  o.stop_at_first = stop_at_first;
  Json j;
  {
    py::gil_scoped_release unlocked;
    ExploreResult r = sim::explore(t, o);
    j = explore_document(o, r);
  }
  if (j.contains("run_error")) {
    throw py::value_error("the workload failed: " + j["run_error"].get<std::string>());
  }
  return to_python(j);
}

std::string random_trace(std::uint64_t seed, std::uint32_t ops, std::uint32_t members,
                         std::uint64_t member_size, std::uint32_t logical_block_size,
                         bool media_errors) {
  check_shape(members, member_size);
  if (auto p = logical_block_size_problem(logical_block_size)) {
    throw py::value_error(p->field + " is " + p->value + ", expected " + p->expected);
  }
  WorkloadOptions w;
  w.logical_block_size = logical_block_size;
  w.ops = ops;
  w.members = members;
  w.member_size_bytes = member_size;
  w.media_errors = media_errors;
  return trace_to_json(random_workload(seed, w));
}

}  // namespace

PYBIND11_MODULE(_llbitmap, m) {
  m.doc() = "llbitmap-tools: examine, simulate and crash-explore md RAID1 lockless bitmaps";
  m.def("examine", &examine, py::arg("paths"), py::arg("layout") = "auto",
        "Examine member devices or image files; the dict llbitmap-examine --json prints.");
  m.def("examine_text", &examine_text, py::arg("paths"), py::arg("layout") = "auto",
        "The text llbitmap-examine prints for these devices.");
  m.def("run", &run_py, py::arg("trace") = py::none(), py::kw_only(),
        py::arg("trace_json") = py::none(), py::arg("seed") = py::none(),
        py::arg("kernel") = py::none(), py::arg("export_dir") = py::none(),
        py::arg("timeline") = true,
        "Run a trace (a file, JSON text, or a random workload from seed) through the simulator;\n"
        "the dict llbitmap-sim run --json prints.");
  m.def("explore", &explore_py, py::arg("trace") = py::none(), py::kw_only(),
        py::arg("trace_json") = py::none(), py::arg("seed") = py::none(),
        py::arg("kernel") = py::none(), py::arg("ops") = 40, py::arg("members") = 2,
        py::arg("member_size") = std::uint64_t{128} << 20, py::arg("exhaustive") = true,
        py::arg("max_states") = 0, py::arg("torn") = true, py::arg("cache_loss") = true,
        py::arg("live_pages") = false, py::arg("plant_fault") = false, py::arg("stop_at_first") = false,
        py::arg("media_errors") = false,
        "Enumerate crash states of a workload and check the bitmap's promise;\n"
        "the dict llbitmap-sim explore --json prints.");
  m.def("random_trace", &random_trace, py::arg("seed"), py::arg("ops") = 40,
        py::arg("members") = 2, py::arg("member_size") = std::uint64_t{128} << 20,
        py::arg("logical_block_size") = 512, py::arg("media_errors") = false,
        "The JSON trace of the seeded random workload generator.");
}
