"""site_checker v0 in Python: the session opened and closed inline, by aiohttp's context managers.

The program that site_checker.cpp beside it ports, written for this repository after the
tutorial. It runs on Debian's python3-aiohttp (scripts/setup.sh installs it):

    /usr/bin/python3 v0_plain/site_checker.py [--cafile FILE] [--timeout SECONDS]
                     [URL ...]
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


async def check(url):
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.get(url, ssl=SSL_CONTEXT) as response:
            print(f"{url}: status -> {response.status}")
            html = await response.text()
            print(f"{url}: type -> {html[:17].strip()}")


def message(error):
    if isinstance(error, asyncio.TimeoutError):  # aiohttp's has no text: say what the C++ says
        return f"timed out after {TIMEOUT.total:g} s"
    return str(error) or type(error).__name__


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
    parser.add_argument("--cafile", help="trust this PEM bundle as well as the system's roots")
    parser.add_argument("--timeout", type=seconds, default=30, metavar="SECONDS",
                        help="give up on a site after SECONDS (default 30)")
    parser.add_argument("urls", nargs="*", metavar="URL",
                        default=["https://realpython.com", "https://pycoders.com"])
    args = parser.parse_args()
    if args.cafile:
        SSL_CONTEXT.load_verify_locations(args.cafile)
    TIMEOUT = aiohttp.ClientTimeout(total=args.timeout)
    sys.exit(asyncio.run(main(args.urls)))
