// The loopback servers most tests share, started once per test program and stopped at its end.
#pragma once

#include "support/ca.hpp"
#include "support/server.hpp"

namespace testsupport {

struct Servers {
    TestCA ca;
    LoopbackServer http;        // plain HTTP on 127.0.0.1
    LoopbackServer https;       // HTTPS on 127.0.0.1, certificate for localhost, 127.0.0.1, ::1
    LoopbackServer https6;      // the same on ::1
    LoopbackServer garbage;     // speaks no HTTP
    LoopbackServer silent;      // accepts, never answers
    LoopbackServer self_signed; // HTTPS with a certificate no CA signed
    LoopbackServer expired;     // HTTPS with an expired certificate from the test CA
    LoopbackServer wrong_host;  // HTTPS with a certificate for another host
    unsigned short closed_port; // a port with nobody listening

    Servers();
};

Servers& servers();

} // namespace testsupport
