"""Runs a version's site_checker.py and its C++ program on the same loopback pages, and fails
unless their reports agree record by record, or differ exactly where they differ by design.

    python_twin.py --server BIN --cpp BIN --python FILE [--interrupt] [OPTION ...]

OPTIONs (such as --sync) go to both programs. Both trust the demo server's run-time CA through
--cafile. For each site the status and type lines must be equal and in the same order, and a
site must fail in both or in neither (the wording of an error line may differ: aiohttp's
messages are not ours). With --sync the whole stdout must also be in the same order.

Differences by design, which the comparison checks as such:
- --timeout: both give up on a page that never answers, and say so in the same words.
- A type line with control characters (/controls) or other invisible ones (/bom) shows them
  escaped in C++ (`\\n`, `\\x1b`, `\\ufeff`), so that a page cannot break or hide a report
  line; Python prints them as they are. Undoing the C++ escapes must give Python's text.
- --interrupt: both programs check a page that finishes and one that never does, and get a
  SIGINT once the second one's status is out (with --sync, a third run is interrupted while its
  enter waits for an answer that never comes). Both clean up: the C++ prints one
  `error -> interrupted` line per unfinished site and exits with 130; Python prints a
  KeyboardInterrupt traceback and ends by the signal, and must not warn about an unclosed
  session or connection. After SIGTERM the C++ does as after Ctrl-C and exits with 143, while
  Python, which leaves SIGTERM to its default action, dies at once without a word.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


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


def lines_of(data, urls):
    """A program's output as lines, split at \\n only. A line that does not start with a site's
    URL continues the one before it: Python prints a page's raw newlines inside a type line."""
    lines = []
    for line in data.decode("utf-8", "replace").split("\n")[:-1] if data else []:
        if lines and not any(line.startswith(url + ": ") for url in urls) and \
                any(lines[-1].startswith(url + ": type -> ") for url in urls):
            lines[-1] += "\n" + line
        else:
            lines.append(line)
    return lines


def parse(name, status, stdout, stderr, urls, interrupted=False):
    """Returns the exit status, each site's records, each failed site's error, the stdout
    lines, and the problems found."""
    records = {url: [] for url in urls}
    failed = {}
    problems = []

    def site_of(line):
        # The longest URL first, so that a URL that is a prefix of another cannot claim its lines.
        for url in sorted(urls, key=len, reverse=True):
            if line.startswith(url + ": "):
                return url, line[len(url) + 2:]
        return None, None

    out_lines = lines_of(stdout, urls)
    for line in out_lines:
        url, rest = site_of(line)
        if url is None or not rest.startswith(("status -> ", "type -> ")):
            problems.append(f"{name}: unexpected line on stdout: {line!r}")
            continue
        records[url].append(rest)
    for line in lines_of(stderr, urls):
        url, rest = site_of(line)
        if url is None or not rest.startswith("error -> "):
            if not interrupted:  # after Ctrl-C, Python's traceback is checked on its own
                problems.append(f"{name}: unexpected line on stderr: {line!r}")
            continue
        if url in failed:
            problems.append(f"{name}: a second error line for {url}")
        failed[url] = rest[len("error -> "):]
    return status, records, failed, out_lines, problems


def report(name, argv, urls):
    """Runs one program to its end and parses what it printed."""
    done = subprocess.run(argv, capture_output=True, timeout=120)
    return parse(name, done.returncode, done.stdout, done.stderr, urls)


def read_all(file):
    """What a file holds so far, read without moving the offset it shares with a child."""
    return os.pread(file.fileno(), os.fstat(file.fileno()).st_size, 0)


def interrupted_report(name, argv, urls, ready, number=signal.SIGINT):
    """Runs one program, sends it the signal once ready(stdout so far) is true, and parses what
    it printed; also returns its stderr as text."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, stdout=out, stderr=err, preexec_fn=lambda: signal.signal(
            signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            # pread, not seek and read: the child writes through the same file offset, and a
            # seek back to 0 would have its next line overwrite the start of the file.
            if ready(read_all(out).decode("utf-8", "replace")):
                break
            time.sleep(0.05)
        child.send_signal(number)
        try:
            status = child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            status = child.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return (parse(name, status, stdout, stderr, urls, interrupted=True),
            stderr.decode("utf-8", "replace"))


class HangingServer:
    """Plain HTTP on loopback that reads each request and never answers: an enter that waits."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hang"
        self.requests = 0
        self.connections = []
        self.arrived = threading.Condition()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            data = b""
            while b"\r\n\r\n" not in data:
                piece = connection.recv(4096)
                if not piece:
                    break
                data += piece
            with self.arrived:
                self.requests += 1
                self.arrived.notify_all()

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


