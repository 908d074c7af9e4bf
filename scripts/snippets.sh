#!/usr/bin/env bash
# Keeps the code that docs/*.md quote identical to the code it comes from.
#   scripts/snippets.sh           rewrites every quote and line link in docs/*.md from the sources
#   scripts/snippets.sh --check   writes nothing; exits 1 naming each quote or link that is stale
#
# A quote is a block of this form; everything between the two comments is generated:
#
#   <!-- snippet: v1_context_manager/site_checker.cpp#check -->
#   ```cpp
#   (the lines between `//[check` and `//]` in that file, markers left out, indentation removed)
#   ```
#   <!-- /snippet -->
#
# The path is relative to the repository's root. In a .diff file (docs/diffs/*.diff, written by
# scripts/diffs.sh) the name after # is a file name instead, and the quote is that file's part of
# the diff.
#
# A line link is a Markdown link whose title is a piece of the line it points to:
#
#   [site_checker.cpp:29](../v1_context_manager/site_checker.cpp#L29 "co_await async_with(")
#
# The number after #L becomes the first line of the file that contains the title's text, and so
# does a number at the end of the link's text. A title found nowhere in the file is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=write
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    *) echo "usage: scripts/snippets.sh [--check]" >&2; exit 2 ;;
esac

# Reads one Markdown file, prints it with every quote and line link brought up to date, and
# appends one line per stale quote or link to the file named by `report`. Problems that no
# rewrite can fix (a missing file, marker or text) go to stderr and make awk exit 2.
read -r -d '' program <<'AWK' || true
function fail(message) {
    printf "%s:%d: %s\n", FILENAME, FNR, message > "/dev/stderr"
    failed = 1
}

function trim(s) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    return s
}

