"""Serving (issue 17): every target of ``smsmock serve`` printed beside its baseline, measured in the same run.

    python bench/serving.py [--quick] [--seconds 2] [--repeat 5] [--sections 1,2,3,4,5,6,7] [--no-prism]

Measures whatever ``smsmock serve`` is when it runs (``python -m smsmock serve --port N --seed FILE``):
1. throughput (wrk -t1 -c4 and -t2 -c32) of QuickCom send-message and check-balance and a write and a read
   of QuickFlow and SMSFlow, against Prism 5 mocking the same spec (>= 2x) and a bare handler answering
   the same bytes under the fastest of several servers (>= 0.45x); p99 at -c32 no worse than Prism's;
2. 1,000 concurrent keep-alive connections: time to each one's first answer (every one within 1 s);
3. 500 clients on long polls (outbox/wait and events) while wrk runs: ordinary p99 within 2x of its value
   without them, and every waiter answered when its message arrives (twice: events clients asking again
   1 s after an answer, then at once as the outbox page does, since under load every request answers them);
4. 200 slow clients (a header byte a second): ordinary p99 with and without; idle connections closed after
   the timeout the server states (measured);
5. the mock's own cost per request through its WSGI callable, no socket, over a bare Flask view returning
   the same bytes (<= 40 us on send-message, <= 25 us on check-balance);
6. cold start to the first 200 (<= 0.3 s) and idle RSS (<= 60 MB);
7. SIGTERM and SIGINT with waiters parked and a request in flight: stops accepting, finishes the request,
   prints a stopped line, exits 0 within 5 s.
Throughput figures are medians of interleaved runs, each ratio the median of run-by-run ratios [range].
Everything runs on 127.0.0.1, bounded in count and time; no figure is asserted: each is printed with
"met" or "NOT met" beside its target.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import BASE_PATHS, OPS, ROOT, Load, Op, Server, bench_seed, free_port, http, machine, median_load, prism_binary, smsmock_server, table, unlimit, wrk_load, write_seed  # noqa: E402
from bench.throughput import bare_server, capture, cold_starts, start_prism  # noqa: E402

__all__ = ["main"]

SEND = next(op for op in OPS if op.operation == "send_message")
BALANCE = next(op for op in OPS if op.operation == "check_balance")
CONFIGS = ((1, 4), (2, 32))  # wrk threads, connections


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def ratios(ours: list[Load], theirs: list[Load]) -> tuple[float, str]:
    """Median of the run-by-run throughput ratios, and the text 'median [low-high]'."""
    found = sorted(a.rps / b.rps for a, b in zip(ours, theirs) if b.rps)
    if not found:
        return 0.0, "-"
    middle = statistics.median(found)
    return middle, f"{middle:.2f} [{found[0]:.2f}-{found[-1]:.2f}]"


# -- clients on raw sockets (asyncio): what wrk's summary cannot show -----------------------------------------

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]
CLIENT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError)


def raw(op: Op, port: int, body: bytes | None = None) -> bytes:
    """``op`` as the bytes of an HTTP/1.1 keep-alive request."""
    data = op.body if body is None else body
    headers = {"Host": f"127.0.0.1:{port}", **op.all_headers(), **({"Content-Length": str(len(data))} if data else {})}
    head = f"{op.method} {op.target(BASE_PATHS[op.provider])} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + "\r\n").encode() + data


def get(path: str, port: int) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


async def exchange(stream: Stream, request: bytes) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection and read its answer: (status, body)."""
    reader, writer = stream
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)}
    if b"content-length" in fields:
        return status, await reader.readexactly(int(fields[b"content-length"]))
    if fields.get(b"transfer-encoding", b"").lower() != b"chunked":
        return status, await reader.read()
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        parts.append((await reader.readexactly(size + 2))[:-2])
    await reader.readuntil(b"\r\n")
    return status, b"".join(parts)


class Clients:
    """Connections opened by one test, all closed at its end (bounded: nothing outlives the test)."""

    def __init__(self, port: int) -> None:
        self.port, self.writers, self.tasks = port, [], []  # type: ignore[var-annotated]

    async def open(self, timeout: float = 10.0) -> Stream:
        stream = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), timeout)
        self.writers.append(stream[1])
        return stream

    def spawn(self, coroutine: Any) -> None:
        self.tasks.append(asyncio.ensure_future(coroutine))

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for writer in self.writers:
            writer.close()


