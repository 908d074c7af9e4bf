// Real HTTP/HTTPS servers on loopback (port 0) for the tests.
// Each LoopbackServer runs its own io_context on its own thread; the
// constructor starts it, the destructor closes every connection and joins.
#pragma once

#include "support/ca.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace testsupport {

enum class Family { V4, V6 };  // V4 -> 127.0.0.1, V6 -> ::1

enum class Behaviour {
    Http,     // the routes documented in server.cpp
    Garbage,  // sends "SSH-2.0-OpenSSH_9.0\r\n" (no TLS, no HTTP), then closes its side
    Silent,   // accepts and reads, never answers
};

struct ServerOptions {
    Family family = Family::V4;
    std::optional<TestCA::Leaf> tls{};  // nullopt = plain HTTP
    Behaviour behaviour = Behaviour::Http;
    unsigned short port = 0;                   // 0: a free port chosen by the system
    std::map<std::string, std::string> pages = {};  // path -> body of a 200 text/html page
    std::chrono::milliseconds page_delay{0};        // between a page's head and its body
    // TLS: refuse a client that sends no certificate (TLS 1.3 alert certificate_required,
    // TLS 1.2 handshake_failure after a CertificateRequest), and then read until the client
    // closes, so that its request never meets a reset.
    bool require_client_certificate = false;
    bool tls12_only = false; // TLS: at most TLS 1.2
};

class LoopbackServer {
public:
    explicit LoopbackServer(ServerOptions options = {});
    ~LoopbackServer();
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    unsigned short port() const;
    std::string host() const;                           // "127.0.0.1" or "[::1]"
    std::string url(std::string_view path) const;       // "http://127.0.0.1:PORT/path"
    std::string url_for_host(std::string_view host,     // "https://localhost:PORT/path"
                             std::string_view path) const;

    // Counters, safe from any thread.
    std::size_t connections_opened() const;
    std::size_t connections_closed() const;
    bool wait_for_closed(std::size_t n, std::chrono::milliseconds limit) const;
    std::size_t close_notify_received() const;
    std::vector<std::string> sni_names() const;      // per TLS handshake: the SNI name, "" for none
    std::vector<std::string> request_heads() const;  // each head includes its final "\r\n\r\n"
    // What the endless routes (/endless-chunk-extension, /endless-trailer) managed to write:
    // what the client took, plus what the sockets' buffers hold.
    std::uint64_t bytes_flooded() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace testsupport
