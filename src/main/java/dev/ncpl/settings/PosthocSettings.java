package dev.ncpl.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.util.Json;
import java.util.Iterator;
import java.util.Map;

/**
 * Every setting of the models fitted beside a trained network and of the blend that combines them: the recipe's
 * {@code posthoc} section (absent fields take {@link #DEFAULTS}), recorded in the model's {@code model.json} so that
 * a model folder says how it was made and a refit makes it again. Why each default has its value is written up in
 * docs/experiments.md, "Post-hoc settings".
 *
 * @param residual the final-loss residual models (per-source trees and Gaussian processes)
 * @param curves the curve models (runs in progress, curve shape, curve processes)
 * @param blend how the network, the residual models and the curve models are combined at prediction
 * @param intervals the prediction intervals
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PosthocSettings(Residual residual, Curves curves, Blend blend, Intervals intervals) {
    /** The settings of the shipped models, and of every model saved before they were recorded. */
    public static final PosthocSettings DEFAULTS = new PosthocSettings(
            new Residual(100, 20, 0.9, 0.8, 1.0, 8, 0.9, new Trees(300, 4, 0.5, 20, 1.0, 64)),
            new Curves(3, 16, 4, 0.05, 0.9, 1.0, 0.25, new Trees(300, 6, 0.1, 50, 1.0, 64), 100, 3),
            new Blend(0.25, 0.8, 0.05, 2.0),
            new Intervals(4.5, 20, null));

    /**
     * Gradient-boosted trees: boosting rounds, depth of each tree, shrinkage, least row weight in a leaf, L2 penalty
     * on leaf values, histogram bins per input (at most 128).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Trees(int rounds, int depth, double shrinkage, double minLeafWeight, double l2, int bins) {}

    /**
     * The residual models of the final loss.
     *
     * @param minRuns training runs a source needs before it gets trees of its own
     * @param minHeldOut runs of its largest size a source needs before its Gaussian process is checked against its
     *     trees there
     * @param treeWeight the trees' share in the final loss (the network has the rest)
     * @param gpWeight a Gaussian process's share in the final loss, where a source has one
     * @param networkFade how fast the network's share fades per unit of ln N plus ln D outside a source's training
     *     sizes and budgets: exp(−fade × distance)
     * @param bags fits averaged into a source's trees, each on its own seeded subsample
     * @param subsample the share of a source's runs each bag sees
     * @param trees how each bag's trees are grown
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Residual(int minRuns, int minHeldOut, double treeWeight, double gpWeight, double networkFade,
                           int bags, double subsample, Trees trees) {}

    /**
     * The curve models.
     *
     * @param prefixMembers independently seeded fits of the runs-in-progress law, averaged
     * @param prefixCuts random cuts of each training curve it learns from
     * @param prefixQueries later points queried from each cut
     * @param prefixMinCut earliest cut, as a fraction of the run
     * @param prefixMaxCut latest cut, as a fraction of the run
     * @param prefixRidge ridge penalty of its quadratic law
     * @param prefixClampMargin how far beyond its training range (as a share of the range) a clamped feature may go
     * @param prefixTrees the trees on its law's residual
     * @param gpMinRuns runs with curves a source needs for a curve Gaussian process
     * @param gpMinPoints curve points after step 0 a run needs to be learnt from
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Curves(int prefixMembers, int prefixCuts, int prefixQueries, double prefixMinCut,
                         double prefixMaxCut, double prefixRidge, double prefixClampMargin, Trees prefixTrees,
                         int gpMinRuns, int gpMinPoints) {}

    /**
     * The blend at prediction.
     *
     * @param newSourceShare the share of the network's residual kept for a source the model never saw
     * @param curveGpWeight a curve Gaussian process's share in the log of the curve, where a source has one
     * @param maxShapeDip how far (in log loss) a shaped curve may dip below its final loss before the network's curve
     *     is kept instead
     * @param maxShapeRatio how far (as a ratio) a shaped curve may stray from the network's before the network's curve
     *     is kept instead
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Blend(double newSourceShare, double curveGpWeight, double maxShapeDip, double maxShapeRatio) {}

    /**
     * The prediction intervals.
     *
     * @param growth widening per unit of distance beyond a source's training range
     * @param minRuns held-out runs a source (or a curve bin) needs for intervals of its own
     * @param oneSizeGrowth widening per unit of distance beyond the runs of a source adapted to by {@code train
     *     --from} whose runs measure no step of their own ({@code residual.CorrectionWidening}: one model size given,
     *     or too few runs below the largest); chosen on the new-source protocol's sources given runs of one size.
     *     Absent (a model or recipe from before it was recorded): the default
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Intervals(double growth, int minRuns, Double oneSizeGrowth) {
        public Intervals {
            oneSizeGrowth = oneSizeGrowth != null ? oneSizeGrowth : DEFAULT_ONE_SIZE_GROWTH;
        }
    }

    /** {@link Intervals#oneSizeGrowth}'s default (docs/experiments.md, "A source given one size"). */
    private static final double DEFAULT_ONE_SIZE_GROWTH = 1.75;

    /** These settings or, where null (a model or recipe from before they were recorded), the defaults. */
    public static PosthocSettings orDefaults(PosthocSettings settings) {
        return settings == null ? DEFAULTS : settings;
    }

    /**
     * The settings that {@code partial} (a recipe's {@code posthoc} section, any subset of the fields) gives, the
     * defaults elsewhere; an unknown field or a value out of range is an error naming it, prefixed by {@code where}.
     */
    public static PosthocSettings read(JsonNode partial, String where) {
        if (partial == null || partial.isNull() || partial.isMissingNode()) {
            return DEFAULTS;
        }
        ObjectNode merged = Json.MAPPER.valueToTree(DEFAULTS);
        merge(merged, partial, where, "posthoc");
        PosthocSettings s;
        try {
            s = Json.MAPPER.treeToValue(merged, PosthocSettings.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": field 'posthoc': " + e.getOriginalMessage(), e);
        }
        s.validate(where);
        return s;
    }

    private static void merge(ObjectNode into, JsonNode from, String where, String path) {
        if (!from.isObject()) {
            throw new IllegalArgumentException(where + ": field '" + path + "': expected an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = path + "." + e.getKey();
            JsonNode current = into.get(e.getKey());
            if (current == null) {
                throw new IllegalArgumentException(where + ": field '" + field + "': unknown setting (known: "
                        + String.join(", ", (Iterable<String>) into::fieldNames) + ")");
            }
            if (current.isObject()) {
                merge((ObjectNode) current, e.getValue(), where, field);
            } else if (!e.getValue().isNumber()) {
                throw new IllegalArgumentException(where + ": field '" + field + "': expected a number, got "
                        + e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    /** Checks every value's range; errors name the field. */
    public void validate(String where) {
        Check c = new Check(where);
        c.atLeast("posthoc.residual.min_runs", residual.minRuns(), 1);
        c.atLeast("posthoc.residual.min_held_out", residual.minHeldOut(), 1);
        c.share("posthoc.residual.tree_weight", residual.treeWeight());
        c.share("posthoc.residual.gp_weight", residual.gpWeight());
        c.nonNegative("posthoc.residual.network_fade", residual.networkFade());
        c.atLeast("posthoc.residual.bags", residual.bags(), 1);
        c.openShare("posthoc.residual.subsample", residual.subsample());
        c.trees("posthoc.residual.trees", residual.trees());
        c.atLeast("posthoc.curves.prefix_members", curves.prefixMembers(), 1);
        c.atLeast("posthoc.curves.prefix_cuts", curves.prefixCuts(), 1);
        c.atLeast("posthoc.curves.prefix_queries", curves.prefixQueries(), 1);
        c.share("posthoc.curves.prefix_min_cut", curves.prefixMinCut());
        c.share("posthoc.curves.prefix_max_cut", curves.prefixMaxCut());
        if (curves.prefixMinCut() > curves.prefixMaxCut()) {
            throw new IllegalArgumentException(where + ": field 'posthoc.curves.prefix_min_cut': "
                    + curves.prefixMinCut() + " is above prefix_max_cut " + curves.prefixMaxCut());
        }
        c.nonNegative("posthoc.curves.prefix_ridge", curves.prefixRidge());
        c.nonNegative("posthoc.curves.prefix_clamp_margin", curves.prefixClampMargin());
        c.trees("posthoc.curves.prefix_trees", curves.prefixTrees());
        c.atLeast("posthoc.curves.gp_min_runs", curves.gpMinRuns(), 1);
        c.atLeast("posthoc.curves.gp_min_points", curves.gpMinPoints(), 1);
        c.share("posthoc.blend.new_source_share", blend.newSourceShare());
        c.share("posthoc.blend.curve_gp_weight", blend.curveGpWeight());
        c.nonNegative("posthoc.blend.max_shape_dip", blend.maxShapeDip());
        if (!(blend.maxShapeRatio() >= 1 && Double.isFinite(blend.maxShapeRatio()))) {
            throw new IllegalArgumentException(where + ": field 'posthoc.blend.max_shape_ratio': must be a finite "
                    + "number >= 1, got " + blend.maxShapeRatio());
        }
        c.nonNegative("posthoc.intervals.growth", intervals.growth());
        c.atLeast("posthoc.intervals.min_runs", intervals.minRuns(), 1);
        c.nonNegative("posthoc.intervals.one_size_growth", intervals.oneSizeGrowth());
    }

    /** Range checks that name the field. */
    private record Check(String where) {
        void atLeast(String field, int value, int min) {
            if (value < min) {
                fail(field, "must be at least " + min + ", got " + value);
            }
        }

        void nonNegative(String field, double value) {
            if (!(value >= 0 && Double.isFinite(value))) {
                fail(field, "must be a finite number >= 0, got " + value);
            }
        }

        void share(String field, double value) {
            if (!(value >= 0 && value <= 1)) {
                fail(field, "must lie in [0, 1], got " + value);
            }
        }

        void openShare(String field, double value) {
            if (!(value > 0 && value <= 1)) {
                fail(field, "must lie in (0, 1], got " + value);
            }
        }

        void trees(String field, Trees t) {
            atLeast(field + ".rounds", t.rounds(), 1);
            atLeast(field + ".depth", t.depth(), 1);
            if (!(t.shrinkage() > 0 && t.shrinkage() <= 1)) {
                fail(field + ".shrinkage", "must lie in (0, 1], got " + t.shrinkage());
            }
            nonNegative(field + ".min_leaf_weight", t.minLeafWeight());
            nonNegative(field + ".l2", t.l2());
            if (t.bins() < 2 || t.bins() > 128) {
                fail(field + ".bins", "must lie in [2, 128], got " + t.bins());
            }
        }

        private void fail(String field, String why) {
            throw new IllegalArgumentException(where + ": field '" + field + "': " + why);
        }
    }
}
