"""Tables of the alternatives to a new source's correction, from the TSVs Alternatives.java writes (one per draw,
named SOURCE+VARIANT+K+DRAW.tsv). Standard library only.

Each alternative's final-loss MAE on the draw's scored runs, the median over draws, per source, variant and k; then
per k of the random variant the median over sources of each alternative's MAE over the law's (the study's headline).
"""
import glob
import math
import os
import statistics
import sys

BLEND_WEIGHTS = [0.25, 0.5]
STACK_WEIGHTS = [i / 10 for i in range(11)]
RIDGE_PRIORS = [0.3, 1.0]


def read(path):
    given, scored = [], []
    with open(path) as f:
        for line in f:
            t = line.rstrip("\n").split("\t")
            row = dict(id=t[1], obs=float(t[2]), parent=float(t[3]), ncpl=float(t[4]), law=float(t[5]),
                       x=[float(t[6]), float(t[7]) - float(t[6]), float(t[8]), float(t[9])])
            (given if t[0] == "G" else scored).append(row)
    return given, scored


def mae(rows, predict):
    return sum(abs(r["obs"] - predict(r)) for r in rows) / len(rows)


def blend(w):
    return lambda r: math.exp((1 - w) * math.log(r["ncpl"]) + w * math.log(r["law"]))


def solve(a, b):
    """Solves a x = b (a small, symmetric positive definite) by Gaussian elimination."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for j in range(c, n + 1):
                m[r][j] -= f * m[c][j]
    x = [0.0] * n
    for c in range(n - 1, -1, -1):
        x[c] = (m[c][n] - sum(m[c][j] * x[j] for j in range(c + 1, n))) / m[c][c]
    return x


def ridge(given, tau, quadratic):
    """log(obs / parent) on the given runs' standardized inputs (and squares of lr and batch), prior sd tau."""
    cols = [j for j in range(4) if all(math.isfinite(g["x"][j]) for g in given)]
    mean = {j: statistics.fmean(g["x"][j] for g in given) for j in cols}
    sd = {j: statistics.pstdev([g["x"][j] for g in given]) for j in cols}
    cols = [j for j in cols if sd[j] > 1e-9]

    def feats(r):
        z = {j: (r["x"][j] - mean[j]) / sd[j] for j in cols}
        f = [z[j] for j in cols]
        if quadratic:
            f += [z[j] * z[i] for j in (2, 3) if j in z for i in (2, 3) if i in z and i >= j]
        return f

    y = [math.log(g["obs"] / g["parent"]) for g in given]
    xs = [feats(g) for g in given]
    if not xs[0]:
        level = statistics.fmean(y)
        return lambda r: r["parent"] * math.exp(level)
    n = len(xs[0])
    xm = [statistics.fmean(x[j] for x in xs) for j in range(n)]
    ym = statistics.fmean(y)
    a = [[sum((x[i] - xm[i]) * (x[j] - xm[j]) for x in xs) + (1 / tau ** 2 if i == j else 0) for j in range(n)]
         for i in range(n)]
    b = [sum((x[i] - xm[i]) * (yy - ym) for x, yy in zip(xs, y)) for i in range(n)]
    beta = solve(a, b)
    return lambda r: r["parent"] * math.exp(ym + sum(c * (f - m) for c, f, m in zip(beta, feats(r), xm)))


def alternatives(given, scored):
    out = {"ncpl": mae(scored, lambda r: r["ncpl"]), "law": mae(scored, lambda r: r["law"])}
    for w in BLEND_WEIGHTS:
        out[f"blend {w}"] = mae(scored, blend(w))
    # the weight whose blend of the given runs' leave-one-out predictions errs least
    w = min(STACK_WEIGHTS, key=lambda w: mae(given, blend(w)))
    out["stacked"] = mae(scored, blend(w))
    level = statistics.median(math.log(g["obs"] / g["parent"]) for g in given)
    out["level"] = mae(scored, lambda r: r["parent"] * math.exp(level))
    for q in (False, True):
        for tau in RIDGE_PRIORS:
            out[f"ridge {'quad' if q else 'lin'} {tau}"] = mae(scored, ridge(given, tau, q))
    return out


def main(folder):
    results = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.tsv"))):
        source, variant, k, _ = os.path.basename(path)[:-4].split("+")
        results.setdefault((source, variant, int(k)), []).append(alternatives(*read(path)))
    names = list(next(iter(results.values()))[0])
    print("| source | variant | k | draws | " + " | ".join(names) + " |")
    print("|---|---|---:|---:|" + "---:|" * len(names))
    for key in sorted(results):
        draws = results[key]
        print(f"| {key[0]} | {key[1]} | {key[2]} | {len(draws)} | "
              + " | ".join("%.4f" % statistics.median(d[n] for d in draws) for n in names) + " |")
    print()
    print("Median over sources of MAE / MAE(law), variant random:")
    print()
    print("| k | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for k in sorted({key[2] for key in results}):
        keys = [key for key in results if key[1] == "random" and key[2] == k]
        ratios = {n: statistics.median(statistics.median(d[n] / d["law"] for d in results[key]) for key in keys)
                  for n in names}
        print(f"| {k} | " + " | ".join("%.3f" % ratios[n] for n in names) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
