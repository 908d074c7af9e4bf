#!/usr/bin/env bash
# The benchmark: site_checker_v1 beside the tutorial's Python (aiohttp) and curl, on one
# loopback HTTPS server (Debian's nginx, run as this user from a temporary folder).
#
#     bench/run.sh                  # 300 sites, 7 alternating runs per tool, then the 1 GiB page
#     SITES=100 RUNS=3 bench/run.sh # smaller; HOST=127.0.0.1 checks an IP URL (no resolver)
#     BEFORE=/path/to/site_checker_v1 bench/run.sh   # another build of v1 in the same rounds
#
# Writes bench/results.md (the table) and bench/results.png (the plot). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

SITES=${SITES:-300}   # distinct URLs per run, all checked at once
RUNS=${RUNS:-7}       # runs per tool, alternating cpp, aiohttp, curl; medians are reported
HOST=${HOST:-localhost}
BIG_RUNS=${BIG_RUNS:-3}
PYTHON=/usr/bin/python3 # Debian's, which has python3-aiohttp (a pyenv python3 may not)

# 1. What is missing, and the Release build.
scripts/setup.sh nginx python3-aiohttp curl gnuplot-nox openssl
cmake --preset default >/dev/null
cmake --build --preset default -j2 --target site_checker_v1
checker=$root/build/bin/site_checker_v1
BEFORE=${BEFORE:-}

tmp=$(mktemp -d /tmp/sitecheck-bench.XXXXXX)
nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp" # the 1 GiB page too
}
trap cleanup EXIT

# The measuring wrapper: CPU and peak RSS of the client's process tree, to the microsecond.
g++ -O2 -o "$tmp/rusage" bench/rusage.cpp

# 2. A test CA made now (EC P-256) and a leaf for localhost and 127.0.0.1.
(
    cd "$tmp"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout ca.key -out ca.pem -subj "/CN=sitecheck bench CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout leaf.key -out leaf.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile leaf.ext -out leaf.pem 2>/dev/null
)

# 3. The pages: a small HTML page (about 4 KiB, gzipped by nginx) and a sparse 1 GiB one.
mkdir -p "$tmp/www" "$tmp/logs"
{
    printf '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>\n'
    for i in $(seq 1 40); do printf '<p>Paragraph %d of a small page that the benchmark checks.</p>\n' "$i"; done
    printf '</body></html>\n'
} > "$tmp/www/page.html"
printf '<!doctype html>\n<title>one GiB</title>\n' > "$tmp/www/big.html"
truncate -s 1G "$tmp/www/big.html"

port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);" # else the workers would be nobody's
cat > "$tmp/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    types { text/html html; }
    sendfile on;
    gzip on;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $tmp/leaf.pem;
        ssl_certificate_key $tmp/leaf.key;
        root $tmp/www;
        location = /big.html { gzip off; }
    }
}
EOF
nginx -p "$tmp" -e "$tmp/logs/error.log" -c "$tmp/nginx.conf" &
nginx_pid=$!
base="https://$HOST:$port"
for _ in $(seq 1 50); do
    curl -s -o /dev/null --cacert "$tmp/ca.pem" "$base/page.html" && break
    sleep 0.1
done

urls=()
for i in $(seq 1 "$SITES"); do urls+=("$base/page.html?i=$i"); done
{
    for u in "${urls[@]}"; do printf 'url = "%s"\noutput = "/dev/null"\n' "$u"; done
} > "$tmp/curl.conf"

