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

# `git diff --no-index -M25% OLD NEW`: like `diff -ruN`, but a file renamed from one version to the
# next (v1's async_session.hpp, v2's session.hpp) shows as a change, not a delete and an add.
# (25%: the renamed file has grown to twice its size, more than git's default 50% allows.)
# Editor and patch leftovers and Python's caches are left out (the folders are copied without
# them), and so are git's `index` lines (blob hashes). No user or system git configuration is
# read, so every machine writes the same bytes. Exit status 1 of git diff only means "the folders
# differ"; anything else is a real error.
version_diff() {
    local status=0 work
    work=$(mktemp -d)
    for folder in "$1" "$2"; do
        cp -R "$folder" "$work/$folder"
        find "$work/$folder" -mindepth 1 \( -name '.*' -o -name '*~' -o -name '*.orig' -o -name '*.rej' \
            -o -name __pycache__ \) -prune -exec rm -rf {} +
    done
    (cd "$work" && LC_ALL=C GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
        git diff --no-index --no-color --no-ext-diff --no-prefix -M25% --diff-algorithm=myers -U3 \
            "$1" "$2") >"$3.raw" || status=$?
    rm -rf "$work"
    [ "$status" -le 1 ] || { echo "diffs.sh: git diff $1 $2 failed" >&2; exit 2; }
    LC_ALL=C awk '!/^index [0-9a-f]+\.\.[0-9a-f]+/' "$3.raw" >"$3"
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
