# Sourced by demo.sh and timeline.sh: starts build/bin/sitecheck_demo_server in the background
# and sets $dir (its folder, holding ca.pem), $http and $https (its base URLs). The server is
# stopped when the calling script exits.
#   start_demo_server                 a temporary folder, removed at exit
#   start_demo_server DIR [OPTION...]  DIR is kept, with its ca.pem, so that a command shown
#                                      with --cafile DIR/ca.pem works again against a server
#                                      started there later; OPTIONs go to the server
start_demo_server() {
  if [ $# -gt 0 ]; then
    dir=$1
    shift
    mkdir -p "$dir"
    trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$dir/urls"' EXIT
  else
    dir=$(mktemp -d)
    trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
  fi
  rm -f "$dir/urls"
  build/bin/sitecheck_demo_server --dir "$dir" "$@" >"$dir/urls" &
  server=$!
  for _ in $(seq 200); do
    grep -q '^https ' "$dir/urls" 2>/dev/null && break
    kill -0 $server 2>/dev/null || { echo "the demo server did not start" >&2; return 1; }
    sleep 0.05
  done
  http=$(awk '$1 == "http" {print $2}' "$dir/urls")
  https=$(awk '$1 == "https" {print $2}' "$dir/urls")
  [ -n "$https" ] || { echo "the demo server printed no URLs" >&2; return 1; }
}
