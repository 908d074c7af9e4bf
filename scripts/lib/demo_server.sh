# Sourced by demo.sh and timeline.sh: starts build/bin/sitecheck_demo_server in the background
# and sets $dir (its folder, holding ca.pem), $http and $https (its base URLs). The server is
# stopped and the folder removed when the calling script exits.
start_demo_server() {
  dir=$(mktemp -d)
  build/bin/sitecheck_demo_server --dir "$dir" >"$dir/urls" &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 100); do grep -q '^https ' "$dir/urls" 2>/dev/null && break; sleep 0.05; done
  http=$(awk '$1 == "http" {print $2}' "$dir/urls")
  https=$(awk '$1 == "https" {print $2}' "$dir/urls")
}
