// Hostile servers and bad input, for every program: each case ends with the spec's error line
// (or a status, where the server answers), the exit status says a check failed, a healthy site
// in the same run is unaffected, and every connection a server saw was closed again.
#include "checker.hpp"

#include "support/program.hpp"
#include "support/servers.hpp"

#include <sys/resource.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

using testsupport::Behaviour;
using testsupport::Family;
using testsupport::LoopbackServer;
using testsupport::ServerOptions;
using testsupport::servers;
using testsupport::TestCA;
using testsupport::Validity;

namespace {

struct Fault {
    std::string name;
    // Makes the case's URL; may start a server of the case's own, whose connections are counted.
    std::function<std::string(std::unique_ptr<LoopbackServer>&)> url;
    std::string error;           // the expected MESSAGE, or its start when it ends in "..."
    bool status_first = false;   // the status line comes before the error
};

ServerOptions tls_with(TestCA::Leaf leaf)
{
    return ServerOptions{Family::V4, std::move(leaf)};
}

std::string on_own_server(std::unique_ptr<LoopbackServer>& server, ServerOptions options,
                          const std::string& path, const char* host = nullptr)
{
    server = std::make_unique<LoopbackServer>(std::move(options));
    return host ? server->url_for_host(host, path) : server->url(path);
}

std::vector<Fault> faults()
{
    auto& ca = servers().ca;
    auto good_tls = [&ca] { return tls_with(ca.issue({"localhost"}, {"127.0.0.1"})); };
    return {
        // Names, ports, certificates
        {"unknown_host", [](auto&) { return std::string("https://no-such-host.invalid/"); },
         "could not resolve host no-such-host.invalid"},
        {"refused_port", [](auto&) { return "http://127.0.0.1:" + std::to_string(servers().closed_port) + "/"; },
         "connection refused"},
        {"self_signed", [](auto& s) { return on_own_server(s, tls_with(TestCA::self_signed({"localhost"}, {})), "/ok", "localhost"); },
         "certificate verify failed: self-signed certificate"},
        {"other_host", [&ca](auto& s) { return on_own_server(s, tls_with(ca.issue({"other.example"}, {})), "/ok", "localhost"); },
         "certificate verify failed: hostname mismatch"},
        {"other_ip", [&ca](auto& s) { return on_own_server(s, tls_with(ca.issue({"localhost"}, {"10.9.8.7"})), "/ok"); },
         "certificate verify failed: IP address mismatch"},
        {"expired", [&ca](auto& s) { return on_own_server(s, tls_with(ca.issue({"localhost"}, {}, Validity::Expired)), "/ok", "localhost"); },
         "certificate verify failed: certificate has expired"},
        // A server that wants a client certificate, which the checker never has: TLS 1.3 says
        // so in an alert of its own; TLS 1.2 fails the handshake after asking for one.
        {"client_certificate_tls13", [&ca](auto& s) {
             auto options = tls_with(ca.issue({"localhost"}, {"127.0.0.1"}));
             options.require_client_certificate = true;
             return on_own_server(s, options, "/ok"); },
         "the server requires a client certificate"},
        {"client_certificate_tls12", [&ca](auto& s) {
             auto options = tls_with(ca.issue({"localhost"}, {"127.0.0.1"}));
             options.require_client_certificate = true;
             options.tls12_only = true;
             return on_own_server(s, options, "/ok"); },
         "the server requires a client certificate"},
        // Protocol mix-ups
        {"tls_to_plain_port", [](auto& s) {
             on_own_server(s, ServerOptions{}, "/");
             return "https://127.0.0.1:" + std::to_string(s->port()) + "/ok"; },
         "TLS handshake failed: ..."},
        {"plain_to_tls_port", [good_tls](auto& s) {
             on_own_server(s, good_tls(), "/");
             return "http://127.0.0.1:" + std::to_string(s->port()) + "/ok"; },
         "server closed the connection without a response"},
        {"no_http", [](auto& s) { return on_own_server(s, ServerOptions{Family::V4, std::nullopt, Behaviour::Garbage}, "/"); },
         "not an HTTP response"},
        // Stalls and floods
        {"never_answers", [](auto& s) { return on_own_server(s, ServerOptions{Family::V4, std::nullopt, Behaviour::Silent}, "/"); },
         "timed out after 2 s"},
        {"never_answers_tls", [](auto& s) {
             on_own_server(s, ServerOptions{Family::V4, std::nullopt, Behaviour::Silent}, "/");
             return "https://127.0.0.1:" + std::to_string(s->port()) + "/"; },
         "timed out after 2 s"},
        {"no_response", [good_tls](auto& s) { return on_own_server(s, good_tls(), "/hang"); }, "timed out after 2 s"},
        {"stalls_mid_body", [good_tls](auto& s) { return on_own_server(s, good_tls(), "/stall-body"); },
         "timed out after 2 s", true},
        {"endless_body", [](auto& s) { return on_own_server(s, ServerOptions{}, "/endless"); },
         "timed out after 2 s", true},
        {"endless_header", [good_tls](auto& s) { return on_own_server(s, good_tls(), "/endless-header"); },
         "response header too large"},
        {"reset", [](auto& s) { return on_own_server(s, ServerOptions{}, "/reset"); }, "connection reset by peer"},
        {"body_ends_early", [good_tls](auto& s) { return on_own_server(s, good_tls(), "/truncated"); },
         "response body ended early", true},
        // Redirects
        {"redirect_loop", [good_tls](auto& s) { return on_own_server(s, good_tls(), "/loop"); }, "too many redirects"},
        {"garbage_location", [](auto& s) { return on_own_server(s, ServerOptions{}, "/redirect-to?url=http://%5B%5D%5B::"); },
         "redirect to an invalid URL 'http://[][::'"},
        {"location_ftp", [](auto& s) { return on_own_server(s, ServerOptions{}, "/redirect-to?url=ftp://127.0.0.1/x"); },
         "unsupported scheme 'ftp'"},
        {"location_javascript", [](auto& s) { return on_own_server(s, ServerOptions{}, "/redirect-to?url=javascript:alert(1)"); },
         "unsupported scheme 'javascript'"},
        // URLs: nothing reaches the server
        // (CR, LF and TAB are dropped, as browsers drop them: checker_test.cpp, network_test.cpp.)
        {"url_with_escape", [](auto& s) { return on_own_server(s, ServerOptions{}, "/ok\x1b[2J"); }, "not a valid URL"},
        // A space or raw UTF-8 in the path is percent-encoded (network_test.cpp); in the host
        // a space stays invalid, and so does a name that IDNA refuses (a leading combining mark).
        {"host_with_space", [](auto&) { return std::string("http://exa mple.test/"); }, "not a valid URL"},
        {"host_refused_by_idna", [](auto&) { return std::string("http://\u0301x.test/"); }, "not a valid URL"},
        {"url_with_delete", [](auto& s) { return on_own_server(s, ServerOptions{}, "/\x7f"); }, "not a valid URL"},
    };
}

} // namespace

