#!/usr/bin/env bash
# Ctrl-C, shown: runs v0 and then v1 with --trace against two pages of the demo server, one
# that finishes and one whose body never does, and interrupts each run as soon as the slow
# page's status has arrived. Compare the two traces: v1 prints `closed` for the interrupted
# site (async_with awaited its exit), v0 prints `connection cut, never closed`.
#   scripts/interrupt.sh                 prints both runs
#   scripts/interrupt.sh --write-docs    also puts them, as a snapshot, into docs/v0_plain.md and
#                                        docs/v1_context_manager.md (between the interrupt markers)
set -euo pipefail
cd "$(dirname "$0")/.."
write_docs=no
case "${1:-}" in
    "") ;;
    --write-docs) write_docs=yes ;;
    *) echo "usage: scripts/interrupt.sh [--write-docs]" >&2; exit 2 ;;
esac

[ -f build/CMakeCache.txt ] || cmake --preset default >/dev/null
cmake --build build -j "$(getconf _NPROCESSORS_ONLN)" --target site_checker_v0 site_checker_v1 sitecheck_demo_server >/dev/null

. scripts/lib/demo_server.sh
start_demo_server
hide_port() { sed -e "s/:${https##*:}\([^0-9]\)/:PORT\1/g" -e "s/:${https##*:}\$/:PORT/"; }

# Runs one version, sends SIGINT once the slow page's status line is out, and prints what the
# program printed (stdout and stderr in the order written) and its exit status.
interrupted_run() {
    local version=$1 log="$dir/$1.log"
    # A script's background job starts with SIGINT ignored; env gives it back its default action.
    env --default-signal=INT build/bin/site_checker_$version --trace --cafile "$dir/ca.pem" "$https/" "$https/stall-body" \
        >"$log" 2>&1 &
    local pid=$!
    for _ in $(seq 200); do grep -q 'stall-body: status -> ' "$log" && break; sleep 0.05; done
    kill -INT "$pid"
    local status=0
    wait "$pid" || status=$?
    echo "\$ build/bin/site_checker_$version --trace --cafile ca.pem \\"
    echo "      https://localhost:PORT/ https://localhost:PORT/stall-body"
    echo "^C  (SIGINT, sent once the second page's status had arrived)"
    hide_port <"$log"
    echo "exit status $status"
}

for version in v0 v1; do
    echo "== $version"
    interrupted_run "$version" | tee "$dir/$version.out"
    echo
done

[ "$write_docs" = yes ] || exit 0
# Replaces what stands between `<!-- interrupt: begin -->` and `<!-- interrupt: end -->`.
for pair in v0:docs/v0_plain.md v1:docs/v1_context_manager.md; do
    version=${pair%%:*} page=${pair#*:}
    {
        echo "A real run, copied here by \`scripts/interrupt.sh --write-docs\` on $(date -u +%Y-%m-%d)"
        echo "(a snapshot: times and order vary a little from run to run):"
        echo
        echo '```text'
        cat "$dir/$version.out"
        echo '```'
    } >"$dir/block"
    awk -v block="$dir/block" '
        /^<!-- interrupt: end -->$/ { skipping = 0 }
        !skipping { print }
        /^<!-- interrupt: begin -->$/ { while ((getline line < block) > 0) print line; skipping = 1; found = 1 }
        END { if (!found) exit 1 }
    ' "$page" >"$dir/page" || { echo "interrupt.sh: no interrupt markers in $page" >&2; exit 1; }
    cp "$dir/page" "$page"
    echo "wrote $page"
done
