#!/usr/bin/env bash
# Merge benchmarks (results go to bench/RESULTS.md by hand):
#
#  1. force merge: index CORPUS without merging (many flushed segments), then
#     time `loupe merge --max-segments 1` under GNU time: wall seconds, MB/s of
#     input segment files, peak RSS.
#  2. growth: append CORPUS in CHUNKS runs of `loupe index` (default merging:
#     one segment per run, background merges by the tiered policy) and print
#     the segment count and index size after each run.
#
# usage: bench/merge_bench.sh CORPUS.jsonl[.zst] [CHUNKS] [RAM_MIB]
#   LOUPE=path/to/loupe (default build/release/tools/loupe/loupe), WORK=dir
#   (default a temporary one), SKIP_FORCE=1 / SKIP_GROWTH=1 to run one part.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
loupe=${LOUPE:-$root/build/release/tools/loupe/loupe}
corpus=${1:?usage: merge_bench.sh CORPUS [CHUNKS] [RAM_MIB]}
chunks=${2:-40}
ram=${3:-256}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
[[ -n ${WORK:-} ]] || trap 'rm -rf "$work"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

segment_bytes() {  # sum of the segment files named by the newest commit
  "$loupe" info "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(sum(s["bytes"].values()) for s in d["segments"]))'
}
segments() { "$loupe" info "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["segments"]))'; }
peak_mib() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }
wall_s() {
  awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s}' "$1"
}

if [[ -z ${SKIP_FORCE:-} ]]; then
  idx=$work/force
  /usr/bin/time -v "$loupe" index "$idx" "$corpus" --create --no-merge --quiet --ram-budget "$ram" 2> "$work/index.time"
  before=$(segments "$idx")
  bytes=$(segment_bytes "$idx")
  sync
  /usr/bin/time -v "$loupe" merge "$idx" --max-segments 1 --quiet 2> "$work/merge.time"
  secs=$(wall_s "$work/merge.time")
  echo "## force merge"
  echo "index --no-merge --ram-budget $ram: $(wall_s "$work/index.time") s, peak RSS $(peak_mib "$work/index.time") MiB, $before segments, $((bytes / 1000000)) MB"
  echo "merge --max-segments 1: $secs s, $(python3 -c "print(f'{$bytes / 1e6 / $secs:.1f}')") MB/s of input, peak RSS $(peak_mib "$work/merge.time") MiB, $(segments "$idx") segment(s), $(($(segment_bytes "$idx") / 1000000)) MB"
  "$loupe" verify "$idx" >/dev/null && echo "verify: ok"
  rm -rf "$idx"
fi

if [[ -z ${SKIP_GROWTH:-} ]]; then
  echo "## growth: $chunks appends"
  parts=$work/parts
  mkdir -p "$parts"
  total=$( (zstd -dc --long=31 -f "$corpus" 2>/dev/null || cat "$corpus") | tee >(split -n "r/$chunks" -d -a 3 --additional-suffix=.jsonl - "$parts/part-") | wc -l)
  sleep 1
  idx=$work/growth
  printf '%6s %10s %10s %9s %8s\n' run documents index_MB segments seconds
  n=0
  for part in "$parts"/part-*.jsonl; do
    n=$((n + 1))
    flags=()
    [[ $n == 1 ]] && flags=(--create)
    start=$(date +%s.%N)
    "$loupe" index "$idx" "$part" "${flags[@]}" --quiet --ram-budget "$ram"
    end=$(date +%s.%N)
    docs=$("$loupe" info "$idx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
    printf '%6d %10d %10d %9d %8.1f\n' "$n" "$docs" "$(($(segment_bytes "$idx") / 1000000))" "$(segments "$idx")" \
      "$(python3 -c "print($end - $start)")"
  done
  echo "($total documents in $chunks runs)"
  rm -rf "$idx" "$parts"
fi
