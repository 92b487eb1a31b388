"""`smsmock serve` as installed from the wheel, on this machine's platform (Linux, macOS or Windows).

    python .ci/platform_smoke.py [SMSMOCK-COMMAND]

Starts the command on a free port, waits for its banner, asks each provider once over a socket (QuickCom's
401, QuickFlow's send, SMSFlow's create), pipelines two requests on one connection, refuses a body over the
limit with the provider's 413 before its body is sent, then stops it the way this platform's console does (SIGINT on POSIX, Ctrl+Break
on Windows) while a long poll is parked, and checks the stopped line and exit code 0 within 10 s.
Exits 1 naming the first check that failed. Run by .github/workflows/platforms.yml on each platform.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def fail(why: str, output: str = "") -> None:
    print(f"FAILED: {why}\n{output}", file=sys.stderr)
    sys.exit(1)


def ask(url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main() -> None:
    command = sys.argv[1:] or [shutil.which("smsmock") or "smsmock"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    windows = os.name == "nt"
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        creationflags=subprocess.CREATE_NEW_PROCESS_GROUP if windows else 0,  # type: ignore[attr-defined]
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not any("listening on" in line for line in lines):
        if process.poll() is not None or time.monotonic() > deadline:
            fail("no banner", "".join(lines))
        time.sleep(0.05)

    status, _ = ask(base + "/api/v1/check-balance")
    if status != 401:
        fail(f"QuickCom without credentials answered {status}, not 401")
    status, body = ask(base + "/api/method/quickflow.sms.send", "POST",
                       json.dumps({"recipient": "254700000000", "sender_id": "YOUR_SENDER_ID", "message": "Hi"}).encode(),
                       {"Authorization": "token your_api_key:your_api_secret", "Content-Type": "application/json"})
    if status != 200 or json.loads(body)["message"]["status"] != "success":
        fail(f"QuickFlow send answered {status}: {body[:300]!r}")
    status, body = ask(base + "/api/contacts", "POST", b"phone_number=%2B447700900123&name=Smoke",
                       {"Authorization": "Bearer YOUR_API_KEY", "Content-Type": "application/x-www-form-urlencoded"})
    if status != 201:
        fail(f"SMSFlow create answered {status}: {body[:300]!r}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:  # two requests in one write
        one = f"GET /api/v1/check-balance HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        connection.sendall(one + one)
        seen = b""
        while seen.count(b"HTTP/1.1 401") < 2:
            chunk = connection.recv(65536)
            if not chunk:
                fail(f"the connection closed after {seen.count(b'HTTP/1.1 401')} of 2 pipelined answers")
            seen += chunk
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:  # refused from its length alone
        connection.sendall(f"POST /api/contacts HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer YOUR_API_KEY\r\n"
                           f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {64 * 1024 * 1024}\r\n\r\n".encode())
        head = connection.recv(65536)
        if not head.startswith(b"HTTP/1.1 413"):
            fail(f"a body over the limit was answered {head[:200]!r}, not 413")

    parked = threading.Thread(target=ask, args=(base + "/__smsmock/api/outbox/wait?timeout=20",), daemon=True)
    parked.start()
    time.sleep(0.5)
    began = time.monotonic()
    process.send_signal(signal.CTRL_BREAK_EVENT if windows else signal.SIGINT)  # type: ignore[attr-defined]
    try:
        code = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        fail("did not stop within 10 s of the signal", "".join(lines))
    reader.join(5)
    output = "".join(lines)
    if code != 0 or "smsmock stopped." not in output:
        fail(f"exit code {code}, stopped line {'smsmock stopped.' in output}", output)
    print(f"ok: {sys.platform}, smsmock serve answered every check and stopped in {time.monotonic() - began:.2f} s")


if __name__ == "__main__":
    main()
