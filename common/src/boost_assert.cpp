// What a failed Boost assertion does in debug builds (BOOST_ENABLE_ASSERT_DEBUG_HANDLER):
// what assert() does, with one exception. Beast 1.81's chunk parser asserts that a last chunk
// ("0\r\n", trailers to follow) offered again comes with at least 5 bytes, though 3 or 4 are
// valid and handled, as release builds do (boostorg/beast#2861, fixed in Boost 1.86). Beast's
// read algorithms offer it again whenever the next byte arrives alone, so a server sending its
// last chunk a byte at a time would abort a debug build of the checker.
#include <boost/assert.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed_msg(const char* expr, const char* msg, const char* function, const char* file, long line)
{
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s.\n", file, line, function, expr,
                 msg ? ": " : "", msg ? msg : "");
    std::abort();
}

void assertion_failed(const char* expr, const char* function, const char* file, long line)
{
    if (std::strcmp(expr, "n >= 5") == 0 && std::strstr(file, "boost/beast/http/impl/basic_parser.ipp"))
        return;
    assertion_failed_msg(expr, nullptr, function, file, line);
}

} // namespace boost
