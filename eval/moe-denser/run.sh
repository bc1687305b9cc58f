#!/usr/bin/env bash
# Predicts Step Law's 88-expert mixture of experts at every top-k from the trained 2 to all 88 (the dense model of
# its 2.15 B total size), 8 B tokens, the best lr and batch of the trained top-2 cell, with MODEL (default:
# models/default), and writes the table to eval/moe-denser/predictions.md. No run of these densities is in the
# shared logs: the table shows what the model says beyond its trained densities, not how right it is.
#
#   eval/moe-denser/run.sh [MODEL_DIR]      (seconds on 2 cores)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL="${1:-$HERE/models/default}"
WORK="${NCPL_STUDY_DIR:-$HERE/target/moe-denser}"
mkdir -p "$WORK"
cd "$HERE"
./ncpl predict --model "$MODEL" --runs training-configs/examples/moe-denser.jsonl --out "$WORK/predictions.csv" \
  > "$WORK/predict.log" 2>&1
OUT="$HERE/eval/moe-denser/predictions.md.tmp"
{
  echo "| config | final loss | 80% interval |"
  echo "|---|---:|---|"
  # one row per config: the CSV repeats the final loss and its interval on every curve point
  awk -F, 'NR > 1 && !seen[$1]++ { printf "| %s | %.3f | [%.3f, %.3f] |\n", $1, $2, $3, $4 }' "$WORK/predictions.csv"
} > "$OUT"
mv "$OUT" "$HERE/eval/moe-denser/predictions.md"
echo "wrote eval/moe-denser/predictions.md"
