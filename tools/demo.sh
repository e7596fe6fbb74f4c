#!/usr/bin/env bash
# The main job on a built-in example, no arguments needed: builds the toolkit (installing its
# Debian packages if missing) and examines member images that a real Linux 7.2 kernel left after
# a crash (fixtures/realkernel/b-crash-dirty), then a degraded 3-disk array with a lagging member
# (c-degraded-3disk). Read-only: the images are decompressed into the build tree.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/bootstrap.sh release build
examine=build/tools/llbitmap-examine
img=build/fixtures/realkernel

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A RAID1 of two members crashed (sysrq-b) after five writes. What will assembly resync?"
echo "\$ llbitmap-examine $img/b-crash-dirty/after-vda.img $img/b-crash-dirty/after-vdb.img"
rc=0; $examine "$img/b-crash-dirty/after-vda.img" "$img/b-crash-dirty/after-vdb.img" || rc=$?
echo "(exit status $rc: 1 = a resync is needed)"

step "A 3-disk RAID1 lost vdb, then took writes. Which member lags, and what will re-adding it copy?"
echo "\$ llbitmap-examine --export ... (KEY=VALUE, array summary)"
rc=0; $examine --export "$img"/c-degraded-3disk/after-vd{a,b,c}.img | sed -n '/^ARRAY_UUID/,$p' || rc=$?

step "The same, as JSON for programs (schema llbitmap-examine v1, docs/examine-json.md)"
$examine --json "$img"/c-degraded-3disk/after-vd{a,b,c}.img |
  /usr/bin/python3 -c 'import json,sys; a=json.load(sys.stdin)["arrays"][0]; print(json.dumps({k: a[k] for k in ("lagging","degraded","assembly")}, indent=2))' || true
