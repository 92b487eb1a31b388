"""What the benchmark scripts share: the operations measured, servers in subprocesses, wrk, RSS and tables.

Everything runs on 127.0.0.1 with bounded durations and request counts; every server a script starts is
stopped by that script. Figures are only ever compared with baselines measured in the same run.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PLENTY = 10**9

QF_AUTH = {"Authorization": "token your_api_key:your_api_secret"}
QC_AUTH = {"app_key": "YOUR_KEY", "app_secret": "YOUR_SECRET"}
SF_AUTH = {"Authorization": "Bearer YOUR_API_KEY"}
QC_SEND = {
    **QC_AUTH,
    "dlt_template_id": "1507162019748109480",
    "mobile_numbers": "9876543210",
    "route_type": "1",
    "v1": "QC12345",
    "v2": "5",
}


@dataclass(frozen=True)
class Op:
    """One request measured: a read or a write of one provider, and where Prism serves it."""

    provider: str
    kind: str  # read / write
    operation: str
    method: str
    path: str  # under the provider's base path
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""

    @property
    def label(self) -> str:
        return f"{self.provider} {self.kind} ({self.operation})"

    def target(self, base_path: str) -> str:
        """Path and query string as sent, under ``base_path``."""
        return base_path + self.path + ("?" + urlencode(self.query) if self.query else "")

    def all_headers(self) -> dict[str, str]:
        found = dict(self.headers)
        if self.content_type:
            found["Content-Type"] = self.content_type
        return found


BASE_PATHS = {"quickflow": "/api/method", "quickcom": "/api/v1", "smsflow": "/api"}

OPS: tuple[Op, ...] = (
    Op("quickflow", "read", "get_balance", "GET", "/quickflow.sms.balance", {"sender_id": "YOUR_SENDER_ID"}, QF_AUTH),
    Op(
        "quickflow",
        "write",
        "send_sms",
        "POST",
        "/quickflow.sms.send",
        headers=QF_AUTH,
        body=json.dumps({"recipient": "254700000000", "sender_id": "YOUR_SENDER_ID", "message": "Hello"}).encode(),
        content_type="application/json",
    ),
    Op("quickcom", "read", "check_balance", "GET", "/check-balance", QC_AUTH),
    Op("quickcom", "write", "send_message", "GET", "/send-message", QC_SEND),
    Op("smsflow", "read", "get_contact", "GET", "/contacts/1", headers=SF_AUTH),
    Op(
        "smsflow",
        "write",
        "create_contact",
        "POST",
        "/contacts",
        headers=SF_AUTH,
        body=urlencode({"phone_number": "+447700900123", "name": "Bench"}).encode(),
        content_type="application/x-www-form-urlencoded",
    ),
)


# -- seeds --------------------------------------------------------------------------------------------------


def bench_seed(extra_quickflow_accounts: int = 0) -> dict[str, Any]:
    """The default seed with balances no run can spend (a refusal for want of credit is state, not speed)."""
    from smsmock.app import default_seed

    seed = copy.deepcopy(default_seed())
    for account in seed["quickflow"]["accounts"]:
        account["sender_ids"] = {name: PLENTY for name in account["sender_ids"]}
    for account in seed["quickcom"]["accounts"]:
        account["transaction_balance"] = account["promotional_balance"] = PLENTY
    return seed


def write_seed(seed: dict[str, Any]) -> Path:
    """The seed as a YAML file in a temporary directory."""
    import yaml

    path = Path(tempfile.mkdtemp(prefix="smsmock-bench-")) / "seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
    return path


# -- processes ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None, timeout: float = 5) -> tuple[int, bytes]:
    """One request with the standard library: (status, body)."""
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's workers), in MB."""
    total = rss_mb(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        try:
            total += tree_rss_mb(int(child))
        except (OSError, AttributeError):
            pass
    return total


class Server:
    """A server in a subprocess on a free loopback port; started, timed to its first 200, stopped."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        port: int,
        probe: str,
        env: dict[str, str] | None = None,
        probe_headers: dict[str, str] | None = None,
        capture: bool = False,
    ) -> None:
        self.name, self.argv, self.port, self.probe = name, list(argv), port, probe
        self.output = Path(tempfile.mkstemp(prefix="smsmock-bench-", suffix=".out")[1]) if capture else None
        self.probe_headers = probe_headers or {}
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.cold_start = float("nan")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        """Start and wait until the probe path answers 200; ``cold_start`` is the seconds that took."""
        began = time.perf_counter()
        stdout = self.output.open("wb") if self.output else subprocess.DEVNULL
        self.process = subprocess.Popen(self.argv, stdout=stdout, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT)
        if not isinstance(stdout, int):
            stdout.close()  # the child holds its own copy
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {' '.join(self.argv)}")
            try:
                status, _ = http("GET", self.url + self.probe, headers=self.probe_headers, timeout=1)
                if status == 200:
                    self.cold_start = time.perf_counter() - began
                    return self
            except OSError:
                pass
            time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer 200 on {self.probe} within {timeout} s")

    def printed(self) -> str:
        """What the server printed so far (stdout and stderr), when started with ``capture=True``."""
        return self.output.read_text(errors="replace") if self.output else ""

    def rss(self) -> float:
        assert self.process is not None
        return tree_rss_mb(self.process.pid)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def smsmock_server(seed_path: Path) -> Server:
    """``smsmock serve`` on a free port, as the command runs by default."""
    port = free_port()
    argv = [sys.executable, "-m", "smsmock", "serve", "--port", str(port), "--seed", str(seed_path)]
    return Server("smsmock", argv, port, "/__smsmock/api/state")


def unlimit(server: Server) -> None:
    """Lift every provider's rate limit (SMSFlow allows 60 a minute per key)."""
    for provider in BASE_PATHS:
        body = json.dumps({"provider": provider, "limit": None, "window": 60}).encode()
        status, text = http("POST", server.url + "/__smsmock/api/limits", body, {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"cannot lift {provider}'s limit: {status} {text[:200]!r}")


def prism_binary() -> str | None:
    """Prism's command: $PRISM, bench/node_modules, or installed into bench/node_modules with npm now."""
    if os.environ.get("PRISM"):
        return os.environ["PRISM"]
    local = BENCH / "node_modules" / ".bin" / "prism"
    if local.exists():
        return str(local)
    if shutil.which("npm") is None:
        return None
    print("installing @stoplight/prism-cli into bench/node_modules (npm) ...", file=sys.stderr, flush=True)
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(BENCH), "@stoplight/prism-cli"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    if done.returncode != 0 or not local.exists():
        print(done.stderr.decode(errors="replace")[-2000:], file=sys.stderr)
        return None
    return str(local)


# -- load ---------------------------------------------------------------------------------------------------


@dataclass
class Load:
    """What one load run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers and socket errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _lua(op: Op, base_path: str) -> str:
    headers = "".join(f'wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n' for k, v in op.all_headers().items())
    body = json.dumps(op.body.decode()) if op.body else "nil"
    return (
        f"wrk.method = {json.dumps(op.method)}\n{headers}"
        # Formatted in init, once wrk knows the host (a request without Host is refused by Prism).
        f"local req\ninit = function(args) req = wrk.format({json.dumps(op.method)}, "
        f"{json.dumps(op.target(base_path))}, nil, {body}) end\n"
        "request = function() return req end\n"
    )


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk_load(url: str, op: Op, base_path: str, seconds: float, connections: int, threads: int = 1, timeout: float = 5) -> Load:
    """Drive one operation with wrk (``threads`` threads, ``connections`` keep-alive connections) for ``seconds``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(op, base_path))
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", f"{timeout:g}s", "-s", script.name, url],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        ).stdout
    finally:
        os.unlink(script.name)
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s)", out)
    if not done:
        raise RuntimeError(f"wrk said:\n{out}")
    elapsed = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return Load(int(done.group(1)), elapsed, _ms(p50.group(1)), _ms(p99.group(1)), errors)  # type: ignore[union-attr]


