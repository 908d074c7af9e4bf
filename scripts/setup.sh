#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test this repository.
# Does nothing when everything is already there; uses sudo when not run as root.
set -euo pipefail

cd "$(dirname "$0")/.."

# clang-16 and its runtime (libFuzzer, sanitizers): the second compiler CI builds with, and the
# fuzz targets' compiler.
packages=(g++ clang-16 libclang-rt-16-dev cmake libboost1.81-dev libboost-url1.81-dev libssl-dev
          zlib1g-dev libbrotli-dev libgtest-dev)
# Each version's site_checker.py, and the test that compares it with the C++, run on aiohttp.
packages+=(python3-aiohttp)
# International host names go through IDNA with libidn2, found by pkg-config.
packages+=(pkg-config libidn2-dev)
# The docs test (tests/docs) renders the pages in Debian's chromium, with the fonts it measures.
packages+=(chromium fonts-liberation)
# Node.js runs that test; a node installed some other way (with its own npm) is used as it is.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
# Extra packages a caller asks for, e.g. `scripts/setup.sh gdb`.
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# Debian's default Boost (1.74) lacks Boost.URL and the ranged make_parallel_group: 1.81 is needed.
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Mermaid, its command line and the Markdown renderer for the docs test, at the versions in
# tests/docs/package-lock.json. Puppeteer's own browser download is skipped: chromium is above.
# A copy of the lock file in node_modules says which versions are installed there.
if ! cmp -s tests/docs/package-lock.json tests/docs/node_modules/.installed-lock.json; then
  echo "setup: npm ci in tests/docs" >&2
  (cd tests/docs && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2 &&
     cp package-lock.json node_modules/.installed-lock.json)
fi
