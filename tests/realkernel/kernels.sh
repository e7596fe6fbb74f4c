#!/usr/bin/env bash
# Builds, or finds in the cache, the two kernels of the real-kernel suite:
#   stock    Linux 7.2.13 as the harness (../shared/realkernel) builds it;
#   patched  the same source and config with the patches in tests/realkernel/patches/.
# Usage: kernels.sh [stock|patched|all]   (default all); prints KERNEL_<NAME>=path lines last.
#
# The cache lives in the harness's work dir, RK_WORK (default /tmp/llbitmap-realkernel), and is
# keyed: the stock kernel by the harness's kernel.config, the patched one by that config and the
# patch files. A warm run builds nothing. The patched kernel is built incrementally from a copy
# of the stock build: in a private mount namespace the patched files are bind-mounted over the
# shared source, so every compiler command line is the stock build's and only the patched files
# and the link are redone (about a minute instead of 5-12). The shared source is never modified.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
harness=${LLB_RK_HARNESS:-$top/../shared/realkernel}
[ -x "$harness/make-all.sh" ] || { echo "kernels.sh: no real-kernel harness at $harness" >&2; exit 3; }
harness=$(cd "$harness" && pwd)
export RK_WORK=${RK_WORK:-${TMPDIR:-/tmp}/llbitmap-realkernel}
mkdir -p "$RK_WORK"
RK_WORK=$(cd "$RK_WORK" && pwd)
want=${1:-all}
src=$RK_WORK/src/linux-source-7.2
log() { echo "kernels.sh: $*" >&2; }

stock_key=$(sha256sum "$harness/kernel.config" | cut -c1-16)
build_stock() {
  if [ -f "$RK_WORK/bzImage" ] && [ "$(cat "$RK_WORK/llb-stock.key" 2>/dev/null)" != "$stock_key" ] &&
     [ -f "$RK_WORK/llb-stock.key" ]; then
    log "harness kernel.config changed: rebuilding the stock kernel"
    rm -f "$RK_WORK/bzImage"
  fi
  local t0=$SECONDS
  JOBS=${JOBS:-$(nproc)} nice "$harness/make-all.sh" >&2
  echo "$stock_key" > "$RK_WORK/llb-stock.key"
  log "stock kernel ready in $((SECONDS - t0)) s"
}

patched_key() {
  cat "$harness/kernel.config" "$here"/patches/*.patch | sha256sum | cut -c1-16
}

build_patched() {
  local key dir overlay b t0=$SECONDS
  key=$(patched_key)
  dir=$RK_WORK/llb-patched/$key
  if [ -f "$dir/bzImage" ]; then log "patched kernel $key cached"; return; fi
  [ -f "$src/Makefile" ] && [ -d "$RK_WORK/build/kernel" ] || { log "no stock build to start from"; exit 3; }
  overlay=$RK_WORK/llb-patched/overlay-$key
  rm -rf "$overlay" && mkdir -p "$overlay"
  # The files the patches touch, copied from the stock source and patched.
  local files
  files=$(sed -n 's|^+++ b/||p' "$here"/patches/*.patch | sed 's/[[:space:]].*//' | sort -u)
  for f in $files; do mkdir -p "$overlay/$(dirname "$f")"; cp "$src/$f" "$overlay/$f"; done
  for p in "$here"/patches/*.patch; do
    patch -d "$overlay" -p1 -s --no-backup-if-mismatch < "$p" || { log "patch $p does not apply"; exit 3; }
  done
  touch $(for f in $files; do echo "$overlay/$f"; done)
  # One build dir for patched kernels, started from the stock build when it does not exist yet
  # or was made from another stock build.
  b=$RK_WORK/llb-patched/build
  if [ ! -f "$b/.llb-stock-key" ] || [ "$(cat "$b/.llb-stock-key")" != "$stock_key" ]; then
    rm -rf "$b" && cp -a "$RK_WORK/build/kernel" "$b" && echo "$stock_key" > "$b/.llb-stock-key"
  fi
  local binds=""
  for f in $files; do binds="$binds mount --bind '$overlay/$f' '$src/$f' &&"; done
  log "building patched kernel $key from the stock build ($files)"
  unshare -m sh -c "mount --make-rprivate / && $binds nice make -s -C '$src' O='$b' -j${JOBS:-$(nproc)} bzImage" >&2
  mkdir -p "$dir"
  cp "$b/arch/x86/boot/bzImage" "$dir/bzImage.tmp" && mv "$dir/bzImage.tmp" "$dir/bzImage"
  cp "$here"/patches/*.patch "$dir/"
  log "patched kernel $key built in $((SECONDS - t0)) s"
}

case $want in
  stock) build_stock ;;
  patched) build_stock; build_patched ;;
  all) build_stock; build_patched ;;
  *) echo "usage: kernels.sh [stock|patched|all]" >&2; exit 8 ;;
esac
echo "KERNEL_STOCK=$RK_WORK/bzImage"
echo "KERNEL_PATCHED=$RK_WORK/llb-patched/$(patched_key)/bzImage"
echo "INITRD=$RK_WORK/initrd.gz"
echo "STAGE=$RK_WORK/stage"
