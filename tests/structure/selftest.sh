#!/bin/sh
# The structure check must fail on a tree that breaks the layering: a codec header that includes
# io, a 700-line file, nlohmann in ops, a kill switch in a tool. Then pass once they are gone.
set -eu
check="$(dirname "$0")/check_structure.py"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/libformat/codec" "$t/libformat/io" "$t/libformat/ops" "$t/tools"
printf '#include "libformat/io/b.h"\n' > "$t/libformat/codec/a.h"
printf '#include "libformat/codec/a.h"\n' > "$t/libformat/io/b.h"
seq 700 | sed 's/^/\/\/ /' > "$t/libformat/ops/long.cc"
printf '#include <nlohmann/json.hpp>\n' > "$t/libformat/ops/j.cc"
printf 'const char* k = "LLB_TEST_KILL_AFTER";\n' > "$t/tools/x.cc"
out=$(/usr/bin/python3 "$check" "$t" || true)
for want in "codec includes libformat/io/b.h" "700 lines" "nlohmann/json outside" "test hook outside"; do
  echo "$out" | grep -q "$want" || { echo "not caught: $want"; echo "$out"; exit 1; }
done
if /usr/bin/python3 "$check" "$t" >/dev/null; then echo "a broken tree passed"; exit 1; fi
rm "$t/libformat/codec/a.h" "$t/libformat/ops/long.cc" "$t/libformat/ops/j.cc" "$t/tools/x.cc"
/usr/bin/python3 "$check" "$t"
