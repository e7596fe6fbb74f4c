#!/usr/bin/env bash
# Prints a command line that runs mdadm, for benchmarks' baselines, without installing mdadm on
# the host (its Debian package pulls in systemd and udev upgrades). Prefers the sid mdadm 4.6 the
# real-kernel harness stages (the version that made the fixtures); otherwise downloads bookworm's
# mdadm .deb and unpacks it under build/bench-mdadm.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rk=${RK_WORK:-${TMPDIR:-/tmp}/llbitmap-realkernel}
stage=$rk/stage
if [ -x "$stage/usr/sbin/mdadm" ]; then
  echo "$stage/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path $stage/usr/lib/x86_64-linux-gnu $stage/usr/sbin/mdadm"
  exit 0
fi
dir=$top/build/bench-mdadm
if [ ! -x "$dir/sbin/mdadm" ]; then
  mkdir -p "$dir/deb"
  (cd "$dir/deb" && apt-get download mdadm >/dev/null 2>&1) ||
    { apt-get update -qq >/dev/null && (cd "$dir/deb" && apt-get download mdadm >/dev/null); }
  dpkg-deb -x "$dir"/deb/mdadm_*.deb "$dir/root"
  mkdir -p "$dir/sbin" && ln -sf "$dir/root/sbin/mdadm" "$dir/sbin/mdadm"
fi
echo "$dir/sbin/mdadm"
