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
expect_status 2 "$LOUPE" analyze --json --input "$LOUPE_SOURCE_DIR/corpus/news.jsonl"
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

# ---- index, info, verify ----
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
idx=$work/idx
expect_status 0 "$LOUPE" index "$idx" "$LOUPE_SOURCE_DIR/corpus/news.jsonl" "$LOUPE_SOURCE_DIR/corpus/txt" --create --quiet
docs=$("$LOUPE" info "$idx" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["documents"], d["deleted"], len(d["segments"]), "terms" in d["bytes"], d["bytes"]["stored"] > 0)')
[[ $docs == "40 0 1 True True" ]] || fail "info --json after indexing the corpus: $docs"
expect_status 0 "$LOUPE" verify "$idx"
grep -q "^ok: 1 segment(s), 40 documents" /tmp/loupe-cli-out.$$ || fail "verify output: $(cat /tmp/loupe-cli-out.$$)"
expect_status 0 "$LOUPE" info "$idx"
grep -q "title <- title  analyzer english" /tmp/loupe-cli-out.$$ || fail "info text output lacks the schema"

# Output that cannot be written is a failure, not a silent success.
if [[ -w /dev/full ]]; then
  "$LOUPE" search "$idx" trade >/dev/full 2>/tmp/loupe-cli-err.$$ && fail "search into /dev/full succeeded"
  grep -q "cannot write to standard output" /tmp/loupe-cli-err.$$ || fail "/dev/full: $(cat /tmp/loupe-cli-err.$$)"
  "$LOUPE" info "$idx" --json >/dev/full 2>/dev/null && fail "info into /dev/full succeeded"
fi
# Past a file-size limit the write fails with a message (not SIGXFSZ), and
# the committed index is untouched.
cp -r "$idx" "$work/limited"
(ulimit -f 8; "$LOUPE" index "$work/limited" "$LOUPE_SOURCE_DIR/corpus/news.jsonl" --create --quiet) 2>/tmp/loupe-cli-err.$$
status=$?
[[ $status == 1 ]] || fail "indexing past the file-size limit exited $status: $(cat /tmp/loupe-cli-err.$$)"
grep -q "File too large" /tmp/loupe-cli-err.$$ || fail "file-size limit message: $(cat /tmp/loupe-cli-err.$$)"
expect_status 0 "$LOUPE" verify "$work/limited"
grep -q "40 documents" /tmp/loupe-cli-out.$$ || fail "the limited run changed the index: $(cat /tmp/loupe-cli-out.$$)"

# More threads than the RAM budget can hold are reduced, with a note (each
# would otherwise flush segments of a few documents).
expect_status 0 "$LOUPE" index "$work/threaded" "$LOUPE_SOURCE_DIR/corpus/news.jsonl" --create --threads 32 --ram-budget 1 --no-merge
grep -q "note: using 1 thread(s), not 32" /tmp/loupe-cli-err.$$ || fail "thread note: $(cat /tmp/loupe-cli-err.$$)"
"$LOUPE" info "$work/threaded" | grep -q "^segments     1$" || fail "a 1 MiB budget with 32 threads: $("$LOUPE" info "$work/threaded" | grep segments)"

# Pipes are read once: process substitution and a FIFO lose no bytes.
expect_status 0 "$LOUPE" index "$work/piped" <(cat "$LOUPE_SOURCE_DIR/corpus/news.jsonl") --create --quiet
[[ $("$LOUPE" search "$work/piped" '*' --count) == 36 ]] || fail "a piped input lost records"
mkfifo "$work/fifo"
cat "$LOUPE_SOURCE_DIR/corpus/news.jsonl" > "$work/fifo" &
expect_status 0 timeout 30 "$LOUPE" index "$work/piped" "$work/fifo" --create --quiet
wait
[[ $("$LOUPE" search "$work/piped" '*' --count) == 36 ]] || fail "a FIFO input lost records"

