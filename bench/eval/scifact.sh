#!/usr/bin/env bash
# Relevance of LakeSeek on BEIR SciFact (test split) with `lakeseek eval`:
# BM25 on title + text, all-MiniLM-L6-v2 dense (exact and approximate), and
# hybrid fusion, side by side. Writes bench/results/<date>/eval_scifact.{txt,json}.
#
#   bench/eval/scifact.sh            # release build (or BENCH_PROFILE), then the run
#   OUT=DIR bench/eval/scifact.sh    # results into DIR (bench/run hybrid does this)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=../shared/data/scifact
work=bench/work/eval-scifact
out=${OUT:-bench/results/$(date +%F)}
mkdir -p "$work" "$out"
# Same build as bench/run (its profile: BENCH_PROFILE, release by default),
# so the two share artifacts.
profile=${BENCH_PROFILE:-release}
cargo build --profile "$profile" --locked -p lakeseek -p lakeseek-bench --features lakeseek-bench/tantivy
bin=${CARGO_TARGET_DIR:-target}/$profile/lakeseek
python=python3
[ -x bench/work/venv/bin/python ] && python=bench/work/venv/bin/python  # has pyarrow

# The corpus with title and text joined into one `body` column, as the
# published BM25 figures index it.
"$python" - "$data/corpus.parquet" "$work/corpus.parquet" <<'PY'
import sys
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
body = pc.binary_join_element_wise(t["title"], t["text"], " ")
pq.write_table(pa.table({"id": t["id"], "body": body, "emb": t["emb"]}), sys.argv[2])
PY

rm -rf "$work/db"
$bin --db "$work/db" import scifact "$work/corpus.parquet" --text body --vector emb --quiet
args=(eval scifact --queries "$data/queries.parquet" --qrels "$data/qrels_test.tsv"
      --set exact=true
      --compare 'ann: exact=false'
      --compare 'ann-nprobe48: exact=false,nprobe=48'
      --compare 'linear-0.5: modes=hybrid,fusion=linear,weight=0.5'
      --compare 'bm25-k0.9-b0.4: modes=text,k1=0.9,b=0.4')
{
  echo "# lakeseek eval on SciFact test ($(date +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
  echo
  echo "\$ lakeseek ${args[*]}"
  $bin --db "$work/db" "${args[@]}"
} | tee "$out/eval_scifact.txt"
$bin --db "$work/db" "${args[@]}" --format json > "$out/eval_scifact.json"
