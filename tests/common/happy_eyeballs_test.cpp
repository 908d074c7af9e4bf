#include "net/happy_eyeballs.hpp"

#include <gmock/gmock.h>

using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using sitecheck::detail::interleave_families;
using ::testing::ElementsAre;

namespace {

tcp::endpoint at(const char* address)
{
    return {make_address(address), 443};
}

} // namespace

TEST(HappyEyeballs, AddressesAlternateFamiliesStartingWithTheFirstOnesFamily)
{
    EXPECT_THAT(interleave_families({at("::1"), at("::2"), at("::3"), at("10.0.0.1"), at("10.0.0.2")}),
                ElementsAre(at("::1"), at("10.0.0.1"), at("::2"), at("10.0.0.2"), at("::3")));
    EXPECT_THAT(interleave_families({at("10.0.0.1"), at("::1"), at("10.0.0.2")}),
                ElementsAre(at("10.0.0.1"), at("::1"), at("10.0.0.2")));
    EXPECT_THAT(interleave_families({at("10.0.0.1"), at("10.0.0.2")}),
                ElementsAre(at("10.0.0.1"), at("10.0.0.2")));
    EXPECT_THAT(interleave_families({}), ElementsAre());
}
