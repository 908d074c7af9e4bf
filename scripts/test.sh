#!/usr/bin/env bash
# Sets up, builds and runs every test: the README's test command, and what CI runs.
#   scripts/test.sh            the suite in Release, again under ASan+UBSan+LSan, then the fuzzers
#   scripts/test.sh default    one preset only: default, debug or asan
# FUZZ_SECONDS (default 15) is each fuzz target's time; FUZZ_SECONDS=0 skips fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
jobs=$(nproc)
run_preset() {
  echo "== $1: build and test" >&2
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" -j "$jobs"
  # The tests mostly wait on sockets: twice as many as cores keeps the machine busy.
  ctest --preset "$1" -j "$((2 * jobs))"
}

if [ $# -gt 0 ]; then
  run_preset "$1"
  exit
fi
run_preset default
# The sanitizers halt on the first report (see the asan preset), so a report fails a test.
run_preset asan
if [ "${FUZZ_SECONDS:-15}" != 0 ]; then
  echo "== fuzz: ${FUZZ_SECONDS:-15} s per target" >&2
  scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
fi