async def connections_test(port: int, op: Op, count: int, rounds: int, cap: float) -> list[tuple[float | None, int | None]]:
    """``count`` connections at once, ``rounds`` requests each, all held open to the end: seconds to each first answer."""
    found: list[tuple[float | None, int | None]] = [(None, None)] * count
    clients, request, left, done = Clients(port), raw(op, port), [count], asyncio.Event()

    async def one(i: int) -> None:
        began = time.perf_counter()  # this connection's own start: its connect, then its first request
        try:
            stream = await clients.open()
            for r in range(rounds):
                status, _ = await exchange(stream, request)
                if r == 0:
                    found[i] = (time.perf_counter() - began, status)
        except CLIENT_ERRORS:
            pass
        left[0] -= 1
        if not left[0]:
            done.set()

    for i in range(count):
        clients.spawn(one(i))
    try:
        await asyncio.wait_for(done.wait(), cap)
    except asyncio.TimeoutError:
        pass
    await clients.close()
    return found


async def parked_load(port: int, count: int, load_fn: Callable[[], Load], pause: float, tag: str) -> tuple[Load, list[list[str]]]:
    """Half the clients on outbox/wait (each for its own message), half on events (asking again ``pause`` seconds
    after each answer); the load runs; then each awaited message is sent."""
    clients, half = Clients(port), count // 2
    info = json.loads((await asyncio.wait_for(exchange(await clients.open(), get("/__smsmock/api/events?timeout=0", port)), 10))[1])
    outbox: list[tuple[float, Any, bytes] | None] = [None] * half
    sent: list[float | None] = [None] * half
    events_after: list[float | None] = [None] * (count - half)
    events_outcome: dict[int, str] = {}
    answers, wake = [0], [float("inf")]

    async def waiter(i: int) -> None:
        path = f"/__smsmock/api/outbox/wait?provider=quickflow&text=wake-{tag}{i:04d}&since={info['journal']}&timeout=60"
        try:
            status, body = await exchange(await clients.open(), get(path, port))
            outbox[i] = (time.perf_counter(), status, body)
        except CLIENT_ERRORS as exc:
            outbox[i] = (time.perf_counter(), type(exc).__name__, b"")

    async def poller(i: int) -> None:
        version = info["version"]
        try:
            stream = await clients.open()
            while True:
                status, body = await exchange(stream, get(f"/__smsmock/api/events?version={version}&timeout=60", port))
                if status != 200:
                    events_outcome[i] = str(status)
                    return
                answers[0] += 1
                version = json.loads(body)["version"]
                if time.perf_counter() >= wake[0] and events_after[i] is None:
                    events_after[i] = time.perf_counter() - wake[0]
                await asyncio.sleep(pause)
        except CLIENT_ERRORS as exc:
            events_outcome[i] = type(exc).__name__

    for i in range(half):
        clients.spawn(waiter(i))
    for i in range(count - half):
        clients.spawn(poller(i))
    await asyncio.sleep(1.5)
    parked = (sum(o is None for o in outbox), count - half - len(events_outcome))
    loaded = await asyncio.to_thread(load_fn)
    await asyncio.sleep(1.0 + pause)  # the pollers answered by the load's last changes park again
    write = next(op for op in OPS if op.provider == "quickflow" and op.kind == "write")
    wake[0] = time.perf_counter()
    try:
        sender = await clients.open()
        for i in range(half):
            body = json.dumps({**json.loads(write.body), "message": f"bench wake-{tag}{i:04d}"}).encode()
            sent[i] = time.perf_counter()
            await asyncio.wait_for(exchange(sender, raw(write, port, body)), 5)
    except (asyncio.TimeoutError, *CLIENT_ERRORS):
        pass  # the server answers no send: the rest are not sent
    for _ in range(50):  # up to 5 s for every waiter (events answers gather changes for a moment first)
        if all(o is not None for o in outbox) and all(e is not None for i, e in enumerate(events_after) if i not in events_outcome):
            break
        await asyncio.sleep(0.1)
    await clients.close()

    late, other = [], {}  # type: ignore[var-annotated]
    for i, (found, at) in enumerate(zip(outbox, sent)):
        if found and found[1] == 200 and f"wake-{tag}{i:04d}".encode() in found[2] and at is not None and found[0] >= at:
            late.append(found[0] - at)
        else:
            what = "not sent" if at is None else "no answer" if found is None else f"early {found[1]}" if found[0] < at else str(found[1])
            other[what] = other.get(what, 0) + 1
    heard = sorted(t for t in events_after if t is not None)
    rows = []
    for name, times, size, still, extra in (
        ("outbox/wait", sorted(late), half, parked[0], ", ".join(f"{n}x {k}" for k, n in other.items())),
        ("events", heard, count - half, parked[1], f"{answers[0]:,} answers in all; "
         + ", ".join(f"{list(events_outcome.values()).count(k)}x {k}" for k in set(events_outcome.values()))),
    ):
        within = sum(t <= 1.0 for t in times)
        rows.append([name, f"{still}/{size}", f"{len(times)}/{size}", f"{within}/{size}",
                     f"{statistics.median(times):.3f}" if times else "-", f"{times[-1]:.3f}" if times else "-",
                     extra.strip("; ") or "-", met(within == size)])
    return loaded, rows


