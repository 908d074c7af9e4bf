#!/usr/bin/env bash
# Builds common/, the three versions and the tests against a newer Boost than the installed one,
# warnings as errors and Asio's deprecated parts left out (BOOST_ASIO_NO_DEPRECATED, as in every
# build; Beast leaves its own out unless BOOST_BEAST_ALLOW_DEPRECATED is set), then runs the
# suite but for the docs' browser test and the Python twins, which no Boost touches.
#   scripts/check-boost.sh DIR
# DIR is an unpacked Boost release from boost.org (boost_1_92_0/, with boost/ and libs/), or a
# folder laid out the same with only some libraries in it: its headers come before the
# installed ones, and Boost.URL is compiled from DIR/libs/url/src, since the installed
# libboost_url belongs to the installed headers. The build goes to build-boost/.
set -euo pipefail
dir=$(cd "${1:?usage: scripts/check-boost.sh DIR (an unpacked Boost release)}" && pwd)
cd "$(dirname "$0")/.."
[ -d "$dir/boost" ] || { echo "check-boost: $dir has no boost/ folder of headers" >&2; exit 2; }

# What the compiler sees first, so that the log says which versions were built against.
printf '%s\n' '#include <boost/asio/version.hpp>' '#include <boost/beast/version.hpp>' \
  'Asio BOOST_ASIO_VERSION, Beast BOOST_BEAST_VERSION' |
  ${CXX:-c++} -isystem "$dir" -E -P -x c++ - | tail -1 | sed 's/^/check-boost: /' >&2

# -isystem keeps warnings inside Boost's headers out, as for any installed Boost. But g++ 12
# reports a variant2 inside Boost.URL's result<> as maybe used uninitialized at the line of ours
# that inlined it, where -isystem cannot silence it: a false positive of its flow analysis, left
# a warning, not an error.
flags="-isystem $dir"
if [ "$(echo __clang__ | ${CXX:-c++} -E -P -x c++ - | tail -1)" = __clang__ ]; then # not clang
  flags+=" -Wno-error=maybe-uninitialized"
fi
url=()
# Boost 1.83 and later build Boost.URL from libs/url/src; before, from boost/url/src.hpp.
[ -d "$dir/libs/url/src" ] && url=(-DSITECHECK_BOOST_URL_SOURCE_DIR="$dir/libs/url/src")
cmake -S . -B build-boost -DCMAKE_BUILD_TYPE=Release -DCMAKE_COMPILE_WARNING_AS_ERROR=ON \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_CXX_FLAGS="$flags" -DSITECHECK_BOOST_URL_FROM_SOURCE=ON "${url[@]}" >/dev/null
cmake --build build-boost -j "${CMAKE_BUILD_PARALLEL_LEVEL:-$(getconf _NPROCESSORS_ONLN)}"
ctest --test-dir build-boost -LE 'docs-browser|python' -j "$((2 * $(getconf _NPROCESSORS_ONLN)))" \
  --output-on-failure
