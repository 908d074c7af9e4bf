#!/usr/bin/env bash
# Sets up, builds and runs every test: the README's test command, and what CI runs.
#   scripts/test.sh            the workflows of CMakePresets.json that CI runs: default
#                              (Release, g++ 12), asan (ASan+UBSan+LSan, clang 16 with
#                              libstdc++), libcxx (Release, clang 16 with libc++), all with
#                              warnings as errors; then the fuzzers
#   scripts/test.sh WORKFLOW   one workflow only, e.g. default, asan, clang or libcxx
# FUZZ_SECONDS (default 15) is each fuzz target's time; FUZZ_SECONDS=0 skips fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(getconf _NPROCESSORS_ONLN)}
# The tests mostly wait on sockets: twice as many as cores keeps the machine busy.
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-$((2 * $(getconf _NPROCESSORS_ONLN)))}
workflow() {
  echo "== $1" >&2
  cmake --workflow --preset "$1"
}

if [ $# -gt 0 ]; then
  workflow "$1"
  exit
fi
# Each compiler and standard library once: g++ in the default workflow, which alone runs what
# is the same in every build (the docs in a browser, the Python twins, the exercises); clang
# with libstdc++ under the sanitizers, which halt on the first report (see the asan test
# presets), so a report fails a test; clang with libc++, macOS's standard library, with
# Boost.URL and GoogleTest compiled against it. The clang preset (Release, libstdc++) is for
# people; CI's clang with libstdc++ is the asan one.
workflow default
workflow asan
workflow libcxx
if [ "${FUZZ_SECONDS:-15}" != 0 ]; then
  echo "== fuzz: ${FUZZ_SECONDS:-15} s per target" >&2
  scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
fi
