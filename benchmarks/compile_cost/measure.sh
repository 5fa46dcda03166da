#!/usr/bin/env bash
# What the library costs its users' builds: CPU seconds and peak memory to compile one translation
# unit, as ratios to a plain Asio + Beast + OpenSSL coroutine client compiled in the same run.
#   benchmarks/compile_cost/measure.sh [compiler] [-O0|-O2]
# Prints one table; the README's compile-cost figures come from it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cxx=${1:-g++}
opt=${2:--O0}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# user+sys CPU seconds and max RSS (MiB) of one compile (-c: no linking)
measure() {
  local name=$1; shift
  /usr/bin/time -f "%U %S %M" -o "$out/$name.time" "$cxx" -std=c++20 "$opt" -I"$root/include" -c "$@" \
    -o "$out/$name.o"
  read -r user sys rss < "$out/$name.time"
  awk -v n="$name" -v u="$user" -v s="$sys" -v r="$rss" 'BEGIN { printf "%s %.2f %d\n", n, u + s, r / 1024 }'

}

{
  measure plain "$here/plain_asio_beast.cpp"
  measure header_only_converse_stream "$here/client_converse_stream.cpp"
  measure compiled_converse_stream -DBEDROCK_SEPARATE_COMPILATION "$here/client_converse_stream.cpp"
  # What a program linking bedrock::compiled gets (BEDROCK_COMPILE_ASIO, the default): Asio's and
  # Beast's bodies compiled in the library too.
  measure bedrock_compiled_converse_stream -DBEDROCK_SEPARATE_COMPILATION -DBOOST_ASIO_SEPARATE_COMPILATION \
    -DBOOST_BEAST_SEPARATE_COMPILATION "$here/client_converse_stream.cpp"
  measure header_only_include_only "$here/client_include_only.cpp"
  measure compiled_include_only -DBEDROCK_SEPARATE_COMPILATION "$here/client_include_only.cpp"
} > "$out/results"

awk -v cxx="$cxx" -v opt="$opt" '
  NR == 1 { base_cpu = $2; base_mem = $3 }
  { rows[NR] = $0 }
  END {
    printf "compile cost, %s %s (ratios to the plain Asio + Beast + OpenSSL TU of the same run)\n", cxx, opt
    printf "%-34s %8s %8s %9s %8s\n", "translation unit", "CPU s", "x plain", "peak MiB", "x plain"
    for (i = 1; i <= NR; ++i) {
      split(rows[i], f, " ")
      printf "%-34s %8.1f %8.2f %9d %8.2f\n", f[1], f[2], f[2] / base_cpu, f[3], f[3] / base_mem
    }
  }' "$out/results"
