#!/usr/bin/env bash
# Builds, or finds in the cache, the two kernels of the real-kernel suite and its patched mdadm:
#   stock          Linux 7.2.13 as the harness (../shared/realkernel) builds it;
#   patched        the same source and config with the patches in tests/realkernel/patches/;
#   mdadm-patched  the stock kernel with an initramfs whose mdadm 4.6 (the harness's Debian
#                  source) carries tests/realkernel/patches/mdadm/ (built without libudev, which
#                  the initramfs has no daemon for).
# Usage: kernels.sh [stock|patched|mdadm-patched|all]   (default all); prints KERNEL_<NAME>=path
# and INITRD[_MDADM_PATCHED]=path lines last.
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

mdadm_key() {
  cat "$harness"/debs/mdadm_*.orig.tar.xz "$here"/patches/mdadm/*.patch | sha256sum | cut -c1-16
}

build_mdadm() {
  local key dir tmp t0=$SECONDS
  key=$(mdadm_key)
  dir=$RK_WORK/llb-mdadm/$key
  if [ -f "$dir/initrd.gz" ]; then log "patched mdadm $key cached"; return; fi
  tmp=$(mktemp -d)
  tar -xf "$harness"/debs/mdadm_*.orig.tar.xz -C "$tmp"
  local srcdir
  srcdir=$(echo "$tmp"/mdadm-*)
  for p in "$here"/patches/mdadm/*.patch; do
    patch -d "$srcdir" -p1 -s < "$p" || { log "mdadm patch $p does not apply"; exit 3; }
  done
  nice make -s -C "$srcdir" -j"${JOBS:-$(nproc)}" mdadm CXFLAGS=-DNO_LIBUDEV >&2
  mkdir -p "$dir"
  cp "$srcdir/mdadm" "$dir/mdadm"
  STAGE=$RK_WORK/stage MDADM=$dir/mdadm OUT=$dir/initrd.gz "$harness/make-initramfs.sh" >&2
  cp "$here"/patches/mdadm/*.patch "$dir/"
  rm -rf "$tmp"
  log "patched mdadm $key and its initramfs built in $((SECONDS - t0)) s"
}

case $want in
  stock) build_stock ;;
  patched) build_stock; build_patched ;;
  mdadm-patched) build_stock; build_mdadm ;;
  all) build_stock; build_patched; build_mdadm ;;
  *) echo "usage: kernels.sh [stock|patched|mdadm-patched|all]" >&2; exit 8 ;;
esac
echo "KERNEL_STOCK=$RK_WORK/bzImage"
echo "KERNEL_PATCHED=$RK_WORK/llb-patched/$(patched_key)/bzImage"
echo "INITRD=$RK_WORK/initrd.gz"
echo "INITRD_MDADM_PATCHED=$RK_WORK/llb-mdadm/$(mdadm_key)/initrd.gz"
echo "STAGE=$RK_WORK/stage"
