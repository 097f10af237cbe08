#!/usr/bin/env bash
# Runs every supported engine x section, at 1 thread then all cores, on one
# dataset; one JSON per run in OUT (default bench/results/<today>/peers).
# Usage: bash bench/peers/run_all.sh [scifact|generated] [--docs N] [--vectors N]
#        [--max-queries N] [--out DIR] [--sections "fts vector sql hybrid"]
set -euo pipefail
cd "$(dirname "$0")/../.."
dataset="${1:-scifact}"; shift || true
docs=1000000; vectors=1000000; maxq=""; out="bench/results/$(date +%F)/peers"
sections="fts vector sql hybrid"
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) docs="$2"; shift 2 ;;
    --vectors) vectors="$2"; shift 2 ;;
    --max-queries) maxq="--max-queries $2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --sections) sections="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bash bench/peers/setup.sh
py=bench/work/venv/bin/python
declare -A engines=(
  [fts]="tantivy_py lancedb infino duckdb"
  [vector]="faiss hnswlib usearch lancedb infino duckdb"
  [sql]="duckdb datafusion"
  [hybrid]="lancedb infino"
)
mkdir -p "$out"
for section in $sections; do
  [ "$section" = hybrid ] && [ "$dataset" != scifact ] && continue
  size=$docs; [ "$section" = vector ] && size=$vectors
  for engine in ${engines[$section]}; do
    for threads in 1 all; do
      $py bench/peers/run_peer.py --engine "$engine" --section "$section" --dataset "$dataset" \
        --size "$size" --threads "$threads" $maxq \
        --out "$out/$engine-$section-$dataset-t$threads.json" || echo "FAILED: $engine $section t=$threads" >&2
    done
  done
done
