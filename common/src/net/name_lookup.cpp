#include "net/name_lookup.hpp"

#include "net/wakeup.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace sitecheck::detail {
namespace asio = boost::asio;
using asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// Threads that run jobs, ending after a while idle. The pool grows one thread at a time: a
// job that finds no thread idle starts one, and so does a thread that takes a job and sees
// others still waiting. Slow lookups thus soon have a thread each, while lookups answered at
// once from /etc/hosts are done by the few threads already running. The threads are detached
// and the pool is never destroyed: at exit, a thread stuck in getaddrinfo may still use it,
// and the process ends without joining it.
class Pool {
public:
    static Pool& instance()
    {
        static Pool* pool = new Pool; // never deleted, see above
        return *pool;
    }

    void submit(std::function<void()> job)
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
        if (idle_ > 0)
            wake_.notify_one();
        else
            grow();
    }

private:
    void grow() // with the mutex held
    {
        if (starting_ || threads_ >= max_lookup_threads)
            return;
        starting_ = true;
        ++threads_;
        std::thread([this] { work(); }).detach();
    }

    void work()
    {
        std::unique_lock lock(mutex_);
        starting_ = false;
        for (;;) {
            ++idle_;
            const bool got =
                wake_.wait_for(lock, std::chrono::seconds(10), [&] { return !jobs_.empty(); });
            --idle_;
            if (!got) {
                --threads_;
                return;
            }
            auto job = std::move(jobs_.front());
            jobs_.pop_front();
            if (!jobs_.empty() && idle_ == 0)
                grow();
            lock.unlock();
            job();
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    std::size_t idle_ = 0;
    int threads_ = 0;
    bool starting_ = false; // a thread is starting: it will look at the queue itself
};

// One lookup, shared by the awaiting check and the thread that runs getaddrinfo.
struct Lookup {
    std::mutex mutex;
    bool done = false;
    error_code error;
    std::vector<tcp::endpoint> endpoints;
    // The check's wakeup while it waits, on the check's executor; null once it stopped waiting,
    // after which the thread touches nothing of the check's.
    Wakeup* waiting = nullptr;
};

error_code error_of(int gai_error, int saved_errno)
{
    switch (gai_error) {
    case EAI_SYSTEM:
        return {saved_errno, boost::system::system_category()};
    case EAI_AGAIN:
        return asio::error::host_not_found_try_again;
    case EAI_MEMORY:
        return asio::error::no_memory;
    case EAI_SERVICE:
        return asio::error::service_not_found;
    default: // EAI_NONAME, EAI_NODATA, EAI_FAIL, ...
        return asio::error::host_not_found;
    }
}

void run_getaddrinfo(const std::string& host, const std::string& port, error_code& error,
                     std::vector<tcp::endpoint>& endpoints)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG; // as Asio's resolver: no IPv6 answers on an IPv4-only host
    addrinfo* results = nullptr;
    errno = 0;
    const int status = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &results);
    if (status != 0) {
        error = error_of(status, errno);
        return;
    }
    for (const addrinfo* a = results; a; a = a->ai_next) {
        if (a->ai_family != AF_INET && a->ai_family != AF_INET6)
            continue;
        tcp::endpoint endpoint;
        std::memcpy(endpoint.data(), a->ai_addr, a->ai_addrlen);
        endpoint.resize(a->ai_addrlen);
        endpoints.push_back(endpoint);
    }
    ::freeaddrinfo(results);
    if (endpoints.empty())
        error = asio::error::host_not_found;
}

// Clears Lookup::waiting however the awaiting coroutine leaves, even when its frame is
// destroyed with its io_context.
struct StopWaiting {
    Lookup& lookup;
    ~StopWaiting()
    {
        std::lock_guard lock(lookup.mutex);
        lookup.waiting = nullptr;
    }
};

} // namespace

asio::awaitable<std::tuple<error_code, std::vector<tcp::endpoint>>>
look_up(std::string host, std::string port, std::chrono::steady_clock::time_point deadline)
{
    auto lookup = std::make_shared<Lookup>();
    Wakeup wakeup(co_await asio::this_coro::executor);
    Pool::instance().submit([lookup, host, port] {
        error_code error;
        std::vector<tcp::endpoint> endpoints;
        run_getaddrinfo(host, port, error, endpoints);
        std::lock_guard lock(lookup->mutex);
        lookup->error = error;
        lookup->endpoints = std::move(endpoints);
        lookup->done = true;
        // Wake the check on its own thread, where its wakeup may be touched.
        if (lookup->waiting)
            asio::post(lookup->waiting->get_executor(), [lookup] {
                std::lock_guard lock(lookup->mutex);
                if (lookup->waiting)
                    lookup->waiting->wake();
            });
    });
    {
        std::lock_guard lock(lookup->mutex);
        if (!lookup->done)
            lookup->waiting = &wakeup; // the post above runs after this turn: no wake-up is lost
    }
    StopWaiting stop{*lookup};
    bool cancelled = false;
    if (lookup->waiting) { // only this thread writes it
        try {
            co_await wakeup.wait(deadline);
        } catch (const boost::system::system_error&) {
            cancelled = true;
        }
    }
    std::lock_guard lock(lookup->mutex);
    lookup->waiting = nullptr;
    if (lookup->done)
        co_return std::tuple{lookup->error, std::move(lookup->endpoints)};
    co_return std::tuple{cancelled ? error_code(asio::error::operation_aborted)
                                   : error_code(boost::beast::error::timeout),
                         std::vector<tcp::endpoint>{}};
}

} // namespace sitecheck::detail
