#!/usr/bin/env bash
# A new source read as its sister (the known source measured over three sizes or more whose losses are on the same
# scale: the same metric, and tokenizer and data wherever it gives them) before train --from corrects it, against read
# as never seen and as the other sources that log its metric: SisterCheck.java runs the product's own
# SourceAdaptation each way on the new-source study's draws (seeds 18 and 19, both variants, k = 10 and 50). Step
# Law's MoE sweep has a sister, Step Law. Marin's AdamW runs (Marin itself is fine-tuned: its other optimizers are new
# to a model without it) log open_lm's metric but another tokenizer; Step Law logs its MoE sweep's metric, which was
# measured at two sizes; open_lm logs Marin's metric, Marin was measured at two sizes and another tokenizer; Gemstones'
# metric is its own. Needs the study's work folder with a model trained without each source:
#
#   ./ncpl eval --protocol new-source --seed 18 --k 0 --no-scratch --work WORK \
#       --sources steplaw,steplaw-moe,gemstones,openlm,marin --runs <the six shared run files>
#   eval/new-source-sister/harness/run.sh WORK          (about 15 minutes on 2 cores)
#
# A parent trained before baselines kept each source's loss unit gets them added to a copy by `ncpl baseline --model`
# (which moves no law that training fitted).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../../.." && pwd)"
. "$HERE/eval/study-harness.sh"
study_harness new-source-sister "${1:-}" eval/new-source-sister/harness/SisterCheck.java
python3 - "$DATA/marin.jsonl" "$OUT/marin-adamw.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        if json.loads(line)["config"].get("optimizer", {}).get("name") == "adamw":
            out.write(line)
PY
for src in steplaw-moe marin steplaw openlm gemstones; do
  parent="$WORK/$src/parent"
  if ! grep -q '"loss_units"' "$parent/baseline.json"; then
    copy="$OUT/parents/$src"
    if [ ! -f "$copy/model.json" ]; then
      rm -rf "$copy.part" && mkdir -p "$OUT/parents" && cp -r "$parent" "$copy.part"
      ./ncpl baseline --model "$copy.part" --runs "$WORK/$src/others.jsonl" >/dev/null
      mv "$copy.part" "$copy"
    fi
    parent="$copy"
  fi
  runs="$DATA/$src.jsonl"
  [ "$src" = marin ] && runs="$OUT/marin-adamw.jsonl"
  case "$src" in
    marin) readings=none,sister,openlm ;;
    steplaw) readings=none,sister,steplaw-moe ;;
    openlm) readings=none,sister,marin ;;
    *) readings=none,sister ;;
  esac
  for seed in 18 19; do
    measure "$OUT/$src+$seed.tsv" SisterCheck "$parent" "$runs" "$seed" "$readings"
  done
done
python3 "$HERE/eval/new-source-sister/harness/analyze.py" "$OUT"
