"""Standalone throughput and latency of smsmock against a bare Flask handler and Prism, side by side.

    python bench/throughput.py [--seconds 2] [--repeat 5] [--no-prism] [--no-gunicorn]

For a read and a write operation of each provider: requests per second and p50/p99 latency of
``smsmock serve`` (waitress), of a bare Flask handler answering the same JSON under the same server
(bench/bare.py), and of Prism (``@stoplight/prism-cli``, ``--errors false``) mocking the same spec file.
Load: wrk on loopback, one thread, 4 keep-alive connections, ``--seconds`` per run; each figure is the
median of ``--repeat`` interleaved runs, each ratio the median of the run-by-run ratios (with their range).
Then cold start to the first 200 and idle memory of each server, and smsmock under gunicorn, to show what
several worker processes do to its state.
Targets (issue 5): smsmock >= 75% of the bare handler, >= Prism; cold start < 0.5 s; idle RSS < 60 MB.
"""
from __future__ import annotations

import argparse
import compileall
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    BASE_PATHS,
    OPS,
    ROOT,
    Load,
    Server,
    bench_seed,
    free_port,
    http,
    load,
    machine,
    median_load,
    prism_binary,
    smsmock_server,
    table,
    unlimit,
    write_seed,
)


def capture(server: Server) -> dict[str, dict]:
    """One answer of smsmock for each operation: what the bare handler will send back."""
    answers = {}
    for op in OPS:
        target = op.target(BASE_PATHS[op.provider])
        status, body = http(op.method, server.url + target, op.body, op.all_headers())
        if not 200 <= status < 300:
            raise RuntimeError(f"smsmock answered {op.label} with {status}: {body[:300]!r}")
        path = target.split("?")[0]
        answers[f"{op.method} {path}"] = {"status": status, "headers": {}, "body": body.decode()}
    return answers


def bare_server(answers_path: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "bench/bare.py", "--port", str(port), "--answers", str(answers_path)]
    return Server("bare Flask", argv, port, "/")


def start_prism(binary: str, provider: str) -> Server:
    """Prism mocking one bundled spec; it wants credentials present (it does not judge them) before a 200."""
    port = free_port()
    argv = [binary, "mock", "-p", str(port), "-h", "127.0.0.1", "--errors", "false", str(ROOT / "specs" / f"{provider}.yaml")]
    probe, headers = {
        "quickflow": ("/quickflow.sms.list_all", {"Authorization": "token k:s"}),
        "quickcom": ("/account-status?app_key=k&app_secret=s", {}),
        "smsflow": ("/contacts/1", {"Authorization": "Bearer k"}),
    }[provider]
    return Server(f"Prism {provider}", argv, port, probe, probe_headers=headers).start(timeout=60)


def cold_starts(make, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median seconds to the first 200 over ``repeat`` starts, and the idle RSS (MB) after the last."""
    times, rss = [], 0.0
    for _ in range(repeat):
        server = make()
        if server.process is None:
            server.start()
        try:
            times.append(server.cold_start)
            time.sleep(1.0)  # idle: the first request done, nothing else
            rss = server.rss()
        finally:
            server.stop()
    return statistics.median(times), rss


def fmt(load: Load | None) -> tuple[str, str]:
    if load is None:
        return "-", "-"
    errors = f" ({load.errors} errors)" if load.errors else ""
    return f"{load.rps:,.0f}{errors}", f"{load.p50_ms:.2f}/{load.p99_ms:.2f}"


def ratio(a: Load | None, b: Load | None) -> str:
    return f"{a.rps / b.rps:.2f}" if a and b and b.rps else "-"


def paired(runs: dict[tuple[str, str], list[Load]], op: Any, other: str) -> str:
    """Median and range of smsmock's throughput over the other server's, run by run (runs alternate)."""
    ours, theirs = runs.get((op.label, "smsmock"), []), runs.get((op.label, other), [])
    ratios = sorted(a.rps / b.rps for a, b in zip(ours, theirs) if b.rps)
    if not ratios:
        return "-"
    return f"{statistics.median(ratios):.2f} [{ratios[0]:.2f}-{ratios[-1]:.2f}]"


def run_gunicorn(seed_path: Path, answers_path: Path, seconds: float, repeat: int) -> list[list[str]]:
    """smsmock and the bare handler under gunicorn, and what two worker processes do to smsmock's state."""
    rows = []
    configs = [
        ("waitress, 8 threads (smsmock serve)", None),
        ("gunicorn gthread, 1 worker x 8 threads", ["--worker-class", "gthread", "--workers", "1", "--threads", "8"]),
        ("gunicorn sync, 2 workers", ["--worker-class", "sync", "--workers", "2"]),
    ]
    ops = [op for op in OPS if op.provider == "quickflow"]
    for label, options in configs:
        servers = []
        for app, env_name, env_value in (
            ("bench.wsgi:app", "SMSMOCK_BENCH_SEED", str(seed_path)),
            ("bench.bare:app_from_env()", "SMSMOCK_BENCH_ANSWERS", str(answers_path)),
        ):
            port = free_port()
            if options is None:
                server = smsmock_server(seed_path) if app.startswith("bench.wsgi") else bare_server(answers_path)
            else:
                argv = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "--log-level", "warning", *options, app]
                probe = "/__smsmock/api/state" if app.startswith("bench.wsgi") else "/"
                server = Server(label, argv, port, probe, env={env_name: env_value})
            servers.append(server.start())
        mock, bare = servers
        try:
            lost = "-"
            if options is not None:
                for _ in range(4):  # every worker must have its limits lifted: ask often enough to reach both
                    unlimit(mock)
                lost = str(state_lost(mock))
            else:
                unlimit(mock)
            for op in ops:
                ours = median_load([load(mock.url, op, BASE_PATHS[op.provider], seconds) for _ in range(repeat)])
                base = median_load([load(bare.url, op, BASE_PATHS[op.provider], seconds) for _ in range(repeat)])
                rows.append([label, op.label, *fmt(ours), *fmt(base), ratio(ours, base), lost])
        finally:
            for server in servers:
                server.stop()
    return rows


