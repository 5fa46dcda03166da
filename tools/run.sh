#!/usr/bin/env bash
# The project's two everyday commands (see README):
#   tools/run.sh example   build and run the main example
#   tools/run.sh tests     build and run every test (gcc, Release)
# Each installs missing Debian packages first, then builds in build/<config> with ccache.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

jobs=${BEDROCK_JOBS:-$(nproc)}
vectors=${BEDROCK_VECTORS_DIR:-$root/../shared/vectors}

configure() { # configure <build dir> <extra cmake args...>
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -G Ninja -DBEDROCK_VECTORS_DIR="$vectors" "$@" >/dev/null
}

case "${1:-}" in
  example)
    bash cmake/install-deps.sh
    configure build/release -DCMAKE_BUILD_TYPE=Release
    cmake --build build/release -j "$jobs" --target chat
    exec build/release/examples/chat "${@:2}"
    ;;
  tests)
    bash cmake/install-deps.sh
    configure build/release -DCMAKE_BUILD_TYPE=Release -DBEDROCK_WARNINGS_AS_ERRORS=ON
    cmake --build build/release -j "$jobs"
    ctest --test-dir build/release --output-on-failure --no-tests=error -j "$jobs"
    ;;
  *)
    echo "usage: tools/run.sh example|tests" >&2
    exit 2
    ;;
esac
