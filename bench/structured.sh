#!/usr/bin/env bash
# Structured fields at scale: Reuters-21578 copied N-fold (default 50: 1.08
# million stories) by ../shared/tools/scale-corpus, one segment. The same 300
# two-word queries (words of random Reuters headlines) run unfiltered, with a
# date or topic filter ("+(a b) +date:[…]"), sorted newest first, and with a
# topic facet; the filters alone are counted (the cost of reading them); and
# facets are counted over every document ('*', one query, 1.08 M matches).
# Each line is `loupe search --queries` batch statistics (in-process latency,
# single thread) after 2 warm-up passes, over 3 measured passes.
#
# usage: bench/structured.sh [path/to/loupe] [N] [WORKDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
loupe=${1:-$root/build/release/tools/loupe/loupe}
copies=${2:-50}
work=${3:-/tmp/loupe-structured-bench}
shared=$root/../shared
data=$shared/data/reuters21578/corpus.jsonl.zst
[[ -f $data ]] || { echo "no $data: skipped"; exit 77; }
mkdir -p "$work"
if [[ ! -f $work/corpus-$copies.jsonl.zst ]]; then
  "$shared/tools/scale-corpus" "$data" "$copies" | zstd -T2 -3 -q >"$work/corpus-$copies.jsonl.zst"
fi
if [[ ! -d $work/idx-$copies ]]; then
  "$loupe" index "$work/idx-$copies" "$work/corpus-$copies.jsonl.zst" --create --quiet --ram-budget 2048 2>/dev/null
fi
idx=$work/idx-$copies
zstd -dc "$data" | python3 -c '
import json, random, re, sys
random.seed(7)
docs = [json.loads(l) for l in sys.stdin]
stop = set("the and for with from that this said will have been were their they its into over under after about".split())
queries = []
while len(queries) < 300:
    words = [w for w in re.findall(r"[a-z]+", random.choice(docs)["title"].lower()) if len(w) > 3 and w not in stop]
    if len(words) >= 2:
        queries.append(random.sample(words, 2))
filters = {"plain": None, "day": "date:[1987-03-02 TO 1987-03-02]", "tenday": "date:[1987-03-01 TO 1987-03-10]",
           "earn": "topics:earn", "ship": "topics:ship"}
for name, f in filters.items():
    with open(sys.argv[1] + "/" + name + ".tsv", "w") as out:
        for i, (a, b) in enumerate(queries):
            out.write(f"{i}\t{a} {b}\n" if f is None else f"{i}\t+({a} {b}) +{f}\n")
    if f:
        with open(sys.argv[1] + "/only-" + name + ".tsv", "w") as out:
            out.write("".join(f"{i}\t{f}\n" for i in range(300)))
with open(sys.argv[1] + "/all.tsv", "w") as out:
    out.write("0\t*\n")
' "$work"

run() {  # run LABEL FILE K ARGS...
  local label=$1 file=$2 k=$3
  shift 3
  "$loupe" search "$idx" --queries "$work/$file" --mode query -k "$k" --run /dev/null --warmup 2 --repeat 3 \
    --stats-json "$work/stats.json" "$@" 2>/dev/null
  python3 - "$label" "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]:<34} {s['p50_us']:>9.1f} {s['p90_us']:>9.1f} {s['p99_us']:>9.1f} {s['mean_us']:>9.1f} {s['hits_or_count_sum'] / s['queries']:>12.1f}")
PY
}
printf '%-34s %9s %9s %9s %9s %12s\n' "query (${copies}x Reuters)" p50_us p90_us p99_us mean_us hits/query
run "a b (unfiltered)" plain.tsv 10
run "+(a b) +date: one day (0.4%)" day.tsv 10
run "+(a b) +date: ten days (15%)" tenday.tsv 10
run "+(a b) +topics:earn (18%)" earn.tsv 10
run "+(a b) +topics:ship (1.4%)" ship.tsv 10
run "count date: one day" only-day.tsv 10 --count
run "count date: ten days" only-tenday.tsv 10 --count
run "count topics:earn" only-earn.tsv 10 --count
run "count topics:ship" only-ship.tsv 10 --count
run "a b --sort -date" plain.tsv 10 --sort -date
run "a b --facet topics" plain.tsv 10 --facet topics
run "* --facet topics (all docs)" all.tsv 0 --facet topics
run "* --facet date:month (all docs)" all.tsv 0 --facet date:month
run "* --sort -date -k 10 (all docs)" all.tsv 10 --sort -date