def python_load(url: str, op: Op, base_path: str, requests: int, connections: int) -> Load:
    """The same with a thread pool of http.client keep-alive connections (when wrk is not installed)."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    host, port = url.removeprefix("http://").split(":")
    target, headers = op.target(base_path), op.all_headers()

    def worker(count: int) -> tuple[list[float], int]:
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        times, errors = [], 0
        for _ in range(count):
            began = time.perf_counter()
            connection.request(op.method, target, body=op.body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - began)
            errors += not 200 <= response.status < 300
        connection.close()
        return times, errors

    began = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        results = list(pool.map(worker, [requests // connections] * connections))
    elapsed = time.perf_counter() - began
    times = sorted(t for found, _ in results for t in found)
    return Load(len(times), elapsed, 1000 * times[len(times) // 2], 1000 * times[int(len(times) * 0.99)], sum(e for _, e in results))


def load(url: str, op: Op, base_path: str, seconds: float = 3.0, connections: int = 4) -> Load:
    """wrk when installed, else the Python client (bounded to about ``seconds`` of work)."""
    if shutil.which("wrk"):
        return wrk_load(url, op, base_path, seconds, connections)
    return python_load(url, op, base_path, int(400 * seconds), connections)


def median_load(runs: list[Load]) -> Load:
    """The run with the median throughput (its latencies go with it)."""
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


# -- tables -------------------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table, columns left-aligned, as the README shows it."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def timed(fn: Any, repeat: int) -> float:
    """Median seconds of ``fn()`` over ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def machine() -> str:
    """One line about where the figures were measured."""
    import platform

    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"