TEST_P(FaultMatrix, EveryFaultGetsItsLineAndLeavesTheOthersAlone)
{
    const Program& p = GetParam();
    const auto cases = faults();
    std::vector<std::unique_ptr<LoopbackServer>> own(cases.size());
    std::vector<std::string> urls;
    for (std::size_t i = 0; i < cases.size(); ++i)
        urls.push_back(cases[i].url(own[i]));
    const std::string healthy = servers().https.url("/ok");

    std::vector<std::string> args = p.extra;
    args.insert(args.end(), {"--timeout", "2", "--cafile", servers().ca.ca_file(), healthy});
    args.insert(args.end(), urls.begin(), urls.end());
    const auto r = testsupport::run_program(p.path, args);

    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(testsupport::lines_starting_with(r.out, healthy + ": "),
              (std::vector<std::string>{healthy + ": status -> 200", healthy + ": type -> <!doctype html>\\n<"}));
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& fault = cases[i];
        SCOPED_TRACE(fault.name);
        // Lines are matched on the URL as printed: control characters escaped.
        std::string shown;
        for (char c : urls[i])
            shown += c == '\x1b' ? std::string("\\x1b") : c == '\x7f' ? std::string("\\x7f") : std::string(1, c);
        const auto errors = testsupport::lines_starting_with(r.err, shown + ": error -> ");
        ASSERT_EQ(errors.size(), 1u) << r.err;
        const std::string message = errors[0].substr(shown.size() + 11);
        if (fault.error.ends_with("..."))
            EXPECT_TRUE(message.starts_with(fault.error.substr(0, fault.error.size() - 3))) << message;
        else
            EXPECT_EQ(message, fault.error);
        const auto out = testsupport::lines_starting_with(r.out, shown + ": ");
        if (fault.status_first)
            EXPECT_EQ(out, (std::vector<std::string>{shown + ": status -> 200"}));
        else
            EXPECT_TRUE(out.empty()) << out.front();
        if (own[i]) {
            EXPECT_TRUE(own[i]->wait_for_closed(own[i]->connections_opened(), std::chrono::seconds(10)));
            EXPECT_EQ(own[i]->connections_closed(), own[i]->connections_opened());
            if (fault.error == "not a valid URL") {
                EXPECT_EQ(own[i]->connections_opened(), 0u);
            }
        }
    }
}

