#!/usr/bin/env bash
# Installs everything bedrock-asio needs to build, test, fuzz and benchmark, from Debian's
# packages only. Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config python3
  clang-14 libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libssl-dev libsimdjson-dev libnghttp2-dev zlib1g-dev libexpat1-dev
  catch2 libbenchmark-dev
  valgrind heaptrack # benchmarks/peers/count.py: instructions and heap allocations per call
  chromium # examples/sse_test: the browser the sse_server example is tested in
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
