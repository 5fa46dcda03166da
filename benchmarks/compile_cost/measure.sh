#!/usr/bin/env bash
# What the library costs its users' builds: CPU seconds and peak memory to compile one translation
# unit, as ratios to a plain Asio + Beast + OpenSSL coroutine client compiled in the same run.
#   benchmarks/compile_cost/measure.sh [compiler] [-O0|-O2] [rounds]
# Prints one table; the README's compile-cost figures come from it. Each round compiles every TU once,
# in turn, and the table gives each TU's median CPU time over the rounds (default 3): this VM's speed
# drifts by 20% or more within minutes, and a plain TU measured in a fast minute skews every ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cxx=${1:-g++}
opt=${2:--O0}
rounds=${3:-3}
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

for ((round = 1; round <= rounds; ++round)); do
  measure plain "$here/plain_asio_beast.cpp"
  measure header_only_converse_stream "$here/client_converse_stream.cpp"
  measure compiled_converse_stream -DBEDROCK_SEPARATE_COMPILATION "$here/client_converse_stream.cpp"
  # What a program linking bedrock::compiled gets (BEDROCK_COMPILE_ASIO, the default): Asio's and
  # Beast's bodies compiled in the library too.
  measure bedrock_compiled_converse_stream -DBEDROCK_SEPARATE_COMPILATION -DBOOST_ASIO_SEPARATE_COMPILATION \
    -DBOOST_BEAST_SEPARATE_COMPILATION "$here/client_converse_stream.cpp"
  measure header_only_include_only "$here/client_include_only.cpp"
  measure compiled_include_only -DBEDROCK_SEPARATE_COMPILATION "$here/client_include_only.cpp"
done > "$out/results"

# name cpu mem per line, rounds in turn: the median CPU and the largest peak memory of each TU.
python3 - "$out/results" "$cxx" "$opt" "$rounds" <<'PY'
import statistics, sys
path, cxx, opt, rounds = sys.argv[1:]
cpu, mem, order = {}, {}, []
for line in open(path):
    name, c, m = line.split()
    if name not in cpu:
        order.append(name)
    cpu.setdefault(name, []).append(float(c))
    mem[name] = max(mem.get(name, 0), int(m))
base_cpu, base_mem = statistics.median(cpu[order[0]]), mem[order[0]]
print(f"compile cost, {cxx} {opt}, median of {rounds} rounds (ratios to the plain Asio + Beast + OpenSSL TU)")
print(f"{'translation unit':34} {'CPU s':>8} {'x plain':>8} {'peak MiB':>9} {'x plain':>8}  CPU s per round")
for n in order:
    c = statistics.median(cpu[n])
    each = " ".join(f"{x:.1f}" for x in cpu[n])
    print(f"{n:34} {c:8.1f} {c / base_cpu:8.2f} {mem[n]:9d} {mem[n] / base_mem:8.2f}  {each}")
PY
