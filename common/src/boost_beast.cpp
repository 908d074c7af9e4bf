// Beast, compiled once for the whole project (BOOST_BEAST_SEPARATE_COMPILATION, set for every
// user in common/CMakeLists.txt): among other things its HTTP parser, which reads every response.
#include <boost/beast/src.hpp>