run_tool() { # run_tool TOOL: one run, appended to runs.tsv as: tool wall user sys maxrss_kib
    local tool=$1 out=$tmp/$1.out err=$tmp/$1.err rc=0
    case $tool in
    cpp) "$tmp/rusage" "$tmp/time" "$checker" --cafile "$tmp/ca.pem" "${urls[@]}" >"$out" 2>"$err" || rc=$? ;;
    before) "$tmp/rusage" "$tmp/time" "$BEFORE" --cafile "$tmp/ca.pem" "${urls[@]}" >"$out" 2>"$err" || rc=$? ;;
    aiohttp) "$tmp/rusage" "$tmp/time" "$PYTHON" v1_context_manager/site_checker.py --cafile "$tmp/ca.pem" "${urls[@]}" >"$out" 2>"$err" || rc=$? ;;
    # The other two trust the system's roots as well as the CA; curl does with --capath, which
    # reads a root only when a chain needs it. (A --cacert bundle of all the system's roots
    # would be read again for every connection: 15 times the CPU, not a fair comparison.)
    # `curl` is curl as it comes, which keeps every TLS session it is given for reuse;
    # `curl_nosession` (--no-sessionid) keeps none, as the other two do.
    curl | curl_nosession)
        local sessions=()
        [ "$tool" = curl_nosession ] && sessions=(--no-sessionid)
        "$tmp/rusage" "$tmp/time" curl --parallel --parallel-max "$SITES" --compressed -s "${sessions[@]}" \
            --cacert "$tmp/ca.pem" --capath "${SSL_CERT_DIR:-/etc/ssl/certs}" \
            -w '%{url}: status -> %{response_code}\n' -K "$tmp/curl.conf" >"$out" 2>"$err" || rc=$? ;;
    esac
    local ok
    ok=$(grep -c ': status -> 200$' "$out" || true)
    # curl 7.88 draws its progress meter on stderr in --parallel mode even with -s: not an error.
    if [ "$ok" -ne "$SITES" ] || [ "$rc" -ne 0 ] || { [ "${tool#curl}" = "$tool" ] && [ -s "$err" ]; }; then
        echo "bench: $tool answered $ok of $SITES sites" >&2
        head -5 "$err" >&2
        exit 1
    fi
    printf '%s %s\n' "$tool" "$(cat "$tmp/time")" >> "$tmp/runs.tsv"
}

# The floor: OpenSSL's own loop of full handshakes, each with a GET of the same page, against
# the same server with the same CA and verification (`openssl s_time -new`), scaled to SITES
# connections below. s_time counts user CPU only. Measured before and after the rounds.
floor_rate() { # connections per second of user CPU
    openssl s_time -connect "127.0.0.1:$port" -new -www /page.html -CAfile "$tmp/ca.pem" \
        -verify 4 -time "${FLOOR_SECONDS:-4}" 2>/dev/null |
        sed -n 's|.*; \([0-9.]*\) connections/user sec.*|\1|p' | head -1
}
floor_before=$(floor_rate)

echo "bench: $SITES sites at $base, $RUNS runs per tool; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$tmp/runs.tsv"
tools=(cpp aiohttp curl curl_nosession)
[ -n "$BEFORE" ] && tools+=(before)
for tool in "${tools[@]}"; do run_tool "$tool"; done
: > "$tmp/runs.tsv" # the warm-up run is not counted
for r in $(seq 1 "$RUNS"); do
    for tool in "${tools[@]}"; do run_tool "$tool"; done
    echo "bench: run $r of $RUNS done" >&2
done

floor_after=$(floor_rate)
[ -n "$floor_before" ] && [ -n "$floor_after" ] || { echo "bench: openssl s_time failed" >&2; exit 1; }

# 4. The 1 GiB page, with site_checker_v1 alone.
: > "$tmp/big.tsv"
for r in $(seq 1 "$BIG_RUNS"); do
    "$tmp/rusage" "$tmp/time" "$checker" --cafile "$tmp/ca.pem" "$base/big.html" >"$tmp/big.out"
    grep -q ': type -> <!doctype html>' "$tmp/big.out" || { echo "bench: the 1 GiB page failed" >&2; exit 1; }
    printf 'big %s\n' "$(cat "$tmp/time")" >> "$tmp/big.tsv"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# 5. Medians, the table and the plot.
"$PYTHON" - "$tmp/runs.tsv" "$tmp/big.tsv" "$SITES" "$RUNS" "$HOST" "$load_before" "$load_after" \
    "$tmp/plot.dat" "$floor_before" "$floor_after" > "$tmp/results.md" <<'EOF'
import statistics, sys, subprocess, datetime
runs, big, sites, nruns, host, load_before, load_after, plot, floor_before, floor_after = sys.argv[1:]
# The floor's user CPU for `sites` connections, from the mean of its two rates.
floor = int(sites) / ((float(floor_before) + float(floor_after)) / 2)

def medians(path):
    rows = {}
    for line in open(path):
        tool, wall, user, sys_, rss = line.split()
        rows.setdefault(tool, []).append((float(wall), float(user) + float(sys_), int(rss) / 1024,
                                          float(user), float(sys_)))
    return {t: [statistics.median(v[i] for v in vs) for i in range(5)] for t, vs in rows.items()}

def version(cmd, words=2):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return " ".join((r.stdout or r.stderr).split()[:words])
    except Exception:
        return "?"

