#!/usr/bin/env bash
# Relevance against published Lucene/Anserini BM25 figures, on the judged
# collections of ../shared/data: index with Anserini's analysis in one flat
# field, search the queries as bags of words (k1 0.9, b 0.4, top 1000),
# evaluate with ../shared/peers/eval.py (trec_eval's definitions).
#
# usage: bench/relevance.sh [path/to/loupe]       (exit 1 if a target is missed)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
loupe=${1:-$root/build/release/tools/loupe/loupe}
shared=$root/../shared
[[ -d $shared/data ]] || { echo "no $shared/data: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
printf '%-10s %8s %8s %8s %8s %10s\n' collection nDCG@10 target R@100 MAP lucene8
# collection, Lucene 8 nDCG@10 (../shared/peers, Anserini's published figure for SciFact), allowed gap
for spec in "scifact 0.6789 0.005" "cranfield 0.3510 0.01"; do
  read -r name lucene gap <<<"$spec"
  data=$shared/data/$name
  "$loupe" index "$work/$name" "$data/corpus.jsonl.zst" --create --quiet --analyzer anserini --field contents=title,body
  "$loupe" search "$work/$name" --queries "$data/queries.tsv" --mode or -k 1000 --k1 0.9 --b 0.4 \
    --run "$work/$name.run" 2>/dev/null
  python3 "$shared/peers/eval.py" "$data/qrels.tsv" "$work/$name.run" > "$work/$name.eval"
  ndcg=$(awk '$1 == "ndcg_cut_10" {print $3}' "$work/$name.eval")
  recall=$(awk '$1 == "recall_100" {print $3}' "$work/$name.eval")
  map=$(awk '$1 == "map" {print $3}' "$work/$name.eval")
  target=$(python3 -c "print(f'{$lucene - $gap:.4f}')")
  printf '%-10s %8s %8s %8s %8s %10s\n' "$name" "$ndcg" ">=$target" "$recall" "$map" "$lucene"
  python3 -c "import sys; sys.exit(0 if $ndcg >= $target else 1)" || status=1
done
exit $status
