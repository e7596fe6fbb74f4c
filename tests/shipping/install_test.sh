#!/bin/sh
# What `cmake --install` gives a user, checked from the installed tree alone:
#   install_test.sh BUILD_DIR IMAGE_DIR
# installs BUILD_DIR into a scratch prefix, checks every piece is there, runs the installed tools on
# a real-kernel member, builds a program against the installed library twice (find_package and
# pkg-config) and runs it, and imports the installed Python module with Debian's /usr/bin/python3.
set -eu
build=$1
images=$2
img=$images/realkernel/b-crash-dirty
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
p=$work/prefix
cmake --install "$build" --prefix "$p" > "$work/install.log"

fail() { echo "FAIL: $*"; exit 1; }
for f in sbin/llbitmap-examine sbin/llbitmap-repair sbin/llbitmap-resync sbin/llbitmap-undo \
         sbin/llbitmap-create bin/llbitmap-sim lib/libllbitmap.so.0 lib/libllbitmap.so \
         lib/pkgconfig/llbitmap.pc lib/cmake/llbitmap/llbitmapConfig.cmake \
         include/llbitmap/libformat/ops/examine.h share/man/man8/llbitmap-examine.8 \
         share/man/man3/libllbitmap.3 share/bash-completion/completions/llbitmap-repair \
         share/doc/llbitmap-tools/README.md; do
  [ -e "$p/$f" ] || fail "$f not installed"
done
soname=$(objdump -p "$p/lib/libllbitmap.so.0" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = libllbitmap.so.0 ] || fail "soname is '$soname', expected libllbitmap.so.0"
echo "ok: installed tree complete, soname $soname"

# The installed tools on members a real Linux 7.2 left after a crash: exit 1 (resync needed).
set +e
"$p/sbin/llbitmap-examine" --json "$img/after-vda.img" "$img/after-vdb.img" > "$work/examine.json"
st=$?
set -e
[ "$st" = 1 ] || fail "installed llbitmap-examine exited $st on b-crash-dirty, expected 1"
"$p/sbin/llbitmap-examine" --version | grep -q '^llbitmap-examine [0-9]' || fail "--version"
echo "ok: installed llbitmap-examine"

# A program of the user's, against the installed library: CMake package, then pkg-config.
src=$(cd "$(dirname "$0")" && pwd)/consumer.cc
mkdir "$work/app"
cat > "$work/app/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(app CXX)
find_package(llbitmap 0.1 REQUIRED)
add_executable(app $src)
target_link_libraries(app PRIVATE llbitmap::llbitmap)
CMAKE
cmake -S "$work/app" -B "$work/app/build" -DCMAKE_PREFIX_PATH="$p" > "$work/app.log" 2>&1 ||
  { cat "$work/app.log"; fail "find_package(llbitmap) project does not configure"; }
cmake --build "$work/app/build" >> "$work/app.log" 2>&1 || { cat "$work/app.log"; fail "app build"; }
# The installed target carries its own run path? It must not need LD_LIBRARY_PATH from the build.
ldd "$work/app/build/app" | grep -q "$p/lib/libllbitmap.so.0" ||
  fail "app does not load the installed libllbitmap.so.0: $(ldd "$work/app/build/app" | grep llbitmap)"
set +e
"$work/app/build/app" "$img/after-vda.img" "$img/after-vdb.img" > "$work/app.out"
st=$?
set -e
[ "$st" = 1 ] || fail "app (find_package) exited $st, expected 1"
c++ -std=c++20 -o "$work/app-pc" "$src" \
  $(PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --cflags --libs llbitmap) ||
  fail "pkg-config build"
set +e
LD_LIBRARY_PATH="$p/lib" "$work/app-pc" "$img/after-vda.img" "$img/after-vdb.img" > "$work/app-pc.out"
st=$?
set -e
[ "$st" = 1 ] || fail "app (pkg-config) exited $st, expected 1"
/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
tool = json.load(open(w + "/examine.json"))
for name in ("app.out", "app-pc.out"):
    lines = open(f"{w}/{name}").read().splitlines()
    assert lines[0].startswith("libllbitmap 0."), lines[0]
    lib = json.loads(lines[1])
    assert lib == tool, f"{name}: the library's JSON differs from the installed examine's"
print("ok: programs built with find_package and pkg-config print what llbitmap-examine prints")
PY

# The Python module, with Debian's interpreter, from the prefix only.
py=$(ls -d "$p"/lib/python3*/dist-packages)
PYTHONPATH=$py /usr/bin/python3 -c "
import llbitmap, sys
r = llbitmap.examine(['$img/after-vda.img', '$img/after-vdb.img'])
assert llbitmap.__file__.startswith('$p'), llbitmap.__file__
assert r['exit_status'] == 1, r['exit_status']
print('ok: import llbitmap from', llbitmap.__file__)
"
