package dev.ncpl.ingest;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * TensorBoard event files ({@code events.out.tfevents.*}): TFRecord framing (length, masked CRC-32C,
 * payload, masked CRC-32C) around {@code Event} protocol buffers whose summaries carry scalars, as a
 * {@code simple_value} (TF1 style, PyTorch's SummaryWriter) or a one-element tensor (TF2 style). Read
 * with a small protobuf decoder of just those fields, so no TensorFlow or protobuf library is needed.
 * The event files of one folder are one run; the config is a JSON/YAML file beside them.
 */
public final class TensorBoardFormat implements LogFormat {
    static final String PREFIX = "events.out.tfevents.";

    @Override
    public String name() {
        return "tensorboard";
    }

    @Override
    public boolean detects(Path path) {
        if (Files.isRegularFile(path)) {
            return path.getFileName().toString().startsWith(PREFIX);
        }
        return Files.isDirectory(path) && !eventFiles(path).isEmpty();
    }

    @Override
    public List<ImportedLog> read(Path path) throws IOException {
        Path dir = Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
        List<Path> files = Files.isRegularFile(path) ? List.of(path) : eventFiles(path);
        Map<String, TreeMap<Long, Double>> series = new TreeMap<>();
        for (Path f : files) {
            readEvents(f, series);
        }
        return List.of(new ImportedLog(dir, dir.getFileName().toString(), SideConfig.in(dir), series));
    }

    private static List<Path> eventFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Adds every scalar of event file {@code f} to {@code series}. */
    static void readEvents(Path f, Map<String, TreeMap<Long, Double>> series) throws IOException {
        try (InputStream raw = Files.newInputStream(f); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            long record = 0;
            while (true) {
                byte[] header = new byte[12];
                int got = in.readNBytes(header, 0, 12);
                if (got == 0) {
                    return;
                }
                record++;
                if (got < 12) {
                    throw new IOException(f + ": record " + record + ": truncated header");
                }
                ByteBuffer hb = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
                long length = hb.getLong(0);
                if (masked(header, 0, 8) != hb.getInt(8)) {
                    throw new IOException(f + ": record " + record + ": corrupt length (checksum mismatch)");
                }
                if (length < 0 || length > 64L << 20) {
                    throw new IOException(f + ": record " + record + ": implausible length " + length);
                }
                byte[] data = new byte[(int) length];
                byte[] footer = new byte[4];
                try {
                    in.readFully(data);
                    in.readFully(footer);
                } catch (EOFException e) {
                    throw new IOException(f + ": record " + record + ": truncated (the file ends inside it)");
                }
                if (masked(data, 0, data.length) != ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt()) {
                    throw new IOException(f + ": record " + record + ": corrupt payload (checksum mismatch)");
                }
                try {
                    event(data, series);
                } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                    throw new IOException(f + ": record " + record + ": malformed event: " + e.getMessage());
                }
            }
        }
    }

    /** TFRecord's masked CRC-32C of {@code b[off, off+len)}. */
    static int masked(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        int crc = (int) c.getValue();
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    /** Event: 2 = step, 5 = summary (1 = repeated value: 1 = tag, 2 = simple_value, 8 = tensor). */
    private static void event(byte[] data, Map<String, TreeMap<Long, Double>> series) {
        Protobuf ev = new Protobuf(data);
        long step = 0;
        byte[] summary = null;
        while (ev.hasMore()) {
            int tag = ev.tag();
            if (tag == (2 << 3)) {
                step = ev.varint();
            } else if (tag == ((5 << 3) | 2)) {
                summary = ev.bytes();
            } else {
                ev.skip(tag);
            }
        }
        if (summary == null) {
            return;
        }
        Protobuf s = new Protobuf(summary);
        while (s.hasMore()) {
            int tag = s.tag();
            if (tag == ((1 << 3) | 2)) {
                value(new Protobuf(s.bytes()), step, series);
            } else {
                s.skip(tag);
            }
        }
    }

    private static void value(Protobuf v, long step, Map<String, TreeMap<Long, Double>> series) {
        String name = null;
        Double x = null;
        while (v.hasMore()) {
            int tag = v.tag();
            if (tag == ((1 << 3) | 2)) {
                name = new String(v.bytes(), java.nio.charset.StandardCharsets.UTF_8);
            } else if (tag == ((2 << 3) | 5)) {
                x = (double) Float.intBitsToFloat(v.fixed32());
            } else if (tag == ((8 << 3) | 2)) {
                x = tensorScalar(new Protobuf(v.bytes()));
            } else {
                v.skip(tag);
            }
        }
        if (name != null && x != null) {
            series.computeIfAbsent(name, k -> new TreeMap<>()).put(step, x);
        }
    }

    /** The first value of a TensorProto (dtype 1 = float, 2 = double): float_val, double_val or tensor_content. */
    private static Double tensorScalar(Protobuf t) {
        int dtype = 0;
        byte[] content = null;
        Double value = null;
        while (t.hasMore()) {
            int tag = t.tag();
            int field = tag >>> 3;
            if (field == 1) {
                dtype = (int) t.varint();
            } else if (field == 4 && (tag & 7) == 2) {
                content = t.bytes();
            } else if (field == 5 && (tag & 7) == 2) {
                byte[] packed = t.bytes();
                value = value != null || packed.length < 4 ? value
                        : (double) ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN).getFloat();
            } else if (field == 5 && (tag & 7) == 5) {
                double f = Float.intBitsToFloat(t.fixed32());
                value = value != null ? value : f;
            } else if (field == 6 && (tag & 7) == 2) {
                byte[] packed = t.bytes();
                value = value != null || packed.length < 8 ? value
                        : ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN).getDouble();
            } else if (field == 6 && (tag & 7) == 1) {
                double d = Double.longBitsToDouble(t.fixed64());
                value = value != null ? value : d;
            } else {
                t.skip(tag);
            }
        }
        if (value == null && content != null) {
            ByteBuffer b = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
            if (dtype == 1 && content.length >= 4) {
                value = (double) b.getFloat();
            } else if (dtype == 2 && content.length >= 8) {
                value = b.getDouble();
            }
        }
        return value;
    }

    /** Just enough of the protobuf wire format: varints, fixed 32/64-bit and length-delimited fields. */
    static final class Protobuf {
        private final byte[] b;
        private int pos;

        Protobuf(byte[] b) {
            this.b = b;
        }

        boolean hasMore() {
            return pos < b.length;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte x = b[pos++];
                result |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("varint longer than 10 bytes");
        }

        int fixed32() {
            int v = ByteBuffer.wrap(b, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            pos += 4;
            return v;
        }

        long fixed64() {
            long v = ByteBuffer.wrap(b, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            pos += 8;
            return v;
        }

        byte[] bytes() {
            long len = varint();
            if (len < 0 || pos + len > b.length) {
                throw new IllegalArgumentException("field length " + len + " runs past the end");
            }
            byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + (int) len);
            pos += (int) len;
            return out;
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> bytes();
                case 5 -> pos += 4;
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
            }
            if (pos > b.length) {
                throw new IllegalArgumentException("field runs past the end");
            }
        }
    }
}
