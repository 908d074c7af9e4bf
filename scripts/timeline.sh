#!/usr/bin/env bash
# Draws a real run as Mermaid gantt charts, one section per site, into docs/timeline.md:
#   scripts/timeline.sh                           site_checker_v1, the run docs/timeline.md explains
#   OUT=/tmp/t.md scripts/timeline.sh v2 --sync   another version (options after it are passed on),
#                                                 drawn into /tmp/t.md
# Builds what it needs, starts the demo server on loopback (nothing leaves this machine), runs
# the checker with --trace on several of the server's pages, and turns the trace into charts.
#
# The script writes only what comes from the run: the text between `<!-- timeline: NAME -->` and
# `<!-- /timeline -->`, for NAME = command, whole (the chart of the whole run), answered (the
# chart without the check that timed out), stdout and stderr. Everything else in the page is
# prose, written by hand for the run it explains: the script refuses to draw another run into
# docs/timeline.md. An OUT that does not exist yet gets a page of the generated parts alone.
set -euo pipefail
# OUT is relative to the directory the script was started from; the default, to the repository.
case "${OUT:-}" in
    "") out=docs/timeline.md ;;
    /*) out=$OUT ;;
    *) out=$PWD/$OUT ;;
esac
cd "$(dirname "$0")/.."
version=${1:-v1}
[ $# -gt 0 ] && shift
case "$version" in
    v0 | v1 | v2) ;;
    *) echo "usage: scripts/timeline.sh [v0|v1|v2] [OPTION...]" >&2; exit 2 ;;
esac
if [ "$out" = docs/timeline.md ] && [ "$version $*" != "v1 " ]; then
    echo "timeline.sh: the text of docs/timeline.md explains a run of v1 without options;" \
         "draw this one elsewhere: OUT=/tmp/t.md scripts/timeline.sh $version${*:+ $*}" >&2
    exit 2
fi
[ -f build/CMakeCache.txt ] || cmake --preset default >/dev/null
cmake --build build -j "$(getconf _NPROCESSORS_ONLN)" --target "site_checker_$version" sitecheck_demo_server >/dev/null

. scripts/lib/demo_server.sh
start_demo_server

urls=("$https/" "$http/redirect/3" "$https/gzip" "$https/big/20000000" "$https/utf8"
      "$http/status/404" "$https/hang")
status=0
build/bin/site_checker_$version --trace --cafile "$dir/ca.pem" --timeout 2 "$@" "${urls[@]}" \
    >"$dir/stdout" 2>"$dir/stderr" || status=$?

# The server picks free ports when it starts; the page shows them as 8080 and 8443, so that the
# page does not change with them and its lines stay short.
hide_ports() {
    local p1=${https##*:} p2=${http##*:}
    sed -e "s/:$p1\([^0-9]\)/:8443\1/g" -e "s/:$p1\$/:8443/" \
        -e "s/:$p2\([^0-9]\)/:8080\1/g" -e "s/:$p2\$/:8080/"
}

# The command as a reader would type it, cut with `\` into lines of at most 100 columns.
show_command() {
    local words=("build/bin/site_checker_$version" --trace --cafile ca.pem --timeout 2 "$@" "${urls[@]}")
    printf '%s\n' "${words[@]}" | hide_ports | awk '
        { word[NR] = $0 }
        END {
            line = "    " word[1]
            for (i = 2; i <= NR; i++) {
                if (length(line) + 1 + length(word[i]) + 2 > 100) {
                    print line " \\"
                    line = "        " word[i]
                } else {
                    line = line " " word[i]
                }
            }
            print line
        }'
}

# One trace line: `+0.004s URL: trace -> EVENT`. Each check becomes a section; each stretch
# between two events a task named after what happened in it. A step too short to be seen as a
# bar at the chart's scale (the trace counts in milliseconds; a bar less than a pixel wide is not
# drawn at all) is drawn as a milestone, a diamond at its instant. A check that failed has a red
# (crit) task named by its error, from its last step to the moment it gave up.
to_gantt() {
    awk -v title="$1" -v only_answered="$2" '
    function ms(stamp) { sub(/^\+/, "", stamp); sub(/s$/, "", stamp); return int(stamp * 1000 + 0.5) }
    function clean(text) { gsub(/[:;#]/, " ", text); return text }
    function section_name(url,    scheme, rest, slash) {
        scheme = substr(url, 1, index(url, "://") - 1)
        rest = substr(url, index(url, "://") + 3)
        slash = index(rest, "/")
        return clean(scheme " " (slash ? substr(rest, slash) : "/"))
    }
    function task(name, from, to, crit) {
        line[++lines] = name; start[lines] = from; end[lines] = to; red[lines] = crit
        if (!(first <= from)) first = from
        if (!(final >= to)) final = to
    }
    / trace -> / {
        rest = substr($0, length($1) + 2)
        at = index(rest, ": trace -> ")
        url = substr(rest, 1, at - 1)
        if (!(url in count)) order[++urls] = url
        k = ++count[url]
        event[url, k] = substr(rest, at + 11)
        when[url, k] = ms($1)
        if (event[url, k] ~ /^error /) failure[url] = substr(event[url, k], 7)
    }
    END {
        widest = 0
        for (u = 1; u <= urls; u++) {
            url = order[u]
            if (only_answered && (url in failure)) continue
            line[++lines] = "    section " section_name(url)
            if (length(section_name(url)) > widest) widest = length(section_name(url))
            last = when[url, 1]; redirects = 0; answered = 0; has_body = 0
            connected = 0; secured = 0; failed = 0
            for (k = 2; k <= count[url]; k++) {
                e = event[url, k]; t = when[url, k]
                if (e ~ /^connected / && !connected) {
                    task("connect", last, t); connected = 1
                } else if (e == "tls" && !secured) {
                    task("TLS handshake", last, t); secured = 1
                } else if (e ~ /^redirect /) {
                    redirects++
                    continue
                } else if (e ~ /^status /) {
                    name = "request"
                    if (redirects) name = name " and " redirects " redirect" (redirects > 1 ? "s" : "")
                    task(name ", status " substr(e, 8), last, t); answered = 1
                } else if (e ~ /^body / && answered && !has_body) {
                    task("read " substr(e, 6), last, t); has_body = 1
                } else if (e ~ /^closed/ || e == "connection cut") {
                    # A check that failed gave up when its error came (the trace prints the
                    # close first): its red task runs from its last step to then.
                    if ((url in failure) && !failed) {
                        task(clean(failure[url]), last, t, 1); failed = 1; last = t
                    }
                    task("close", last, t)
                } else if (e ~ /^error / && !failed) {
                    task(clean(failure[url]), last, t, 1); failed = 1
                } else {
                    continue
                }
                last = t
            }
        }
        # The section labels stand left of the bars, in 11 px text: room for the widest. The
        # bars share what is left of the 890 px column, in whole pixels: a step shorter than
        # about one and a half pixels would have no width, and becomes a milestone.
        padding = widest * 7 + 30
        per_ms = (890 - padding - 75) / (final > first ? final - first : 1)
        print "```mermaid"
        print "---"
        print "config:"
        print "  gantt:"
        printf "    leftPadding: %d\n", padding
        print "---"
        print "gantt"
        print "    title " title
        print "    dateFormat x"
        print "    axisFormat %S.%L s"
        print "    todayMarker off"
        for (i = 1; i <= lines; i++) {
            if (!(i in start))
                print line[i]
            else if ((end[i] - start[i]) * per_ms >= 1.5)
                printf "    %s :%s%d, %d\n", line[i], red[i] ? "crit, " : "", start[i], end[i]
            else
                printf "    %s :milestone, %s%d, %d\n", line[i], red[i] ? "crit, " : "", start[i], end[i]
        }
        print "```"
    }'
}

# Replaces the text between `<!-- timeline: NAME -->` and `<!-- /timeline -->` in the page on
# stdin by the file $dir/part.NAME.
fill_parts() {
    awk -v dir="$dir" '
    /^<!-- timeline: [a-z]+ -->$/ {
        print
        name = $3
        file = dir "/part." name
        while ((getline text < file) > 0) print text
        close(file)
        skipping = 1
        next
    }
    /^<!-- \/timeline -->$/ { skipping = 0 }
    !skipping { print }'
}

answered=$(grep -c ': status -> ' "$dir/stdout" || true)
{
    echo
    show_command "$@"
    echo
    echo "Exit status: $status ($answered of ${#urls[@]} sites answered)."
    echo
} >"$dir/part.command"
to_gantt "site_checker_$version, the whole run" 0 <"$dir/stderr" >"$dir/part.whole"
to_gantt "site_checker_$version, the checks that answered" 1 <"$dir/stderr" >"$dir/part.answered"
{ echo '```text'; hide_ports <"$dir/stdout"; echo '```'; } >"$dir/part.stdout"
{ echo '```text'; hide_ports <"$dir/stderr"; echo '```'; } >"$dir/part.stderr"

if [ ! -f "$out" ]; then
    cat >"$out" <<EOF
# A run of site_checker_$version${*:+ $*}, drawn

Written by \`scripts/timeline.sh $version${*:+ $*}\` (the repository's docs/timeline.md says how to
read it). The demo server's ports are shown as 8080 (HTTP) and 8443 (HTTPS).

<!-- timeline: command -->
<!-- /timeline -->

## The whole run

<!-- timeline: whole -->
<!-- /timeline -->

## The checks that answered

<!-- timeline: answered -->
<!-- /timeline -->

## What the program printed

On stdout:

<!-- timeline: stdout -->
<!-- /timeline -->

On stderr:

<!-- timeline: stderr -->
<!-- /timeline -->
EOF
fi
for part in command whole answered stdout stderr; do
    grep -qx "<!-- timeline: $part -->" "$out" ||
        { echo "timeline.sh: $out has no <!-- timeline: $part --> to fill" >&2; exit 1; }
done
fill_parts <"$out" >"$dir/page"
cat "$dir/page" >"$out"
echo "wrote $out"
