#!/usr/bin/env bash
# The main job on a built-in example, no arguments needed. Builds the toolkit (installing its
# Debian packages if missing), then tells the whole story of a crashed mirror:
#   1. the simulator crashes a 2-disk RAID1 (Linux 7.2's llbitmap) with a write in flight that
#      lands on one mirror only, and exports the members as image files;
#   2. llbitmap-examine reads them: which chunks the kernel will resync;
#   3. llbitmap-resync --verify shows the mirrors really differ; llbitmap-resync plans, then
#      resyncs offline (--write), crash-safe;
#   4. examine and verify again: clean, identical mirrors.
# Then the same resync on members a real Linux 7.2 kernel left after a crash, compared with what
# that kernel did when it reassembled them. Everything is written under build/demo.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/bootstrap.sh release build
bin=build/tools
work=build/demo
rm -rf "$work" && mkdir -p "$work"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
run() { show "$*"; rc=0; "$@" || rc=$?; echo "(exit status $rc)"; }

step "1. Crash: a write is in flight when the power fails (simulated, seed 2)"
show "llbitmap-sim run fixtures/traces/demo-crash-inflight.json --seed 2 --export $work/crash"
$bin/llbitmap-sim run fixtures/traces/demo-crash-inflight.json --seed 2 --export "$work/crash" |
  grep -E "llbitmap-sim:|write \(|power loss|^  vd|^    [0-9]|reproduce"

step "2. Examine: what will the kernel resync at assembly?"
show "llbitmap-examine $work/crash/vda.img $work/crash/vdb.img"
rc=0; $bin/llbitmap-examine "$work/crash/vda.img" "$work/crash/vdb.img" > "$work/examine-before.txt" || rc=$?
sed -n '/^Array/,$p' "$work/examine-before.txt"
echo "(exit status $rc: 1 = a resync is needed; full report in $work/examine-before.txt)"

step "3. Are the mirrors really different? (md's 'check', read-only)"
run $bin/llbitmap-resync --verify "$work/crash/vda.img" "$work/crash/vdb.img"

step "4. Offline resync: the plan first (read-only), then --write"
run $bin/llbitmap-resync "$work/crash/vda.img" "$work/crash/vdb.img"
run $bin/llbitmap-resync --write --progress=text "$work/crash/vda.img" "$work/crash/vdb.img"

step "5. Examine and verify again"
rc=0; $bin/llbitmap-examine "$work/crash/vda.img" "$work/crash/vdb.img" > "$work/examine-after.txt" || rc=$?
sed -n '/^Array/,$p' "$work/examine-after.txt"
echo "(exit status $rc: 0 = clean)"
run $bin/llbitmap-resync --verify "$work/crash/vda.img" "$work/crash/vdb.img"
run $bin/llbitmap-repair "$work/crash/vda.img" "$work/crash/vdb.img"

step "6. The same on members a real Linux 7.2 kernel left after a crash (fixtures/realkernel)"
img=build/fixtures/realkernel
mkdir -p "$work/real"
cp --sparse=always "$img"/b-crash-dirty/after-vd{a,b}.img "$work/real/"
run $bin/llbitmap-resync --write --progress=none "$work/real/after-vda.img" "$work/real/after-vdb.img"
ours=$($bin/llbitmap-examine "$work/real/after-vda.img" | sed -n '/^  runs:/,/^Findings/p' | grep -E "^ +[0-9]" || true)
kernel=$($bin/llbitmap-examine "$img/e-reassemble-after-crash/after-vda.img" | sed -n '/^  runs:/,/^Findings/p' | grep -E "^ +[0-9]" || true)
if [ -n "$ours" ] && [ "$ours" = "$kernel" ]; then
  echo "runs of states after our offline resync, the same as the kernel left when it reassembled"
  echo "that array itself (scenario e-reassemble-after-crash):"
  echo "$ours"
else
  echo "MISMATCH between our resync and the kernel's reassembly"; exit 1
fi
