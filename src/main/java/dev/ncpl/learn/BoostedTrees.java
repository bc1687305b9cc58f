package dev.ncpl.learn;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gradient-boosted regression trees (squared or absolute error, histogram splits), small enough to be fitted in
 * under a minute on 2 cores (about 95,000 rows, 50 inputs) and saved as JSON. Used by {@link
 * PrefixConditioner} to correct what its ridge regression misses, and by {@code ResidualModels}. A tree's prediction is constant beyond the range of its training inputs, so a correction
 * learnt on smaller models is carried to larger ones as it was at the edge, not extrapolated.
 *
 * @param base the constant every prediction starts from
 * @param trees the fitted trees, each a flat array of nodes (see {@link Tree})
 */
public final class BoostedTrees {
    private final double base;
    private final List<Tree> trees;
    /**
     * Every tree's nodes in one array, trees one after another and each node's children side by side: node i
     * splits on input {@code links[2i]} (-1 at a leaf) and goes to child {@code links[2i+1]}, or the one after it
     * when the input is above {@code numbers[i]}, its threshold (a leaf's value). One walk over two arrays instead
     * of five per tree: the same sums, in the same order, at a fraction of the cache misses.
     */
    private final int[] links;
    private final double[] numbers;
    private final int[] roots;

    @com.fasterxml.jackson.annotation.JsonCreator
    public BoostedTrees(@JsonProperty("base") double base, @JsonProperty("trees") List<Tree> trees) {
        this.base = base;
        this.trees = List.copyOf(trees);
        int total = this.trees.stream().mapToInt(t -> t.feature().length).sum();
        links = new int[2 * total];
        numbers = new double[total];
        roots = new int[this.trees.size()];
        int next = 0;
        for (int t = 0; t < roots.length; t++) {
            roots[t] = next;
            next = pack(this.trees.get(t), next);
        }
    }

    @JsonProperty("base")
    public double base() {
        return base;
    }

    @JsonProperty("trees")
    public List<Tree> trees() {
        return trees;
    }

    /** Lays {@code tree} out from slot {@code start} breadth first, children side by side; the next free slot. */
    private int pack(Tree tree, int start) {
        int[] slotOf = new int[tree.feature().length];
        java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
        queue.add(0);
        slotOf[0] = start;
        int next = start + 1;
        while (!queue.isEmpty()) {
            int node = queue.poll();
            int slot = slotOf[node];
            int f = tree.feature()[node];
            links[2 * slot] = f;
            if (f < 0) {
                numbers[slot] = tree.value()[node];
                continue;
            }
            numbers[slot] = tree.threshold()[node];
            slotOf[tree.left()[node]] = next;
            slotOf[tree.right()[node]] = next + 1;
            links[2 * slot + 1] = next;
            next += 2;
            queue.add(tree.left()[node]);
            queue.add(tree.right()[node]);
        }
        return next;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BoostedTrees b && Double.compare(base, b.base) == 0 && trees.equals(b.trees);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(base, trees);
    }

    @Override
    public String toString() {
        return "BoostedTrees[base=" + base + ", trees=" + trees.size() + "]";
    }

    /**
     * One tree in flat form: node i splits on {@code feature[i]} at {@code threshold[i]} (going to
     * {@code left[i]} when the input is at or below it, else to {@code right[i]}), or is a leaf with
     * {@code value[i]} when {@code feature[i]} is -1.
     */
    public record Tree(@JsonProperty("feature") int[] feature, @JsonProperty("threshold") double[] threshold,
                       @JsonProperty("left") int[] left, @JsonProperty("right") int[] right,
                       @JsonProperty("value") double[] value) {
        double predict(double[] x) {
            return value[leafOf(x)];
        }

        /** The index of the leaf {@code x} falls in. */
        int leafOf(double[] x) {
            int i = 0;
            while (feature[i] >= 0) {
                i = x[feature[i]] <= threshold[i] ? left[i] : right[i];
            }
            return i;
        }
    }

