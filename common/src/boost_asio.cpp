// Asio and its TLS part, compiled once for the whole project rather than in every file that
// includes them (BOOST_ASIO_SEPARATE_COMPILATION, set for all of them in common/CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
