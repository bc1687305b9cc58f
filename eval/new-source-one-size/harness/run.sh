#!/usr/bin/env bash
# How much a source adapted to from runs of one size must widen beyond them: for each draw of the new-source study
# that gave one size (variant smallest-sizes), the errors beyond the given runs relative to their in-range error
# (OneSizeErrors.java), then the growth per ln unit that covers 80% (choose.py, each source's value chosen on the
# others). Needs the study's work folder (its models trained without each source and its draws):
#
#   ./ncpl eval --protocol new-source --seed 18 --work WORK ...
#   eval/new-source-one-size/harness/run.sh WORK            (a few minutes on 2 cores)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../../.." && pwd)"
. "$HERE/eval/study-harness.sh"
study_harness one-size "${1:-}" eval/new-source-one-size/harness/OneSizeErrors.java
for src in steplaw steplaw-moe gemstones openlm; do
  for k in 10 50; do
    for d in 0 1 2 3 4; do
      GIVEN="$WORK/$src/smallest-sizes-k$k-d$d/given.jsonl"
      [ -f "$GIVEN" ] || continue
      java -Xmx4g -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
        -cp "$OUT/classes:$CP" OneSizeErrors "$WORK/$src/parent" "$DATA/$src.jsonl" "$GIVEN" "$OUT/t-$src-$k-$d.tsv"
    done
  done
done
python3 eval/new-source-one-size/harness/choose.py "$OUT"
