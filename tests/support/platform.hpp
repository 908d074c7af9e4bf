// What the tests need from the system beyond POSIX, in one place: CI runs them on Linux; the
// other branches follow what those systems document and are not run here.
// scripts/check-portable.sh lets Linux-only names appear in this file and nowhere else.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

namespace testsupport {

// The environment variable that makes the dynamic linker load a library before the program's
// own, so that its getaddrinfo() wins (tests/support/lookup_shim.c). ELF systems (Linux, the
// BSDs) read LD_PRELOAD. macOS's dyld would need DYLD_INSERT_LIBRARIES, a dylib rather than a
// module, and a flat namespace: there the tests that need the shim are skipped.
inline const char* preload_variable()
{
#if defined(__APPLE__)
    return nullptr;
#else
    return "LD_PRELOAD";
#endif
}

// getrusage()'s ru_maxrss is in KiB on Linux and the BSDs, in bytes on macOS.
inline long peak_rss_kib(const rusage& usage)
{
#if defined(__APPLE__)
    return usage.ru_maxrss / 1024;
#else
    return usage.ru_maxrss;
#endif
}

// A device on which every write fails with ENOSPC, as on a full disk: Linux's /dev/full.
// Looked for at run time, since not every system has one (macOS has none): where it is
// missing, the test that needs it is skipped.
inline const char* full_device()
{
    return access("/dev/full", W_OK) == 0 ? "/dev/full" : nullptr;
}

// Whether the tests, and so the programs they run, were built with AddressSanitizer, whose shadow
// memory swamps any figure of peak memory. g++ says so with __SANITIZE_ADDRESS__, clang 16
// only through __has_feature.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool address_sanitizer = true;
#elif defined(__has_feature)
inline constexpr bool address_sanitizer = __has_feature(address_sanitizer);
#else
inline constexpr bool address_sanitizer = false;
#endif

} // namespace testsupport
