#!/usr/bin/env bash
# Builds the release tree and runs every benchmark; each prints "RESULT ..." lines with its
# figure and its ratio to the baseline measured in the same run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/bootstrap.sh release build >/dev/null
export LLB_EXAMINE=$top/build/tools/llbitmap-examine
export LLB_MDADM=$(bench/mdadm_baseline.sh)
echo "== examine vs mdadm -E (baseline: $LLB_MDADM)"
build/bench/examine_bench "$@"
echo "== simulator events per second"
build/bench/sim_bench "$@"
echo "== offline resync vs dd"
build/bench/resync_bench "$@"
echo "== crash explorer states per second"
build/bench/explore_bench "$@"
echo "== what the unplug fix costs (simulated: bitmap writes, write latency; stock vs patched)"
build/bench/unplug_cost_bench "$@"
echo "== explorer sweep on Dask vs serial"
/usr/bin/python3 bench/sweep_bench.py
