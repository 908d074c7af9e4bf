#pragma once

#include "sitecheck/session.hpp"

#include <boost/asio/ssl/context.hpp>

namespace sitecheck {

class TlsContext {
public:
    explicit TlsContext(const std::optional<std::string>& cafile);
    boost::asio::ssl::context context{boost::asio::ssl::context::tls_client};
};

} // namespace sitecheck