async def slow_load(port: int, count: int, load_fn: Callable[[], Load]) -> tuple[Load, int]:
    """``count`` clients sending a request's header a byte a second while the load runs; how many the server closed."""
    clients, request, reads = Clients(port), raw(BALANCE, port), []

    async def slow() -> None:
        stream = await clients.open()
        read = asyncio.ensure_future(stream[0].read(1))  # done: the server answered or closed
        reads.append(read)
        for i in range(len(request)):
            if read.done():
                return
            stream[1].write(request[i:i + 1])
            await stream[1].drain()
            await asyncio.wait([read], timeout=1.0)

    for _ in range(count):
        clients.spawn(slow())
    await asyncio.sleep(1.5)
    loaded = await asyncio.to_thread(load_fn)
    closed = sum(r.done() for r in reads) + count - len(reads)
    for read in reads:
        read.cancel()
    await clients.close()
    return loaded, closed


class Idle:
    """Connections left idle (one after an answer, one never used): seconds until the server closes each."""

    def __init__(self, server: Server, op: Op, stated: float | None, said: str, cap: float) -> None:
        self.server, self.op, self.stated, self.said = server, op, stated, said
        self.cap = cap if stated is None else min(cap, stated + 15)
        self.closed: dict[str, float | None] = {}
        self.done = threading.Event()

    def run(self) -> None:
        try:
            asyncio.run(self._watch())
        finally:
            self.done.set()

    async def _watch(self) -> None:
        clients = Clients(self.server.port)

        async def idle(kind: str) -> None:
            stream = await clients.open()
            if kind == "after an answer":
                await asyncio.wait_for(exchange(stream, raw(self.op, self.server.port)), 10)
            began = time.perf_counter()
            try:
                await asyncio.wait_for(stream[0].read(), self.cap)
                self.closed[kind] = time.perf_counter() - began
            except (asyncio.TimeoutError, *CLIENT_ERRORS):
                self.closed[kind] = None if kind not in self.closed else self.closed[kind]

        await asyncio.gather(idle("after an answer"), idle("never used"), return_exceptions=True)
        await clients.close()

    def report(self) -> None:
        self.done.wait(self.cap + 30)
        stated = f"{self.stated:g} s" if self.stated is not None else "not stated"
        rows = []
        for kind in ("after an answer", "never used"):
            seconds = self.closed.get(kind)
            ok = seconds is not None and self.stated is not None and self.stated - 0.5 <= seconds <= self.stated + 2
            rows.append([kind, f"{seconds:.1f}" if seconds is not None else f"open after {self.cap:g} s", stated, met(ok)])
        print(table(["idle connection", "closed after s", "stated timeout", "target"], rows))
        print(f"\nstated: {self.said or 'smsmock serve states no idle timeout (--help, banner)'}; target: closed"
              " within [stated - 0.5 s, stated + 2 s]\n", flush=True)