function is_marker(line) {
    line = trim(line)
    return line ~ /^\/\/\[[A-Za-z0-9_.-]+$/ || line == "//]"
}

# Fills quote[1..quote_n] with the lines between `//[name` and its `//]` in `path`.
function read_marked(path, name,    line, status, found, depth) {
    quote_n = 0; found = 0; depth = 0
    while ((status = (getline line < path)) > 0) {
        if (!found) {
            if (trim(line) == "//[" name) { found = 1; depth = 1 }
            continue
        }
        if (trim(line) == "//]" && --depth == 0)
            break
        if (is_marker(line)) {
            if (trim(line) != "//]") depth++
            continue
        }
        quote[++quote_n] = line
    }
    close(path)
    if (status < 0) { fail("cannot read " path); return 0 }
    if (!found) { fail(path " has no marker //[" name); return 0 }
    if (depth != 0) { fail(path ": //[" name " has no //] after it"); return 0 }
    return 1
}

# Fills quote[1..quote_n] with the part of the diff `path` that is about files named `name`.
function read_diff_part(path, name,    line, status, inside, found, n, parts) {
    quote_n = 0; inside = 0; found = 0
    while ((status = (getline line < path)) > 0) {
        if (line ~ /^diff /) {
            n = split(line, parts, " ")
            inside = parts[n] == name || parts[n] ~ ("/" name "$")
            if (inside) found = 1
            continue
        }
        if (inside)
            quote[++quote_n] = line
    }
    close(path)
    if (status < 0) { fail("cannot read " path); return 0 }
    if (!found) { fail(path " has no part about " name); return 0 }
    return 1
}

# Removes the indentation that every non-blank line of the quote shares, and blank lines at
# either end.
function tidy_quote(    i, least, width) {
    least = -1
    for (i = 1; i <= quote_n; i++) {
        if (quote[i] ~ /^[ \t]*$/) { quote[i] = ""; continue }
        match(quote[i], /^ */)
        if (least < 0 || RLENGTH < least) least = RLENGTH
    }
    for (i = 1; i <= quote_n; i++)
        if (quote[i] != "") quote[i] = substr(quote[i], least + 1)
    while (quote_n > 0 && quote[quote_n] == "") quote_n--
    first = 1
    while (first <= quote_n && quote[first] == "") first++
}

# docs/ links are relative to docs/; the script runs from the repository's root.
function from_root(target) {
    while (target ~ /^\.\//) target = substr(target, 3)
    if (target ~ /^\.\.\//) return substr(target, 4)
    return "docs/" target
}

# The number of the first line of `path` that contains `text`, or 0.
function line_of(path, text,    line, status, n) {
    n = 0
    while ((status = (getline line < path)) > 0) {
        n++
        if (index(line, text)) { close(path); return n }
    }
    close(path)
    if (status < 0) fail("cannot read " path)
    return 0
}

# Brings every line link in `line` up to date.
function update_links(line,    out, rest, link, target, path, text, hash, quote_at, number,
                             before, open, label, wanted, i) {
    out = ""; rest = line
    while (match(rest, /\]\([^ )]+#L[0-9]+ "[^"]+"\)/)) {
        before = substr(rest, 1, RSTART - 1)
        link = substr(rest, RSTART, RLENGTH)
        rest = substr(rest, RSTART + RLENGTH)
        hash = index(link, "#L")
        target = substr(link, 3, hash - 3)
        quote_at = index(link, " \"")
        number = substr(link, hash + 2, quote_at - hash - 2)
        text = substr(link, quote_at + 2, length(link) - quote_at - 3)
        path = from_root(target)
        wanted = line_of(path, text)
        if (wanted == 0) {
            fail("\"" text "\" is not in " path)
            wanted = number
        } else if (wanted != number) {
            print FILENAME ":" FNR ": the link to " path "#L" number " should point to line " wanted \
                  " (\"" text "\")" >> report
        }
        link = "](" target "#L" wanted " \"" text "\")"
        # The link's text: `name:29` follows the number too.
        open = 0
        for (i = length(before); i > 0; i--) if (substr(before, i, 1) == "[") { open = i; break }
        if (open) {
            label = substr(before, open + 1)
            if (label ~ /:[0-9]+$/ && label !~ (":" wanted "$")) {
                print FILENAME ":" FNR ": the text of the link to " path "#L" wanted \
                      " should end in :" wanted >> report
                sub(/:[0-9]+$/, ":" wanted, label)
                before = substr(before, 1, open) label
            }
        }
        out = out before link
    }
    return out rest
}

BEGIN { in_quote = 0; failed = 0 }

in_quote {
    if ($0 == "<!-- /snippet -->") {
        if (old != new)
            print FILENAME ":" start ": the quote of " source " no longer matches its source" >> report
        printf "%s", new
        print
        in_quote = 0
    } else {
        old = old $0 "\n"
    }
    next
}

/^<!-- snippet: [^ ]+#[^ ]+ -->$/ {
    source = $3
    hash = index(source, "#")
    path = substr(source, 1, hash - 1)
    name = substr(source, hash + 1)
    start = FNR
    ok = path ~ /\.diff$/ ? read_diff_part(path, name) : read_marked(path, name)
    first = 1
    if (ok && path !~ /\.diff$/) tidy_quote()
    language = path ~ /\.diff$/ ? "diff" : "cpp"
    new = "```" language "\n"
    if (ok) for (i = first; i <= quote_n; i++) new = new quote[i] "\n"
    new = new "```\n"
    old = ""
    in_quote = 1
    print
    next
}

# Links in code (fenced blocks, `inline spans`) are left alone; all others are brought up to date.
/^```/ { in_fence = !in_fence }
in_fence { print; next }
{
    n = split($0, pieces, "`")
    line = ""
    for (i = 1; i <= n; i++)
        line = line (i > 1 ? "`" : "") (i % 2 ? update_links(pieces[i]) : pieces[i])
    print line
}

END {
    if (in_quote) fail("a quote opened at line " start " has no <!-- /snippet -->")
    if (failed) exit 2
}
AWK

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/report"
for doc in docs/*.md; do
    awk -v report="$tmp/report" "$program" "$doc" >"$tmp/new.md" ||
        { echo "snippets.sh: $doc could not be brought up to date" >&2; exit 2; }
    if [ "$mode" = write ] && ! cmp -s "$tmp/new.md" "$doc"; then
        cat "$tmp/new.md" >"$doc"
        echo "updated $doc"
    fi
done

if [ "$mode" = check ] && [ -s "$tmp/report" ]; then
    cat "$tmp/report" >&2
    echo "run scripts/snippets.sh and commit the result" >&2
    exit 1
fi
[ "$mode" = check ] && echo "every quote and line link in docs/ matches its source"
exit 0
