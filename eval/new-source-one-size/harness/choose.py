"""The growth per ln unit beyond a one-size source's runs that covers 80% of its other runs.

Reads the TSVs OneSizeErrors wrote (draws that gave more than one size are skipped: their runs measure a step of
their own). A run is covered at growth g when |log error| / in-range quantile <= 1 + g * distance. Coverage is the
mean over a source's draws; the pooled value weighs each source alike. Prints coverage by growth, each source's
coverage at the growth chosen on the other sources (leave one source out), and the growth chosen on all of them.
"""
import collections
import glob
import os
import sys
from statistics import mean

rows = collections.defaultdict(list)  # source -> [(draw, distance, ratio, largest size)]
for f in sorted(glob.glob(os.path.join(sys.argv[1], 't-*.tsv'))):
    src, k, d = os.path.basename(f)[2:-4].rsplit('-', 2)
    for line in open(f):
        p = line.rstrip('\n').split('\t')
        if int(p[6]) != 1:
            break
        rows[src].append((k + '-' + d, float(p[1]), float(p[2]), int(p[5])))
sources = sorted(s for s in rows if rows[s])


def coverage(src, g, largest_only=False):
    by_draw = collections.defaultdict(list)
    for draw, dist, ratio, largest in rows[src]:
        if largest or not largest_only:
            by_draw[draw].append(ratio <= 1 + g * dist)
    return mean(mean(v) for v in by_draw.values())


def chosen(on):
    grid = [i * 0.05 for i in range(401)]
    return min(grid, key=lambda g: abs(mean(coverage(s, g) for s in on) - 0.8))


print('draws that gave one size:', {s: len({r[0] for r in rows[s]}) for s in sources})
print('coverage (every run beyond the given size / the largest size only) by growth:')
for s in sources:
    print('  %-12s ' % s + '  '.join('%.2f: %.2f/%.2f' % (g, coverage(s, g), coverage(s, g, True))
                                     for g in (0, 1, 1.75, 3, 4.5)))
for s in sources:
    g = chosen([o for o in sources if o != s])
    print('left out %-12s growth %.2f chosen on the others: coverage %.2f, largest size %.2f'
          % (s, g, coverage(s, g), coverage(s, g, True)))
print('growth chosen on every source: %.2f' % chosen(sources))
