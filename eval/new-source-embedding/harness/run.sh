#!/usr/bin/env bash
# A new source's identity learnt from its k runs with the network frozen (EmbeddingFit.java): the embedding the
# network reads for every word it never saw moved within the span of the known sources' name embeddings, fitted on
# the given runs, then the shipped correction; beside it, the network told outright that the runs are a known
# source's (only the network: the law, trees and processes stay the new source's). On the study's own draws (seed
# 18) of Step Law, its MoE sweep, Gemstones and open_lm, with the parent as trained (a new source's network residual
# at a quarter, posthoc.blend.new_source_share) and with a copy of it at share 1; then λ = 0.03 on fresh draws
# (seed 19); and the whole model read under a known source's name on fresh draws. Needs the study's work folder:
#
#   ./ncpl eval --protocol new-source --seed 18 --k 0 --work WORK --sources steplaw,steplaw-moe,gemstones,openlm ...
#   eval/new-source-embedding/harness/run.sh WORK          (about 45 minutes on 2 cores)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../../.." && pwd)"
. "$HERE/eval/study-harness.sh"
study_harness new-source-embedding "${1:-}" eval/new-source-embedding/harness/EmbeddingFit.java \
  eval/new-source-embedding/harness/Draws.java eval/new-source-alternatives/harness/Identities.java
for src in steplaw steplaw-moe gemstones openlm; do
  share1="$OUT/parents/$src-share1"
  if [ ! -f "$share1/model.json" ]; then
    rm -rf "$share1.part"
    mkdir -p "$OUT/parents"
    cp -r "$WORK/$src/parent" "$share1.part"
    python3 - "$share1.part/model.json" <<'PY'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["posthoc"]["blend"]["new_source_share"] = 1.0
json.dump(m, open(p, "w"), indent=2)
PY
    mv "$share1.part" "$share1"
  fi
  for variant in random smallest-sizes; do
    measure "$OUT/$src+$variant+0.25.tsv" EmbeddingFit "$WORK/$src/parent" "$DATA/$src.jsonl" "$variant" 18 all
    measure "$OUT/$src+$variant+1.tsv" EmbeddingFit "$share1" "$DATA/$src.jsonl" "$variant" 18 all
  done
done
# λ = 0.03 on fresh draws (seed 19), the trained share only: the check of the λ that helped every source at k = 50 on
# the study's draws
mkdir -p "$OUT/fresh"
for src in steplaw steplaw-moe gemstones openlm; do
  for variant in random smallest-sizes; do
    measure "$OUT/fresh/$src+$variant+0.25.tsv" EmbeddingFit "$WORK/$src/parent" "$DATA/$src.jsonl" "$variant" 19 \
      Infinity,0.03
  done
done
# the whole model under a known source's name (Identities.java of new-source-alternatives) on fresh draws (seed 19)
# of the two sister sweeps and of open_lm, and on the study's draws of open_lm
mkdir -p "$OUT/identities"
for seed in 18 19; do
  for src in steplaw steplaw-moe openlm; do
    [ "$seed" = 18 ] && [ "$src" != openlm ] && continue
    tsv="$OUT/identities/$src+$seed.tsv"
    [ -f "$tsv" ] && continue
    java -cp "$OUT/classes:$CP" Draws "$DATA/$src.jsonl" "$OUT/draws/$seed/$src" "$seed" 2>/dev/null
    measure "$tsv" Identities "$WORK/$src/parent" "$DATA/$src.jsonl" "$OUT/draws/$seed/$src"
  done
done
python3 eval/new-source-embedding/harness/analyze.py "$OUT"
