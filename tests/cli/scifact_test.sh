#!/usr/bin/env bash
# The indexer issue's acceptance checks on BEIR SciFact, when ../shared/data is
# present (skipped, exit 77, on machines without it).
set -uo pipefail
: "${LOUPE:?}" "${LOUPE_SOURCE_DIR:?}"
data=$LOUPE_SOURCE_DIR/../shared/data/scifact/corpus.jsonl.zst
[[ -f $data ]] || { echo "no $data: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
idx=$work/idx

"$LOUPE" index "$idx" "$data" --create --quiet || fail "indexing SciFact"
n=$("$LOUPE" info "$idx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
[[ $n == 5183 ]] || fail "info reports $n documents, expected 5183"
"$LOUPE" verify "$idx" >/dev/null || fail "verify of a fresh index"

# Every file, a byte flipped in the middle: verify must fail.
for f in "$idx"/*; do
  [[ $(basename "$f") == write.lock ]] && continue
  cp "$f" "$work/saved"
  python3 -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[len(d)//2]^=0x40; open(p,"wb").write(d)' "$f"
  "$LOUPE" verify "$idx" >/dev/null 2>&1 && fail "verify passed with $(basename "$f") damaged"
  cp "$work/saved" "$f"
done
"$LOUPE" verify "$idx" >/dev/null || fail "verify after restoring the files"

# Appending a file whose line 2 is malformed fails, names FILE:2, changes nothing.
bad=$work/append.jsonl
printf '{"id":"extra-1","title":"t","body":"b"}\n{"id":"extra-2","title":\n{"id":"extra-3"}\n' > "$bad"
"$LOUPE" index "$idx" "$bad" --quiet 2> "$work/err" && fail "malformed input accepted"
grep -q "$bad:2: " "$work/err" || fail "error does not name $bad:2: $(cat "$work/err")"
n=$("$LOUPE" info "$idx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
[[ $n == 5183 ]] || fail "after the failed append: $n documents"

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "scifact_test: all checks passed"
