#!/usr/bin/env bash
# Installs what the project needs from Debian (only what is missing) and builds it.
#   tools/bootstrap.sh deps            install packages only
#   tools/bootstrap.sh release [DIR]   gcc, -Werror, into DIR (default build/)
#   tools/bootstrap.sh asan [DIR]      clang, ASan+UBSan, libFuzzer targets, into DIR (build-asan/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES="build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libboost-program-options-dev nlohmann-json3-dev libblkid-dev uuid-dev libgtest-dev libgmock-dev
  libbenchmark-dev pybind11-dev python3-dev python3-pybind11 python3-numpy xz-utils util-linux
  mandoc debhelper dh-python dpkg-dev lintian
  python3-distributed python3-nbclient python3-nbconvert python3-ipykernel python3-matplotlib
  python3-tqdm"

install_deps() {
  local missing=
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
      missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "== installing:$missing"
    if [ "$(id -u)" != 0 ]; then echo "bootstrap: need root to apt-get install$missing" >&2; exit 1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  fi
}

build() {
  local kind=$1 dir=$2
  local args=(-G Ninja -S "$top" -B "$dir" -DLLB_WERROR=ON)
  case $kind in
    release) args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    # Debug keeps the assertions; -O2 because the fuzzers must run at speed (10 K inputs/s).
    asan) args+=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O2" -DLLB_SANITIZE=ON -DLLB_FUZZ=ON
                 -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++) ;;
    *) echo "bootstrap: unknown build kind '$kind' (release or asan)" >&2; exit 8 ;;
  esac
  echo "== configuring $kind build in $dir"
  cmake "${args[@]}" > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
  echo "== building $kind"
  cmake --build "$dir" -j "$(nproc)"
}

install_deps
case "${1:-release}" in
  deps) ;;
  release) build release "${2:-$top/build}" ;;
  asan) build asan "${2:-$top/build-asan}" ;;
  *) echo "usage: tools/bootstrap.sh deps|release|asan [DIR]" >&2; exit 8 ;;
esac
