"""Memory under hostile input: ``smsmock serve`` fed requests as large as the server lets in, all refused.

    python bench/hostile_memory.py [--requests 2000]

Each request carries as much as the server and the mock accept: 60 headers of 4 KB (240 KB, under the
server's 256 KiB of header fields), a 200 KB query of many parameters (refused by the server with a 414: a
request target over 64 KiB), or a 1 MB form of many fields (the mock's body limit), some of them in four-byte characters (an emoji
takes four bytes a character in a Python string); every one is refused (wrong credentials, or no such path). The journal (1,000 entries) fills and turns
over several times. RSS is read before (after 1,000 ordinary requests: the same journal full of small
entries, the baseline of this run), after, and at its peak, and again after the page's way of reading
the journal (pages of 100) has read all of it. The run fails when the growth over the baseline passes
the bound the README states.
"""
from __future__ import annotations

import argparse
import http.client as httpclient
import re
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Server, free_port, http, machine, table  # noqa: E402

BOUND_MB = 64  # RSS growth over the ordinary full journal, whatever the requests (README, "Reliability")
QUICKCOM = "app_key=WRONG&app_secret=WRONG&dlt_template_id=1&route_type=1"


def status_mb(pid: int, field: str) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]


def send(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
    connection = httpclient.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def hostile(index: int) -> tuple[str, str, dict[str, str], bytes]:
    """The index-th hostile request: large headers, a large query or a large form, ASCII or four-byte text."""
    wide = index % 2 == 1
    char = "\U0001f600" if wide else "x"
    kind = index % 6 // 2
    if kind == 0:
        value = quote(char * (1000 if wide else 4000))  # percent-encoded: a header is Latin-1 on the wire
        headers = {f"X-Pad-{i}-{index}": value[:4000] for i in range(60)}
        return "GET", f"/api/v1/check-balance?{QUICKCOM}", {**headers}, b""
    if kind == 1:
        pairs = "&".join(f"p{index}_{i}={quote(char * (100 if wide else 400))}" for i in range(480 if not wide else 160))
        return "GET", f"/api/v1/send-message?{QUICKCOM}&{pairs}"[:200_000], {}, b""
    fields = "&".join(f"f{index}_{i}={quote(char * (200 if wide else 1000))}" for i in range(1000 if not wide else 300))
    body = fields.encode()[: 1024 * 1024]
    return "POST", "/api/contacts", {"Authorization": "Bearer WRONG", "Content-Type": "application/x-www-form-urlencoded"}, body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    server = Server("smsmock", [sys.executable, "-m", "smsmock", "serve", "--port", str(port)], port, "/__smsmock/api/state")
    with server:
        assert server.process is not None
        pid = server.process.pid
        started = status_mb(pid, "VmRSS")
        for index in range(1000):
            send(port, "GET", f"/api/v1/check-balance?{QUICKCOM}&n={index}", {})
        baseline = status_mb(pid, "VmRSS")
        statuses: dict[int, int] = {}
        for index in range(args.requests):
            status = send(port, *hostile(index))
            statuses[status] = statuses.get(status, 0) + 1
        after = status_mb(pid, "VmRSS")
        since, pages, largest = 0, 0, 0
        while True:  # the page's way: 100 entries at a time
            code, body = http("GET", f"{server.url}/__smsmock/api/journal?since={since}&limit=100")
            assert code == 200
            pages += 1
            largest = max(largest, len(body))
            found = re.findall(rb'"seq": (\d+), "time"', body)
            if not found or b'"next": null' in body:
                break
            since = int(found[-1])
        read = status_mb(pid, "VmRSS")
        peak = status_mb(pid, "VmHWM")
    growth = max(after, read) - baseline
    print(f"# smsmock RSS under hostile input: {args.requests:,} refused requests, {machine()}\n")
    print(table(
        ["moment", "RSS MB"],
        [
            ["started", f"{started:.1f}"],
            ["baseline: journal full of 1,000 ordinary requests", f"{baseline:.1f}"],
            [f"after {args.requests:,} hostile requests (journal full of them)", f"{after:.1f}"],
            [f"after reading the journal in {pages} pages (largest {largest / 1024:.0f} KB)", f"{read:.1f}"],
            ["peak (VmHWM)", f"{peak:.1f}"],
        ],
    ))
    print(f"\nstatuses: {dict(sorted(statuses.items()))}; no 5xx: {all(s < 500 for s in statuses)}")
    print(f"growth over the baseline: {growth:.1f} MB (x{max(after, read) / baseline:.2f}); bound {BOUND_MB} MB: {'within' if growth <= BOUND_MB else 'EXCEEDED'}")
    return 0 if growth <= BOUND_MB and all(s < 500 for s in statuses) else 1


if __name__ == "__main__":
    raise SystemExit(main())
