#!/usr/bin/env bash
# docs/FORMAT.md against the code: an independent reader written from the
# document alone (format_reader.py) decodes every posting and position of an
# index of the bundled corpus, checks them against the field lengths and
# spans, and must find the values of the worked example (section 7); then
# the same on a synthetic corpus whose common words fill several blocks.
# Each run also checks envelopes, impacts, .info, .ids, .docs (against the
# input), .cols (against the stored values) and .live (against `loupe info`);
# the last index has an updated and a deleted document, then is merged.
set -uo pipefail
: "${LOUPE:?}" "${LOUPE_SOURCE_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The interpreter itself, found once: a version manager's shim costs more than a reader run.
python=$(python3 -c 'import sys; print(sys.executable)') || { echo "FAIL: no python3" >&2; exit 1; }
reader() {  # reader DIR [--input FILE]...: format_reader.py with `loupe info DIR --json`
  local dir=$1
  shift
  "$LOUPE" info "$dir" --json >"$dir.info.json" || { echo "FAIL: loupe info $dir" >&2; return 1; }
  "$python" "$LOUPE_SOURCE_DIR/tests/cli/format_reader.py" "$dir" --info "$dir.info.json" "$@"
}
news=$LOUPE_SOURCE_DIR/corpus/news.jsonl
# As in section 7: news.jsonl, then the .txt articles, default schema.
"$LOUPE" index "$work/idx" "$news" "$LOUPE_SOURCE_DIR/corpus/txt/" --create --quiet ||
  { echo "FAIL: indexing the bundled corpus" >&2; exit 1; }
got=$(reader "$work/idx" --input "$news") || { echo "FAIL: format_reader.py" >&2; exit 1; }
want='{"doc_of_loupe_news_002": 1, "china": {"docs": [1, 9, 13], "freqs": [3, 1, 2], "positions": [[53, 89, 214], [233], [112, 120]], "postings_offset": 1604, "positions_offset": 1379}}'
if [ "$got" != "$want" ]; then
  echo "FAIL: the worked example of docs/FORMAT.md section 7 differs" >&2
  echo "  documented: $want" >&2
  echo "  decoded:    $got" >&2
  exit 1
fi
# Terms in hundreds of documents: PFOR blocks, skip tables, one positions
# group per block. Pareto-distributed words over a small vocabulary; empty,
# one-word and long documents. An integer column (negative values, gcd 3),
# and a stored-only `note` that takes the stored documents past 256 KiB, so
# that .docs gets a zstd dictionary.
"$python" - "$work/synth.jsonl" <<'PY'
import json, random, sys
random.seed(7)
words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
with open(sys.argv[1], "w") as f:
    for i in range(700):
        n = random.choice([0, 1, 5, 40, 300])
        body = " ".join("w%d" % min(int(random.paretovariate(1.0)) - 1, 59) for _ in range(n))
        note = " ".join(words[(i * 7 + j * j) % 12] for j in range(60))
        f.write(json.dumps({"id": "s%04d" % i, "title": "w0 w1" if i % 3 else "", "body": body,
                            "n": 3 * i - 500, "note": note}) + "\n")
PY
"$LOUPE" index "$work/synth" "$work/synth.jsonl" --create --quiet || { echo "FAIL: indexing the synthetic corpus" >&2; exit 1; }
[ "$("$LOUPE" search "$work/synth" w0 --count)" -ge 384 ] || { echo "FAIL: w0 should span several blocks" >&2; exit 1; }
reader "$work/synth" --input "$work/synth.jsonl" >/dev/null || { echo "FAIL: format_reader.py on the synthetic corpus" >&2; exit 1; }
# Deletions: a second run replaces loupe-news-002 (its old copy is deleted in
# seg_000001's .live) and adds documents with every stored value type and
# values that do not fit their column; then loupe-news-003 is deleted. The
# bundled schema's keywords, but `author` only in its column, not stored.
echo '{"fields": {"date": "date", "topics": "keyword", "section": "keyword", "author": {"type": "keyword", "stored": false}}}' >"$work/schema.json"
cat >"$work/update.jsonl" <<'EOF'
{"id": "loupe-news-002", "title": "Defence chiefs meet again", "body": "An updated story about China and trade.", "date": "2025-06-01", "section": "politics", "topics": ["defence", "china", "defence"], "views": 1200, "score": 0.5, "flag": true, "meta": {"k": [1, 2]}, "nums": [1, 2]}
{"id": "extra-1", "title": "first", "body": "one", "date": "2025-06-01T10:00Z", "views": -300, "topics": "solo"}
{"id": "extra-2", "title": "second", "body": "two two", "date": "yesterday", "views": "many", "author": null, "topics": []}
{"id": 42, "title": "numeric id", "body": "forty two", "date": "2024-02-29T23:59:59.5-01:30", "views": 0, "score": -1e300, "flag": false}
EOF
del=$work/del
"$LOUPE" index "$del" "$news" --schema "$work/schema.json" --create --quiet &&
  "$LOUPE" index "$del" "$work/update.jsonl" --quiet 2>"$work/notes" &&
  "$LOUPE" delete "$del" --id loupe-news-003 --quiet ||
  { cat "$work/notes" >&2; echo "FAIL: updating and deleting" >&2; exit 1; }
[ "$(grep -c 'left out of the column' "$work/notes")" -eq 2 ] ||
  { cat "$work/notes" >&2; echo "FAIL: expected two values left out of their columns" >&2; exit 1; }
compgen -G "$del/seg_*_*.live" >/dev/null || { ls "$del" >&2; echo "FAIL: no .live file after a deletion" >&2; exit 1; }
reader "$del" --input "$news" --input "$work/update.jsonl" >/dev/null ||
  { echo "FAIL: format_reader.py on the index with deletions" >&2; exit 1; }
grep -q '^  "deleted": 2,$' "$del.info.json" || { echo "FAIL: expected 2 deleted documents" >&2; exit 1; }
# The merge drops the deleted copies and writes a segment of its own.
"$LOUPE" merge "$del" --quiet || { echo "FAIL: merging" >&2; exit 1; }
reader "$del" --input "$news" --input "$work/update.jsonl" >/dev/null ||
  { echo "FAIL: format_reader.py on the merged index" >&2; exit 1; }
echo "format_doc_test: ok"