def unescape(text):
    """Undoes the C++ preview's escapes of control and invisible characters."""
    return re.sub(r"\\(n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})",
                  lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1)) or
                  chr(int(m.group(1)[1:], 16)), text)


def compare(urls, cpp, py, problems):
    """Site by site: the same records, C++'s escapes undone, and the same sites failing."""
    (_, cpp_records, cpp_failed, _, _) = cpp
    (_, py_records, py_failed, _, _) = py
    width = max(len(url) for url in urls)
    print(f"{'site':<{width}}  {'C++':<40}  Python")
    for url in urls:
        left = " | ".join(cpp_records[url] + (["error"] if url in cpp_failed else []))
        right = " | ".join(py_records[url] + (["error"] if url in py_failed else []))
        same = [unescape(record) for record in cpp_records[url]] == py_records[url]
        mark = ""
        if cpp_records[url] != py_records[url]:
            mark = "   <-- escaped in C++, by design" if same else "   <-- differs"
            right = repr(right)
        if (url in cpp_failed) != (url in py_failed):
            mark += f"   <-- error in {'C++' if url in cpp_failed else 'Python'} only"
        print(f"{url:<{width}}  {left:<40}  {right}{mark}")
        if not same:
            problems.append(f"{url}: C++ printed {cpp_records[url]}, Python {py_records[url]}")
        for record in cpp_records[url]:
            if any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in record):
                problems.append(f"{url}: C++ printed a control character: {record!r}")
        if (url in cpp_failed) != (url in py_failed):
            who = "C++" if url in cpp_failed else "Python"
            problems.append(f"{url}: only {who} reported an error")


def compare_reports(args, options, python, base):
    https, http = base["https"], base["http"]
    urls = [
        f"{https}/tutorials",        # the demo's pages: 200, <!doctype html>
        f"{https}/newsletter",
        f"{http}/redirect/2",        # followed to the page
        f"{https}/status/404",       # an answer, not a failure
        f"{https}/utf8",             # 17 code points, not bytes
        f"{https}/latin1",           # the charset of Content-Type
        f"{https}/controls",         # control characters: escaped in C++ only, by design
        f"{https}/bom",              # U+FEFF first: kept by both decoders
        f"{https}/truncated",        # a status line, then the body ends early
        f"{https}/hang",             # no answer: --timeout ends it, with the same words
        "http://127.0.0.1:1/",       # connection refused: fails before any line
    ]
    cafile = ["--cafile", base["ca"], "--timeout", "2"]
    cpp = report("C++", [args.cpp, *cafile, *options, *urls], urls)
    py = report("Python", [python, args.python, *cafile, *options, *urls], urls)
    (cpp_status, cpp_records, cpp_failed, cpp_lines, cpp_problems) = cpp
    (py_status, py_records, py_failed, py_lines, py_problems) = py
    problems = cpp_problems + py_problems
    compare(urls, cpp, py, problems)
    if cpp_status != py_status:
        problems.append(f"exit status: C++ {cpp_status}, Python {py_status}")
    if "--sync" in options and [unescape(line) for line in cpp_lines] != py_lines:
        problems.append("with --sync, stdout differs in order")
    # The comparison means something only if both sides did real work on both kinds of site.
    if cpp_records[urls[0]] != ["status -> 200", "type -> <!doctype html>"]:
        got = cpp_records[urls[0]]
        problems.append(f"{urls[0]}: expected status 200 and <!doctype html>, got {got}")
    if not cpp_failed:
        problems.append("no site failed: the error path was not compared")
    hang = f"{https}/hang"
    if cpp_failed.get(hang) != "timed out after 2 s" or py_failed.get(hang) != cpp_failed.get(hang):
        problems.append(f"{hang}: --timeout 2 should end both with 'timed out after 2 s'")
    if not any(unescape(r) != r for r in cpp_records[urls[6]]):
        problems.append(f"{urls[6]}: the C++ escaped nothing: the by-design case was not compared")
    for url in urls:
        for who, failures in (("C++", cpp_failed), ("Python", py_failed)):
            if url in failures:
                print(f"{who} error: {url}: {failures[url]}")
    print(f"exit status: C++ {cpp_status}, Python {py_status}")
    return problems


