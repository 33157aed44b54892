#!/usr/bin/env bash
# The structured-fields issue's acceptance checks on Reuters-21578, when
# ../shared/data is present (skipped, exit 77, on machines without it): date
# and topic filters count what a scan of the JSON counts, hits sort newest
# first, and topic facets equal the scan's counts.
set -uo pipefail
: "${LOUPE:?}" "${LOUPE_SOURCE_DIR:?}"
data=$LOUPE_SOURCE_DIR/../shared/data/reuters21578/corpus.jsonl.zst
[[ -f $data ]] || { echo "no $data: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
idx=$work/idx
zstd -dc --long=31 "$data" >"$work/corpus.jsonl"

"$LOUPE" index "$idx" "$work/corpus.jsonl" --create --quiet 2>"$work/notes.txt" || fail "indexing Reuters"
# Four stories have dates that are not ISO 8601 ("3-MAR-1987  09:15:05.40"): noted, stored, not in the column.
[[ $(grep -c ": note: field 'date'" "$work/notes.txt") == 4 ]] || fail "notes: $(cat "$work/notes.txt")"

count() { "$LOUPE" search "$idx" "$1" --count; }
read -r want_date want_earn want_both < <(python3 - "$work/corpus.jsonl" <<'PY'
import json, sys
a = b = c = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    in_range = "1987-03-01" <= (d.get("date") or "")[:10] <= "1987-03-10"
    earn = "earn" in d.get("topics", [])
    a += in_range; b += earn; c += in_range and earn
print(a, b, c)
PY
)
[[ $(count 'date:[1987-03-01 TO 1987-03-10]') == "$want_date" ]] || fail "date range: $(count 'date:[1987-03-01 TO 1987-03-10]') vs scan $want_date"
[[ $(count 'topics:earn') == "$want_earn" ]] || fail "topics:earn: $(count 'topics:earn') vs scan $want_earn"
[[ $(count '+date:[1987-03-01 TO 1987-03-10] +topics:earn') == "$want_both" ]] || fail "both: vs scan $want_both"

"$LOUPE" search "$idx" oil --sort -date -k 20 --json >"$work/sorted.json" || fail "oil --sort -date"
python3 - "$work/sorted.json" <<'PY' || fail "oil --sort -date -k 20 lists hits newest first with their date"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
dates = [h["fields"]["date"] for h in hits]
assert len(hits) == 20 and dates == sorted(dates, reverse=True), dates
PY

"$LOUPE" search "$idx" oil -k 0 --facet topics --facet-top 0 --json >"$work/facets.json" || fail "oil --facet topics"
"$LOUPE" search "$idx" oil -k 100000 --json >"$work/all.json" || fail "oil -k 100000"
python3 - "$work/corpus.jsonl" "$work/all.json" "$work/facets.json" <<'PY' || fail "topic facets of 'oil' equal the scan of its matches"
import collections, json, sys
docs = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    docs[d["id"]] = d
matching = [json.loads(l)["id"] for l in open(sys.argv[2])]
facets = json.loads(open(sys.argv[3]).read().splitlines()[-1])
assert facets["total_hits"] == len(matching), (facets["total_hits"], len(matching))
want = collections.Counter(t for i in matching for t in docs[i].get("topics", []))
got = {c["value"]: c["count"] for c in facets["facets"]["topics"]["counts"]}
assert got == dict(want), (got, want)
PY

if [[ $failures -gt 0 ]]; then echo "$failures failure(s)" >&2; exit 1; fi
echo "reuters_test: all checks passed"
