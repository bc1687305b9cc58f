"""Table of CurveEvidence.java's TSVs (SOURCE+SEED.tsv): per source, seed, variant and k, the median over draws of
each method's MAE and of its ratio to the law's. Standard library only."""
import collections
import glob
import os
import statistics
import sys

METHODS = ["h0", "h1", "h2", "h1p", "h2p", "law"]


def main(folder):
    print("| source | seed | variant | k | " + " | ".join(f"{m} MAE" for m in METHODS) + " | h0 / law | h2 / law | h2p / law |")
    print("|---|---:|---|---:|" + "---:|" * (len(METHODS) + 3))
    for path in sorted(glob.glob(os.path.join(folder, "*.tsv"))):
        source, seed = os.path.basename(path)[:-4].split("+")
        draws = collections.defaultdict(dict)
        with open(path) as f:
            for line in f:
                variant, k, d, method, mae, _ = line.rstrip("\n").split("\t")
                draws[(variant, int(k), int(d))][method] = float(mae)
        groups = collections.defaultdict(list)
        for (variant, k, _), r in draws.items():
            groups[(variant, k)].append(r)
        for (variant, k), rs in sorted(groups.items()):
            med = statistics.median
            print(f"| {source} | {seed} | {variant} | {k} | "
                  + " | ".join("%.4f" % med(r[m] for r in rs) for m in METHODS)
                  + " | %.3f | %.3f | %.3f |" % tuple(med(r[m] / r["law"] for r in rs) for m in ("h0", "h2", "h2p")))


if __name__ == "__main__":
    main(sys.argv[1])
