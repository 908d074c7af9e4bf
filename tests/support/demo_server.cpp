// sitecheck_demo_server: an HTTP and an HTTPS server on 127.0.0.1 for trying the site checkers
// without the internet (scripts/demo.sh starts it). Its certificate authority is made at start-up
// and written to DIR/ca.pem, the file to pass to --cafile. `--help` lists the pages.

#include "support/ca.hpp"
#include "support/server.hpp"

#include <cerrno>
#include <chrono>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pthread.h>
#include <unistd.h>

namespace {

constexpr std::string_view kUsage = R"(usage: sitecheck_demo_server [--dir DIR] [--port PORT] [--http-port PORT]

Serves HTTPS and HTTP on 127.0.0.1 until Ctrl-C or SIGTERM, and prints three lines:
  ca    DIR/ca.pem, the certificate authority made at start-up (pass it to --cafile)
  http  http://localhost:PORT
  https https://localhost:PORT

Options:
  --dir DIR         where ca.pem is written (default: a new temporary folder, removed at exit;
                    a DIR given here is kept, and ca.pem is rewritten at each start)
  --port PORT       the HTTPS port (default: any free port)
  --http-port PORT  the HTTP port (default: any free port)

Pages, on both servers:
  /tutorials          two pages like the tutorial's sites: 200, <!doctype html>; the page
  /newsletter         follows its status a quarter of a second later, so that checks
                      overlap as they do over the internet
  /                   a short page at once: 200, <!doctype html>\n<html>...
  /redirect/N         N redirects (302) before a page
  /status/CODE        a page with that status, e.g. /status/404
  /gzip  /deflate     a compressed page
  /utf8  /latin1      text in another script or charset
  /controls  /bom     control characters; UTF-8 that starts with a byte-order mark
  /chunked            a page sent in chunks
  /big/N              a page of N bytes
Pages that fail, or never finish:
  /truncated          announces 1000 bytes, sends 20, closes: "response body ended early"
  /hang               reads the request and never answers (the check's --timeout ends it)
  /stall-body         sends the status and 20 bytes of the body, then nothing, never closing
  /endless            an endless chunked body, as fast as the client reads
Anything else answers 404.
)";

// Pages shaped like the front pages of the tutorial's two sites: the doctype, then a blank line,
// so the first 17 characters stripped read `<!doctype html>`, as in the tutorial's output.
const std::map<std::string, std::string> kPages = {
    {"/tutorials",
     "<!doctype html>\n\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Python tutorials</title></head>\n"
     "<body><h1>Python tutorials</h1><p>A demo page served on this machine.</p></body>\n</html>\n"},
    {"/newsletter",
     "<!doctype html>\n\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>A weekly Python newsletter</title>"
     "</head>\n<body><h1>A weekly Python newsletter</h1><p>A demo page served on this machine.</p></body>\n</html>\n"},
};

std::optional<unsigned short> parse_port(std::string_view text) {
    unsigned short port = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return port;
}

// "--name VALUE" or "--name=VALUE": the value, advancing i past it; nullopt if arg is another option.
std::optional<std::string> option_value(std::string_view name, int& i, int argc, char** argv, bool& missing) {
    const std::string_view arg = argv[i];
    if (arg == name) {
        if (i + 1 >= argc) {
            missing = true;
            return std::nullopt;
        }
        return std::string(argv[++i]);
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=')
        return std::string(arg.substr(name.size() + 1));
    return std::nullopt;
}

int usage_error(const std::string& message) {
    std::cerr << "sitecheck_demo_server: " << message << "\n" << kUsage.substr(0, kUsage.find('\n') + 1);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir;
    unsigned short https_port = 0;
    unsigned short http_port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        bool missing = false;
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        }
        if (auto value = option_value("--dir", i, argc, argv, missing)) {
            dir = *value;
        } else if (auto value = option_value("--port", i, argc, argv, missing)) {
            auto port = parse_port(*value);
            if (!port) return usage_error("--port wants a number from 0 to 65535, not '" + *value + "'");
            https_port = *port;
        } else if (auto value = option_value("--http-port", i, argc, argv, missing)) {
            auto port = parse_port(*value);
            if (!port) return usage_error("--http-port wants a number from 0 to 65535, not '" + *value + "'");
            http_port = *port;
        } else {
            return usage_error(missing ? arg + " needs a value" : "unknown argument '" + arg + "'");
        }
    }

    // Block the signals before any thread starts, so that sigwait() below
    // is the only place they are delivered.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    bool own_dir = false;
    std::string ca_path;
    int rc = 0;
    try {
        if (dir.empty()) {
            const char* tmp = std::getenv("TMPDIR");
            std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sitecheck-demo-XXXXXX";
            std::vector<char> buf(templ.begin(), templ.end());
            buf.push_back('\0');
            if (::mkdtemp(buf.data()) == nullptr) {
                std::cerr << "sitecheck_demo_server: mkdtemp failed: " << std::strerror(errno) << "\n";
                return 1;
            }
            dir = buf.data();
            own_dir = true;
        }

        testsupport::TestCA ca;
        ca_path = dir + "/ca.pem";
        {
            std::ofstream out(ca_path, std::ios::binary | std::ios::trunc);
            out << ca.ca_pem();
            out.close();
            if (!out) {
                std::cerr << "sitecheck_demo_server: cannot write " << ca_path << "\n";
                if (own_dir) ::rmdir(dir.c_str());
                return 1;
            }
        }

        const std::chrono::milliseconds delay(250);
        testsupport::ServerOptions plain_opts{
            .tls = std::nullopt, .port = http_port, .pages = kPages, .page_delay = delay};
        testsupport::ServerOptions tls_opts{.tls = ca.issue({"localhost"}, {"127.0.0.1", "::1"}),
                                            .port = https_port,
                                            .pages = kPages,
                                            .page_delay = delay};
        testsupport::LoopbackServer http(plain_opts);
        testsupport::LoopbackServer https(tls_opts);

        std::cout << "ca " << ca_path << "\n"
                  << "http http://localhost:" << http.port() << "\n"
                  << "https https://localhost:" << https.port() << "\n"
                  << std::flush;

        int sig = 0;
        while (sigwait(&signals, &sig) != 0) {
        }
    } catch (const std::exception& e) {
        std::cerr << "sitecheck_demo_server: " << e.what() << "\n";
        rc = 1;
    }
    if (own_dir) {
        if (!ca_path.empty()) ::unlink(ca_path.c_str());
        ::rmdir(dir.c_str());
    }
    return rc;
}