async def signal_test(server: Server, name: str, waiters: int, latency: float) -> dict[str, Any]:
    """A request in flight and ``waiters`` long polls, then the signal: what the server does, and how fast."""
    assert server.process is not None
    port, clients, outcomes = server.port, Clients(server.port), {}  # type: ignore[var-annotated]
    fault = {"provider": "quickcom", "operation": BALANCE.operation, "latency": latency, "times": 1}
    http("POST", server.url + "/__smsmock/api/faults", json.dumps(fault).encode(), {"Content-Type": "application/json"})
    info = json.loads(http("GET", server.url + "/__smsmock/api/events?timeout=0")[1])

    async def ask(key: str, request: bytes) -> None:
        try:
            outcomes[key] = str((await exchange(await clients.open(), request))[0])
        except CLIENT_ERRORS as exc:
            outcomes[key] = "closed" if isinstance(exc, (asyncio.IncompleteReadError, ConnectionError)) else type(exc).__name__

    clients.spawn(ask("in flight", raw(BALANCE, port)))
    await asyncio.sleep(0.05)
    for i in range(waiters):
        path = (f"/__smsmock/api/outbox/wait?text=never-{i}&timeout=30" if i % 2
                else f"/__smsmock/api/events?version={info['version']}&timeout=30")
        clients.spawn(ask(f"waiter {i}", get(path, port)))
    await asyncio.sleep(0.25)
    began = time.perf_counter()
    server.process.send_signal(getattr(signal, name))
    await asyncio.sleep(0.3)
    try:
        stream = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1)
        clients.writers.append(stream[1])
        await asyncio.wait_for(exchange(stream, raw(BALANCE, port)), 1)
        fresh = "answered"
    except (asyncio.TimeoutError, *CLIENT_ERRORS) as exc:
        fresh = "refused" if isinstance(exc, ConnectionRefusedError) else "accepted, not answered"
    while server.process.poll() is None and time.perf_counter() - began < 15:
        await asyncio.sleep(0.02)
    seconds, code = time.perf_counter() - began, server.process.poll()
    await asyncio.sleep(0.2)
    await clients.close()
    waited = [outcomes.get(f"waiter {i}", "no answer") for i in range(waiters)]
    return {
        "seconds": seconds, "exit": code if code is not None else "running at 15 s",
        "stopped line": bool(re.search(r"stopped", server.printed(), re.I)),
        "in flight": outcomes.get("in flight", "no answer"), "new connection": fresh,
        "waiters": ", ".join(f"{waited.count(k)}x {k}" for k in sorted(set(waited))),
    }


def serve(seed_path: Path, capture_output: bool = False) -> Server:
    """``smsmock serve`` as it is today (no server option passed: whatever the command runs)."""
    server = smsmock_server(seed_path)
    if capture_output:
        server = Server(server.name, server.argv, server.port, server.probe, capture=True)
    return server


def candidates(answers: Path) -> dict[str, Callable[[], Server]]:
    """A bare Flask handler answering smsmock's bytes under each server measured: the fastest is the baseline
    (issue 17's: "0.45x a bare Flask handler under the fastest server")."""
    env = {"SMSMOCK_BENCH_ANSWERS": str(answers)}

    def granian(interface: str, target: str, *extra: str) -> Callable[[], Server]:
        def make() -> Server:
            port = free_port()
            argv = [sys.executable, "-m", "granian", "--interface", interface, "--host", "127.0.0.1", "--port", str(port),
                    "--log-level", "warning", "--no-ws", *extra, target]
            return Server(f"granian {interface}", argv, port, "/", env=env)
        return make

    return {
        "waitress 8 threads, bare Flask": lambda: bare_server(answers),
        "granian WSGI 1 blocking thread, bare Flask": granian("wsgi", "bench.bare:app_from_env", "--factory", "--blocking-threads", "1"),
        "granian WSGI 8 blocking threads, bare Flask": granian("wsgi", "bench.bare:app_from_env", "--factory", "--blocking-threads", "8"),
    }


