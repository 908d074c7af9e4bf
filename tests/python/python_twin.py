"""Runs a version's site_checker.py and its C++ program on the same loopback pages, and fails
unless their reports agree record by record.

    python_twin.py --server BIN --cpp BIN --python FILE [OPTION ...]

OPTIONs (such as --sync) go to both programs. Both trust the demo server's run-time CA through
--cafile. For each site the status and type lines must be equal and in the same order, and a
site must fail in both or in neither (the wording of an error line may differ: aiohttp's
messages are not ours). With --sync the whole stdout must also be in the same order.
"""
import argparse
import os
import subprocess
import sys
import tempfile


def python_with_aiohttp():
    """Debian's python3 first (python3-aiohttp lives there), then the one running this script."""
    candidates = [os.environ.get("SITECHECK_PYTHON"), "/usr/bin/python3", sys.executable]
    for python in candidates:
        if python and os.path.exists(python):
            probe = subprocess.run([python, "-c", "import aiohttp"], capture_output=True)
            if probe.returncode == 0:
                return python
    sys.exit("no python3 can import aiohttp: run scripts/setup.sh (it installs python3-aiohttp)")


def start_server(binary, folder):
    server = subprocess.Popen([binary, "--dir", folder], stdout=subprocess.PIPE, text=True)
    bases = {}
    for _ in range(3):
        line = server.stdout.readline()
        if not line:
            server.kill()
            sys.exit("the demo server ended before printing its URLs")
        name, value = line.split()
        bases[name] = value
    return server, bases


def report(name, argv, urls):
    """Runs one program; returns its exit status, each site's records and its stdout lines."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    records = {url: [] for url in urls}
    failed = {}
    problems = []

    def site_of(line):
        # The longest URL first, so that a URL that is a prefix of another cannot claim its lines.
        for url in sorted(urls, key=len, reverse=True):
            if line.startswith(url + ": "):
                return url, line[len(url) + 2:]
        return None, None

    for line in done.stdout.splitlines():
        url, rest = site_of(line)
        if url is None or not rest.startswith(("status -> ", "type -> ")):
            problems.append(f"{name}: unexpected line on stdout: {line!r}")
            continue
        records[url].append(rest)
    for line in done.stderr.splitlines():
        url, rest = site_of(line)
        if url is None or not rest.startswith("error -> "):
            problems.append(f"{name}: unexpected line on stderr: {line!r}")
            continue
        if url in failed:
            problems.append(f"{name}: a second error line for {url}")
        failed[url] = rest[len("error -> "):]
    return done.returncode, records, failed, done.stdout.splitlines(), problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cpp", required=True)
    parser.add_argument("--python", required=True)
    args, options = parser.parse_known_args()
    python = python_with_aiohttp()

    with tempfile.TemporaryDirectory() as folder:
        server, base = start_server(args.server, folder)
        try:
            https, http = base["https"], base["http"]
            urls = [
                f"{https}/tutorials",        # the demo's pages: 200, <!doctype html>
                f"{https}/newsletter",
                f"{http}/redirect/2",        # followed to the page
                f"{https}/status/404",       # an answer, not a failure
                f"{https}/utf8",             # 17 code points, not bytes
                f"{https}/latin1",           # the charset of Content-Type
                f"{https}/truncated",        # a status line, then the body ends early
                "http://127.0.0.1:1/",       # connection refused: fails before any line
            ]
            cafile = ["--cafile", base["ca"]]
            cpp = report("C++", [args.cpp, *cafile, *options, *urls], urls)
            py = report("Python", [python, args.python, *cafile, *options, *urls], urls)
        finally:
            server.terminate()
            server.wait(timeout=30)

    (cpp_status, cpp_records, cpp_failed, cpp_lines, cpp_problems) = cpp
    (py_status, py_records, py_failed, py_lines, py_problems) = py
    problems = cpp_problems + py_problems

    width = max(len(url) for url in urls)
    print(f"{'site':<{width}}  {'C++':<40}  Python")
    for url in urls:
        left = " | ".join(cpp_records[url] + (["error"] if url in cpp_failed else []))
        right = " | ".join(py_records[url] + (["error"] if url in py_failed else []))
        mark = "" if left == right else "   <-- differs"
        print(f"{url:<{width}}  {left:<40}  {right}{mark}")
        if cpp_records[url] != py_records[url]:
            problems.append(f"{url}: C++ printed {cpp_records[url]}, Python {py_records[url]}")
        if (url in cpp_failed) != (url in py_failed):
            who = "C++" if url in cpp_failed else "Python"
            problems.append(f"{url}: only {who} reported an error")
    if cpp_status != py_status:
        problems.append(f"exit status: C++ {cpp_status}, Python {py_status}")
    if "--sync" in options and cpp_lines != py_lines:
        problems.append("with --sync, stdout differs in order")
    # The comparison means something only if both sides did real work on both kinds of site.
    if cpp_records[urls[0]] != ["status -> 200", "type -> <!doctype html>"]:
        got = cpp_records[urls[0]]
        problems.append(f"{urls[0]}: expected status 200 and <!doctype html>, got {got}")
    if not cpp_failed:
        problems.append("no site failed: the error path was not compared")

    for url in urls:
        for who, failures in (("C++", cpp_failed), ("Python", py_failed)):
            if url in failures:
                print(f"{who} error: {url}: {failures[url]}")
    print(f"exit status: C++ {cpp_status}, Python {py_status}")
    for problem in problems:
        print("FAIL:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
