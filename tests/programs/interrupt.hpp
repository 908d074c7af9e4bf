// A program interrupted while its checks are in flight, against an HTTPS server of the test's
// own, so that the server's counts (connections, close_notify received) belong to this run.
#pragma once

#include "checker.hpp"

#include "support/program.hpp"
#include "support/servers.hpp"

#include <csignal>
#include <memory>
#include <string>
#include <vector>

struct InterruptOptions {
    int signal = SIGINT;
    bool second_signal = false; // a second SIGINT as soon as the first check is cancelled
    int kill_after_seconds = 60;
    // The signal goes once each of these has been printed; by default, a status line for every
    // /stall... page and both lines for every other page.
    std::vector<std::string> wait_for = {};
};

struct InterruptedRun {
    InterruptedRun(const Program& program, const std::vector<std::string>& paths, InterruptOptions options = {})
        : server(std::make_unique<testsupport::LoopbackServer>(testsupport::ServerOptions{
              .tls = testsupport::servers().ca.issue({"localhost"}, {"127.0.0.1"})}))
    {
        std::vector<std::string> args = program.extra;
        args.insert(args.end(), {"--trace", "--timeout", "60", "--cafile", testsupport::servers().ca.ca_file()});
        for (const auto& path : paths) {
            urls.push_back(server->url(path));
            args.push_back(urls.back());
        }
        std::vector<std::string> wait_for = options.wait_for;
        if (wait_for.empty())
            for (std::size_t i = 0; i < paths.size(); ++i)
                wait_for.push_back(urls[i] + (paths[i].starts_with("/stall") ? ": status -> " : ": type -> "));
        testsupport::ProgramOptions run_options;
        run_options.kill_after_seconds = options.kill_after_seconds;
        run_options.signals.push_back({[wait_for](const std::string& out, const std::string&) {
                                           for (const auto& line : wait_for)
                                               if (out.find(line) == std::string::npos)
                                                   return false;
                                           return true;
                                       },
                                       options.signal});
        if (options.second_signal)
            run_options.signals.push_back({[](const std::string&, const std::string& err) {
                                               return err.find(": trace -> cancelled") != std::string::npos;
                                           },
                                           SIGINT});
        result = testsupport::run_program(program.path, args, run_options);
    }

    // Connections whose client sent a TLS close_notify, once every connection has ended.
    std::size_t closed_politely() const
    {
        server->wait_for_closed(server->connections_opened(), std::chrono::seconds(10));
        return server->close_notify_received();
    }

    std::unique_ptr<testsupport::LoopbackServer> server;
    std::vector<std::string> urls;
    testsupport::ProgramResult result;
};
