#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test this repository.
# Does nothing when everything is already there; uses sudo when not run as root.
#   scripts/setup.sh [PACKAGE...]         everything CI needs (scripts/test.sh runs this)
#   scripts/setup.sh --demo [PACKAGE...]  only what scripts/demo.sh needs to build the programs
#                                         and the demo server: no second compiler, no browser,
#                                         no Node.js or npm packages
set -euo pipefail

cd "$(dirname "$0")/.."

# The package names below are Debian 12's. Anywhere else this installs nothing and says so, and
# the caller goes on: CMake then names whatever is still missing.
system=$( (. /etc/os-release && echo "${ID:-} ${VERSION_ID:-}") 2>/dev/null || true)
if [ "$system" != "debian 12" ] || ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  name=$( (. /etc/os-release && echo "${PRETTY_NAME:-$ID}") 2>/dev/null || uname -s)
  cat >&2 <<EOF
setup: this is $name, not Debian 12, so nothing is installed here. Install the dependencies
setup: with the line for your system under "Where it runs" in README.md (Ubuntu 24.04, Fedora,
setup: macOS with Homebrew, WSL 2), then build; CMake names anything still missing. The docs'
setup: browser test needs Debian's chromium: leave it out with ctest -LE docs-browser.
EOF
  exit 0
fi

mode=all
if [ "${1:-}" = --demo ]; then
  mode=demo
  shift
fi

# The compiler, CMake, and the libraries the programs link: Boost 1.81 (Debian's default Boost,
# 1.74, lacks Boost.URL and the ranged make_parallel_group), OpenSSL, zlib, brotli, and libidn2
# for international host names (found by pkg-config). GoogleTest: the demo server is built with
# the tests' support code, which the configure step looks for.
packages=(g++ cmake libboost1.81-dev libboost-url1.81-dev libssl-dev zlib1g-dev libbrotli-dev
          pkg-config libidn2-dev libgtest-dev)
if [ "$mode" = all ]; then
  # clang-16 and its runtime (libFuzzer, sanitizers): the second compiler CI builds with, and the
  # fuzz targets' compiler; libc++ 16, the third standard library CI builds against (the libcxx
  # preset).
  packages+=(clang-16 libclang-rt-16-dev libc++-16-dev libc++abi-16-dev)
  # Each version's site_checker.py, and the test that compares it with the C++, run on aiohttp.
  packages+=(python3-aiohttp)
  # The docs test (tests/docs) renders the pages in Debian's chromium, with the fonts it measures.
  packages+=(chromium fonts-liberation)
  # Node.js runs that test; a node installed some other way (with its own npm) is used as it is.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi
# Extra packages a caller asks for, e.g. `scripts/setup.sh gdb`.
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

[ "$mode" = all ] || exit 0

# Mermaid, its command line and the Markdown renderer for the docs test, at the versions in
# tests/docs/package-lock.json. Puppeteer's own browser download is skipped: chromium is above.
# A copy of the lock file in node_modules says which versions are installed there.
if ! cmp -s tests/docs/package-lock.json tests/docs/node_modules/.installed-lock.json; then
  echo "setup: npm ci in tests/docs" >&2
  (cd tests/docs && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2 &&
     cp package-lock.json node_modules/.installed-lock.json)
fi
