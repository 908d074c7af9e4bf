#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test this repository.
# Does nothing when everything is already there; uses sudo when not run as root.
set -euo pipefail

packages=(g++ cmake libboost1.81-dev libboost-url1.81-dev libssl-dev zlib1g-dev libgtest-dev)
# Extra packages a caller asks for, e.g. `scripts/setup.sh clang libclang-rt-14-dev`.
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Debian's default Boost (1.74) lacks Boost.URL and the ranged make_parallel_group: 1.81 is needed.
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
