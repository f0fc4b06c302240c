#!/usr/bin/env bash
# RUSTC_WRAPPER for scripts/fuzz.sh: adds libFuzzer's SanitizerCoverage instrumentation (stable
# rustc flags only) to the crates that parse user files, and leaves the rest (burn, its kernels)
# uninstrumented, so that the build stays affordable and coverage means the readers.
rustc="$1"; shift
name=""
prev=""
for a in "$@"; do
  if [ "$prev" = "--crate-name" ]; then name="$a"; fi
  prev="$a"
done
case "$name" in
  coordsr|coordsr_fuzz|nifti|dicom|npy|png|weights|study|dicom_*|png|fdeflate|flate2|miniz_oxide|serde_json|half|byteordered|jpeg_decoder|smallvec)
    exec "$rustc" "$@" --cfg fuzzing -Cpasses=sancov-module \
      -Cllvm-args=-sanitizer-coverage-level=4 \
      -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
      -Cllvm-args=-sanitizer-coverage-pc-table \
      -Cllvm-args=-sanitizer-coverage-trace-compares ;;
  *) exec "$rustc" "$@" ;;
esac