    /**
     * How trees are grown: boosting rounds, the depth of each tree, the shrinkage of each tree's output,
     * the least row weight a leaf may hold, the L2 penalty on leaf values and the histogram bins per input
     * (at most 128: bin indices are stored as bytes).
     */
    public record Settings(int rounds, int depth, double learningRate, double minLeafWeight, double l2, int bins) {
        public Settings {
            if (rounds < 1 || depth < 1 || !(learningRate > 0) || minLeafWeight < 0 || l2 < 0 || bins < 2 || bins > 128) {
                throw new IllegalArgumentException("invalid tree settings " + this);
            }
        }
    }

    /** The sum of the base and every tree's output at {@code x}. */
    public double predict(double[] x) {
        double s = base;
        for (int root : roots) {
            s += numbers[leaf(root, x)];
        }
        return s;
    }

    /** The slot of the leaf {@code x} falls in, walking the packed tree at {@code root}. */
    private int leaf(int root, double[] x) {
        int i = root;
        int f;
        while ((f = links[2 * i]) >= 0) {
            i = links[2 * i + 1] + (x[f] <= numbers[i] ? 0 : 1);
        }
        return i;
    }

    /**
     * {@link #predict} of each of {@code xs}, tree by tree over all of them (a tree's nodes stay in cache while every
     * input walks it): the same sums in the same order, so the same values.
     */
    public double[] predictAll(double[][] xs) {
        double[] s = new double[xs.length];
        Arrays.fill(s, base);
        for (int root : roots) {
            for (int k = 0; k < xs.length; k++) {
                s[k] += numbers[leaf(root, xs[k])];
            }
        }
        return s;
    }

    /**
     * What the trees fit: {@code SQUARED}, the conditional mean of the targets (each tree fitted to the
     * residuals, its leaves their mean); {@code ABSOLUTE}, their conditional median (least absolute
     * deviation, Friedman's LAD boosting: each tree grown on the residuals' signs, its leaves then set to the
     * weighted median of the residuals they hold). The median is the point that an absolute error is least
     * about, and it is not pulled by a few targets far to one side.
     */
    public enum Loss { SQUARED, ABSOLUTE }

    /** Fits trees to targets {@code y} with row weights {@code w} by squared error; deterministic. */
    public static BoostedTrees fit(List<double[]> xs, double[] y, double[] w, Settings settings) {
        return fit(xs, y, w, settings, Loss.SQUARED);
    }

    /** Fits trees to targets {@code y} with row weights {@code w} under {@code loss}; deterministic. */
    public static BoostedTrees fit(List<double[]> xs, double[] y, double[] w, Settings settings, Loss loss) {
        return fit(xs, y, w, settings, loss, null);
    }