# Inputs are open one at a time: 300 files under a limit of 64 open files.
mkdir -p "$work/many"
for i in $(seq 1 300); do printf '{"id":"m%d","title":"many %d"}\n' "$i" "$i" > "$work/many/$i.jsonl"; done
(ulimit -n 64; "$LOUPE" index "$work/manyidx" "$work"/many/*.jsonl --create --quiet) 2>/tmp/loupe-cli-err.$$ \
  || fail "300 inputs with 64 open files: $(cat /tmp/loupe-cli-err.$$)"
[[ $("$LOUPE" search "$work/manyidx" many --count) == 300 ]] || fail "300 inputs: not every document indexed"

# A malformed line 2: the run fails naming FILE:2 and commits nothing.
bad=$work/bad.jsonl
printf '{"id":"new-1","title":"fine"}\n{"id": oops}\n{"id":"new-3","title":"fine"}\n' > "$bad"
expect_status 1 "$LOUPE" index "$idx" "$bad" --quiet
grep -q "$bad:2: " /tmp/loupe-cli-err.$$ || fail "malformed line not reported as FILE:2: $(cat /tmp/loupe-cli-err.$$)"
n=$("$LOUPE" info "$idx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
[[ $n == 40 ]] || fail "a failed run changed the index: $n documents"
# --on-error skip: the two good lines go in.
expect_status 0 "$LOUPE" index "$idx" "$bad" --on-error skip
grep -q "skipped 1 bad record from" /tmp/loupe-cli-out.$$ || fail "skip summary: $(cat /tmp/loupe-cli-out.$$)"
n=$("$LOUPE" info "$idx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
[[ $n == 42 ]] || fail "skip mode: $n documents, expected 42"
# A duplicate id within one run is an error; an id already in the index is replaced.
dup=$work/dup.jsonl
printf '{"id":"new-1","title":"replaced"}\n{"id":"d2","title":"x"}\n{"id":"d2","title":"y"}\n' > "$dup"
expect_status 1 "$LOUPE" index "$idx" "$dup" --quiet
grep -q "$dup:3: duplicate id 'd2'" /tmp/loupe-cli-err.$$ || fail "duplicate id: $(cat /tmp/loupe-cli-err.$$)"
# With several indexing threads too, the first copy of an id is kept and each
# repeat is reported at its own line (every copy of an id goes to one thread).
python3 -c "import json; open('$work/dups.jsonl','w').write(''.join(json.dumps({'id':'r%d'%(i%50),'title':'line%d'%i})+'\n' for i in range(1000)))"
expect_status 0 "$LOUPE" index "$work/dupidx" "$work/dups.jsonl" --threads 4 --on-error skip
grep -q "skipped 950 bad records" /tmp/loupe-cli-out.$$ || fail "threads: $(cat /tmp/loupe-cli-out.$$)"
first=$(sed -n 's/.*dups\.jsonl:\([0-9]*\): duplicate id.*/\1/p' /tmp/loupe-cli-err.$$ | sort -n | head -1)
(( first >= 51 )) || fail "threads: line $first reported as a duplicate, but lines 1-50 are first copies"
"$LOUPE" search "$work/dupidx" '*' --json -k 100 | python3 -c '
import json, sys
docs = [json.loads(l) for l in sys.stdin]
bad = [d["id"] for d in docs if d["fields"]["title"] != "line%d" % int(d["id"][1:])]
sys.exit(1 if bad or len(docs) != 50 else 0)' || fail "threads: a later copy of an id was kept"
# Compressed input read from standard input, gzip by its magic bytes.
printf '{"id":"gz-1","title":"from a pipe"}\n' | gzip -c > "$work/in.gz"
expect_status 0 "$LOUPE" index "$idx" - --quiet < "$work/in.gz"
n=$("$LOUPE" info "$idx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
[[ $n == 43 ]] || fail "stdin gzip input: $n documents, expected 43"
# A damaged compressed input with --on-error skip: the records before the
# damage go in, the damage is reported once, and the run ends (it used to
# meet the same error forever), from a file and from a pipe.
printf '{"id":"zs-1","title":"before the damage"}\n' | zstd -q -c > "$work/damaged.zst"
printf '\x28\xb5\x2f\xfdgarbage, not zstd' >> "$work/damaged.zst"
expect_status 0 timeout 60 "$LOUPE" index "$idx" "$work/damaged.zst" --on-error skip
[[ $(grep -c "damaged.zst:2: corrupt zstd stream" /tmp/loupe-cli-err.$$) == 1 ]] ||
  fail "damaged zstd file: $(head -c 400 /tmp/loupe-cli-err.$$)"
expect_status 0 timeout 60 "$LOUPE" index "$idx" - --on-error skip < "$work/damaged.zst"
[[ $(grep -c "<stdin>:2: corrupt zstd stream" /tmp/loupe-cli-err.$$) == 1 ]] ||
  fail "damaged zstd on standard input: $(head -c 400 /tmp/loupe-cli-err.$$)"
n=$("$LOUPE" info "$idx" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
[[ $n == 44 ]] || fail "damaged zstd input: $n documents, expected 44"
# Usage errors and a foreign directory.
expect_status 2 "$LOUPE" index "$idx"
expect_status 2 "$LOUPE" index "$idx" "$bad" --on-error maybe
expect_status 2 "$LOUPE" index "$idx" - - < /dev/null
expect_status 2 "$LOUPE" index "$idx" "$bad" --analyzer klingon
mkdir -p "$work/photos" && echo x > "$work/photos/cat.jpg"
expect_status 1 "$LOUPE" index "$work/photos" "$bad"
grep -q "not a Loupe index" /tmp/loupe-cli-err.$$ || fail "foreign directory: $(cat /tmp/loupe-cli-err.$$)"
[[ $(ls "$work/photos") == cat.jpg ]] || fail "a refused foreign directory was written to: $(ls "$work/photos")"
expect_status 1 "$LOUPE" info "$work/nowhere"
expect_status 1 "$LOUPE" verify "$work/photos"
# No index is not "a damaged index"; segment files without a manifest are.
grep -q "no Loupe index here" /tmp/loupe-cli-err.$$ || fail "verify of a foreign directory: $(cat /tmp/loupe-cli-err.$$)"
! grep -q "damaged" /tmp/loupe-cli-out.$$ || fail "verify called a foreign directory damaged"
mkdir -p "$work/lost" && echo x > "$work/lost/seg_000001.post"
expect_status 1 "$LOUPE" verify "$work/lost"
grep -q "segment files of a writer that never committed" /tmp/loupe-cli-err.$$ || fail "verify of orphaned segments: $(cat /tmp/loupe-cli-err.$$)"

# ---- search ----
expect_status 0 "$LOUPE" search "$idx" '"interest rates"' -k 3
grep -q "^1\. loupe-news-" /tmp/loupe-cli-out.$$ || fail "search output: $(cat /tmp/loupe-cli-out.$$)"
grep -q "\[interest\] \[rates\]" /tmp/loupe-cli-out.$$ || fail "snippet lacks the marked phrase"
n=$("$LOUPE" search "$idx" '"Ly Thuong Phuc"' --count)
[[ $n == 4 ]] || fail "phrase count without accents: $n"
"$LOUPE" search "$idx" 'trade talks' -k 2 --json > "$work/hits.json" || fail "search --json"
python3 - "$work/hits.json" <<'PY' || fail "search --json output"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
assert len(hits) == 2, hits
assert hits[0]["rank"] == 1 and hits[0]["score"] >= hits[1]["score"], hits
assert "title" in hits[0]["fields"] and "topics" in hits[0]["fields"] and "snippet" in hits[0], hits[0]
PY
expect_status 0 "$LOUPE" search "$idx" 'minister' -k 1 --explain
grep -q "idf" /tmp/loupe-cli-out.$$ || fail "--explain output lacks idf"
expect_status 2 "$LOUPE" search "$idx" 'title:(minister'
grep -q "column 7" /tmp/loupe-cli-err.$$ || fail "syntax error column: $(cat /tmp/loupe-cli-err.$$)"
grep -q "^        \^" /tmp/loupe-cli-err.$$ || fail "no caret under the error: $(cat /tmp/loupe-cli-err.$$)"
expect_status 2 "$LOUPE" search "$idx" 'headline:war'
grep -q "unknown field 'headline'" /tmp/loupe-cli-err.$$ || fail "unknown field message"
expect_status 2 "$LOUPE" search "$idx"
expect_status 1 "$LOUPE" search "$work/nowhere" trade
# A query that starts with '-' is an option to the parser: the error says
# how to pass it, and after '--' it is the query.
expect_status 2 "$LOUPE" search "$idx" -trade
grep -q "goes after '--'" /tmp/loupe-cli-err.$$ || fail "no hint for a query starting with '-': $(cat /tmp/loupe-cli-err.$$)"
all=$("$LOUPE" search "$idx" '*' --count)
with=$("$LOUPE" search "$idx" trade --count)
without=$("$LOUPE" search "$idx" --count -- -trade)
[[ $without == $((all - with)) ]] || fail "'-- -trade' counted $without, expected $all - $with"
# Batch mode: run file and statistics.
printf 'q1\ttrade talks\nq2\tthe\nq3\tcentral bank\n' > "$work/q.tsv"
for mode in or and phrase count query; do
  expect_status 0 "$LOUPE" search "$idx" --queries "$work/q.tsv" --mode $mode -k 5 --run "$work/run.$mode" \
    --stats-json "$work/stats.$mode" --warmup 1 --repeat 2
  python3 - "$work/stats.$mode" "$work/run.$mode" "$mode" <<'PY' || fail "batch $mode: $(cat "$work/stats.$mode")"
import json, sys
stats, run, mode = json.load(open(sys.argv[1])), open(sys.argv[2]).read().split("\n"), sys.argv[3]
for key in ("queries", "mean_us", "p50_us", "p90_us", "p99_us", "max_us", "qps", "hits_or_count_sum"):
    assert key in stats, key
assert stats["queries"] == 2 and stats["empty_queries"] == 1, stats
lines = [l.split() for l in run if l]
if mode == "count":
    assert [l[0] for l in lines] == ["q1", "q3"], lines
    assert sum(int(l[1]) for l in lines) == stats["hits_or_count_sum"]
else:
    assert all(len(l) == 6 and l[1] == "Q0" and l[5] == "loupe" for l in lines), lines
    assert len(lines) == stats["hits_or_count_sum"]
    ranks = [int(l[3]) for l in lines if l[0] == "q1"]
    assert ranks == list(range(1, len(ranks) + 1)), ranks
PY
done
expect_status 2 "$LOUPE" search "$idx" --queries "$work/q.tsv" --mode fuzzy --run "$work/x"
# A line the run could not name stops the batch, naming it (blank lines pass).
printf 'q1\ttrade\n\nq2 trade talks\n' > "$work/notab.tsv"
expect_status 1 "$LOUPE" search "$idx" --queries "$work/notab.tsv" --mode or --run "$work/x"
grep -q "notab.tsv:3: no tab" /tmp/loupe-cli-err.$$ || fail "line without a tab: $(cat /tmp/loupe-cli-err.$$)"
printf '\ttrade\n' > "$work/noqid.tsv"
expect_status 1 "$LOUPE" search "$idx" --queries "$work/noqid.tsv" --mode or --run "$work/x"
grep -q "noqid.tsv:1: empty query id" /tmp/loupe-cli-err.$$ || fail "empty qid: $(cat /tmp/loupe-cli-err.$$)"
# A line beyond 1 MiB stops the batch by name; it is not read whole.
{ printf 'q1\ttrade\nq2\t'; head -c 2000000 /dev/zero | tr '\0' a; printf '\nq3\tvietnam\n'; } > "$work/longline.tsv"
expect_status 1 "$LOUPE" search "$idx" --queries "$work/longline.tsv" --mode or --run "$work/x"
grep -q "longline.tsv:2: line longer than 1 MiB" /tmp/loupe-cli-err.$$ || fail "long query line: $(head -c 300 /tmp/loupe-cli-err.$$)"
expect_status 1 timeout 20 "$LOUPE" search "$idx" --queries /dev/zero --mode or --run "$work/x"
# Run files: a 1,000-byte id is written whole (a fixed buffer cut it, and the
# line's rank and score with it); an id or qid with whitespace cannot be a
# TREC run field and stops the batch.
long=$(python3 -c "print('x' * 1000)")
printf '{"id":"%s","title":"kiwi"}\n' "$long" > "$work/long.jsonl"
expect_status 0 "$LOUPE" index "$work/longidx" "$work/long.jsonl" --quiet
printf 'q1\tkiwi\n' > "$work/kiwi.tsv"
expect_status 0 "$LOUPE" search "$work/longidx" --queries "$work/kiwi.tsv" --mode or --run "$work/long.run"
[[ $(awk '{print NF, length($3), $4}' "$work/long.run") == "6 1000 1" ]] || fail "long id in a run: $(cut -c1-80 "$work/long.run")"
printf '{"id":"has space","title":"kiwi"}\n' > "$work/space.jsonl"
expect_status 0 "$LOUPE" index "$work/longidx" "$work/space.jsonl" --quiet
expect_status 1 "$LOUPE" search "$work/longidx" --queries "$work/kiwi.tsv" --mode or --run "$work/x"
grep -q "'has space' holds whitespace" /tmp/loupe-cli-err.$$ || fail "id with a space in a run: $(cat /tmp/loupe-cli-err.$$)"
[[ ! -e "$work/x" ]] || fail "a run stopped by an id with a space was left half written"
printf 'q 1\tkiwi\n' > "$work/spaceqid.tsv"
expect_status 1 "$LOUPE" search "$idx" --queries "$work/spaceqid.tsv" --mode or --run "$work/x"
grep -q "spaceqid.tsv:1: query id holds whitespace" /tmp/loupe-cli-err.$$ || fail "qid with a space: $(cat /tmp/loupe-cli-err.$$)"
printf 'q\r1\tkiwi\n' > "$work/crqid.tsv"
expect_status 1 "$LOUPE" search "$idx" --queries "$work/crqid.tsv" --mode or --run "$work/x"
grep -q "crqid.tsv:1: query id holds whitespace" /tmp/loupe-cli-err.$$ || fail "qid with a carriage return: $(cat /tmp/loupe-cli-err.$$)"
expect_status 0 "$LOUPE" search "$idx" trade --offset 1000
grep -q "no hits past --offset 1000" /tmp/loupe-cli-out.$$ || fail "offset past the hits: $(cat /tmp/loupe-cli-out.$$)"
# A body given as a list of strings is searched and snippeted.
printf '{"id":"list-body","title":"kiwi three","body":["kiwi","fruit salad"]}\n' > "$work/listbody.jsonl"
expect_status 0 "$LOUPE" index "$work/listidx" "$work/listbody.jsonl" --quiet
expect_status 0 "$LOUPE" search "$work/listidx" salad --json
grep -q '"snippet":"kiwi fruit \[salad\]"' /tmp/loupe-cli-out.$$ || fail "snippet of a list body: $(cat /tmp/loupe-cli-out.$$)"
# --fields chooses the stored fields of --json too.
expect_status 0 "$LOUPE" search "$work/listidx" salad --json --fields title
python3 -c 'import json,sys; h=json.loads(open(sys.argv[1]).readline()); assert h["fields"] == {"title": "kiwi three"} and "snippet" not in h, h' \
  /tmp/loupe-cli-out.$$ || fail "--json --fields title: $(cat /tmp/loupe-cli-out.$$)"
# Counts that would wrap or show nothing.
expect_status 2 "$LOUPE" search "$idx" trade -k 0
expect_status 2 "$LOUPE" search "$idx" trade --offset -1
expect_status 2 "$LOUPE" search "$idx" trade -k 10 --offset 18446744073709551615
expect_status 0 "$LOUPE" search "$idx" trade -k 0 --count
expect_status 2 "$LOUPE" index "$idx" "$bad" --commit-every -1

# Flipping a byte in the middle of any file makes verify fail.
for f in "$idx"/*; do
  [[ $(basename "$f") == write.lock ]] && continue
  cp "$f" "$work/saved"
  size=$(stat -c %s "$f")
  python3 - "$f" "$((size / 2))" <<'PY'
import sys
path, at = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, 'rb').read())
data[at] ^= 0x01
open(path, 'wb').write(data)
PY
  expect_status 1 "$LOUPE" verify "$idx"
  cp "$work/saved" "$f"
done
expect_status 0 "$LOUPE" verify "$idx"

# A damaged file is named with its directory, and a damaged kind tag is
# shown in hex, never as raw bytes.
cp -r "$idx" "$work/damaged"
commit=$(ls "$work/damaged"/commit_* | head -1)
truncate -s 20 "$commit"
expect_status 1 "$LOUPE" search "$work/damaged" trade
grep -q "$commit: file is truncated" /tmp/loupe-cli-err.$$ || fail "truncated commit message: $(cat /tmp/loupe-cli-err.$$)"
rm -rf "$work/damaged" && cp -r "$idx" "$work/damaged"
printf '\x01\x02\x1b\x04' | dd of="$work/damaged/seg_000001.terms" bs=1 seek=4 conv=notrunc status=none
expect_status 1 "$LOUPE" search "$work/damaged" trade
grep -q "$work/damaged/seg_000001.terms: expected a .* file, found 0x01021b04" /tmp/loupe-cli-err.$$ ||
  fail "damaged kind tag message: $(cat /tmp/loupe-cli-err.$$ | od -c | head -5)"

# An append that asks for other text fields says what the index has.
expect_status 1 "$LOUPE" index "$idx" "$LOUPE_SOURCE_DIR/corpus/news.jsonl" --field contents=title,body --analyzer anserini
grep -q "text fields are title=title (english, weight 2), body=body (english, weight 1); this writer asks for contents=title,body (anserini, weight 1)" /tmp/loupe-cli-err.$$ ||
  fail "text field mismatch message: $(cat /tmp/loupe-cli-err.$$)"

# An id given twice is deleted once (it was then reported as not found).
cp -r "$idx" "$work/twice"
expect_status 0 "$LOUPE" delete "$work/twice" --id loupe-news-001 --id loupe-news-001
grep -q "^deleted 1 document(s)$" /tmp/loupe-cli-out.$$ || fail "delete of a repeated id: $(cat /tmp/loupe-cli-out.$$)"

# Deleting most of a segment gets it rewritten by the merge policy after the
# commit (the deletions do not stay on disk until a 'loupe merge').
ids=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in open(sys.argv[1]) if l.strip()))' \
  "$LOUPE_SOURCE_DIR/corpus/news.jsonl")
cp -r "$idx" "$work/most" && "$LOUPE" merge "$work/most" --quiet
before=$("$LOUPE" info "$work/most" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
# shellcheck disable=SC2086
expect_status 0 "$LOUPE" delete "$work/most" --quiet $(printf -- '--id %s ' $(echo "$ids" | tr ' ' '\n' | head -30))
info=$("$LOUPE" info "$work/most" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["documents"], d["deleted"])')
[[ $info == "$((before - 30)) 0" ]] ||
  fail "30 of $before deleted: 'documents deleted' is '$info', expected '$((before - 30)) 0' (the segment rewritten)"

# The summary's text counts what was indexed: arrays of strings in text
# fields, not records refused (a repeated id).
printf '%s\n' '{"id":"t1","title":"y","body":["hello","world"]}' '{"id":"t1","title":"refused"}' >"$work/text-bytes.jsonl"
expect_status 0 "$LOUPE" index "$work/text-bytes" "$work/text-bytes.jsonl" --create --on-error skip
grep -q "indexed 1 document, skipped 1 bad record from 1 input(s): 11 B of text" /tmp/loupe-cli-out.$$ ||
  fail "text bytes in the summary: $(cat /tmp/loupe-cli-out.$$)"

# Merging or deleting where there is no index is an error that creates nothing.
for cmd in "merge $work/no-index" "delete $work/no-index --id x"; do
  # shellcheck disable=SC2086
  expect_status 1 "$LOUPE" $cmd
  grep -Eq "no Loupe index here|No such file or directory" /tmp/loupe-cli-err.$$ || fail "loupe $cmd: $(cat /tmp/loupe-cli-err.$$)"
  [[ ! -e $work/no-index ]] || fail "loupe $cmd created $work/no-index"
done

# Negative counts are refused, not wrapped to huge ones; options a batch
# would ignore are refused with --queries; an interval needs a date facet.
expect_status 2 "$LOUPE" merge "$idx" --max-segments -1
expect_status 2 "$LOUPE" search "$idx" oil --facet section --facet-top -1
expect_status 2 "$LOUPE" search "$idx" oil -k -1
grep -q -- "-k must be between 1 and 1048576" /tmp/loupe-cli-err.$$ || fail "-k -1: $(cat /tmp/loupe-cli-err.$$)"
printf '1\toil\n' > "$work/q.tsv"
expect_status 2 "$LOUPE" search "$idx" oil --mode and
grep -q -- "--mode applies to --queries" /tmp/loupe-cli-err.$$ || fail "--mode without --queries: $(cat /tmp/loupe-cli-err.$$)"
expect_status 2 "$LOUPE" search "$idx" --queries "$work/q.tsv" --mode or --count --run "$work/q.run"
expect_status 0 "$LOUPE" search "$idx" --queries "$work/q.tsv" --mode query --count --run "$work/q.run"
for opt in --json --explain "--fields title" "--facet section" "--sort -date"; do
  # shellcheck disable=SC2086
  expect_status 2 "$LOUPE" search "$idx" --queries "$work/q.tsv" --mode or --run "$work/q.run" $opt
  grep -q "applies to a single QUERY" /tmp/loupe-cli-err.$$ || fail "batch with $opt: $(cat /tmp/loupe-cli-err.$$)"
done
expect_status 0 "$LOUPE" search "$idx" --queries "$work/q.tsv" --mode or --run "$work/q.run" --sort score
# A byte-order mark does not join the first qid; a folder is not a query file.
printf '\xef\xbb\xbf7\tbank\n' > "$work/bom.tsv"
expect_status 0 "$LOUPE" search "$idx" --queries "$work/bom.tsv" --mode or --run "$work/bom.run"
[[ $(cut -d' ' -f1 "$work/bom.run" | sort -u) == 7 ]] || fail "BOM in the qid: $(od -c "$work/bom.run" | head -2)"
expect_status 1 "$LOUPE" search "$idx" --queries "$work" --mode or --run "$work/dir.run"
grep -q "is a directory" /tmp/loupe-cli-err.$$ || fail "queries folder: $(cat /tmp/loupe-cli-err.$$)"
expect_status 1 "$LOUPE" search "$idx" --queries "$work/no-such.tsv" --mode or --run "$work/none.run"
grep -q "no-such.tsv: cannot open: No such file or directory" /tmp/loupe-cli-err.$$ || fail "missing queries: $(cat /tmp/loupe-cli-err.$$)"
# A repeated qid stops the batch (trec_eval would merge the two rankings);
# a syntax error on a line names the file and line after the command.
printf '1\tbank\n2\trates\n1\tgoal\n' > "$work/dupq.tsv"
expect_status 1 "$LOUPE" search "$idx" --queries "$work/dupq.tsv" --mode or --run "$work/dupq.run"
grep -q "dupq.tsv:3: query id '1' repeats line 1" /tmp/loupe-cli-err.$$ || fail "repeated qid: $(cat /tmp/loupe-cli-err.$$)"
printf '1\tbank)\n' > "$work/synq.tsv"
expect_status 2 "$LOUPE" search "$idx" --queries "$work/synq.tsv" --mode query --run "$work/synq.run"
grep -q "^loupe search: $work/synq.tsv:1: query syntax error at column 5" /tmp/loupe-cli-err.$$ ||
  fail "batch syntax error: $(cat /tmp/loupe-cli-err.$$)"
# --fields: names trimmed and taken once; an unknown one gets a note.
expect_status 0 "$LOUPE" search "$idx" bank -k 1 --fields ' title,title, nosuch'
[[ $(grep -c . /tmp/loupe-cli-out.$$) == 2 ]] || fail "--fields title twice: $(cat /tmp/loupe-cli-out.$$)"
grep -q "note: --fields names 'nosuch'" /tmp/loupe-cli-err.$$ || fail "--fields unknown: $(cat /tmp/loupe-cli-err.$$)"
expect_status 2 "$LOUPE" search "$idx" oil --facet section:month
grep -q "needs a date field" /tmp/loupe-cli-err.$$ || fail "keyword facet interval: $(cat /tmp/loupe-cli-err.$$)"
# A field that cannot be sorted or counted is a usage error too.
for bad in "--sort title" "--sort nosuch" "--facet title" "--facet nosuch" "--facet url"; do
  expect_status 2 "$LOUPE" search "$idx" oil $bad
done
grep -q "facet url: not a keyword, date or integer field" /tmp/loupe-cli-err.$$ || fail "--facet of a stored field: $(cat /tmp/loupe-cli-err.$$)"

# Control characters from the data never reach the terminal raw; a syntax
# error in a huge query shows the part around the error, caret in place.
printf '{"id":"a\\nb\\u001b[31m","title":"t\\u001b[31mX","body":"hello\\u0007 world\\nnext hello"}\n' > "$work/ctl.jsonl"
expect_status 0 "$LOUPE" index "$work/ctlidx" "$work/ctl.jsonl" --quiet
expect_status 0 "$LOUPE" search "$work/ctlidx" hello --fields title,snippet,body
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' /tmp/loupe-cli-out.$$; then fail "raw control characters: $(cat -A /tmp/loupe-cli-out.$$)"; fi
grep -qF '1. a b\x1b[31m' /tmp/loupe-cli-out.$$ || fail "escaped id: $(cat -A /tmp/loupe-cli-out.$$)"
long="$(printf 'abcdefghijklmnopqrstuvwxyz %.0s' {1..200}) ) $(printf 'zyxwvutsrqponmlkjihgfedcba %.0s' {1..200})"
expect_status 2 "$LOUPE" search "$idx" "$long"
(( $(wc -c < /tmp/loupe-cli-err.$$) < 600 )) || fail "a long query's error echoed whole: $(wc -c < /tmp/loupe-cli-err.$$) bytes"
python3 - /tmp/loupe-cli-err.$$ <<'PY' || fail "caret not under the ')': $(cat /tmp/loupe-cli-err.$$)"
import sys
lines = open(sys.argv[1]).read().split("\n")
sys.exit(0 if lines[1][lines[2].index("^")] == ")" else 1)
PY

rm -f /tmp/loupe-cli-out.$$ /tmp/loupe-cli-err.$$
if [[ $failures -gt 0 ]]; then echo "$failures failure(s)" >&2; exit 1; fi
echo "cli_test: all checks passed"
