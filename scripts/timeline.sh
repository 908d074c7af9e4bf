#!/usr/bin/env bash
# Draws a real run as a Mermaid gantt chart, one section per site, and writes docs/timeline.md:
#   scripts/timeline.sh                           site_checker_v1
#   scripts/timeline.sh v2 --sync                 another version; the options after it are passed on
#   OUT=/tmp/t.md scripts/timeline.sh v2 --sync   writes /tmp/t.md instead of docs/timeline.md
# Builds what it needs, starts the demo server on loopback (nothing leaves this machine), runs
# the checker with --trace on several of the server's pages, and turns the trace into the chart.
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
[ -f build/CMakeCache.txt ] || cmake --preset default >/dev/null
cmake --build build -j "$(nproc)" --target "site_checker_$version" sitecheck_demo_server >/dev/null

. scripts/lib/demo_server.sh
start_demo_server

urls=("$https/" "$http/redirect/3" "$https/gzip" "$https/big/20000000" "$https/utf8"
      "$http/status/404" "$https/hang")
status=0
build/bin/site_checker_$version --trace --cafile "$dir/ca.pem" --timeout 2 "$@" "${urls[@]}" \
    >"$dir/stdout" 2>"$dir/stderr" || status=$?

# The command as a reader would type it: the server's random ports replaced by names.
shown="build/bin/site_checker_$version --trace --cafile ca.pem --timeout 2${*:+ $*} ${urls[*]}"
shown=${shown//$https/https://localhost:HTTPS_PORT}
shown=${shown//$http/http://localhost:HTTP_PORT}
hide_ports() {
    local p1=${https##*:} p2=${http##*:}
    sed -e "s/:$p1\([^0-9]\)/:HTTPS_PORT\1/g" -e "s/:$p1\$/:HTTPS_PORT/" \
        -e "s/:$p2\([^0-9]\)/:HTTP_PORT\1/g" -e "s/:$p2\$/:HTTP_PORT/"
}

# One trace line: `+0.004s URL: trace -> EVENT`. Each check becomes a section; each stretch
# between two events a task named after what happened in it. A check that failed ends in a
# red (crit) task named by its error.
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
        printf "    %s :%s%d, %d\n", name, crit ? "crit, " : "", from, to
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
        print "```mermaid"
        print "gantt"
        print "    title " title
        print "    dateFormat x"
        print "    axisFormat %S.%L s"
        print "    todayMarker off"
        for (u = 1; u <= urls; u++) {
            url = order[u]
            if (only_answered && (url in failure)) continue
            print "    section " section_name(url)
            last = when[url, 1]; redirects = 0; answered = 0; has_body = 0
            connected = 0; secured = 0; closed = 0
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
                } else if (e == "closed") {
                    if ((url in failure) && !has_body)
                        task(clean(failure[url]) ", then close", last, t, 1)
                    else
                        task("close", last, t)
                    closed = 1
                } else if (e ~ /^error / && !closed) {
                    task(clean(failure[url]), last, t, 1)
                } else {
                    continue
                }
                last = t
            }
        }
        print "```"
    }'
}

answered=$(grep -c ': status -> ' "$dir/stdout" || true)
{
    cat <<EOF
# A real run, drawn

[Docs](README.md) · written by \`scripts/timeline.sh $version${*:+ $*}\`; run it again to draw your own
(\`OUT=/tmp/t.md scripts/timeline.sh v2 --sync\` writes elsewhere instead of over this page).

This is one run of \`site_checker_$version\` against the demo server that \`scripts/demo.sh\`
uses: an HTTP and an HTTPS server on 127.0.0.1 with a certificate authority made on the spot.
The checker ran with \`--trace\`, which prints each step of a check on stderr with the time since
the program started. The script turned those lines into the charts below: one row of bars per
check, one bar per step, the time in seconds along the axis.

What to look for:

- **The checks overlap.** Every check opens at the same instant and they all make progress at
  the same time, as under \`asyncio.gather\`. The 20 MB page does not make the small
  ones wait for it to finish.
- **Every check ends with a close**, whatever happened before it: a normal page, three redirects,
  a 404 (an answer, not a failure), or a page that never comes and runs into the two-second
  deadline (the red bar). That close is what the session's exit guarantees.

The command (the server picks free ports when it starts; they are written here as names):

    $shown

Exit status: $status ($answered of ${#urls[@]} sites answered).

## The whole run

EOF
    to_gantt "site_checker_$version, the whole run" 0 <"$dir/stderr"
    cat <<EOF

## The checks that answered, up close

The same run without the check that timed out, so the time axis stretches over the first few
milliseconds, where the other checks happen.

EOF
    to_gantt "site_checker_$version, the checks that answered" 1 <"$dir/stderr"
    cat <<EOF

## What the program printed

On stdout, two lines per site that answered:

\`\`\`text
$(hide_ports <"$dir/stdout")
\`\`\`

On stderr, the trace the charts are drawn from, and the error line of the check that failed:

\`\`\`text
$(hide_ports <"$dir/stderr")
\`\`\`
EOF
} >"$out"
echo "wrote $out"
