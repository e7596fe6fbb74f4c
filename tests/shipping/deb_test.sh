#!/bin/sh
# The Debian packages, built and used as a user would:
#   deb_test.sh SOURCE_DIR IMAGE_DIR
# copies the source (without build trees), runs dpkg-buildpackage -b -us -uc, runs lintian on the
# result (every tag it still prints is listed in debian/lintian-expected with its reason, and any
# other fails the test), unpacks the four packages into a scratch root with dpkg -x and runs the
# installed tools and the Python module from there on members a real Linux 7.2 kernel wrote.
set -eu
src=$(cd "$1" && pwd)
images=$(cd "$2" && pwd)
img=$images/realkernel/b-crash-dirty
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir "$work/llbitmap-tools"
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude='./obj-*' -cf - . |
  tar -C "$work/llbitmap-tools" -xf -
cd "$work/llbitmap-tools"
t0=$(date +%s)
if ! dpkg-buildpackage -b -us -uc -j"$(nproc)" > "$work/build.log" 2>&1; then
  tail -60 "$work/build.log"
  fail "dpkg-buildpackage"
fi
echo "ok: dpkg-buildpackage -b -us -uc in $(( $(date +%s) - t0 )) s"
cd "$work"
for p in llbitmap-tools libllbitmap0 libllbitmap-dev python3-llbitmap; do
  ls "$work"/${p}_*.deb > /dev/null 2>&1 || fail "no package $p"
done

lintian --tag-display-limit 0 -I "$work"/*.changes > "$work/lintian.txt" 2>&1 || true
unexpected=$(grep -E '^[EW]: ' "$work/lintian.txt" | while read -r line; do
  tag=$(echo "$line" | awk '{print $3}')
  grep -q "^$tag " "$src/debian/lintian-expected" || echo "$line"
done)
[ -z "$unexpected" ] || fail "lintian tags not explained in debian/lintian-expected:
$unexpected"
sed 's/^/   lintian: /' "$work/lintian.txt"
echo "ok: lintian: $(grep -cE "^[EW]: " "$work/lintian.txt" || true) error/warning line(s), each explained"

root=$work/root
for d in "$work"/*.deb; do dpkg -x "$d" "$root"; done
set +e
LD_LIBRARY_PATH="$root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)" \
  "$root/usr/sbin/llbitmap-examine" --export "$img/after-vda.img" "$img/after-vdb.img" > "$work/ex.txt"
st=$?
set -e
[ "$st" = 1 ] || fail "packaged llbitmap-examine exited $st, expected 1"
grep -q '^ARRAY_SYNC_CHUNKS=514$' "$work/ex.txt" || fail "packaged examine: $(cat "$work/ex.txt")"
"$root/usr/sbin/llbitmap-resync" "$img/after-vda.img" "$img/after-vdb.img" > "$work/plan.txt" || true
grep -q 'plan: 514 of 2032 chunks' "$work/plan.txt" || fail "packaged resync: $(cat "$work/plan.txt")"
[ -f "$root/usr/share/man/man8/llbitmap-repair.8.gz" ] || fail "no man page in the package"
[ -f "$root/usr/share/bash-completion/completions/llbitmap-examine" ] || fail "no completion"
PYTHONPATH=$root/usr/lib/python3/dist-packages /usr/bin/python3 -c "
import llbitmap
r = llbitmap.examine(['$img/after-vda.img', '$img/after-vdb.img'])
assert llbitmap.__file__.startswith('$root'), llbitmap.__file__
assert r['exit_status'] == 1, r['exit_status']
print('ok: python3-llbitmap imports from the unpacked package')
"
echo "ok: the packaged tools read what the kernel wrote"
