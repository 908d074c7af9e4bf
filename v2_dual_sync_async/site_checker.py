"""site_checker v2 in Python: one class, both protocols, usable with `with` and `async with`.

The tutorial's last advice, all four methods on one class. The blocking pair runs the
coroutines on an event loop of the Session's own, as the C++ does.

The program that site_checker.cpp beside it ports, written for this repository after the
tutorial. It runs on Debian's python3-aiohttp (scripts/setup.sh installs it):

    /usr/bin/python3 v2_dual_sync_async/site_checker.py [--sync] [--cafile FILE]
                     [--timeout SECONDS] [URL ...]
"""
import argparse
import asyncio
import ssl
import sys

import aiohttp

# The system's roots, and --cafile's too: what the C++ programs trust.
SSL_CONTEXT = ssl.create_default_context()
# One deadline for a whole check, as --timeout gives the C++ (aiohttp's own default is 300 s).
TIMEOUT = aiohttp.ClientTimeout(total=30)


def run_to_the_end(loop, coroutine):
    """loop.run_until_complete(), but when a Ctrl-C stops the loop midway, what was running is
    cancelled and run to its end, so that its cleanup (__aenter__'s close) runs, as in C++."""
    try:
        return loop.run_until_complete(coroutine)
    except KeyboardInterrupt:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        raise


class Session:
    class BlockingResponse:
        """What __enter__ returns: the response, with a text() that blocks."""

        def __init__(self, loop, response):
            self._loop = loop
            self._response = response
            self.status = response.status

        def text(self):
            return run_to_the_end(self._loop, self._response.text())

    def __init__(self, url):
        self._url = url

    async def __aenter__(self):
        self.session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            response = await self.session.get(self._url, ssl=SSL_CONTEXT)
        except BaseException:
            # __aexit__ is not called when __aenter__ raises: close here what was opened here.
            await self.session.close()
            raise
        return response

    async def __aexit__(self, exc_type, exc_value, exc_tb):
        await self.session.close()

    def __enter__(self):
        # __aenter__, run to completion on a loop of this Session's own, which the response
        # and __exit__ keep using. (asyncio.run() would close its loop after each call.)
        self._loop = asyncio.new_event_loop()
        try:
            response = run_to_the_end(self._loop, self.__aenter__())
            return Session.BlockingResponse(self._loop, response)
        except BaseException:
            self._loop.close()
            raise

    def __exit__(self, exc_type, exc_value, exc_tb):
        try:
            return self._loop.run_until_complete(self.__aexit__(exc_type, exc_value, exc_tb))
        finally:
            self._loop.close()


def check_sync(url):
    with Session(url) as response:
        print(f"{url}: status -> {response.status}")
        html = response.text()
        print(f"{url}: type -> {html[:17].strip()}")


async def check(url):
    async with Session(url) as response:
        print(f"{url}: status -> {response.status}")
        html = await response.text()
        print(f"{url}: type -> {html[:17].strip()}")


def message(error):
    if isinstance(error, asyncio.TimeoutError):  # aiohttp's has no text: say what the C++ says
        return f"timed out after {TIMEOUT.total:g} s"
    return str(error) or type(error).__name__


def reported_sync(url, check):
    # sitecheck::reported() in the C++, for a blocking check.
    try:
        check()
        return True
    except Exception as error:
        print(f"{url}: error -> {message(error)}", file=sys.stderr)
        return False


async def reported(url, check):
    # sitecheck::reported() in the C++: a failing check prints one line and stops no other.
    # (The tutorial's plain gather() would leave main() at the first failure.)
    try:
        await check
        return True
    except Exception as error:
        print(f"{url}: error -> {message(error)}", file=sys.stderr)
        return False


async def main(urls):
    results = await asyncio.gather(*(reported(url, check(url)) for url in urls))
    return 0 if all(results) else 1


def seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}': expected a positive number of seconds")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sync", action="store_true",
                        help="check one site after another, with `with`")
    parser.add_argument("--cafile", help="trust this PEM bundle as well as the system's roots")
    parser.add_argument("--timeout", type=seconds, default=30, metavar="SECONDS",
                        help="give up on a site after SECONDS (default 30)")
    parser.add_argument("urls", nargs="*", metavar="URL",
                        default=["https://realpython.com", "https://pycoders.com"])
    args = parser.parse_args()
    if args.cafile:
        SSL_CONTEXT.load_verify_locations(args.cafile)
    TIMEOUT = aiohttp.ClientTimeout(total=args.timeout)
    if args.sync:
        # No shared event loop here: each Session runs its own, one site at a time.
        results = [reported_sync(url, lambda: check_sync(url)) for url in args.urls]
        sys.exit(0 if all(results) else 1)
    sys.exit(asyncio.run(main(args.urls)))
