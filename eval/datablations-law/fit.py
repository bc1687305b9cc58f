"""Which law explains datablations' repeated-data runs: a Chinchilla law in total tokens (as ncpl's baseline fits
every source), with a level per training set (C4 or OSCAR, each scored on its own validation set), and in the
effective data of Muennighoff et al. (2023), D' = U + U·R*·(1 − exp(−R/R*)) with U unique tokens and R = D/U − 1
repetitions (R* fitted). Fitted on the two smaller sizes and scored on every run of the largest (the extrapolation
protocol), and fitted and scored on all runs. The size exponent is fixed (three sizes, two to fit on), at Epoch's
0.3478 and at 0.2; results do not depend on it here.

usage: python3 eval/datablations-law/fit.py [RUNS.jsonl]   (default ../shared/pretraining-logs/datablations.jsonl)
needs numpy and scipy."""
import json
import math
import os
import sys

import numpy as np
from scipy.optimize import least_squares

here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../shared/pretraining-logs/datablations.jsonl")
rows = [json.loads(line) for line in open(path)]
N = np.array([r["config"]["model"]["non_embedding_params"] for r in rows], float)
D = np.array([r["config"]["data"]["tokens_total"] for r in rows], float)
U = np.array([r["config"]["data"]["unique_tokens"] for r in rows], float)
oscar = np.array([r["config"]["data"]["dataset"] == "oscar" for r in rows], float)
L = np.array([r["curve"][-1][1] for r in rows], float)


def predict(p, idx, per_set, effective, alpha):
    e, de, log_a, log_b, beta, log_rs = p
    d = D[idx]
    if effective:
        rs = math.exp(log_rs)
        d = U[idx] + U[idx] * rs * (1 - np.exp(-np.maximum(D[idx] / U[idx] - 1, 0) / rs))
    return e + (de * oscar[idx] if per_set else 0) + math.exp(log_a) / N[idx] ** alpha + math.exp(log_b) / d ** beta


def fit(idx, per_set, effective, alpha):
    p0 = [1.5, 0.3, math.log(400), math.log(400), 0.3, math.log(15)]
    res = least_squares(lambda p: predict(p, idx, per_set, effective, alpha) - L[idx], p0,
                        bounds=([0, -2, -10, -10, 0.05, 0], [5, 2, 40, 40, 2, 6]))
    return res.x


largest = N == N.max()
every = np.ones(len(L), bool)
print(f"{len(L)} runs, sizes {[int(s) for s in sorted(set(N))]}, {int(largest.sum())} of the largest\n")
print("| law | size exponent | fitted on two sizes: MAE on the largest | median error there | R* | fitted and scored on all: MAE |")
print("|---|---:|---:|---:|---:|---:|")
for per_set in (False, True):
    for effective in (False, True):
        for alpha in (0.3478, 0.2):
            p = fit(~largest, per_set, effective, alpha)
            err = predict(p, largest, per_set, effective, alpha) - L[largest]
            q = fit(every, per_set, effective, alpha)
            mae_all = np.mean(np.abs(predict(q, every, per_set, effective, alpha) - L))
            name = ("a level per training set" if per_set else "one level") + (
                ", effective data" if effective else ", total tokens")
            rs = f"{math.exp(p[5]):.1f}" if effective else "–"
            print(f"| {name} | {alpha} | {np.mean(np.abs(err)):.4f} | {np.median(err):+.4f} | {rs} | {mae_all:.4f} |")