m = medians(runs)
b = medians(big)["big"]
names = {"cpp": "site_checker_v1 (C++)", "aiohttp": "Python + aiohttp",
         "curl": "curl --parallel", "curl_nosession": "curl --parallel --no-sessionid",
         "before": "site_checker_v1, BEFORE build"}
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print("# Benchmark results\n")
print(f"Written by `bench/run.sh` on {datetime.date.today()}. {sites} distinct HTTPS URLs on `{host}` "
      f"(nginx on loopback), all checked at once; median of {nruns} alternating runs per tool. "
      "CPU is user + system time of the client's process tree; the server's is not counted.\n")
print("| tool | client CPU (s) | × floor | user (s) | sys (s) | peak RSS (MiB) | wall (s) |")
print("|---|---:|---:|---:|---:|---:|---:|")
for t in ("cpp", "before", "aiohttp", "curl", "curl_nosession"):
    if t not in m:
        continue
    wall, cpu, rss, user, sys_ = m[t]
    print(f"| {names[t]} | {cpu:.3f} | {cpu / floor:.2f} | {user:.3f} | {sys_:.3f} | {rss:.1f} | {wall:.3f} |")
print(f"| floor: `openssl s_time -new`, scaled to {sites} connections (user CPU only) | {floor:.3f} | 1.00 | {floor:.3f} | | | |")
c, a, u = m["cpp"], m["aiohttp"], m["curl"]
print("\n| ratio | CPU | peak RSS | wall |")
print("|---|---:|---:|---:|")
print(f"| C++ / aiohttp | {c[1]/a[1]:.2f} | {c[2]/a[2]:.2f} | {c[0]/a[0]:.2f} |")
print(f"| C++ / curl | {c[1]/u[1]:.2f} | {c[2]/u[2]:.2f} | {c[0]/u[0]:.2f} |")
r = m["curl_nosession"]
print(f"| C++ / curl --no-sessionid | {c[1]/r[1]:.2f} | {c[2]/r[2]:.2f} | {c[0]/r[0]:.2f} |")
print(f"\nThe 1 GiB page (sparse, not compressed), site_checker_v1 alone, median of its runs: "
      f"peak RSS {b[2]:.1f} MiB, wall {b[0]:.2f} s, client CPU {b[1]:.2f} s.\n")
nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print(f"Machine: {cpu_model}, {nproc} cores; load average before {load_before}, after {load_after}.  ")
print(f"Versions: {version(['nginx', '-v'], 3).split()[-1]}; Python {sys.version.split()[0]}, "
      f"aiohttp {__import__('aiohttp').__version__}; {version(['curl', '--version'])}; "
      f"{version(['openssl', 'version'])}.")
with open(plot.replace("plot.dat", "ranges.gp"), "w") as f:
    for i, name in ((1, "cpu_max"), (2, "rss_max"), (0, "wall_max")):
        f.write(f"{name} = {max(m[t][i] for t in m):.4f}\n")
with open(plot, "w") as f:
    for t, label in (("cpp", "C++ v1"), ("aiohttp", "aiohttp"), ("curl", "curl"), ("curl_nosession", "curl --no-sessionid")):
        wall, cpu, rss, user, sys_ = m[t]
        f.write(f'"{label}" {cpu:.4f} {rss:.2f} {wall:.4f}\n')
EOF

gnuplot <<EOF
load "$tmp/ranges.gp"
set terminal pngcairo size 1350,460 font "sans,11" noenhanced
set bmargin 4
set output "bench/results.png"
set multiplot layout 1,3 title "Checking $SITES HTTPS sites on loopback: medians of $RUNS runs (lower is better)"
set style fill solid 0.8 border -1
set boxwidth 0.6
set xrange [-0.6:3.6]
set grid ytics
unset key
set xtics nomirror ("C++ v1" 0, "aiohttp" 1, "curl" 2, "curl\n--no-sessionid" 3)
set title "client CPU (s, user + sys)"
set yrange [0:cpu_max * 1.18]
plot "$tmp/plot.dat" using 0:2 with boxes lc rgb "#4477aa", '' using 0:2:(sprintf("%.2f", \$2)) with labels offset 0,0.8
set title "peak RSS (MiB)"
set yrange [0:rss_max * 1.18]
plot "$tmp/plot.dat" using 0:3 with boxes lc rgb "#cc6677", '' using 0:3:(sprintf("%.1f", \$3)) with labels offset 0,0.8
set title "wall time (s)"
set yrange [0:wall_max * 1.18]
plot "$tmp/plot.dat" using 0:4 with boxes lc rgb "#999933", '' using 0:4:(sprintf("%.2f", \$4)) with labels offset 0,0.8
unset multiplot
EOF
cp "$tmp/results.md" bench/results.md
cat bench/results.md
