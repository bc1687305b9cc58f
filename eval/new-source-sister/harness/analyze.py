"""Tables of SisterCheck's TSVs: per source, seed, variant and k, the medians over the five draws of final-loss MAE
and of 80% coverage and width under each reading, and on how many draws each reading beat "none" (read as never
seen). usage: analyze.py OUT_DIR (reads OUT_DIR/SOURCE+SEED.tsv)."""
import collections
import glob
import os
import statistics
import sys

out = sys.argv[1]
print("| source | seed | variant | k | reading (read as) | MAE | ratio to none | better than none | 80% coverage (width) |")
print("|---|---:|---|---:|---|---:|---:|---:|---|")
for path in sorted(glob.glob(os.path.join(out, "*+*.tsv"))):
    source, seed = os.path.basename(path)[:-4].rsplit("+", 1)
    cells = collections.defaultdict(lambda: collections.defaultdict(dict))
    for line in open(path):
        variant, k, draw, reading, donor, mae, cov, width, n = line.rstrip("\n").split("\t")
        cells[(variant, int(k))][reading][int(draw)] = (donor, float(mae), float(cov), float(width))
    for (variant, k), readings in sorted(cells.items()):
        none = readings["none"]
        base = statistics.median(v[1] for v in none.values())
        for reading, draws in readings.items():
            med = lambda i: statistics.median(v[i] for v in draws.values())
            donors = ", ".join(sorted({v[0] for v in draws.values()}))
            better = sum(1 for d, v in draws.items() if v[1] < none[d][1] - 1e-9)
            print(f"| {source} | {seed} | {variant} | {k} | {reading} ({donors}) | {med(1):.4f} | {med(1) / base:.3f} | "
                  f"{better} of {len(draws)} | {100 * med(2):.1f}% ({med(3):.4f}) |")
