#!/usr/bin/python3
"""The tutorial's v1 site checker, in Python with aiohttp: the benchmark's reference.

    /usr/bin/python3 bench/site_checker_aiohttp.py --cafile CA URL...

As in the tutorial: AsyncSession opens an aiohttp.ClientSession in __aenter__, gets the page, and
closes the session in __aexit__; main() gathers one check per URL. The only addition is the trust:
one ssl.SSLContext, made once, that trusts the system's roots and CAFILE, as site_checker_v1 does.
"""
import asyncio
import ssl
import sys

import aiohttp

SSL_CONTEXT = ssl.create_default_context()


class AsyncSession:
    def __init__(self, url):
        self._url = url

    async def __aenter__(self):
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=SSL_CONTEXT))
        response = await self.session.get(self._url)
        return response

    async def __aexit__(self, exc_type, exc_value, exc_tb):
        await self.session.close()


async def check(url):
    async with AsyncSession(url) as response:
        print(f"{url}: status -> {response.status}")
        html = await response.text()
        print(f"{url}: type -> {html[:17].strip()}")


async def main(urls):
    await asyncio.gather(*(check(url) for url in urls))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--cafile"]:
        SSL_CONTEXT.load_verify_locations(cafile=args[1])
        args = args[2:]
    asyncio.run(main(args))