def fastest(answers: Path, seconds: float) -> tuple[Callable[[], Server], str]:
    """Each candidate at -t2 -c32 on send-message and check-balance (two runs each); the fastest wins."""
    rows, best, best_rps = [], "", -1.0
    makers = candidates(answers)
    for name, make in makers.items():
        try:
            with make() as server:
                runs = [wrk_load(server.url, op, BASE_PATHS[op.provider], seconds, 32, 2) for _ in range(2) for op in (SEND, BALANCE)]
        except RuntimeError as exc:
            rows.append([name, "-", f"did not start: {str(exc)[:60]}"])
            continue
        rps = statistics.median(r.rps for r in runs)
        rows.append([name, f"{rps:,.0f}", f"{statistics.median(r.p99_ms for r in runs):.2f}"])
        if rps > best_rps:
            best, best_rps = name, rps
    print("## 0. The baseline: a bare handler under each server (-t2 -c32, send-message and check-balance, median)\n")
    print(table(["server", "req/s", "p99 ms"], rows))
    print(f"\nfastest: {best} (the 'bare' baseline below)\n", flush=True)
    return makers[best], best


def throughput(args: argparse.Namespace, seed_path: Path, make_bare: Callable[[], Server], bare_name: str) -> None:
    print("## 1. Throughput and p99, against Prism 5 and the bare handler under the fastest server\n", flush=True)
    binary = None if args.no_prism else prism_binary()
    runs: dict[tuple[str, str], list[Load]] = {}
    prisms: dict[str, Server] = {}
    with serve(seed_path) as mock, make_bare() as bare:
        unlimit(mock)
        try:
            for provider in BASE_PATHS if binary else ():
                prisms[provider] = start_prism(binary, provider)  # type: ignore[arg-type]
            for round_ in range(-1, args.repeat):  # round -1 warms every server up (Prism's JIT): not kept
                for threads, conns in CONFIGS[:1] if round_ < 0 else CONFIGS:
                    for op in OPS:
                        targets = [("smsmock", mock.url, BASE_PATHS[op.provider]), ("bare", bare.url, BASE_PATHS[op.provider])]
                        targets += [("prism", prisms[op.provider].url, "")] if op.provider in prisms else []
                        for name, url, base in targets:
                            found = wrk_load(url, op, base, args.seconds, conns, threads)
                            if round_ >= 0:
                                runs.setdefault((f"-t{threads} -c{conns} {op.label}", name), []).append(found)
        finally:
            for server in prisms.values():
                server.stop()
    rows = []
    for threads, conns in CONFIGS:
        for op in OPS:
            label = f"-t{threads} -c{conns} {op.label}"
            ours, theirs, bares = (runs.get((label, n), []) for n in ("smsmock", "prism", "bare"))
            mine = median_load(ours)
            vs_prism, prism_text = ratios(ours, theirs)
            vs_bare, bare_text = ratios(ours, bares)
            prism = median_load(theirs) if theirs else None
            p99 = f"{mine.p99_ms:.1f} / {prism.p99_ms:.1f}" if prism else f"{mine.p99_ms:.1f} / -"
            p99_ok = met(prism is not None and mine.p99_ms <= prism.p99_ms) if conns == 32 else ""
            errors = sum(r.errors for r in ours)
            rows.append([f"-t{threads} -c{conns}", op.label, f"{mine.rps:,.0f}" + (f" ({errors} err)" if errors else ""),
                         f"{prism.rps:,.0f}" if prism else "-", prism_text, met(vs_prism >= 2.0) if prism else "-",
                         f"{median_load(bares).rps:,.0f}", bare_text, met(vs_bare >= 0.45), p99, p99_ok])
    print(table(["wrk", "operation", "smsmock", "Prism", "vs Prism", ">=2x", "bare", "vs bare", ">=0.45x",
                 "p99 ms smsmock/Prism", "p99 (-c32)"], rows))
    print(f"\nbare: {bare_name}. One warm-up run, then {args.repeat} interleaved runs of {args.seconds:g} s each; throughput the median"
          " run, ratios the median of run-by-run ratios [range]; p99 from the median run.\n", flush=True)


