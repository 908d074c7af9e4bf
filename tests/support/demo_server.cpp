// sitecheck_demo_server [--dir DIR]
// Starts an HTTP and an HTTPS test server on 127.0.0.1 with a CA made at run
// time, prints "ca <path>", "http <base url>", "https <base url>" and runs
// until SIGINT or SIGTERM.

#include "support/ca.hpp"
#include "support/server.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <pthread.h>
#include <unistd.h>

namespace {

void usage(std::ostream& out) { out << "usage: sitecheck_demo_server [--dir DIR]\n"; }

}  // namespace

int main(int argc, char** argv) {
    std::string dir;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--dir" && i + 1 < argc) {
            dir = argv[++i];
        } else if (arg.rfind("--dir=", 0) == 0) {
            dir = arg.substr(6);
        } else if (arg == "--help" || arg == "-h") {
            usage(std::cout);
            return 0;
        } else {
            usage(std::cerr);
            return 2;
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

        testsupport::ServerOptions plain_opts;
        testsupport::ServerOptions tls_opts;
        tls_opts.tls = ca.issue({"localhost"}, {"127.0.0.1", "::1"});
        testsupport::LoopbackServer http(plain_opts);
        testsupport::LoopbackServer https(tls_opts);

        std::cout << "ca " << ca_path << "\n"
                  << "http " << http.url_for_host("localhost", "").substr(0, http.url_for_host("localhost", "").size() - 1)
                  << "\n"
                  << "https " << https.url_for_host("localhost", "").substr(0, https.url_for_host("localhost", "").size() - 1)
                  << "\n"
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
