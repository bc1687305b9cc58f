"""Tables of EmbeddingFit's TSVs: per source, variant and share, the median over draws of the scored runs' MAE for
each option (the shipped correction, the identity fitted at each λ, the network told a known source's name); then
Identities.java's (the whole model under a known source's name), per source, draws' seed, k and name."""
import collections
import pathlib
import statistics
import sys

out = pathlib.Path(sys.argv[1])
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for tsv in sorted(out.glob("*.tsv")):
    source, variant, share = tsv.stem.split("+")
    for line in tsv.read_text().splitlines():
        k, draw, option, mae, scored, coef = line.split("\t")
        rows[(variant, source, share)][(option, int(k))].append(float(mae))


def label(option):
    if option == "inf":
        return "shipped (identity not moved)"
    if option.startswith("id:"):
        return "network reads it as " + option[3:]
    return "identity fitted, λ = " + option


def order(option):
    return (0, 0) if option == "inf" else (2, option) if option.startswith("id:") else (1, -float(option))


def med(cells, option, k):
    v = cells.get((option, k))
    return statistics.median(v) if v else float("nan")


print("### At a glance: median MAE over draws\n")
print("| variant | source | k | shipped | fitted λ = 0.03 | fitted, best λ in hindsight | network reads it as "
      "the best S in hindsight | share 1: shipped | share 1: fitted λ = 0.03 |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for variant in ("random", "smallest-sizes"):
    for source in sorted({s for v, s, _ in rows if v == variant}):
        quarter = rows.get((variant, source, "0.25"), {})
        whole = rows.get((variant, source, "1"), {})
        for k in (10, 50):
            fitted = {o: med(quarter, o, k) for o, kk in quarter if kk == k and o != "inf" and not o.startswith("id:")}
            ids = {o: med(quarter, o, k) for o, kk in quarter if kk == k and o.startswith("id:")}
            best_fit = min(fitted, key=fitted.get)
            best_id = min(ids, key=ids.get)
            print(f"| {variant} | {source} | {k} | {med(quarter, 'inf', k):.4f} | {med(quarter, '0.03', k):.4f} | "
                  f"{fitted[best_fit]:.4f} (λ = {best_fit}) | {ids[best_id]:.4f} ({best_id[3:]}) | "
                  f"{med(whole, 'inf', k):.4f} | {med(whole, '0.03', k):.4f} |")

for variant in ("random", "smallest-sizes"):
    print(f"\n### Variant `{variant}`: median MAE over draws\n")
    print("| source | share | option | k = 10 | k = 50 |")
    print("|---|---:|---|---:|---:|")
    for (v, source, share), cells in sorted(rows.items()):
        if v != variant:
            continue
        for option in sorted({o for o, _ in cells}, key=order):
            med = [statistics.median(cells[(option, k)]) if cells.get((option, k)) else float("nan") for k in (10, 50)]
            print(f"| {source} | {share} | {label(option)} | {med[0]:.4f} | {med[1]:.4f} |")

fresh = collections.defaultdict(list)
for tsv in sorted((out / "fresh").glob("*.tsv")):
    source, variant, _ = tsv.stem.split("+")
    for line in tsv.read_text().splitlines():
        k, draw, option, mae, scored, coef = line.split("\t")
        fresh[(variant, source, int(k), option)].append(float(mae))
if fresh:
    print("\n### Fresh draws (seed 19), share 0.25: median MAE over draws\n")
    print("| variant | source | k | shipped | fitted λ = 0.03 | draws better |")
    print("|---|---|---:|---:|---:|---:|")
    for variant, source, k in sorted({key[:3] for key in fresh}):
        shipped = fresh[(variant, source, k, "inf")]
        fitted = fresh[(variant, source, k, "0.03")]
        better = sum(f < s for f, s in zip(fitted, shipped))
        print(f"| {variant} | {source} | {k} | {statistics.median(shipped):.4f} | {statistics.median(fitted):.4f} | "
              f"{better} of {len(shipped)} |")

identities = sorted((out / "identities").glob("*.tsv"))
if identities:
    print("\n### The whole model under a known source's name: median MAE over draws\n")
    print("| source | draws' seed | k | read as | MAE |")
    print("|---|---:|---:|---|---:|")
    for tsv in identities:
        source, seed = tsv.stem.split("+")
        cells = collections.defaultdict(list)
        for line in tsv.read_text().splitlines():
            k, draw, identity, loo, mae, scored = line.split("\t")
            cells[(int(k), identity)].append(float(mae))
        for (k, identity), v in sorted(cells.items()):
            print(f"| {source} | {seed} | {k} | {identity} | {statistics.median(v):.4f} |")