def state_lost(server: Server, count: int = 40) -> int:
    """How many of ``count`` SMSFlow contacts just created are not found when read back (state split by process)."""
    headers = {"Authorization": "Bearer YOUR_API_KEY", "Content-Type": "application/x-www-form-urlencoded"}
    missing = 0
    for i in range(count):
        status, body = http("POST", server.url + "/api/contacts", f"phone_number=%2B4477009{i:05d}".encode(), headers)
        contact = json.loads(body)["data"]["id"]
        status, _ = http("GET", server.url + f"/api/contacts/{contact}", headers=headers)
        missing += status == 404
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per load run (default 2)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure, the median kept (default 5)")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism")
    parser.add_argument("--no-gunicorn", action="store_true", help="skip the gunicorn comparison")
    parser.add_argument("--only-servers", action="store_true", help="only the WSGI server comparison")
    args = parser.parse_args()

    seed_path = write_seed(bench_seed())
    answers_path = Path(tempfile.mkdtemp(prefix="smsmock-bench-")) / "answers.json"
    binary = None if args.no_prism else prism_binary()
    print(f"# smsmock throughput, {machine()}, load: {'wrk' if shutil.which('wrk') else 'python'}, "
          f"{args.seconds:g} s x {args.repeat} runs per figure\n", flush=True)

    if args.only_servers:
        with smsmock_server(seed_path) as mock:
            unlimit(mock)
            answers_path.write_text(json.dumps(capture(mock)), encoding="utf-8")
        return servers(seed_path, answers_path, args)

    results: dict[tuple[str, str], Load | None] = {}
    runs: dict[tuple[str, str], list[Load]] = {}
    with smsmock_server(seed_path) as mock:
        unlimit(mock)
        answers_path.write_text(json.dumps(capture(mock)), encoding="utf-8")
        with bare_server(answers_path) as bare:
            prisms: dict[str, Server] = {}
            try:
                if binary:
                    for provider in BASE_PATHS:
                        prisms[provider] = start_prism(binary, provider)
                for _ in range(args.repeat):
                    for op in OPS:
                        targets = [("smsmock", mock.url, BASE_PATHS[op.provider]), ("bare", bare.url, BASE_PATHS[op.provider])]
                        if op.provider in prisms:
                            targets.append(("prism", prisms[op.provider].url, ""))
                        for name, url, base in targets:
                            runs.setdefault((op.label, name), []).append(load(url, op, base, args.seconds))
                results = {key: median_load(found) for key, found in runs.items()}
            finally:
                for server in prisms.values():
                    server.stop()

    rows = []
    for op in OPS:
        ours, base, prism = (results.get((op.label, n)) for n in ("smsmock", "bare", "prism"))
        rows.append([op.label, fmt(ours)[0], fmt(base)[0], paired(runs, op, "bare"), fmt(prism)[0],
                     paired(runs, op, "prism"), fmt(ours)[1], fmt(base)[1], fmt(prism)[1]])
    print("## Throughput (requests/s) and latency (p50/p99 ms)\n")
    print(table(["operation", "smsmock", "bare Flask", "vs bare", "Prism", "vs Prism", "smsmock ms", "bare ms", "Prism ms"], rows))
    print("\nvs bare, vs Prism: the median of the ratios of runs made side by side (smsmock, then the other, same"
          " operation), and their range over the runs in brackets: this machine's speed drifts between runs.")
    print("targets: vs bare >= 0.75 (validation and state cost at most 25%); vs Prism >= 1.00\n", flush=True)

    # An installed wheel has its bytecode compiled by pip; a checkout run with PYTHONDONTWRITEBYTECODE=1 (as this
    # sandbox sets it) would compile every module at each start instead. Compile once, as an install would.
    compileall.compile_dir(str(ROOT / "mockserver"), quiet=1)
    compileall.compile_dir(str(ROOT / "bench"), quiet=1, maxlevels=0)
    starts = [
        ("smsmock serve", *cold_starts(lambda: smsmock_server(seed_path), args.repeat)),
        ("bare Flask (waitress)", *cold_starts(lambda: bare_server(answers_path), args.repeat)),
    ]
    if binary:
        starts.append(("Prism (quickflow.yaml)", *cold_starts(lambda: start_prism(binary, "quickflow"), args.repeat)))
    print("## Cold start to the first 200, and idle memory\n")
    print(table(["server", "cold start s", "idle RSS MB"], [[n, f"{s:.2f}", f"{r:.0f}"] for n, s, r in starts]))
    print("\ntargets: smsmock cold start < 0.5 s (about a third of Prism's); idle RSS < 60 MB\n", flush=True)

    return 0 if args.no_gunicorn else servers(seed_path, answers_path, args)


def servers(seed_path: Path, answers_path: Path, args: argparse.Namespace) -> int:
    """The WSGI server comparison (needs gunicorn)."""
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        print("## WSGI servers\n\ngunicorn is not installed (pip install gunicorn): skipped\n")
        return 0
    rows = run_gunicorn(seed_path, answers_path, args.seconds, args.repeat)
    print("## WSGI servers (quickflow operations)\n")
    print(table(["server", "operation", "smsmock", "smsmock ms", "bare", "bare ms", "vs bare", "contacts lost /40"], rows))
    print("\n(contacts lost: SMSFlow contacts created and not found when read straight back;"
          " each worker process holds its own state)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
