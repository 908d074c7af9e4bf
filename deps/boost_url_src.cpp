// Boost.URL's sources, for builds that compile them instead of linking the prebuilt
// libboost_url: a standard library other than the one it was built with, newer Boost headers
// than the installed library, or the fuzzers' instrumentation (see CMakeLists.txt here and in
// tests/fuzz).
#include <boost/url/src.hpp>
