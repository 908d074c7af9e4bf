#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz (the fuzz preset: clang 16) and runs each for a while.
#   scripts/fuzz.sh              15 seconds per target, as many at once as there are cores
#   scripts/fuzz.sh 300          5 minutes per target
# Each target starts from a copy of its seeds in tests/fuzz/corpus/<target>/, so the
# repository's corpus never changes. Exits 1 when a target crashes, after naming the input
# and the command that reproduces it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-15}
case $seconds in '' | *[!0-9]* | 0)
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2
  exit 2 ;;
esac
targets=(fuzz_url fuzz_text fuzz_decoder fuzz_response)

scripts/setup.sh
CMAKE_BUILD_PARALLEL_LEVEL=${FUZZ_JOBS:-2} cmake --workflow --preset fuzz >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/sitecheck-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Crashing inputs outlive the run: they are what a failure report needs.
crashes=$root/build-fuzz/crashes
mkdir -p "$crashes"

# One target's run; its exit status goes to $work/TARGET.status.
fuzz_one() {
  local target=$1 corpus=$work/$1 status=0
  mkdir -p "$corpus"
  cp -R tests/fuzz/corpus/"$target"/. "$corpus"/
  local args=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$crashes/$target-"
              -timeout=10 -rss_limit_mb=2048)
  [ -f tests/fuzz/"$target".dict ] && args+=(-dict="$root/tests/fuzz/$target.dict")
  build-fuzz/bin/"$target" "${args[@]}" "$corpus" >"$work/$target.log" 2>&1 || status=$?
  echo "$status" >"$work/$target.status"
}

# As many targets at once as there are cores: each is one process on one core.
jobs=$(getconf _NPROCESSORS_ONLN)
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait

failed=0
for target in "${targets[@]}"; do
  corpus=$work/$target
  log=$work/$target.log
  status=$(cat "$work/$target.status")
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  if [ "$status" -eq 0 ]; then
    printf 'fuzz: %-14s ok       %10s executions in %s s, corpus %s files\n' \
      "$target" "${runs:-?}" "${took:-$seconds}" "$(find "$corpus" -type f | wc -l)"
  else
    failed=1
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    printf 'fuzz: %-14s FAILED   %10s executions, exit status %s\n' "$target" "${runs:-?}" "$status"
    grep -E 'ERROR|invariant broken|Assertion|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/    /'
    if [ -n "$input" ]; then
      echo "    input: $input"
      echo "    reproduce: $root/build-fuzz/bin/$target $input"
    else
      tail -20 "$log" | sed 's/^/    /'
    fi
  fi
done
exit "$failed"
