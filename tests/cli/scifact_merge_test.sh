#!/usr/bin/env bash
# The merger issue's acceptance checks on BEIR SciFact, when ../shared/data is
# present (skipped, exit 77, on machines without it): an index appended to in
# 13 runs of 400 documents, merged to one segment, answers every query exactly
# as before; a deleted id is never returned again.
set -uo pipefail
: "${LOUPE:?}" "${LOUPE_SOURCE_DIR:?}"
data=$LOUPE_SOURCE_DIR/../shared/data/scifact
[[ -f $data/corpus.jsonl.zst ]] || { echo "no $data: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
idx=$work/idx
info() { "$LOUPE" info "$idx" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

zstd -dc "$data/corpus.jsonl.zst" | split -l 400 -d -a 2 --additional-suffix=.jsonl - "$work/part-"
parts=("$work"/part-*.jsonl)
[[ ${#parts[@]} == 13 ]] || fail "expected 13 parts of 400 documents, got ${#parts[@]}"
"$LOUPE" index "$idx" "${parts[0]}" --create --no-merge --quiet || fail "indexing ${parts[0]}"
for part in "${parts[@]:1}"; do
  "$LOUPE" index "$idx" "$part" --no-merge --quiet || fail "appending $part"
done
segments=$(info 'len(d["segments"])')
[[ $segments == 13 ]] || fail "13 appends made $segments segments"

search() { "$LOUPE" search "$idx" --queries "$data/queries.tsv" --mode or -k 1000 --run "$1" 2>/dev/null; }
search "$work/before.run" || fail "searching before the merge"
"$LOUPE" merge "$idx" --max-segments 1 || fail "loupe merge"
[[ $(info 'len(d["segments"])') == 1 ]] || fail "after loupe merge --max-segments 1: $(info 'len(d["segments"])') segments"
[[ $(info 'd["documents"]') == 5183 ]] || fail "after the merge: $(info 'd["documents"]') documents"
search "$work/after.run" || fail "searching after the merge"

# Same ids and scores (1e-4 relative) per query; order equal up to ties.
python3 - "$work/before.run" "$work/after.run" <<'PY' || fail "run files differ"
import sys
from collections import defaultdict
def load(path):
    runs = defaultdict(list)
    for line in open(path):
        qid, _, doc, rank, score, _ = line.split()
        runs[qid].append((doc, float(score)))
    return runs
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == b.keys(), "different queries"
for qid in a:
    x, y = a[qid], b[qid]
    assert len(x) == len(y), f"{qid}: {len(x)} vs {len(y)} hits"
    sx, sy = dict(x), dict(y)
    # Ties at the cut-off may pick different ids; compare above the last score.
    last = x[-1][1] if x else 0
    for doc, s in x:
        if s > last * (1 + 1e-4):
            assert doc in sy, f"{qid}: {doc} missing after the merge"
            assert abs(sy[doc] - s) <= 1e-4 * abs(s), f"{qid}: {doc} {s} vs {sy[doc]}"
    for (d1, s1), (d2, s2) in zip(x, y):
        assert abs(s1 - s2) <= 1e-4 * abs(s1), f"{qid}: order differs at {d1}/{d2}"
print(f"{len(a)} queries: same results")
PY
"$LOUPE" verify "$idx" >/dev/null || fail "verify after the merge"

# Delete the top hit of the first query; it never comes back.
victim=$(head -1 "$work/after.run" | awk '{print $3}')
"$LOUPE" delete "$idx" --id "$victim" || fail "loupe delete $victim"
[[ $(info 'd["documents"]') == 5182 ]] || fail "after the delete: $(info 'd["documents"]') documents"
search "$work/deleted.run" || fail "searching after the delete"
awk -v v="$victim" '$3 == v { found = 1 } END { exit !found }' "$work/deleted.run" && fail "$victim still returned"
"$LOUPE" merge "$idx" --max-segments 1 || fail "merging after the delete"
[[ $(info 'd["deleted"]') == 0 ]] || fail "the merge kept $(info 'd["deleted"]') deleted documents"
search "$work/merged.run" || fail "searching after the last merge"
awk -v v="$victim" '$3 == v { found = 1 } END { exit !found }' "$work/merged.run" && fail "$victim returned after the merge"
"$LOUPE" verify "$idx" >/dev/null || fail "verify after the delete and merge"

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "scifact_merge_test: all checks passed"