def many_connections(args: argparse.Namespace, seed_path: Path, make_bare: Callable[[], Server], bare_name: str) -> None:
    count = args.connections
    print(f"## 2. {count:,} concurrent keep-alive connections: time to each one's first answer\n", flush=True)
    rows = []
    for name, make in (("smsmock serve", lambda: serve(seed_path)), (f"bare: {bare_name}", make_bare)):
        with make() as server:
            if name.startswith("smsmock"):
                unlimit(server)
            found = asyncio.run(connections_test(server.port, BALANCE, count, rounds=3, cap=args.cap))
        firsts = sorted(t for t, status in found if t is not None and status == 200)
        within = sum(t <= 1.0 for t in firsts)
        every = firsts + [float("inf")] * (count - len(firsts))  # no 200 within the cap: slower than any answer

        def q(p: float) -> str:
            value = every[min(count - 1, int(count * p))]
            return f"{value:.3f}" if value != float("inf") else f"> {args.cap:g}"

        rows.append([name, f"{within}/{count}", q(0.5), q(0.99), q(1.0), count - len(firsts),
                     met(within == count) if name.startswith("smsmock") else ""])
    print(table(["server", "answered <= 1 s", "p50 s", "p99 s", "max s", f"no 200 within {args.cap:g} s", "target"], rows))
    print("\nEvery connection opens at once, sends check-balance three times on the same connection and stays open"
          f" until every connection has its answers (or {args.cap:g} s); seconds from its connect to its first 200.\n", flush=True)


def ordinary(url: str, seconds: float) -> Load:
    """The ordinary load of sections 3 and 4: wrk, one thread, 8 connections, check-balance, 2 s timeout."""
    return wrk_load(url, BALANCE, BASE_PATHS[BALANCE.provider], seconds, 8, 1, timeout=2)


def p99_row(name: str, without: Load, with_: Load, limit: float = 2.0) -> list[str]:
    ok = with_.requests > 0 and with_.errors == 0 and with_.p99_ms <= limit * without.p99_ms
    answered = f"{with_.p99_ms:.2f}" if with_.requests else "no answer"
    return [name, f"{without.p99_ms:.2f}", answered, f"{with_.p99_ms / without.p99_ms:.2f}" if with_.requests and without.p99_ms else "-",
            f"{without.rps:,.0f} / {with_.rps:,.0f}", f"{without.errors} / {with_.errors}", met(ok)]


P99_HEADERS = ["ordinary load", "p99 ms without", "p99 ms with", "ratio", "req/s without / with", "errors without / with", "target"]


def waiters(args: argparse.Namespace, seed_path: Path) -> None:
    count = args.waiters
    print(f"## 3. {count} clients on long polls (outbox/wait and events) while ordinary load runs\n", flush=True)
    p99s, rows = [], []
    for pause, tag, name in ((1.0, "a", "events ask again 1 s after an answer"), (0.0, "b", "events ask again at once")):
        with serve(seed_path) as mock:  # a fresh server each: waits left over from the first must not weigh on the second
            unlimit(mock)
            without = median_load([ordinary(mock.url, args.seconds) for _ in range(3)])
            loaded, found = asyncio.run(parked_load(mock.port, count, lambda: ordinary(mock.url, args.seconds), pause, tag))
        p99s.append(p99_row(f"with {count} waiters, {name}", without, loaded))
        rows += [[name, *row] for row in found]
    print(table(P99_HEADERS, p99s))
    half = count // 2
    print(f"\n(wrk -t1 -c8 on check-balance.) {half} clients on outbox/wait, each for its own message (timeout 60 s);"
          f" {count - half} on events: any request is a change, so under load an events client is answered at once and"
          " asks again, either after 1 s (parked most of the time) or at once (as the outbox page does).\n")
    print(table(["variant", "waiters", "parked", "answered after their message", "within 1 s", "p50 s", "max s",
                 "other outcomes", "target"], rows))
    print("", flush=True)


def slow_clients(args: argparse.Namespace, seed_path: Path, idle: Idle) -> None:
    print(f"## 4. {args.slow} slow clients (a header byte a second) and idle connections\n", flush=True)
    with serve(seed_path) as mock:
        unlimit(mock)
        without = median_load([ordinary(mock.url, args.seconds) for _ in range(3)])
        with_, closed = asyncio.run(slow_load(mock.port, args.slow, lambda: ordinary(mock.url, args.seconds)))
    print(table(P99_HEADERS, [p99_row(f"wrk -t1 -c8 check-balance, with {args.slow} slow clients", without, with_)]))
    print(f"\nslow clients the server closed while they trickled: {closed}/{args.slow}\n", flush=True)
    idle.report()


