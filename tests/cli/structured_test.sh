#!/usr/bin/env bash
# Structured fields end to end on the bundled corpus: filters, sorting and
# facets against a brute-force scan of the JSON (dates with time zones, so
# the scan converts them to UTC), schema files, and bad input.
set -uo pipefail
: "${LOUPE:?}" "${LOUPE_SOURCE_DIR:?}"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$LOUPE_SOURCE_DIR/corpus/news.jsonl
idx=$work/idx

# The scan: python3 over the JSON, UTC instants.
brute() {  # brute EXPRESSION-over-d  -> count of documents
  python3 - "$corpus" "$1" <<'PY'
import json, sys
from datetime import datetime, timezone
def utc(s): return datetime.fromisoformat(s).astimezone(timezone.utc)
docs = [json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for d in docs if eval(sys.argv[2])))
PY
}

"$LOUPE" index "$idx" "$corpus" --create --quiet --schema "$LOUPE_SOURCE_DIR/corpus/schema.json" || fail "indexing with corpus/schema.json"
"$LOUPE" info "$idx" --json | python3 -c '
import json, sys
s = {f["name"]: f["type"] for f in json.load(sys.stdin)["schema"]["scalar_fields"]}
want = {"date": "date", "topics": "keyword", "section": "keyword", "author": "keyword", "url": "stored"}
assert all(s.get(k) == v for k, v in want.items()), s
' || fail "info --json lists the scalar fields"
"$LOUPE" verify "$idx" >/dev/null || fail "verify with columns"

check_count() {  # check_count QUERY PYTHON-PREDICATE
  local got want
  got=$("$LOUPE" search "$idx" "$1" --count) || fail "search '$1' --count failed"
  want=$(brute "$2")
  [[ $got == "$want" ]] || fail "'$1' counts $got, the scan $want"
  [[ $want -gt 0 ]] || fail "'$1': the check is empty"
}
march='datetime(2025,3,1,tzinfo=timezone.utc) <= utc(d["date"]) < datetime(2025,4,1,tzinfo=timezone.utc)'
check_count 'date:[2025-03-01 TO 2025-03-31]' "$march"
check_count 'date:2025-03' "$march"
check_count 'date:{2025-03-10 TO *]' 'utc(d["date"]) >= datetime(2025,3,11,tzinfo=timezone.utc)'
check_count 'topics:vietnam' '"vietnam" in d.get("topics", [])'
check_count 'topics:"world cup"' '"world cup" in d.get("topics", [])'
check_count 'section:economy' 'd.get("section") == "economy"'
check_count "+topics:vietnam +date:[2025-03-01 TO 2025-03-31]" "\"vietnam\" in d.get(\"topics\", []) and $march"
check_count '*' 'True'
check_count '* -section:sport' 'd.get("section") != "sport"'

# Newest first, with their dates; ties by score then id.
"$LOUPE" search "$idx" '*' --sort -date -k 50 --json | python3 -c '
import json, sys
from datetime import datetime, timezone
hits = [json.loads(l) for l in sys.stdin if l.startswith("{\"rank\"")]
dates = [datetime.fromisoformat(h["fields"]["date"]).astimezone(timezone.utc) for h in hits]
assert len(hits) == 36 and dates == sorted(dates, reverse=True), dates
' || fail "--sort -date"
"$LOUPE" search "$idx" 'trade' --sort date -k 3 >"$work/sorted.txt" || fail "--sort date (text)"
grep -q "date: " "$work/sorted.txt" || fail "--sort date prints the dates"

# One field faceted twice: distinct JSON keys; the same --facet twice: usage error.
"$LOUPE" search "$idx" '*' -k 0 --facet date:year --facet date:day --json >"$work/twice.json" || fail "--facet twice"
python3 -c 'import json,sys; f=json.loads(open(sys.argv[1]).read().splitlines()[-1])["facets"]; assert sorted(f) == ["date:day", "date:year"], f' \
  "$work/twice.json" || fail "facet keys of one field twice: $(tail -c 300 "$work/twice.json")"
"$LOUPE" search "$idx" '*' -k 0 --facet date:year --facet date:day >"$work/twice.txt" || fail "--facet twice (text)"
[[ $(grep -c '^date:year (\|^date:day (' "$work/twice.txt") == 2 ]] || fail "text facet headings: $(cat "$work/twice.txt")"
# Explanations write date ranges as dates, not milliseconds.
"$LOUPE" search "$idx" '+trade +date:[2020 TO *]' --explain -k 1 >"$work/explain.txt" || fail "--explain with a date filter"
grep -q 'filter date:\[2020-01-01T00:00:00.000Z TO \*\] (score 0)' "$work/explain.txt" ||
  fail "explained date filter: $(grep filter "$work/explain.txt")"
"$LOUPE" search "$idx" '*' -k 0 --facet topics --facet topics >/dev/null 2>&1; [[ $? == 2 ]] || fail "--facet given twice"

# Facets over all matching documents.
"$LOUPE" search "$idx" '*' -k 0 --facet topics --facet section --facet date:month --facet-top 0 --json \
  >"$work/facets.json" || fail "--facet --json"