def compare_interrupts(args, options, python, base):
    """Ctrl-C while a body, and (with --sync) an enter, is still waiting."""
    cafile = ["--cafile", base["ca"]]
    problems = []
    runs = [[f"{base['https']}/", f"{base['https']}/stall-body"]]
    hanging = HangingServer() if "--sync" in options else None
    if hanging:
        runs.append([hanging.url])
    try:
        for urls in runs:
            last = urls[-1]
            def ready_check(last=last, first=urls[0]):
                """A test of the output so far: true once the program waits where we want it."""
                if last.endswith("/stall-body"):
                    return lambda out: f"{last}: status -> " in out and f"{first}: type -> " in out
                count = hanging.requests
                return lambda out: hanging.requests > count
            waits = "its status is out" if last.endswith("/stall-body") else "its request arrived"
            print(f"== SIGINT once {last}: {waits}")
            cpp, cpp_err = interrupted_report(
                "C++", [args.cpp, *cafile, *options, *urls], urls, ready_check())
            py, py_err = interrupted_report(
                "Python", [python, args.python, *cafile, *options, *urls], urls, ready_check())
            problems += cpp[4] + py[4]
            compare(urls, cpp, py, [])
            # Both printed the same lines for what finished (the unfinished site's error aside).
            for url in urls:
                if [unescape(record) for record in cpp[1][url]] != py[1][url]:
                    problems.append(f"{url}: C++ printed {cpp[1][url]}, Python {py[1][url]}")
            if py[2]:
                problems.append(f"Python printed error lines after SIGINT: {py[2]}")
            # By design: the C++ ends with a line per unfinished site and 130 ...
            if cpp[2].get(last) != "interrupted":
                problems.append(f"{last}: C++ printed no 'error -> interrupted' line")
            if cpp[0] != 130:
                problems.append(f"C++ exit status {cpp[0]} after SIGINT, 130 expected")
            # ... and Python with a traceback and the signal, having closed what it opened.
            if "KeyboardInterrupt" not in py_err:
                problems.append("Python printed no KeyboardInterrupt traceback")
            if py[0] != -signal.SIGINT:
                problems.append(f"Python exit status {py[0]} after SIGINT: killed by it expected")
            for warning in ("Unclosed", "Task was destroyed", "never awaited"):
                if warning in py_err:
                    problems.append(f"Python warned after SIGINT: {warning}...")
            print(f"exit status: C++ {cpp[0]}, Python {py[0]} (killed by SIGINT)")
            print("Python's stderr ends: " + " / ".join(py_err.strip().splitlines()[-1:]))
        # SIGTERM: the C++ cleans up as after Ctrl-C and exits 143; Python dies at once.
        urls = runs[0]
        print(f"== SIGTERM once {urls[-1]}: its status is out")
        ready_check = lambda: lambda out: f"{urls[-1]}: status -> " in out and \
            f"{urls[0]}: type -> " in out
        cpp, _ = interrupted_report("C++", [args.cpp, *cafile, *options, *urls], urls,
                                    ready_check(), signal.SIGTERM)
        py, py_err = interrupted_report("Python", [python, args.python, *cafile, *options, *urls],
                                        urls, ready_check(), signal.SIGTERM)
        if cpp[0] != 143 or cpp[2].get(urls[-1]) != "interrupted":
            problems.append(f"after SIGTERM, C++: status {cpp[0]}, errors {cpp[2]}; 143 and "
                            "'interrupted' expected")
        if py[0] != -signal.SIGTERM or py_err.strip():
            problems.append(f"after SIGTERM, Python: status {py[0]}, stderr {py_err!r}; killed "
                            "by the signal at once, nothing printed, expected")
        print(f"exit status: C++ {cpp[0]}, Python {py[0]} (killed by SIGTERM)")
    finally:
        if hanging:
            hanging.close()
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cpp", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--interrupt", action="store_true")
    args, options = parser.parse_known_args()
    python = python_with_aiohttp()

    with tempfile.TemporaryDirectory() as folder:
        server, base = start_server(args.server, folder)
        try:
            if args.interrupt:
                problems = compare_interrupts(args, options, python, base)
            else:
                problems = compare_reports(args, options, python, base)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for problem in problems:
        print("FAIL:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
