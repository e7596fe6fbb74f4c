#!/usr/bin/env bash
# Runs one real-kernel scenario on one of the suite's kernels, through the harness's own
# run-scenario.sh (not a copy): a view directory holds symlinks to the harness's scripts and a
# scenarios/ directory with the harness's scenarios plus this suite's (tests/realkernel/scenarios).
# Usage: scenario.sh stock|patched|mdadm-patched NAME OUT_ROOT
# Result: OUT_ROOT/KERNEL/out/NAME (the harness's artefacts: vm.log, ...) and the member images
# OUT_ROOT/KERNEL/run/NAME/vd?.img. Needs the kernels (kernels.sh) in the cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
harness=$(cd "${LLB_RK_HARNESS:-$top/../shared/realkernel}" && pwd)
kernel=${1:?usage: scenario.sh stock|patched|mdadm-patched NAME OUT_ROOT}
name=${2:?scenario name}
root=${3:?output root}
mkdir -p "$root/$kernel" && root=$(cd "$root" && pwd)

eval "$("$here/kernels.sh" "$kernel" 2>/dev/null | grep -E '^(KERNEL_STOCK|KERNEL_PATCHED|INITRD|INITRD_MDADM_PATCHED|STAGE)=')"
case $kernel in
  stock) K=$KERNEL_STOCK ;;
  patched) K=$KERNEL_PATCHED ;;
  mdadm-patched) K=$KERNEL_STOCK; INITRD=$INITRD_MDADM_PATCHED ;;
  *) echo "scenario.sh: kernel is stock, patched or mdadm-patched, not $kernel" >&2; exit 8 ;;
esac

view=$root/views/$kernel-$name  # one per test: tests run in parallel
mkdir -p "$view/scenarios"
for f in env.inc run-scenario.sh decode-llbitmap.py compare-mirrors.py; do
  ln -sfn "$harness/$f" "$view/$f"
done
ln -sfn "$harness/out" "$view/out"
# LLB_RK_EXTRA_SCENARIOS: a directory of scenarios written for this run (llbitmap-sim scenario).
for s in "$harness"/scenarios/* "$here"/scenarios/* ${LLB_RK_EXTRA_SCENARIOS:+"$LLB_RK_EXTRA_SCENARIOS"/*.sh}; do
  [ -e "$s" ] && ln -sfn "$s" "$view/scenarios/$(basename "$s")"
done
# A variant (NAME.variant: BASE=..., FROM=...) is BASE's script on another scenario's members.
if [ -f "$here/scenarios/$name.variant" ]; then
  BASE=$(sed -n 's/^BASE=//p' "$here/scenarios/$name.variant")
  FROM=$(sed -n 's/^FROM=//p' "$here/scenarios/$name.variant")
  rm -f "$view/scenarios/$name.sh"
  sed "s/^# FROM=.*/# FROM=$FROM/" "$here/scenarios/$BASE.sh" > "$view/scenarios/$name.sh"
fi

# A scenario of this suite may need members made on the host first (NAME.prepare OUT_DIR TOOLS).
if [ -x "$here/scenarios/$name.prepare" ]; then
  "$here/scenarios/$name.prepare" "$root/$kernel/out" "${LLB_TOOLS_DIR:?set LLB_TOOLS_DIR}" >&2
fi

# The harness's RK_WORK decides only where the images of this run go; the kernel, initramfs
# and staged mdadm come from the shared cache.
RK_WORK=$root/$kernel KERNEL=$K INITRD=$INITRD STAGE=$STAGE OUT_DIR=$root/$kernel/out \
  "$view/run-scenario.sh" "$name" > "$root/$kernel/$name.log" 2>&1 || {
  tail -20 "$root/$kernel/$name.log" >&2
  exit 1
}
echo "$root/$kernel/run/$name"
