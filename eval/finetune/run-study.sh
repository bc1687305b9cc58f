#!/usr/bin/env bash
# Fine-tuning studies (issue: bring your own logs): can `ncpl train --from` adapt a trained model from a few
# dozen runs? Each study draws N runs (default 50) with a fixed seed per draw, uses them three ways, and scores
# all on the same held-out runs with `ncpl eval`:
#   chinchilla  - the Chinchilla law fitted on the N runs (eval fits it itself)
#   finetuned   - a parent model fine-tuned on the N runs (training-configs/finetune.json)
#   scratch     - the same recipe trained from scratch on the N runs
#   parent      - the parent as it is, before fine-tuning (size studies only)
# Both trainings hold out 20% of the N runs for early stopping and calibration; the scored runs are never used.
#
# Studies:
#   new-source   Step Law never seen: the parent is trained on Marin and open_lm only (trained here first, ~7 min
#                on 2 cores); N Step Law train runs; scored on all 360 Step Law in_val runs.
#   new-source-429m  The same parent (Step Law never seen); N Step Law train runs of the sizes up to 268 M; scored
#                on every Step Law 429 M run: a new source and a size beyond its fine-tuning runs.
#   new-source-2sizes  The same parent; N Step Law train runs of its two smallest sizes (60 M and 120 M); scored on
#                every Step Law 429 M run. Two sizes cannot identify how loss falls with size: the fine-tuned model
#                takes that exponent from the parent's best-identified law, Chinchilla and scratch from the prior.
#   steplaw-429m A size held out of the parent: models/extrapolation (trained on Step Law up to 268 M); N runs of
#                Step Law 429 M (split train); scored on every other 429 M run.
#   marin-300m   The same for Marin: N runs of Marin 300m; scored on every other 300m run.
#   mpl-400m     A source no model here was trained on: the Multi-Power Law curves (raw/multi-power-law: 25M, 100M
#                and 400M models under 9 learning-rate schedules), imported by `ncpl import` with their schedules
#                recovered from the logged lr. Parent models/default; the 18 runs of 25M and 100M (N 18); scored on
#                the nine 400M runs. Their logs lack the batch size: 0.5M tokens per step is assumed for all (a
#                common factor on D, which the Chinchilla law fitted on them absorbs into B).
#   mpl-schedules  The same source, the Multi-Power Law paper's own protocol: the 12 constant and cosine runs of
#                every size (N 12); scored on the 15 WSD runs (exponential, linear and step decays).
#   The two mpl studies use every run they may (run them with N 18 and 12): each draw takes them all in another
#   order, which changes the 20% held out for early stopping, and with so few runs that moves the result.
#
#   usage: eval/finetune/run-study.sh STUDY [N] [DRAWS]
# Each draw's report goes to target/finetune-study/<study>-<N>-<draw>/; the first draw's report is copied to
# eval/finetune-<study>-<N>/ and the MAE of every draw, with their mean, to eval/finetune-<study>-<N>/draws.md.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
STUDY="${1:?usage: run-study.sh new-source|new-source-429m|new-source-2sizes|steplaw-429m|marin-300m|mpl-400m|mpl-schedules [N] [DRAWS]}"
N="${2:-50}"
DRAWS="${3:-3}"
DATA="$HERE/../shared/pretraining-logs"
WORK="${NCPL_STUDY_DIR:-$HERE/target/finetune-study}"
mkdir -p "$WORK"
cd "$HERE"
case "$STUDY" in
  new-source|new-source-429m|new-source-2sizes)
    PARENT="$WORK/base-no-steplaw"
    if [ ! -f "$PARENT/model.json" ]; then
      echo "training the parent without Step Law (several minutes)..."
      ./ncpl train --recipe training-configs/experiments/base-no-steplaw.json \
        --runs "$DATA/marin.jsonl,$DATA/openlm.jsonl" --out "$PARENT" --device cpu
    fi
    POOL="$WORK/pool-$STUDY.jsonl"; SCORED="$WORK/scored-$STUDY.jsonl"
    if [ "$STUDY" = new-source ]; then
      grep '"split": *"train"' "$DATA/steplaw.jsonl" > "$POOL"
      grep '"split": *"in_val"' "$DATA/steplaw.jsonl" > "$SCORED"
    else
      LARGEST='"non_embedding_params": *429260800[,}]'
      if [ "$STUDY" = new-source-2sizes ]; then
        grep '"split": *"train"' "$DATA/steplaw.jsonl" | grep -E '"non_embedding_params": *(59968512|119992320)[,}]' > "$POOL"
      else
        grep '"split": *"train"' "$DATA/steplaw.jsonl" | grep -v "$LARGEST" > "$POOL"
      fi
      grep "$LARGEST" "$DATA/steplaw.jsonl" | sed 's/"split": *"train"/"split": "in_val"/' > "$SCORED"
    fi ;;
  steplaw-429m|marin-300m)
    PARENT="$HERE/models/extrapolation"
    if [ "$STUDY" = steplaw-429m ]; then FILE=steplaw.jsonl; SIZE=429260800; else FILE=marin.jsonl; SIZE=$(python3 -c "
import json
print(max(json.loads(l)['config']['model']['non_embedding_params'] for l in open('$DATA/marin.jsonl')))"); fi
    SIZED="$WORK/size-$STUDY.jsonl"; grep "\"non_embedding_params\": *$SIZE[,}]" "$DATA/$FILE" > "$SIZED"
    POOL="$WORK/pool-$STUDY.jsonl"; grep '"split": *"train"' "$SIZED" > "$POOL"
    SCORED="" ;;
  mpl-400m|mpl-schedules)
    PARENT="$HERE/models/default"
    ALL="$WORK/mpl-all.jsonl"; : > "$ALL"
    for SIZE in 25 100 400; do
      ./ncpl import "$DATA/raw/multi-power-law/$SIZE" --source multi-power-law --out "$WORK/mpl-$SIZE.jsonl" \
        --set "model.arch=llama,model.non_embedding_params=${SIZE}000000,optimizer.name=adamw,data.seq_len=4096,data.batch_tokens=524288,schedule.warmup_steps=2160" \
        > "$WORK/mpl-$SIZE.import.log"
      sed "s|\"id\": *\"multi-power-law/|\"id\":\"multi-power-law/${SIZE}m/|" "$WORK/mpl-$SIZE.jsonl" >> "$ALL"
    done
    POOL="$WORK/pool-$STUDY.jsonl"; SCORED="$WORK/scored-$STUDY.jsonl"
    if [ "$STUDY" = mpl-400m ]; then HELD='/400m/'; else HELD='/(wsd|wsdcon|wsdld)_'; fi
    grep -Ev "$HELD" "$ALL" > "$POOL"
    grep -E "$HELD" "$ALL" | sed 's/"split": *"train"/"split": "in_val"/' > "$SCORED" ;;
  *) echo "unknown study '$STUDY' (new-source, new-source-429m, new-source-2sizes, steplaw-429m, marin-300m, mpl-400m or mpl-schedules)" >&2
     exit 2 ;;
