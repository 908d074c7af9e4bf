#!/usr/bin/env bash
# Sets up, builds, starts the demo server on loopback and checks a few of its pages:
#   scripts/demo.sh          with site_checker_v0
#   scripts/demo.sh v2 --sync --trace
#   scripts/demo.sh --interrupt    Ctrl-C under v0 and under v1: who closes its session?
# Nothing here needs the internet: the server and its certificate authority are made on the spot.
set -euo pipefail
cd "$(dirname "$0")/.."
# scripts/demo.sh --interrupt: Ctrl-C during a check, under v0 and then v1, with --trace.
[ "${1:-}" = --interrupt ] && exec scripts/interrupt.sh
version=${1:-v0}
[ $# -gt 0 ] && shift

scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target "site_checker_$version" sitecheck_demo_server >/dev/null

. scripts/lib/demo_server.sh
start_demo_server

urls=("$https/" "$http/redirect/3" "$https/gzip" "$https/utf8" "$http/status/404" "$https/hang"
      "ftp://localhost/")
echo "\$ build/bin/site_checker_$version --cafile ca.pem --timeout 3 $* ${urls[*]}"
status=0
build/bin/site_checker_$version --cafile "$dir/ca.pem" --timeout 3 "$@" "${urls[@]}" || status=$?
echo "exit status $status"
