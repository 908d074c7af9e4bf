#!/usr/bin/env bash
# Writes the diff of each version against the one before it, for readers and for the docs:
#   scripts/diffs.sh           writes docs/diffs/v0_to_v1.diff and docs/diffs/v1_to_v2.diff
#   scripts/diffs.sh --check   writes nothing; exits 1 naming each file in docs/diffs that is stale
# The output is the same on every machine: no timestamps in the headers, files in C-locale order.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=write
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    *) echo "usage: scripts/diffs.sh [--check]" >&2; exit 2 ;;
esac

# name, older folder, newer folder
pairs=("v0_to_v1 v0_plain v1_context_manager"
       "v1_to_v2 v1_context_manager v2_dual_sync_async")

# `diff -ruN OLD NEW`, leaving out editor and patch leftovers, with the time stamps cut off the
# ---/+++ lines. Exit status 1 of diff only means "the folders differ"; 2 is a real error.
version_diff() {
    local status=0
    LC_ALL=C diff -ruN -x '.*' -x '*~' -x '*.orig' -x '*.rej' "$1" "$2" >"$3.raw" || status=$?
    [ "$status" -le 1 ] || { echo "diffs.sh: diff $1 $2 failed" >&2; exit 2; }
    LC_ALL=C awk '/^diff -ruN / { print "diff -ruN " $(NF - 1) " " $NF; next }
                  /^(---|\+\+\+) / { sub(/\t.*$/, "") }
                  { print }' "$3.raw" >"$3"
    rm -f "$3.raw"
}

if [ "$mode" = write ]; then
    mkdir -p docs/diffs
    for pair in "${pairs[@]}"; do
        read -r name old new <<<"$pair"
        version_diff "$old" "$new" "docs/diffs/$name.diff"
        echo "wrote docs/diffs/$name.diff"
    done
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stale=0
for pair in "${pairs[@]}"; do
    read -r name old new <<<"$pair"
    version_diff "$old" "$new" "$tmp/$name.diff"
    if ! cmp -s "$tmp/$name.diff" "docs/diffs/$name.diff"; then
        echo "docs/diffs/$name.diff is stale: $old or $new changed since it was written" >&2
        stale=1
    fi
done
if [ "$stale" -ne 0 ]; then
    echo "run scripts/diffs.sh, then scripts/snippets.sh, and commit the result" >&2
    exit 1
fi
echo "docs/diffs are up to date"
