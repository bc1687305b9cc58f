package dev.ncpl.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A HuggingFace word-level tokenizer over the words of serialized configs ("key:" tokens and
 * categorical values), built from the training configs and saved as {@code tokenizer.json}, then
 * run through DJL's tokenizers binding. Words never seen in training become [UNK]; the key and line
 * around them still reach the network, so new keys do not break prediction.
 */
public final class ConfigTokenizer implements AutoCloseable {
    public static final String PAD = "[PAD]";
    public static final String UNK = "[UNK]";
    public static final String CLS = "[CLS]";
    private static final List<String> SPECIAL = List.of(PAD, UNK, CLS, ConfigSerializer.NUM);

    /** Distinct lines whose ids are kept; past this the cache starts again. */
    private static final int CACHED_LINES = 1 << 16;
    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, long[]> lineIds = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Integer> vocab;
    private final long clsId;
    private final long numId;
    private final long unkId;

    private ConfigTokenizer(HuggingFaceTokenizer tokenizer, Map<String, Integer> vocab) {
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.clsId = vocab.get(CLS);
        this.numId = vocab.get(ConfigSerializer.NUM);
        this.unkId = vocab.get(UNK);
    }

    /** Builds the vocabulary of {@code configs}, writes {@code tokenizer.json} to {@code file} and loads it. */
    public static ConfigTokenizer build(Collection<SerializedConfig> configs, Path file) throws IOException {
        TreeSet<String> words = new TreeSet<>();
        for (SerializedConfig c : configs) {
            for (String line : c.lines()) {
                for (String w : line.split("\\s+")) {
                    if (!w.isEmpty()) {
                        words.add(w);
                    }
                }
            }
        }
        SPECIAL.forEach(words::remove);
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode vocabNode = Json.MAPPER.createObjectNode();
        int id = 0;
        for (String s : SPECIAL) {
            ObjectNode t = added.addObject();
            t.put("id", id);
            t.put("content", s);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            vocabNode.put(s, id++);
        }
        for (String w : words) {
            vocabNode.put(w, id++);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        model.set("vocab", vocabNode);
        model.put("unk_token", UNK);
        Json.writePretty(file, root);
        return load(file);
    }

    /**
     * Extends the vocabulary of the tokenizer in {@code parent} with the words of {@code configs} it
     * lacks, appended after its own so every word it knew keeps its id (a fine-tuned network keeps its
     * parent's embeddings); writes the result to {@code file} and loads it.
     */
    public static ConfigTokenizer extend(Path parent, Collection<SerializedConfig> configs, Path file) throws IOException {
        ObjectNode root = (ObjectNode) Json.MAPPER.readTree(parent.toFile());
        ObjectNode vocabNode = (ObjectNode) root.path("model").path("vocab");
        int next = 0;
        for (var it = vocabNode.fields(); it.hasNext(); ) {
            next = Math.max(next, it.next().getValue().asInt() + 1);
        }
        TreeSet<String> words = new TreeSet<>();
        for (SerializedConfig c : configs) {
            for (String line : c.lines()) {
                for (String w : line.split("\\s+")) {
                    if (!w.isEmpty() && !vocabNode.has(w)) {
                        words.add(w);
                    }
                }
            }
        }
        for (String w : words) {
            vocabNode.put(w, next++);
        }
        Json.writePretty(file, root);
        return load(file);
    }

    /** Loads a {@code tokenizer.json} written by {@link #build}. */
    public static ConfigTokenizer load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": tokenizer not found");
        }
        Map<String, Integer> vocab = new java.util.HashMap<>();
        try {
            Json.MAPPER.readTree(file.toFile()).path("model").path("vocab").fields()
                    .forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not a tokenizer (malformed JSON: " + e.getOriginalMessage() + ")", e);
        }
        if (vocab.isEmpty()) {
            throw new IOException(file + ": not a tokenizer (no model.vocab)");
        }
        for (String s : SPECIAL) {
            if (!vocab.containsKey(s)) {
                throw new IOException(file + ": vocabulary lacks the special token " + s);
            }
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false"));
        } catch (RuntimeException e) {
            throw new IOException(file + ": the tokenizers library cannot read it: " + e.getMessage(), e);
        }
        return new ConfigTokenizer(tok, vocab);
    }

    public int vocabularySize() {
        return vocab.size();
    }

    /** Whether {@code word} is in the vocabulary. */
    public boolean knows(String word) {
        return vocab.containsKey(word);
    }

    /**
     * The keys of {@code config}'s lines that hold a word the vocabulary lacks, which the network reads as
     * {@value #UNK}: a text value never seen in training (an activation, a norm, an architecture), or a key never
     * seen. A new architecture's config should say so beside its prediction, as a number beyond its range does.
     */
    public List<String> unseenFields(SerializedConfig config) {
        List<String> out = new ArrayList<>();
        for (String line : config.lines()) {
            for (long id : idsOf(line)) {
                if (id == unkId) {
                    int colon = line.indexOf(':');
                    out.add(colon > 0 ? line.substring(0, colon) : line);
                    break;
                }
            }
        }
        return out;
    }

    /** Token ids with [CLS] first, and the scaled number at every placeholder. */
    public EncodedConfig encode(SerializedConfig config, NumericScaler scaler) {
        long[] raw = ids(config.lines());
        long[] ids = new long[raw.length + 1];
        float[] nums = new float[ids.length];
        float[] mask = new float[ids.length];
        ids[0] = clsId;
        int k = 0;
        for (int i = 0; i < raw.length; i++) {
            ids[i + 1] = raw[i];
            if (raw[i] == numId) {
                if (k >= config.numbers().length) {
                    throw new IllegalStateException("more placeholders than numbers in serialized config");
                }
                nums[i + 1] = (float) scaler.scale(config.numberKeys().get(k), config.numbers()[k]);
                mask[i + 1] = 1f;
                k++;
            }
        }
        if (k != config.numbers().length) {
            throw new IllegalStateException("placeholders and numbers differ: " + k + " vs " + config.numbers().length);
        }
        return new EncodedConfig(ids, nums, mask);
    }

    /**
     * The token ids of {@code lines} joined by newlines. The pre-tokenizer splits on whitespace, so each
     * line tokenizes on its own; lines repeat across configs (numbers are placeholders), so each is
     * tokenized once and its ids cached.
     */
    private long[] ids(List<String> lines) {
        long[][] parts = new long[lines.size()][];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = idsOf(lines.get(i));
            n += parts[i].length;
        }
        long[] out = new long[n];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        if (lineIds.size() > CACHED_LINES) {
            lineIds.clear();
        }
        return out;
    }

    /** The token ids of one line, from the cache, tokenizing it on its first use. */
    private long[] idsOf(String line) {
        return lineIds.computeIfAbsent(line, this::tokenize);
    }

    private long[] tokenize(String line) {
        Encoding enc = tokenizer.encode(line, false, false);
        return enc.getIds();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
