#!/usr/bin/env bash
# Profiles `ncpl bench` with Java Flight Recorder and prints where the time goes: the share of the network's
# native calls (PyTorch operators, sampled in native code) and the Java methods the CPU samples land in, self
# and inclusive. The recording stays in the temporary folder only while this runs.
#   usage: eval/bench/profile.sh [CONFIGS]        e.g. eval/bench/profile.sh 20000
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
CONFIGS="${1:-20000}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$HERE"
NCPL_JAVA_OPTS="-XX:StartFlightRecording=filename=$TMP/bench.jfr,settings=profile" ./ncpl bench --configs "$CONFIGS" \
  2> >(grep -v -e '^\[' -e WARN >&2)
# JFR samples running Java threads every 10 ms and threads in native code every 20 ms (settings=profile)
jfr print --events jdk.ExecutionSample "$TMP/bench.jfr" > "$TMP/java.txt"
jfr print --events jdk.NativeMethodSample "$TMP/bench.jfr" > "$TMP/native.txt"
awk -v native="$TMP/native.txt" '
  function flush() {
    if (n == 0) return
    total++; self[frame[1]]++
    delete seen
    for (i = 1; i <= n; i++) if (!(frame[i] in seen)) { seen[frame[i]] = 1; incl[frame[i]]++ }
    n = 0
  }
  FNR == 1 && FILENAME == native { flush(); innative = 1 }
  /jdk.ExecutionSample|jdk.NativeMethodSample/ { flush(); started = 0; next }
  innative && /^[ \t]+[A-Za-z_$][A-Za-z0-9_.$<>]*\(/ {
    if (!started) { started = 1; m = $1; sub(/\(.*/, "", m); op[m]++; nsamples++ }
    next
  }
  !innative && /^[ \t]+[A-Za-z_$][A-Za-z0-9_.$<>]*\(/ { m = $1; sub(/\(.*/, "", m); frame[++n] = m }
  END {
    flush()
    printf "Java CPU samples (10 ms each): %d\n", total
    printf "  self time, top 12:\n"
    for (f in self) printf "%8.1f%%  %s\n", 100 * self[f] / total, f | "sort -rn | head -12"
    close("sort -rn | head -12")
    printf "  inclusive time of ncpl methods, top 15:\n"
    for (f in incl) if (f ~ /ncpl/) printf "%8.1f%%  %s\n", 100 * incl[f] / total, f | "sort -rn | head -15"
    close("sort -rn | head -15")
    printf "native samples (20 ms each, the network threads): %d\n", nsamples
    for (o in op) printf "%8.1f%%  %s\n", 100 * op[o] / nsamples, o | "sort -rn | head -8"
  }' "$TMP/java.txt" "$TMP/native.txt"
