#!/usr/bin/env bash
# End-to-end checks of the `loupe` command line: exit codes, output shapes.
set -uo pipefail
: "${LOUPE:?}" "${LOUPE_SOURCE_DIR:?}"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

expect_status() {  # expect_status CODE CMD...
  local want=$1; shift
  "$@" >/tmp/loupe-cli-out.$$ 2>/tmp/loupe-cli-err.$$
  local got=$?
  [[ $got == "$want" ]] || fail "'$*' exited $got, expected $want: $(head -c 400 /tmp/loupe-cli-err.$$)"
}

expect_status 0 "$LOUPE" --help
grep -q "analyze" /tmp/loupe-cli-out.$$ || fail "--help does not list analyze"
expect_status 0 "$LOUPE" --version
grep -q "^loupe [0-9]" /tmp/loupe-cli-out.$$ || fail "--version output: $(cat /tmp/loupe-cli-out.$$)"
expect_status 2 "$LOUPE"
expect_status 2 "$LOUPE" frobnicate
grep -q "unknown command 'frobnicate'" /tmp/loupe-cli-err.$$ || fail "unknown command message"
expect_status 2 "$LOUPE" analyze --no-such-option x
expect_status 2 "$LOUPE" analyze --analyzer klingon text
grep -q "unknown analyzer 'klingon'" /tmp/loupe-cli-err.$$ || fail "unknown analyzer message"
expect_status 2 "$LOUPE" analyze
expect_status 0 "$LOUPE" analyze --help

# The foundation issue's example.
out=$("$LOUPE" analyze --analyzer english "Lý Thượng Phúc’s U.S.-China talks at the Shangri-La Dialogue")
for term in ly thuong phuc china talk shangri; do
  grep -Eq "^ +[0-9]+ +[0-9]+ +[0-9]+  $term -> " <<<"$out" || fail "english analysis lacks '$term': $out"
done
json=$("$LOUPE" analyze --json --analyzer english "Lý Thượng Phúc’s U.S.-China talks")
python3 - "$json" <<'PY' || fail "analyze --json: $json"
import json, sys
d = json.loads(sys.argv[1])
terms = [t["term"] for t in d["tokens"]]
assert terms == ["ly", "thuong", "phuc", "us", "china", "talk"], terms
assert d["tokens"][0] == {"term": "ly", "position": 0, "start": 0, "end": 3, "text": "Lý"}, d["tokens"][0]
PY

# Broken UTF-8 on the command line is analysed, not refused.
expect_status 0 "$LOUPE" analyze --json $'good \xff\xfe bytes'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [t["term"] for t in d["tokens"]]==["good","byte"], d' \
  /tmp/loupe-cli-out.$$ || fail "broken UTF-8 analysis"
# Standard input.
out=$(printf 'Ångström\n' | "$LOUPE" analyze --analyzer standard -) || fail "analyze -"
grep -q "angstrom" <<<"$out" || fail "analyze - output: $out"

# Corpus profile over both input shapes.
expect_status 0 "$LOUPE" analyze --input "$LOUPE_SOURCE_DIR/corpus/news.jsonl" "$LOUPE_SOURCE_DIR/corpus/txt"
grep -q "documents *40" /tmp/loupe-cli-out.$$ || fail "profile: $(cat /tmp/loupe-cli-out.$$)"
expect_status 1 "$LOUPE" analyze --input /nonexistent/file.jsonl
grep -q "/nonexistent/file.jsonl" /tmp/loupe-cli-err.$$ || fail "missing input is not named"

rm -f /tmp/loupe-cli-out.$$ /tmp/loupe-cli-err.$$
if [[ $failures -gt 0 ]]; then echo "$failures failure(s)" >&2; exit 1; fi
echo "cli_test: all checks passed"
