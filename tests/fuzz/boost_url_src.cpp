// Boost.URL's sources, compiled with the fuzzers' instrumentation (see CMakeLists.txt).
#include <boost/url/src.hpp>