esac
SUMMARY="$WORK/$STUDY-$N-draws.tsv"; : > "$SUMMARY"
for DRAW in $(seq 1 "$DRAWS"); do
  RUN="$WORK/$STUDY-$N-$DRAW"; rm -rf "$RUN"; mkdir -p "$RUN"
  # a seeded random key per run, sorted: draws are independent (shuf fed `yes seed` repeats most of a draw)
  awk -v seed="$((1000 + DRAW))" 'BEGIN { srand(seed) } { printf "%.12f\t%s\n", rand(), $0 }' "$POOL" \
    | sort -t $'\t' -k1,1 | awk -v n="$N" 'NR <= n' | cut -f2- > "$RUN/sample.jsonl"
  if [ -n "$SCORED" ]; then
    { cat "$RUN/sample.jsonl"; cat "$SCORED"; } > "$RUN/evalset.jsonl"
  else
    # every run of the held-back size that was not drawn is scored (as in_val), when its optimizer is among the
    # drawn runs' (a model trained from scratch on them refuses an optimizer it never saw)
    { cat "$RUN/sample.jsonl"; grep -v -F -x -f "$RUN/sample.jsonl" "$SIZED" \
        | sed 's/"split": *"train"/"split": "in_val"/' \
        | grep -F -f <(grep -o '"optimizer": *{"name": *"[^"]*"' "$RUN/sample.jsonl" | sort -u); } > "$RUN/evalset.jsonl"
  fi
  ./ncpl train --from "$PARENT" --runs "$RUN/sample.jsonl" --out "$RUN/finetuned" --device cpu
  ./ncpl train --recipe training-configs/finetune.json --runs "$RUN/sample.jsonl" --out "$RUN/scratch" --device cpu
  MODELS="$RUN/finetuned,$RUN/scratch"
  case "$STUDY" in new-source*|mpl-*) ;; *) MODELS="$MODELS,$PARENT" ;; esac
  ./ncpl eval --runs "$RUN/evalset.jsonl" --model "$MODELS" --name "finetune-$STUDY-$N" --out "$RUN"
  # the in_val rows of the report's first table, its columns found by their headers (later tables, such as the
  # runs that stop early, have in_val rows of their own, and columns were added over time)
  awk -F'|' -v d="$DRAW" '
    function trim(x) { gsub(/^ +| +$/, "", x); return x }
    !seen && /^\| group \| predictor/ { for (i = 1; i <= NF; i++) col[trim($i)] = i; seen = 1; table = 1; next }
    table && !/^\|/ { table = 0 }
    table && $2 ~ /\/in_val/ { print d "\t" trim($col["predictor"]) "\t" trim($col["final MAE"]) "\t" \
      trim($col["Spearman ρ"]) "\t" trim($col["curve MAE"]) }' "$RUN/finetune-$STUDY-$N/report.md" >> "$SUMMARY"
  if [ "$DRAW" = 1 ]; then
    rm -rf "$HERE/eval/finetune-$STUDY-$N"; cp -r "$RUN/finetune-$STUDY-$N" "$HERE/eval/finetune-$STUDY-$N"
  fi
