#!/usr/bin/env bash
# seed.sh <fuzzer name> <corpus dir>: copies the shared vectors that suit a fuzzer into its corpus.
# The decoder fuzzer reads a slice-size byte first, so its seeds get one prepended.
set -euo pipefail
name=$1 corpus=$2
vectors=${BEDROCK_VECTORS_DIR:?}
case "$name" in
  fuzz_eventstream_decoder | fuzz_stream_core)
    i=0
    while IFS= read -r -d '' f; do
      i=$((i + 1))
      { printf "\\x$(printf %02x $((i % 65)))"; cat "$f"; } >"$corpus/seed_$i"
    done < <(find "$vectors/eventstream" "$vectors/bedrock-streams" "$vectors/recorded" -type f \
               \( -name '*.bin' -o -path '*/encoded/*' -o -path '*/test_data/*' -o -name '*.crc_fixed' \) \
               -size -64k -print0)
    ;;
  *)
    # Model fuzzers: JSON bodies from the recorded responses and the SDK harness, and the
    # generator's samples of the shape the fuzzer reads (it fails on a fuzzer it has no seeds for).
    python3 "$(dirname "$0")/../../tools/codegen/fuzz_seeds.py" "$name" "$corpus" >/dev/null
    ;;
esac
# A fuzzer that starts from nothing explores little: no seeds is an error.
count=$(find "$corpus" -type f | wc -l)
if [ "$count" -eq 0 ]; then
  echo "seed.sh: no seeds for $name" >&2
  exit 1
fi
echo "$name: $count seeds"

