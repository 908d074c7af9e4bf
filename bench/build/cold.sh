#!/usr/bin/env bash
# A cold Release build (empty build folder, no ccache), make -j2, each command timed by ./timed.
#   bench/build/cold.sh BUILD_DIR LOG [CMAKE_OPTION...] [-- TARGET...]
# e.g. bench/build/cold.sh /tmp/b programs.log -DBUILD_TESTING=OFF
#      bench/build/cold.sh /tmp/b demo.log -- site_checker_v0 site_checker_v1 site_checker_v2 sitecheck_demo_server
# The log's last line is the wall time and the load average before and after; schedule.py turns
# the per-command times into an estimate for an idle two-core machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$1 log=$(realpath -m "$2")
shift 2
options=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do options+=("$1"); shift; done
[ $# -gt 0 ] && shift
targets=()
[ $# -gt 0 ] && targets=(--target "$@")
rm -rf "$build"
: >"$log"
unset CMAKE_CXX_COMPILER_LAUNCHER
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER="$here/timed" \
    -DCMAKE_CXX_LINKER_LAUNCHER="$here/timed" "${options[@]}" >/dev/null
load_average() { uptime | sed 's/.*load averages*: *//; s/,.*//'; }
load=$(load_average)
start=$(date +%s.%N)
TIMED_LOG=$log cmake --build "$build" -j2 "${targets[@]}" >/dev/null
end=$(date +%s.%N)
echo "WALL $(echo "$end - $start" | bc) load $load -> $(load_average)" >>"$log"
tail -1 "$log"