TEST_P(FaultMatrix, AHundredKilobyteUrlGetsAnAnswerOrAnError)
{
    const Program& p = GetParam();
    const auto url = servers().http.url("/" + std::string(100 * 1024, 'a'));
    std::vector<std::string> args = p.extra;
    args.insert(args.end(), {"--timeout", "5", url});
    const auto r = testsupport::run_program(p.path, args);
    const auto out = testsupport::lines_starting_with(r.out, url + ": ");
    const auto err = testsupport::lines_starting_with(r.err, url + ": error -> ");
    // The test server refuses heads over 64 KiB by hanging up; a status would do as well.
    // (The URL is not printed: it is 100 KB long.)
    ASSERT_EQ(err.size() + out.size(), 1u);
    ASSERT_EQ(err.size(), 1u);
    const std::string message = err[0].substr(url.size() + 11);
    EXPECT_TRUE(message == "server closed the connection without a response" ||
                message == "connection reset by peer") << message;
    EXPECT_EQ(r.exit_code, 1);
}

TEST_P(FaultMatrix, FiveThousandSitesUnderAThousandOpenFiles)
{
    // The checker may keep open as many connections as its open-file limit allows, less a
    // reserve; the rest wait for a slot instead of failing with "too many open files".
    rlimit mine{};
    getrlimit(RLIMIT_NOFILE, &mine);
    mine.rlim_cur = mine.rlim_max; // the server in this process holds the other ends
    setrlimit(RLIMIT_NOFILE, &mine);
    ASSERT_GE(mine.rlim_cur, 2048u);

    const Program& p = GetParam();
    LoopbackServer server;
    std::vector<std::string> args = p.extra;
    args.insert(args.end(), {"--timeout", "60"});
    for (int i = 0; i < 5000; ++i)
        args.push_back(server.url("/ok?site=" + std::to_string(i)));
    testsupport::ProgramOptions options;
    options.open_files_limit = 1024;
    const auto r = testsupport::run_program(p.path, args, options);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(testsupport::lines_starting_with(r.out, "http://").size(), 10000u);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(server.wait_for_closed(5000, std::chrono::seconds(30)));
    EXPECT_EQ(server.connections_opened(), 5000u);
}
