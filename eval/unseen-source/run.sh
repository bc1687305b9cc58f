#!/usr/bin/env bash
# Scores a trained predictor on a source it never saw, with no fine-tuning: the Multi-Power Law curves
# (../shared/pretraining-logs/raw/multi-power-law: 25M, 100M and 400M models under 9 learning-rate schedules),
# imported as run-study.sh imports them. Every one of their 27 runs is scored as in_val beside the shared logs'
# in_val runs; the report (final-loss MAE, coverage of the 80% intervals) goes to eval/unseen-source/.
#
#   eval/unseen-source/run.sh [MODEL_DIR]      (default: models/default; about 3 minutes on 2 cores)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL="${1:-$HERE/models/default}"
DATA="$HERE/../shared/pretraining-logs"
WORK="${NCPL_STUDY_DIR:-$HERE/target/unseen-source}"
mkdir -p "$WORK"
cd "$HERE"
ALL="$WORK/mpl-in_val.jsonl"; : > "$ALL"
for SIZE in 25 100 400; do
  ./ncpl import "$DATA/raw/multi-power-law/$SIZE" --source multi-power-law --out "$WORK/mpl-$SIZE.jsonl" \
    --set "model.arch=llama,model.non_embedding_params=${SIZE}000000,optimizer.name=adamw,data.seq_len=4096,data.batch_tokens=524288,schedule.warmup_steps=2160" \
    > "$WORK/mpl-$SIZE.import.log"
  sed -e "s|\"id\": *\"multi-power-law/|\"id\":\"multi-power-law/${SIZE}m/|" -e 's/"split": *"train"/"split": "in_val"/' \
    "$WORK/mpl-$SIZE.jsonl" >> "$ALL"
done
# every shared run file the shipped models learnt from, and the unseen source
FILES=""
for F in marin steplaw openlm steplaw-moe gemstones datablations; do FILES="$FILES$DATA/$F.jsonl,"; done
./ncpl eval --runs "$FILES$ALL" --model "$MODEL" \
  --name unseen-source --out "$HERE/eval"