python3 - "$corpus" "$work/facets.json" <<'PY' || fail "facets equal the scan"
import collections, json, sys
from datetime import timezone, datetime
docs = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
f = out[-1]["facets"]
assert out[-1]["total_hits"] == len(docs)
topics = collections.Counter(t for d in docs for t in d.get("topics", []))
assert {c["value"]: c["count"] for c in f["topics"]["counts"]} == dict(topics), f["topics"]
counts = [(c["count"], c["value"]) for c in f["topics"]["counts"]]
assert counts == sorted(counts, key=lambda x: (-x[0], x[1])), counts
sections = collections.Counter(d["section"] for d in docs)
assert {c["value"]: c["count"] for c in f["section"]["counts"]} == dict(sections)
months = collections.Counter(datetime.fromisoformat(d["date"]).astimezone(timezone.utc).strftime("%Y-%m") for d in docs)
assert [(c["value"], c["count"]) for c in f["date"]["counts"]] == sorted(months.items()), f["date"]
PY
"$LOUPE" search "$idx" 'climate' --facet topics --facet-top 2 >"$work/facets.txt" || fail "--facet (text)"
grep -q "^topics (" "$work/facets.txt" || fail "text facets: $(cat "$work/facets.txt")"

# A field kept out of stored documents; a date that is not one is noted and kept stored.
cat >"$work/schema.json" <<'J'
{"fields": {"author": {"type": "keyword", "stored": false}, "contents": {"type": "text", "sources": ["title", "body"], "weight": 0.25}}}
J
"$LOUPE" index "$work/idx2" "$corpus" --create --quiet --schema "$work/schema.json" || fail "index with a schema of text and keyword fields"
"$LOUPE" search "$work/idx2" 'contents:trade' --json | grep -q '"author"' && fail "author is stored although declared stored: false"
[[ $("$LOUPE" search "$work/idx2" 'author:"Hannah Okafor"' --count) -gt 0 ]] || fail "the unstored author still filters"
"$LOUPE" info "$work/idx2" | grep -q "weight 0.25$" || fail "info rounds the field weight: $("$LOUPE" info "$work/idx2" | grep weight)"
printf '%s\n' '{"id":"x1","title":"zyzzyva","body":"text","date":"3-MAR-1987 09:15"}' >"$work/bad-date.jsonl"
"$LOUPE" index "$work/idx2" "$work/bad-date.jsonl" 2>"$work/err.txt" >/dev/null || fail "a malformed date stops indexing"
grep -q "bad-date.jsonl:1: note: field 'date' (date): '3-MAR-1987 09:15' is not an ISO 8601 date" "$work/err.txt" \
  || fail "malformed date note: $(cat "$work/err.txt")"
[[ $("$LOUPE" search "$work/idx2" 'contents:zyzzyva' --count) == 1 ]] || fail "the document with a malformed date is searchable"

# Appending with --analyzer (the index's own) keeps the index's settings:
# "infer": false stays off, and a new field stays stored only.
printf '%s\n' '{"fields": {"section": "keyword"}, "infer": false}' >"$work/noinfer.json"
printf '%s\n' '{"id":"n1","title":"one","body":"text","section":"news","n":1}' >"$work/n1.jsonl"
printf '%s\n' '{"id":"n2","title":"two","body":"text","m":2}' >"$work/n2.jsonl"
"$LOUPE" index "$work/idx4" "$work/n1.jsonl" --create --quiet --schema "$work/noinfer.json" || fail "index with infer false"
"$LOUPE" index "$work/idx4" "$work/n2.jsonl" --quiet --analyzer english || fail "append with the index's analyzer"
"$LOUPE" info "$work/idx4" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)["schema"]
assert s["infer_scalar_fields"] is False, s
assert "m" not in {f["name"] for f in s["scalar_fields"]}, s
' || fail "appending with --analyzer turned inference back on"

# Bad input: clear errors, exit 2 for query and usage errors.
"$LOUPE" search "$idx" 'date:[2025-02-30 TO *]' >/dev/null 2>"$work/err.txt"
[[ $? == 2 ]] && grep -q "not a date" "$work/err.txt" || fail "bad date in a range: $(cat "$work/err.txt")"
"$LOUPE" search "$idx" 'topics:[a TO b]' >/dev/null 2>&1
[[ $? == 2 ]] || fail "a range on a keyword field is a syntax error"
"$LOUPE" search "$idx" trade --sort section >/dev/null 2>"$work/err.txt" && fail "sorting by a keyword field"
grep -q "not a date or integer field" "$work/err.txt" || fail "sort error: $(cat "$work/err.txt")"
"$LOUPE" search "$idx" trade --sort -section >/dev/null 2>"$work/err.txt" && fail "sorting by a keyword field, descending"
grep -q -- "--sort -section: 'section' is not" "$work/err.txt" || fail "sort error names the option as given: $(cat "$work/err.txt")"
"$LOUPE" search "$idx" trade --facet url >/dev/null 2>&1 && fail "a facet of a stored-only field"
"$LOUPE" index "$work/idx3" "$corpus" --create --schema "$work/no-such-schema.json" >/dev/null 2>"$work/err.txt"
[[ $? == 1 ]] && grep -q "no-such-schema.json: cannot read the schema file: No such file or directory" "$work/err.txt" ||
  fail "missing schema file: $(cat "$work/err.txt")"
echo '{"fields": {"date": "timestamp"}}' >"$work/bad-schema.json"
"$LOUPE" index "$work/idx3" "$corpus" --create --schema "$work/bad-schema.json" >/dev/null 2>"$work/err.txt"
[[ $? == 2 ]] && grep -q 'unknown type "timestamp"' "$work/err.txt" || fail "bad schema file: $(cat "$work/err.txt")"
echo '{"fields": {"date": "keyword"}}' >"$work/retype.json"
"$LOUPE" index "$idx" "$work/bad-date.jsonl" --schema "$work/retype.json" >/dev/null 2>"$work/err.txt" && fail "retyping a field"
grep -q "already declared with type date" "$work/err.txt" || fail "retype message: $(cat "$work/err.txt")"

if [[ $failures -gt 0 ]]; then echo "$failures failure(s)" >&2; exit 1; fi
echo "structured_test: all checks passed"
