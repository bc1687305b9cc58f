#!/usr/bin/env bash
# Fine-tuning study (issue: bring your own logs): can `ncpl train --from` adapt a model to a source it has
# never seen from a few dozen runs? Step Law is held out of a base model's training (Marin and open_lm only);
# N Step Law train runs (default 50, drawn with a fixed seed) are then used three ways, each scored on all
# Step Law in_val runs by `ncpl eval`:
#   chinchilla  - the Chinchilla law fitted on the N runs (eval fits it itself)
#   finetuned   - the base model fine-tuned on the N runs (training-configs/finetune.json)
#   scratch     - the same recipe trained from scratch on the N runs
# Both trainings hold out 20% of the N runs for early stopping and calibration; in_val is only scored.
#   usage: eval/finetune/run-study.sh [N] [BASE_MODEL_DIR]
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
N="${1:-50}"
DATA="$HERE/../shared/pretraining-logs"
WORK="${NCPL_STUDY_DIR:-$HERE/target/finetune-study}"
BASE="${2:-$WORK/base-no-steplaw}"
mkdir -p "$WORK"
cd "$HERE"
if [ ! -f "$BASE/model.json" ]; then
  echo "training the base model without Step Law (a few minutes)..."
  ./ncpl train --recipe training-configs/experiments/base-no-steplaw.json \
    --runs "$DATA/marin.jsonl,$DATA/openlm.jsonl" --out "$BASE" --device cpu
fi
SAMPLE="$WORK/steplaw-train-$N.jsonl"
grep '"split": *"train"' "$DATA/steplaw.jsonl" | shuf -n "$N" --random-source=<(yes ncpl) > "$SAMPLE"
EVALSET="$WORK/steplaw-$N-plus-in_val.jsonl"
{ cat "$SAMPLE"; grep '"split": *"in_val"' "$DATA/steplaw.jsonl"; } > "$EVALSET"
./ncpl train --from "$BASE" --runs "$SAMPLE" --out "$WORK/finetuned-$N" --device cpu
./ncpl train --recipe training-configs/finetune.json --runs "$SAMPLE" --out "$WORK/scratch-$N" --device cpu
./ncpl eval --runs "$EVALSET" --model "$WORK/finetuned-$N,$WORK/scratch-$N" --name "finetune-steplaw-$N"
