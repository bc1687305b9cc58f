#!/usr/bin/env bash
# Alternatives to a new source's correction, scored on the new-source study's own draws: a blend with the law fitted
# on the same runs (fixed weights, or a weight chosen per draw on the given runs' leave-one-out errors), a ridge
# correction linear or quadratic in the run's scale, learning rate and batch, and a level alone (Alternatives.java
# writes each draw's predictions, analyze.py the tables); and the runs predicted under the identity of a source the
# model knows (Identities.java, identities.py); and the correction taught by the given runs' curves as well
# (CurveEvidence.java, curve_evidence.py; on the study's draws, seed 18, and on fresh ones, seed 19). Needs the study's work folder (its models trained without
# each source and its draws):
#
#   ./ncpl eval --protocol new-source --seed 18 --work WORK ...
#   eval/new-source-alternatives/harness/run.sh WORK          (about 20 minutes on 2 cores)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../../.." && pwd)"
. "$HERE/eval/study-harness.sh"
study_harness new-source-alternatives "${1:-}" eval/new-source-alternatives/harness/Alternatives.java \
  eval/new-source-alternatives/harness/Identities.java eval/new-source-alternatives/harness/CurveEvidence.java
for src in steplaw steplaw-moe gemstones openlm; do
  for variant in random smallest-sizes; do
    for k in 10 50; do
      for d in 0 1 2 3 4; do
        GIVEN="$WORK/$src/$variant-k$k-d$d/given.jsonl"
        [ -f "$GIVEN" ] || continue
        measure "$OUT/$src+$variant+$k+$d.tsv" Alternatives "$WORK/$src/parent" "$DATA/$src.jsonl" "$GIVEN"
      done
    done
  done
done
python3 eval/new-source-alternatives/harness/analyze.py "$OUT"
mkdir -p "$OUT/identities" "$OUT/curves"
for src in steplaw steplaw-moe gemstones openlm; do
  measure "$OUT/identities/$src.tsv" Identities "$WORK/$src/parent" "$DATA/$src.jsonl" "$WORK/$src"
done
echo
python3 eval/new-source-alternatives/harness/identities.py "$OUT/identities"
for src in gemstones steplaw; do
  for seed in 18 19; do
    measure "$OUT/curves/$src+$seed.tsv" CurveEvidence "$WORK/$src/parent" "$DATA/$src.jsonl" "$seed"
  done
done
echo
python3 eval/new-source-alternatives/harness/curve_evidence.py "$OUT/curves"
