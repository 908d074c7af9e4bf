#!/usr/bin/env bash
# The first run: builds the programs, starts a demo server on this machine and checks its pages.
#   scripts/demo.sh                  v0, v1, v2 and v2 --sync, one after another: the same report;
#                                    then Ctrl-C under v0 and under v1, where they differ
#   scripts/demo.sh v1 [OPTION...]   one version; the options go to it (--trace, --sync, --timeout)
#   scripts/demo.sh --interrupt      Ctrl-C under v0 and under v1: who closes its session?
#   scripts/demo.sh --python         each version's site_checker.py beside its C++ program
# Nothing here needs the internet: the server listens on 127.0.0.1, and its certificate authority
# is made at start-up and kept in build/demo/ca.pem, so the commands shown can be run again.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '%s\n' "$*"; }
heading() { printf '\n== %s\n' "$*"; }

usage() {
    say "usage: scripts/demo.sh [v0|v1|v2 [OPTION...]] | --interrupt | --python | --help" >&2
    exit 2
}

# Set-up, configure, build: each step says what it does, the build shows its progress and how
# long it took. (`prepare python3-aiohttp` also installs that package.)
prepare() {
    local start
    say "scripts/demo.sh: build the site checkers, start a demo server here, check its pages."
    heading "1. Set-up: scripts/setup.sh --demo installs the Debian packages that are missing, if any"
    say "(only what the demo builds with: scripts/test.sh installs the rest, for the tests)"
    scripts/setup.sh --demo "$@"
    heading "2. Configure: cmake --preset default (a Release build in build/)"
    cmake --preset default --log-level=WARNING >/dev/null
    heading "3. Build: the three site checkers and the demo server"
    say "The first build compiles about 20 files, which takes minutes on a small machine; later"
    say "builds take seconds."
    start=$(date +%s)
    cmake --build --preset default -j "$(getconf _NPROCESSORS_ONLN)" \
        --target site_checker_v0 site_checker_v1 site_checker_v2 sitecheck_demo_server
    say "The build took $(($(date +%s) - start)) s."
}

# Starts the demo server with its CA in build/demo/ and picks the sites to check.
serve() {
    . scripts/lib/demo_server.sh
    start_demo_server build/demo
    cafile=build/demo/ca.pem
    urls=("$https/tutorials" "$https/newsletter" "$https/truncated")
    heading "4. The demo server: build/bin/sitecheck_demo_server on 127.0.0.1"
    say "(\`build/bin/sitecheck_demo_server --help\` lists its pages.) Its certificate authority,"
    say "made at start-up, is $cafile; --cafile makes a checker trust it."
    say "The sites to check:"
    say "  ${urls[0]}   a page like the tutorial's first site"
    say "  ${urls[1]}  a page like its second"
    say "  ${urls[2]}   fails on purpose: it promises 1000 bytes and sends 20"
}

# Runs one program under a heading, showing the command as it can be typed again.
#   run TITLE PROGRAM [ARG...]
run() {
    local title=$1 status=0
    shift
    heading "$title"
    say "\$ $*"
    "$@" || status=$?
    case "$status" in
        0) say "exit status 0: every site answered" ;;
        1) say "exit status 1: a check failed (the /truncated site fails on purpose)" ;;
        *) say "exit status $status" ;;
    esac
}

# The Python that has aiohttp: Debian's python3 first, where python3-aiohttp installs it.
python_with_aiohttp() {
    local python
    for python in /usr/bin/python3 python3; do
        if "$python" -c 'import aiohttp' 2>/dev/null; then
            say "$python"
            return
        fi
    done
    say "no python3 can import aiohttp: run scripts/setup.sh, which installs python3-aiohttp" >&2
    exit 1
}

# How to run the commands shown again, and where to go next.
again() {
    say
    say "To run a command above again, start the server in another terminal on the same ports:"
    say "    build/bin/sitecheck_demo_server --dir build/demo --port ${https##*:} --http-port ${http##*:}"
}
next_steps() {
    say "Then read docs/README.md; scripts/demo.sh v1 --trace shows each step of each check."
}
finish() {
    heading "Done"
    again
    next_steps
}