def in_process(args: argparse.Namespace, seed_path: Path, answers: Path) -> None:
    print("## 5. The mock's own cost per request: its WSGI callable, no socket, over a bare Flask view\n", flush=True)
    import io

    from werkzeug.test import EnvironBuilder

    from bench.bare import create
    from smsmock.app import create_app, load_seed
    from smsmock.cli import settle_garbage_collector
    from smsmock.state import Clock

    mock_app = create_app(seed=load_seed(str(seed_path)), clock=Clock(None))
    settle_garbage_collector()  # as `smsmock serve` does (the bare view gains alike: the setting is the process')
    mock_app.test_client().post("/__smsmock/api/limits", json={"provider": "quickcom", "limit": None, "window": 60})
    bare_app = create(json.loads(answers.read_text(encoding="utf-8")))

    def call(app: Any, environ: dict[str, Any], body: bytes) -> Callable[[], int]:
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
            status[:] = [line]

        def once() -> int:
            result = app({**environ, "wsgi.input": io.BytesIO(body)}, start_response)
            b"".join(result)
            getattr(result, "close", lambda: None)()
            return int(status[0][:3])
        return once

    rows, targets = [], {"send_message": 40.0, "check_balance": 25.0}
    for op in (SEND, BALANCE):
        environ = EnvironBuilder(path=op.target(BASE_PATHS[op.provider]).split("?")[0], method=op.method,
                                 query_string=op.target("").partition("?")[2], headers=list(op.all_headers().items()), data=op.body,
                                 base_url="http://127.0.0.1:8017").get_environ()
        ours, bare = call(mock_app, environ, op.body), call(bare_app, environ, op.body)
        if ours() != 200 or bare() != 200:
            raise RuntimeError(f"{op.label}: not a 200 in process")
        samples: dict[str, list[float]] = {"ours": [], "bare": []}
        refused = 0
        for _ in range(args.batches):  # interleaved batches: the machine's drift hits both
            for key, fn in (("ours", ours), ("bare", bare)):
                began = time.perf_counter()
                for _ in range(args.calls):
                    refused += fn() != 200
                samples[key].append((time.perf_counter() - began) / args.calls * 1e6)
        a, b = statistics.median(samples["ours"]), statistics.median(samples["bare"])
        over = sorted(x - y for x, y in zip(samples["ours"], samples["bare"]))
        rows.append([op.label + (f" ({refused} not 200)" if refused else ""), f"{a:.1f}", f"{b:.1f}", f"{a - b:.1f} [{over[0]:.1f}-{over[-1]:.1f}]",
                     f"<= {targets[op.operation]:g}", met(a - b <= targets[op.operation])])
    print(table(["operation", "smsmock us", "bare Flask us", "over bare us [range]", "target", ""], rows))
    print(f"\n{args.batches} interleaved batches of {args.calls:,} calls; medians per call.\n", flush=True)


def cold(args: argparse.Namespace, seed_path: Path, make_bare: Callable[[], Server], bare_name: str) -> None:
    print("## 6. Cold start to the first 200, and idle memory\n", flush=True)
    import compileall

    compileall.compile_dir(str(ROOT / "mockserver"), quiet=1)  # as a pip install would have
    rows = []
    for name, make, repeat in (("smsmock serve", lambda: serve(seed_path), args.repeat), (bare_name, make_bare, args.repeat)):
        start, rss = cold_starts(make, repeat)
        rows.append([name, f"{start:.3f}", f"{rss:.0f}", met(start <= 0.3) if name == "smsmock serve" else "",
                     met(rss <= 60) if name == "smsmock serve" else ""])
    binary = None if args.no_prism else prism_binary()
    if binary:
        start, rss = cold_starts(lambda: start_prism(binary, "quickflow"), min(2, args.repeat))
        rows.append(["Prism 5 (quickflow.yaml)", f"{start:.3f}", f"{rss:.0f}", "", ""])
    print(table(["server", "cold start s", "idle RSS MB", "<= 0.3 s", "<= 60 MB"], rows))
    print(f"\nmedian of {args.repeat} starts (Prism: {min(2, args.repeat)}); RSS 1 s after the first 200.\n", flush=True)