    /**
     * As {@link #fit(List, double[], double[], Settings, Loss)}, every other tree (the first, the third, …)
     * splitting only on the inputs {@code pooled} marks, the trees between on any. Where an input's effect is
     * the same for every group a one-hot marks, trees that may not read the groups learn it from all of them,
     * and a group missing part of the input's range in training can borrow the others' effect there rather
     * than keep its nearest own. Not always: where the groups' levels differ and one is missing from part of the
     * range, the held trees take its absence there for the input's effect (synthetic sets built so extrapolated
     * worse pooled), so pool where it is measured better. {@code null} lets every tree read every input.
     */
    public static BoostedTrees fit(List<double[]> xs, double[] y, double[] w, Settings settings, Loss loss,
                                   boolean[] pooled) {
        int n = xs.size();
        int m = xs.get(0).length;
        if (pooled != null && pooled.length != m) {
            throw new IllegalArgumentException("pooled marks " + pooled.length + " inputs, rows have " + m);
        }
        double[][] cuts = new double[m][];
        byte[][] bin = new byte[m][n];
        for (int k = 0; k < m; k++) {
            double[] col = new double[n];
            for (int i = 0; i < n; i++) {
                col[i] = xs.get(i)[k];
            }
            cuts[k] = binEdges(col, settings.bins());
            for (int i = 0; i < n; i++) {
                bin[k][i] = (byte) binOf(cuts[k], col[i]);
            }
        }
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        double base = loss == Loss.SQUARED ? weightedMean(y, w) : weightedMedian(all, y, w);
        double[] residual = new double[n];
        for (int i = 0; i < n; i++) {
            residual[i] = y[i] - base;
        }
        // squared error grows each tree on the residuals themselves, least absolute deviation on their signs
        double[] grownOn = loss == Loss.SQUARED ? residual : new double[n];
        List<Tree> trees = new ArrayList<>();
        for (int round = 0; round < settings.rounds(); round++) {
            if (loss == Loss.ABSOLUTE) {
                for (int i = 0; i < n; i++) {
                    grownOn[i] = Math.signum(residual[i]);
                }
            }
            TreeBuilder b = new TreeBuilder(bin, cuts, grownOn, w, settings, round % 2 == 0 ? pooled : null);
            b.grow(all, 0);
            Tree tree = b.build();
            if (loss == Loss.ABSOLUTE) {
                tree = withLeafMedians(tree, xs, residual, w, settings.learningRate());
            }
            for (int i = 0; i < n; i++) {
                residual[i] -= tree.predict(xs.get(i));
            }
            trees.add(tree);
        }
        return new BoostedTrees(base, trees);
    }

    /** {@code tree} with each leaf's value the shrunk weighted median of the {@code residual}s of the rows in it. */
    private static Tree withLeafMedians(Tree tree, List<double[]> xs, double[] residual, double[] w, double shrinkage) {
        Map<Integer, List<Integer>> rowsByLeaf = new TreeMap<>();
        for (int i = 0; i < xs.size(); i++) {
            rowsByLeaf.computeIfAbsent(tree.leafOf(xs.get(i)), leaf -> new ArrayList<>()).add(i);
        }
        double[] value = tree.value().clone();
        rowsByLeaf.forEach((leaf, rows) ->
                value[leaf] = shrinkage * weightedMedian(rows.stream().mapToInt(Integer::intValue).toArray(), residual, w));
        return new Tree(tree.feature(), tree.threshold(), tree.left(), tree.right(), value);
    }

    private static double weightedMean(double[] y, double[] w) {
        double sw = 0;
        double swy = 0;
        for (int i = 0; i < y.length; i++) {
            sw += w[i];
            swy += w[i] * y[i];
        }
        return swy / sw;
    }

    /** The weighted median of {@code v} over {@code rows}: the least value with half the rows' weight at or below it. */
    static double weightedMedian(int[] rows, double[] v, double[] w) {
        Integer[] order = Arrays.stream(rows).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double total = 0;
        for (int i : rows) {
            total += w[i];
        }
        double below = 0;
        for (int i : order) {
            below += w[i];
            if (below >= total / 2) {
                return v[i];
            }
        }
        return v[order[order.length - 1]];
    }

    /** Upper edges of up to {@code bins} quantile bins of {@code col} (distinct values only). */
    private static double[] binEdges(double[] col, int bins) {
        double[] sorted = col.clone();
        Arrays.sort(sorted);
        double[] edges = new double[bins - 1];
        int count = 0;
        for (int b = 1; b < bins; b++) {
            double e = sorted[Math.min(sorted.length - 1, (int) ((long) b * sorted.length / bins))];
            if (count == 0 || e > edges[count - 1]) {
                edges[count++] = e;
            }
        }
        return Arrays.copyOf(edges, count);
    }

