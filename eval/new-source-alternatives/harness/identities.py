"""Tables of Identities.java's TSVs (one per source, SOURCE.tsv): per source and k, the median over draws of the
scored MAE under the source's own (never seen) identity, under the identity the given runs' leave-one-out MAE picks,
under the best identity in hindsight, and of the two averages over identities. Standard library only."""
import collections
import glob
import os
import statistics
import sys


def main(folder):
    print("| source | k | own | picked by leave-one-out | best in hindsight | avg | avg-loo | picks |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for path in sorted(glob.glob(os.path.join(folder, "*.tsv"))):
        source = os.path.basename(path)[:-4]
        draws = collections.defaultdict(dict)
        with open(path) as f:
            for line in f:
                k, d, identity, loo, mae, _ = line.rstrip("\n").split("\t")
                draws[(int(k), int(d))][identity] = (float(loo), float(mae))
        for k in (10, 50):
            keys = sorted(key for key in draws if key[0] == k)
            if not keys:
                continue
            own, picked, best, avg, avg_loo, picks = [], [], [], [], [], []
            for key in keys:
                r = draws[key]
                single = {i: v for i, v in r.items() if not i.startswith("avg")}
                choice = min(single, key=lambda i: single[i][0])
                own.append(r[source][1])
                picked.append(single[choice][1])
                picks.append(choice)
                best.append(min(v[1] for v in single.values()))
                avg.append(r["avg"][1])
                avg_loo.append(r["avg-loo"][1])
            med = statistics.median
            print(f"| {source} | {k} | {med(own):.4f} | {med(picked):.4f} | {med(best):.4f} | {med(avg):.4f} | "
                  f"{med(avg_loo):.4f} | {', '.join(picks)} |")


if __name__ == "__main__":
    main(sys.argv[1])
