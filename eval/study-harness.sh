# What a harness over a new-source study's work folder sets up (sourced by eval/*/harness/run.sh, which set HERE,
# the project root): WORK, the study's work folder; DATA, the shared logs (NCPL_DATA); OUT, the harness's output
# folder (NCPL_STUDY_DIR, default target/NAME); CP, ncpl's class path (built first if need be); the harness's Java
# sources compiled into $OUT/classes; and the environment ncpl's launcher gives it. Then `measure` runs a harness class.
#
# usage: study_harness NAME STUDY_WORK_DIR JAVA_SOURCE...
study_harness() {
  local name="$1"
  WORK="${2:?usage: run.sh STUDY_WORK_DIR}"
  shift 2
  DATA="${NCPL_DATA:-$HERE/../shared/pretraining-logs}"
  OUT="${NCPL_STUDY_DIR:-$HERE/target/$name}"
  mkdir -p "$OUT/classes"
  cd "$HERE"
  [ -f target/ncpl.jar ] || ./ncpl --version >/dev/null
  CP="target/ncpl.jar:target/lib/*"
  javac -d "$OUT/classes" -cp "$CP" "$@"
  export DJL_OFFLINE=true OMP_WAIT_POLICY=PASSIVE MKL_CBWR=AUTO,STRICT MKL_DYNAMIC=FALSE
}

# measure TSV CLASS ARG...: runs harness CLASS with ARG... and TSV's partial file, unless TSV is there (resumable)
measure() {
  local tsv="$1" class="$2"
  shift 2
  [ -f "$tsv" ] && return 0
  java -Xmx4g -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$OUT/classes:$CP" "$class" "$@" "$tsv.part"
  mv "$tsv.part" "$tsv"
}