    /** The first bin whose upper edge is at or above {@code v} (the last bin for values above every edge). */
    private static int binOf(double[] edges, double v) {
        int lo = 0;
        int hi = edges.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (edges[mid] >= v) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Grows one tree depth-first on binned inputs. */
    private static final class TreeBuilder {
        private final byte[][] bin;
        private final double[][] cuts;
        private final double[] g;
        private final double[] w;
        private final Settings s;
        /** The inputs this tree may split on; {@code null}: all. */
        private final boolean[] allowed;
        private final List<Integer> feature = new ArrayList<>();
        private final List<Double> threshold = new ArrayList<>();
        private final List<Integer> left = new ArrayList<>();
        private final List<Integer> right = new ArrayList<>();
        private final List<Double> value = new ArrayList<>();

        TreeBuilder(byte[][] bin, double[][] cuts, double[] g, double[] w, Settings s, boolean[] allowed) {
            this.bin = bin;
            this.cuts = cuts;
            this.g = g;
            this.w = w;
            this.s = s;
            this.allowed = allowed;
        }

        int grow(int[] rows, int depth) {
            int node = feature.size();
            feature.add(-1);
            threshold.add(0.0);
            left.add(-1);
            right.add(-1);
            double sg = 0;
            double sw = 0;
            for (int i : rows) {
                sg += w[i] * g[i];
                sw += w[i];
            }
            value.add(s.learningRate() * sg / (sw + s.l2()));
            if (depth >= s.depth() || sw < 2 * s.minLeafWeight()) {
                return node;
            }
            double totalG = sg;
            double totalW = sw;
            // features are searched in parallel; the best split is then chosen in feature order, so the
            // tree does not depend on the thread count
            double[][] splits = java.util.stream.IntStream.range(0, bin.length).parallel()
                    .mapToObj(k -> allowed == null || allowed[k]
                            ? bestSplit(k, rows, totalG, totalW) : new double[] {0, -1})
                    .toArray(double[][]::new);
            double bestGain = 1e-12;
            int bestFeature = -1;
            int bestBin = -1;
            for (int k = 0; k < splits.length; k++) {
                if (splits[k][0] > bestGain) {
                    bestGain = splits[k][0];
                    bestFeature = k;
                    bestBin = (int) splits[k][1];
                }
            }
            if (bestFeature < 0) {
                return node;
            }
            byte[] bk = bin[bestFeature];
            final int split = bestBin;
            int[] l = Arrays.stream(rows).filter(i -> bk[i] <= split).toArray();
            int[] r = Arrays.stream(rows).filter(i -> bk[i] > split).toArray();
            feature.set(node, bestFeature);
            threshold.set(node, cuts[bestFeature][bestBin]);
            int li = grow(l, depth + 1);
            int ri = grow(r, depth + 1);
            left.set(node, li);
            right.set(node, ri);
            return node;
        }

        /** {gain, bin} of the best split of {@code rows} on feature {@code k}; gain 0 when none is allowed. */
        private double[] bestSplit(int k, int[] rows, double sg, double sw) {
            int nb = cuts[k].length + 1;
            double[] best = {0, -1};
            if (nb < 2) {
                return best;
            }
            double[] hg = new double[nb];
            double[] hw = new double[nb];
            byte[] bk = bin[k];
            for (int i : rows) {
                hg[bk[i]] += w[i] * g[i];
                hw[bk[i]] += w[i];
            }
            double parent = sg * sg / (sw + s.l2());
            double lg = 0;
            double lw = 0;
            for (int b = 0; b < nb - 1; b++) {
                lg += hg[b];
                lw += hw[b];
                double rw = sw - lw;
                if (lw < s.minLeafWeight() || rw < s.minLeafWeight()) {
                    continue;
                }
                double rg = sg - lg;
                double gain = lg * lg / (lw + s.l2()) + rg * rg / (rw + s.l2()) - parent;
                if (gain > best[0]) {
                    best[0] = gain;
                    best[1] = b;
                }
            }
            return best;
        }

        Tree build() {
            return new Tree(feature.stream().mapToInt(Integer::intValue).toArray(),
                    threshold.stream().mapToDouble(Double::doubleValue).toArray(),
                    left.stream().mapToInt(Integer::intValue).toArray(),
                    right.stream().mapToInt(Integer::intValue).toArray(),
                    value.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }
}
