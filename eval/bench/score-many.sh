#!/usr/bin/env bash
# Scores N generated candidate configs (default 1,000,000) with `ncpl score` under a small Java heap,
# to show that scoring streams in constant memory. Writes the candidates as CSV into a temporary folder
# (removed afterwards) and prints the elapsed time and the peak resident memory of the whole process.
#   usage: eval/bench/score-many.sh [N] [HEAP]        e.g. eval/bench/score-many.sh 1000000 256m
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
N="${1:-1000000}"
HEAP="${2:-256m}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
CSV="$TMP/candidates.csv"
# a Step Law-style grid: 5 model shapes x token budgets x learning rates x batch sizes, in turn
awk -v n="$N" 'BEGIN {
  print "id,source,model.n_layers,model.d_model,model.n_heads,model.d_ff,model.activation,optimizer.name,optimizer.lr," \
        "optimizer.weight_decay,data.seq_len,data.batch_size,data.batch_tokens,data.tokens_total,schedule.lr_schedule," \
        "schedule.warmup_steps,schedule.total_steps,schedule.min_lr";
  split("6 8 8 7 10", L); split("576 1024 1024 960 1280", D); split("9 16 16 15 10", H); split("5016 6696 9552 9368 9472", F);
  for (i = 0; i < n; i++) {
    s = i % 5 + 1; lr = 2e-4 * 2 ^ ((i * 7919) % 10007 / 1500.0); bs = 2 ^ (6 + (i * 3) % 6); tok = 2e9 * 2 ^ ((i * 13) % 7 * 0.7);
    bt = bs * 2048; steps = int(tok / bt + 0.5);
    printf "cand-%d,steplaw,%d,%d,%d,%d,swiglu,adamw,%.4g,0.1,2048,%d,%d,%d,cosine,2000,%d,1e-05\n", \
           i, L[s], D[s], H[s], F[s], lr, bs, bt, steps * bt, steps;
  }
}' > "$CSV"
echo "generated $N candidates ($(du -h "$CSV" | cut -f1)) in $CSV; scoring with a $HEAP Java heap..."
cd "$HERE"
NCPL_XMX="$HEAP" /usr/bin/time -f "elapsed %e s, peak resident memory %M KiB" ./ncpl score --runs "$CSV" --top 5