def signals(args: argparse.Namespace, seed_path: Path) -> None:
    print("## 7. SIGTERM and SIGINT with waiters parked and a request in flight\n", flush=True)
    rows = []
    for name in ("SIGTERM", "SIGINT"):
        server = serve(seed_path, capture_output=True).start()
        try:
            found = asyncio.run(signal_test(server, name, waiters=40, latency=1.0))
        finally:
            server.stop()
        ok = found["exit"] == 0 and found["seconds"] <= 5 and found["stopped line"] and found["in flight"] == "200"
        rows.append([name, f"{found['seconds']:.2f}", str(found["exit"]), "yes" if found["stopped line"] else "no",
                     found["in flight"], found["new connection"], found["waiters"], met(ok and found["new connection"] != "answered")])
    print(table(["signal", "exit s", "exit code", "stopped line", "in-flight request", "new connection after",
                 "40 parked waiters", "target"], rows))
    print("\nin flight: a check-balance with 1 s injected latency, sent 0.3 s before the signal; a new connection is"
          " tried 0.3 s after it. Target: exit 0 within 5 s, stopped line printed, the request answered, no new one.\n", flush=True)


def stated_idle(seed_path: Path) -> tuple[float | None, str]:
    """The idle timeout ``smsmock serve`` states (its --help or its banner): seconds and where it said so."""
    text = subprocess.run([sys.executable, "-m", "smsmock", "serve", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    with serve(seed_path, capture_output=True) as server:
        text += "\n" + server.printed()
    text = re.sub(r"\s+", " ", text)  # argparse wraps its help lines
    found = (re.search(r"idle[^.;]{0,100}?(\d+(?:\.\d+)?) ?(?:s\b|sec)", text, re.I)
             or re.search(r"idle[^.;]{0,100}?default:? ?(\d+(?:\.\d+)?)", text, re.I))
    return (float(found.group(1)), found.group(0).strip()) if found else (None, "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run: 1 s loads, 2 runs, smaller batches")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per load run (default 2)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved runs per figure (default 5)")
    parser.add_argument("--sections", default="1,2,3,4,5,6,7", help="which sections to run (default all)")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism")
    parser.add_argument("--idle-cap", type=float, default=180.0, help="seconds to wait for an idle connection to close")
    args = parser.parse_args()
    args.connections, args.waiters, args.slow, args.cap = 1000, 500, 200, 20.0
    args.calls, args.batches = 3000, 7
    if args.quick:
        args.seconds, args.repeat, args.calls, args.batches, args.cap = 1.0, 2, 1000, 5, 10.0
    sections = {int(s) for s in args.sections.split(",")}

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192
    if soft < wanted:  # raised before any server starts: its process inherits the limit
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    seed_path = write_seed(bench_seed())
    answers = Path(tempfile.mkdtemp(prefix="smsmock-bench-")) / "answers.json"
    with serve(seed_path) as mock:
        unlimit(mock)
        answers.write_text(json.dumps(capture(mock)), encoding="utf-8")
    print(f"# smsmock serving (issue 17), {machine()}, {args.seconds:g} s x {args.repeat} runs per figure"
          f"{' (--quick)' if args.quick else ''}\n", flush=True)
    bare_name = "granian WSGI 1 blocking thread, bare Flask"
    make_bare = candidates(answers)[bare_name]
    if sections & {1, 2, 6}:
        make_bare, bare_name = fastest(answers, args.seconds)

    idle = None
    if 4 in sections:  # idle connections open now, watched in the background, reported in section 4
        seconds, said = stated_idle(seed_path)
        idle = Idle(serve(seed_path).start(), BALANCE, seconds, said, args.idle_cap)
        threading.Thread(target=idle.run, daemon=True).start()
    try:
        for number, run in ((5, lambda: in_process(args, seed_path, answers)),
                            (6, lambda: cold(args, seed_path, make_bare, bare_name)),
                            (1, lambda: throughput(args, seed_path, make_bare, bare_name)),
                            (2, lambda: many_connections(args, seed_path, make_bare, bare_name)),
                            (3, lambda: waiters(args, seed_path)),
                            (4, lambda: slow_clients(args, seed_path, idle)),  # type: ignore[arg-type]
                            (7, lambda: signals(args, seed_path))):
            if number in sections:
                run()
    finally:
        if idle is not None:
            idle.server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