# What the versions are for: Ctrl-C under v0 and under v1 (scripts/interrupt.sh).
interrupt() {
    heading "${1:+$1. }Ctrl-C: v0 and v1 interrupted while a page is still arriving (scripts/interrupt.sh)"
    say "The same two pages under each: one that finishes, /stall-body, whose body never does."
    say
    scripts/interrupt.sh
    say "Look at the /stall-body lines after \`cancelled\`: v1 prints \`closed\` (async_with() awaited"
    say "the close), v0 prints \`connection cut, never closed\` (its hand-written close was skipped)."
    say "Why: docs/v0_plain.md#see-it-ctrl-c; then read on from docs/README.md."
}

# scripts/demo.sh: the four runs, one after another, then Ctrl-C under v0 and v1.
demo_all() {
    prepare
    serve
    say
    say "Each version prints the same report, as the tutorial's scripts do (lines of sites checked"
    say "at once come in the order things happen). What changes from one version to the next is"
    say "how the code closes the session, not what the program prints, until a check is"
    say "interrupted: the last part shows that."
    run "v0_plain: the session opened and closed by hand in check() (docs/v0_plain.md)" \
        build/bin/site_checker_v0 --cafile "$cafile" "${urls[@]}"
    run "v1_context_manager: AsyncSession and async_with() (docs/v1_context_manager.md)" \
        build/bin/site_checker_v1 --cafile "$cafile" "${urls[@]}"
    run "v2_dual_sync_async: one Session, used with async_with() (docs/v2_dual_sync_async.md)" \
        build/bin/site_checker_v2 --cafile "$cafile" "${urls[@]}"
    run "v2_dual_sync_async --sync: the same Session with with(), one site after another" \
        build/bin/site_checker_v2 --sync --cafile "$cafile" "${urls[@]}"
    again
    interrupt 5
}

# scripts/demo.sh vN [OPTION...]: one version, with the options given.
demo_one() {
    local version=$1
    shift
    prepare
    serve
    run "site_checker_$version${*:+ $*}" \
        build/bin/site_checker_"$version" --cafile "$cafile" "$@" "${urls[@]}"
    finish
}

# scripts/demo.sh --python: each version's Python, then its C++, on the same sites. (python -u:
# lines in the order they happen, even through a pipe.)
demo_python() {
    local python folder version
    prepare python3-aiohttp
    python=$(python_with_aiohttp)
    serve
    for folder in v0_plain v1_context_manager v2_dual_sync_async; do
        version=${folder%%_*}
        run "$folder in Python: the program its C++ ports" \
            "$python" -u "$folder/site_checker.py" --cafile "$cafile" "${urls[@]}"
        run "$folder in C++" build/bin/site_checker_"$version" --cafile "$cafile" "${urls[@]}"
    done
    run "v2_dual_sync_async --sync in Python" \
        "$python" -u v2_dual_sync_async/site_checker.py --sync --cafile "$cafile" "${urls[@]}"
    run "v2_dual_sync_async --sync in C++" \
        build/bin/site_checker_v2 --sync --cafile "$cafile" "${urls[@]}"
    say
    say "The error lines differ in wording (aiohttp's messages and ours). A page with control"
    say "characters prints them escaped in C++ and raw in Python, and after Ctrl-C the C++ prints"
    say "one line per unfinished site where Python prints a traceback: docs/python-to-cpp.md says"
    say "why. \`ctest --test-dir build -L python\` compares the two site by site, those cases too."
    finish
}

# Each mode is a function above: prepare (set-up and build), serve (the demo server and its
# sites), then its runs, each under a heading.
case "${1:-}" in
    "") demo_all ;;
    v0 | v1 | v2) demo_one "$@" ;;
    --interrupt) interrupt ;;  # Ctrl-C under v0 and v1: who closes its session?
    --python) demo_python ;;
    -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p;}' "$0"; exit 0 ;;
    *) usage ;;
esac
