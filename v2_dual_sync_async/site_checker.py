"""site_checker v2 in Python: one class, both protocols, usable with `with` and `async with`.

The tutorial's last advice, all four methods on one class. The blocking pair runs the
coroutines on an event loop of the Session's own, as the C++ does.

The program that site_checker.cpp beside it ports, written for this repository after the
tutorial. It runs on Debian's python3-aiohttp (scripts/setup.sh installs it):

    python3 v2_dual_sync_async/site_checker.py [--sync] [--cafile FILE] [URL ...]
"""
import argparse
import asyncio
import ssl
import sys

import aiohttp

# The system's roots, and --cafile's too: what the C++ programs trust.
SSL_CONTEXT = ssl.create_default_context()


class Session:
    class BlockingResponse:
        """What __enter__ returns: the response, with a text() that blocks."""

        def __init__(self, loop, response):
            self._loop = loop
            self._response = response
            self.status = response.status

        def text(self):
            return self._loop.run_until_complete(self._response.text())

    def __init__(self, url):
        self._url = url

    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
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
            response = self._loop.run_until_complete(self.__aenter__())
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


def reported_sync(url, check):
    # sitecheck::reported() in the C++, for a blocking check.
    try:
        check()
        return True
    except Exception as error:
        print(f"{url}: error -> {str(error) or type(error).__name__}", file=sys.stderr)
        return False


async def reported(url, check):
    # sitecheck::reported() in the C++: a failing check prints one line and stops no other.
    # (The tutorial's plain gather() would leave main() at the first failure.)
    try:
        await check
        return True
    except Exception as error:
        print(f"{url}: error -> {str(error) or type(error).__name__}", file=sys.stderr)
        return False


async def main(urls):
    results = await asyncio.gather(*(reported(url, check(url)) for url in urls))
    return 0 if all(results) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sync", action="store_true",
                        help="check one site after another, with `with`")
    parser.add_argument("--cafile", help="trust this PEM bundle as well as the system's roots")
    parser.add_argument("urls", nargs="*", metavar="URL",
                        default=["https://realpython.com", "https://pycoders.com"])
    args = parser.parse_args()
    if args.cafile:
        SSL_CONTEXT.load_verify_locations(args.cafile)
    if args.sync:
        # No shared event loop here: each Session runs its own, one site at a time.
        results = [reported_sync(url, lambda: check_sync(url)) for url in args.urls]
        sys.exit(0 if all(results) else 1)
    sys.exit(asyncio.run(main(args.urls)))
