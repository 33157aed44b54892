#!/usr/bin/env bash
# docs/FORMAT.md against the code: an independent reader written from the
# document alone (format_reader.py) decodes every posting and position of an
# index of the bundled corpus, checks them against the field lengths and
# spans, and must find the values of the worked example (section 7); then
# the same on a synthetic corpus whose common words fill several blocks.
set -uo pipefail
: "${LOUPE:?}" "${LOUPE_SOURCE_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# As in section 7: news.jsonl, then the .txt articles, default schema.
"$LOUPE" index "$work/idx" "$LOUPE_SOURCE_DIR/corpus/news.jsonl" "$LOUPE_SOURCE_DIR/corpus/txt/" --create --quiet ||
  { echo "FAIL: indexing the bundled corpus" >&2; exit 1; }
got=$(python3 "$LOUPE_SOURCE_DIR/tests/cli/format_reader.py" "$work/idx") || { echo "FAIL: format_reader.py" >&2; exit 1; }
want='{"doc_of_loupe_news_002": 1, "china": {"docs": [1, 9, 13], "freqs": [3, 1, 2], "positions": [[53, 89, 214], [233], [112, 120]], "postings_offset": 1604, "positions_offset": 1379}}'
if [ "$got" != "$want" ]; then
  echo "FAIL: the worked example of docs/FORMAT.md section 7 differs" >&2
  echo "  documented: $want" >&2
  echo "  decoded:    $got" >&2
  exit 1
fi
# Terms in hundreds of documents: PFOR blocks, skip tables, one positions
# group per block. Pareto-distributed words over a small vocabulary; empty,
# one-word and long documents.
python3 - "$work/synth.jsonl" <<'PY'
import json, random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(700):
        n = random.choice([0, 1, 5, 40, 300])
        body = " ".join("w%d" % min(int(random.paretovariate(1.0)) - 1, 59) for _ in range(n))
        f.write(json.dumps({"id": "s%04d" % i, "title": "w0 w1" if i % 3 else "", "body": body}) + "\n")
PY
"$LOUPE" index "$work/synth" "$work/synth.jsonl" --create --quiet || { echo "FAIL: indexing the synthetic corpus" >&2; exit 1; }
[ "$("$LOUPE" search "$work/synth" w0 --count)" -ge 384 ] || { echo "FAIL: w0 should span several blocks" >&2; exit 1; }
python3 "$LOUPE_SOURCE_DIR/tests/cli/format_reader.py" "$work/synth" >/dev/null || { echo "FAIL: format_reader.py on the synthetic corpus" >&2; exit 1; }
echo "format_doc_test: ok"
