#!/usr/bin/env bash
# The GPU check in one call, for a machine with an NVIDIA GPU: builds ncpl with the CUDA profile, checks that
# DJL's PyTorch sees the GPU, predicts the example candidates on the GPU and on the CPU build and compares them
# (final losses and curves the same to 1e-4), trains the smoke recipe's tiny network on the GPU, and runs `bench`
# with a large batch. One summary line per check; stops at the first failure with its reason (exit 1).
#   usage: [RUNS=FILE] eval/bench/gpu-check.sh [OUT_DIR] [BENCH_CONFIGS]      e.g. eval/bench/gpu-check.sh /tmp/gpu 200000
set -uo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-$(mktemp -d)}"
CONFIGS="${2:-200000}"
mkdir -p "$OUT"
cd "$HERE"
CANDIDATES=training-configs/examples/candidates.jsonl

fail() { echo "FAIL $1: $2" >&2; echo "logs in $OUT" >&2; exit 1; }
ok() { echo "ok   $1: $2"; }
timed() { local start=$SECONDS; "$@"; local rc=$?; ELAPSED=$((SECONDS - start)); return $rc; }

command -v nvidia-smi >/dev/null 2>&1 || fail gpu "no NVIDIA GPU here (nvidia-smi not found): run this on a GPU machine"
GPU="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
[ -n "$GPU" ] || fail gpu "nvidia-smi lists no GPU"
ok gpu "$GPU"

# the CPU build's predictions first, to compare with
timed env NCPL_PROFILE=cpu ./ncpl predict --runs "$CANDIDATES" --out "$OUT/cpu.jsonl" > "$OUT/cpu.log" 2>&1 \
  || fail cpu-predict "the CPU build could not predict (log: $OUT/cpu.log)"
ok cpu-predict "$(wc -l < "$OUT/cpu.jsonl") candidates in ${ELAPSED} s (CPU build)"

timed env NCPL_PROFILE=cuda ./ncpl --version > "$OUT/build.log" 2>&1 \
  || fail build "the CUDA profile did not build (log: $OUT/build.log)"
ok build "CUDA profile in ${ELAPSED} s"

# bench prints the device DJL's engine chose by default: a GPU when PyTorch sees one
NCPL_PROFILE=cuda ./ncpl bench --configs 2000 > "$OUT/device.log" 2>&1 || fail djl-gpu "bench failed (log: $OUT/device.log)"
grep -qi "gpu" "$OUT/device.log" || fail djl-gpu "DJL's PyTorch does not see the GPU (default device: $(grep -io 'device[^,;]*' "$OUT/device.log" | head -1); log: $OUT/device.log)"
ok djl-gpu "$(grep -io 'gpu([0-9]*)' "$OUT/device.log" | head -1) is DJL's default device"

timed env NCPL_PROFILE=cuda ./ncpl predict --runs "$CANDIDATES" --out "$OUT/gpu.jsonl" > "$OUT/gpu.log" 2>&1 \
  || fail gpu-predict "the CUDA build could not predict (log: $OUT/gpu.log)"
DIFF="$(python3 - "$OUT/cpu.jsonl" "$OUT/gpu.jsonl" <<'PY'
import json, sys
cpu = [json.loads(l) for l in open(sys.argv[1])]
gpu = [json.loads(l) for l in open(sys.argv[2])]
assert len(cpu) == len(gpu), f"{len(cpu)} CPU predictions, {len(gpu)} GPU ones"
worst = 0.0
for a, b in zip(cpu, gpu):
    worst = max(worst, abs(a["final_loss"] - b["final_loss"]))
    for (sa, la), (sb, lb) in zip(a.get("curve", []), b.get("curve", [])):
        worst = max(worst, abs(la - lb))
print(f"{worst:.3g}")
PY
)" || fail gpu-predict "could not compare the predictions: $DIFF"
python3 -c "import sys; sys.exit(0 if float('$DIFF') <= 1e-4 else 1)" \
  || fail gpu-predict "GPU and CPU predictions differ by up to $DIFF (more than 1e-4): $OUT/cpu.jsonl, $OUT/gpu.jsonl"
ok gpu-predict "$(wc -l < "$OUT/gpu.jsonl") candidates in ${ELAPSED} s, at most $DIFF from the CPU's"

# the smoke recipe's tiny network on 300 runs with curves (RUNS, default: the shared Step Law logs beside the
# project), their split taken off: a fifth is held out for early stopping
RUNS="${RUNS:-$HERE/../shared/pretraining-logs/steplaw.jsonl}"
[ -f "$RUNS" ] || fail gpu-train "no run file with curves at $RUNS: give one as RUNS=FILE"
python3 - "$OUT/smoke-gpu.json" "$OUT/runs.jsonl" "$RUNS" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for i, line in enumerate(open(sys.argv[3])):
        if i == 300:
            break
        run = json.loads(line)
        run.pop("split", None)
        out.write(json.dumps(run) + "\n")
r = json.load(open("training-configs/smoke.json"))
r["name"] = "smoke-gpu"
r["target_sources"] = []
for stage in r["stages"]:
    stage["sources"] = []
json.dump(r, open(sys.argv[1], "w"), indent=2)
PY
timed env NCPL_PROFILE=cuda ./ncpl train --device gpu --recipe "$OUT/smoke-gpu.json" \
  --runs "$OUT/runs.jsonl" --out "$OUT/smoke-model" > "$OUT/train.log" 2>&1 \
  || fail gpu-train "training on the GPU failed (log: $OUT/train.log)"
ok gpu-train "smoke recipe in ${ELAPSED} s: $(tail -1 "$OUT/train.log")"

NCPL_PROFILE=cuda NCPL_JAVA_OPTS="-Dncpl.batch=8192" ./ncpl bench --configs "$CONFIGS" > "$OUT/bench.log" 2>&1 \
  || fail gpu-bench "bench failed (log: $OUT/bench.log)"
ok gpu-bench "$(grep -i 'configs/s' "$OUT/bench.log" | tr '\n' ' ')"
echo "all checks passed; logs and predictions in $OUT"