done
OUT="$HERE/eval/finetune-$STUDY-$N/draws.md"
{
  echo "# Fine-tuning study $STUDY, $N runs: final-loss MAE over $DRAWS draws"
  echo
  echo "Written by \`eval/finetune/run-study.sh $STUDY $N $DRAWS\`. Each draw takes $N runs of the pool in a seeded"
  echo "order (when $N is the whole pool, only the order changes, and with it the 20% held out for early stopping);"
  echo "report.md beside this file is the first draw's full evaluation. Curve MAE: every logged point after the first"
  echo "10% of training."
  echo
  echo "| predictor | $(seq -s ' | ' 1 "$DRAWS" | sed 's/[0-9]\+/draw &/g') | mean | Spearman ρ (mean) | curve MAE (mean) |"
  echo "|---|$(for _ in $(seq 1 "$DRAWS"); do printf -- '---:|'; done)---:|---:|---:|"
  awk -F'\t' '{mae[$2]=mae[$2] " | " $3; s[$2]+=$3; r[$2]+=$4; c[$2]+=$5; n[$2]++
      if(!($2 in seen)){seen[$2]=1; order[++k]=$2}}
    END {for (i=1;i<=k;i++){p=order[i]; printf "| %s%s | %.4f | %.3f | %.4f |\n", p, mae[p], s[p]/n[p], r[p]/n[p], c[p]/n[p]}}' "$SUMMARY"
} > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
cat "$OUT"
