/* A getaddrinfo() for the tests, preloaded into a checker (tests/support/platform.hpp says how,
 * and where): names under ".test" resolve to loopback without any DNS, and the labels of a name
 * say how the lookup behaves.
 *
 *   slow.*.test        takes 200 ms
 *   hang.*.test        never returns
 *   barrier20.*.test   returns only once 20 such lookups are in flight at the same time, which
 *                      only lookups that run concurrently can reach (after 20 s it gives up
 *                      and fails, so that a checker doing one lookup at a time fails its test)
 *   v6first.*.test     ::1 first, then 127.0.0.1 (otherwise 127.0.0.1 only)
 *
 * Every name looked up is appended to the file SITECHECK_LOOKUP_LOG names, one per line.
 * Other names go to the real getaddrinfo. Written in C so that sanitizer builds, whose flags
 * are C++ flags, leave it plain: it runs inside programs built with or without them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef int (*getaddrinfo_fn)(const char*, const char*, const struct addrinfo*, struct addrinfo**);

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t arrived_changed = PTHREAD_COND_INITIALIZER;
static long arrived; /* lookups that reached a barrier */

static int has_label(const char* name, const char* label)
{
    const size_t n = strlen(label);
    for (const char* p = name; p; p = strchr(p, '.')) {
        if (*p == '.')
            ++p;
        if (strncmp(p, label, n) == 0 && (p[n] == '.' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

static long barrier_size(const char* name)
{
    for (const char* p = name; p; p = strchr(p, '.')) {
        if (*p == '.')
            ++p;
        if (strncmp(p, "barrier", 7) == 0)
            return strtol(p + 7, NULL, 10);
    }
    return 0;
}

static int ends_with(const char* s, const char* suffix)
{
    const size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void log_name(const char* name)
{
    const char* path = getenv("SITECHECK_LOOKUP_LOG");
    if (!path)
        return;
    const int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    char line[1024];
    const size_t n = strlen(name) < sizeof line - 1 ? strlen(name) : sizeof line - 2;
    memcpy(line, name, n);
    line[n] = '\n';
    (void)!write(fd, line, n + 1); /* one write: lines from concurrent lookups never mix */
    close(fd);
}

/* Returns 0 once `size` lookups have arrived, -1 after 20 s. */
static int wait_at_barrier(long size)
{
    struct timespec give_up;
    clock_gettime(CLOCK_REALTIME, &give_up);
    give_up.tv_sec += 20;
    int result = 0;
    pthread_mutex_lock(&mutex);
    ++arrived;
    pthread_cond_broadcast(&arrived_changed);
    while (arrived < size && result == 0)
        if (pthread_cond_timedwait(&arrived_changed, &mutex, &give_up) == ETIMEDOUT)
            result = -1;
    pthread_mutex_unlock(&mutex);
    return result;
}

static int loopback(getaddrinfo_fn real, const char* address, int family, const char* service,
                    const struct addrinfo* hints, struct addrinfo** res)
{
    struct addrinfo numeric;
    memset(&numeric, 0, sizeof numeric);
    if (hints)
        numeric = *hints;
    numeric.ai_family = family;
    numeric.ai_flags = AI_NUMERICHOST | (hints ? hints->ai_flags & AI_NUMERICSERV : 0);
    return real(address, service, &numeric, res);
}

int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints, struct addrinfo** res)
{
    void* symbol = dlsym(RTLD_NEXT, "getaddrinfo");
    getaddrinfo_fn real; /* ISO C has no cast from an object pointer to a function pointer */
    memcpy(&real, &symbol, sizeof real);
    if (!node || !ends_with(node, ".test"))
        return real(node, service, hints, res);
    log_name(node);
    if (has_label(node, "hang"))
        for (;;)
            pause();
    if (has_label(node, "slow")) {
        const struct timespec delay = {0, 200 * 1000 * 1000};
        nanosleep(&delay, NULL);
    }
    const long size = barrier_size(node);
    if (size > 0 && wait_at_barrier(size) != 0)
        return EAI_AGAIN;
    if (!has_label(node, "v6first"))
        return loopback(real, "127.0.0.1", AF_INET, service, hints, res);
    struct addrinfo* v6 = NULL;
    const int status = loopback(real, "::1", AF_INET6, service, hints, &v6);
    if (status != 0)
        return status;
    struct addrinfo* last = v6;
    while (last->ai_next)
        last = last->ai_next;
    const int status4 = loopback(real, "127.0.0.1", AF_INET, service, hints, &last->ai_next);
    if (status4 != 0) {
        freeaddrinfo(v6);
        return status4;
    }
    *res = v6;
    return 0;
}
