"""What each part of smsmock's dispatch path costs under load: smsmock with one part taken out, vs the bare handler.

    python bench/ablation.py [--seconds 2] [--repeat 5] [--ops send_sms,send_message]

The throughput target of issue 5 (smsmock >= 0.75 of a bare Flask handler) is missed on the two sends;
this script measures where that cost sits, side by side in one run. Each variant is ``smsmock serve``
with one part of ``Mock.dispatch`` replaced by what that part answered for the first request, so it
answers only the benchmark's own repeated request as smsmock would: a measuring device, not a mode.

- ``smsmock``: unchanged.
- ``- answer check``: the check of every answer against the spec (``Mock._check_answer``) skipped.
- ``- journal``: the journal keeps no entry and the live feed is not told (``Journal.add``, ``Feed._on_entry``).
- ``- validation``: request validation (``validate_request``) answers its first result again.
- ``- handler``: the provider's handler (its state changes: balances, campaigns, outbox) answers its
  first result again; authentication, rate limiting and rendering still run.
- ``edge only``: ``Mock.dispatch`` answers its first outcome again: what is left is Flask, the request
  edge (``smsmock.app``) and waitress.

Each ratio is the median of run-by-run ratios against the bare handler (bench/bare.py, the one
bench/throughput.py uses), range in brackets; ``cpu`` is the bare server's CPU time per request over
the variant's (user + system, from /proc), a second view of the same cost that wrk's share of the two
cores does not blur.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    BASE_PATHS,
    OPS,
    Load,
    Server,
    bench_seed,
    free_port,
    load,
    machine,
    table,
    unlimit,
    write_seed,
)
from bench.throughput import bare_server, capture  # noqa: E402


def _first(fn: Callable[..., Any], key: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` that answers what it answered the first time for the same key."""
    seen: dict[Any, Any] = {}

    def again(*args: Any) -> Any:
        k = key(*args)
        if k not in seen:
            seen[k] = fn(*args)
        return seen[k]

    return again


def _replace(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    """Set ``owner.name`` to ``make(the current one)``; a renamed part fails loudly, not measured as unchanged."""
    current = getattr(owner, name)  # AttributeError if the part moved
    setattr(owner, name, make(current))


def _without_answer_check() -> None:
    from smsmock.engine import Mock

    _replace(Mock, "_check_answer", lambda check: lambda self, found, outcome, entry: None)


def _without_journal() -> None:
    from smsmock.feed import Feed
    from smsmock.journal import Journal

    _replace(Journal, "add", lambda add: lambda self, entry: entry)
    _replace(Feed, "_on_entry", lambda on_entry: lambda self, entry: None)


def _without_validation() -> None:
    import smsmock.engine as engine

    def make(validate: Callable[..., Any]) -> Callable[..., Any]:
        first = _first(validate, lambda spec, op, incoming, path_params, reserved: id(op))

        def again(*args: Any) -> tuple[dict[str, Any], list[Any]]:
            found, violations = first(*args)
            return dict(found), list(violations)  # copies: the dispatch path may add to them

        return again

    _replace(engine, "validate_request", make)


def _without_handler() -> None:
    from smsmock.providers.base import Provider

    def make(handler: Callable[..., Any]) -> Callable[..., Any]:
        cached: dict[int, Callable[..., Any]] = {}

        def once(self: Any, operation: Any) -> Callable[..., Any]:
            if id(operation) not in cached:
                cached[id(operation)] = _first(handler(self, operation), lambda account, args: account)
            return cached[id(operation)]

        return once

    _replace(Provider, "handler", make)


def _edge_only() -> None:
    from smsmock.engine import Mock

    def make(dispatch: Callable[..., Any]) -> Callable[..., Any]:
        return _first(dispatch, lambda self, incoming, too_large=False: (incoming.method, incoming.path))

    _replace(Mock, "dispatch", make)


VARIANTS: dict[str, Callable[[], None] | None] = {
    "smsmock": None,
    "- answer check": _without_answer_check,
    "- journal": _without_journal,
    "- validation": _without_validation,
    "- handler": _without_handler,
    "edge only": _edge_only,
}


def serve(variant: str, argv: list[str]) -> int:
    """Child mode: apply the variant's patch, then run ``smsmock serve``."""
    patch = VARIANTS[variant]
    if patch is not None:
        patch()
    from smsmock.cli import main

    return main(["serve", *argv])


def variant_server(variant: str, seed_path: Path) -> Server:
    port = free_port()
    argv = [sys.executable, __file__, "--serve", variant, "--", "--port", str(port), "--seed", str(seed_path)]
    return Server(variant, argv, port, "/__smsmock/api/state")


def cpu_seconds(server: Server) -> float | None:
    """User + system CPU seconds of the server process so far (Linux), None elsewhere."""
    assert server.process is not None
    try:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: Server, op: Any, seconds: float) -> tuple[Load, float | None]:
    """One load run: its figures, and the server's CPU seconds per request."""
    before = cpu_seconds(server)
    run = load(server.url, op, BASE_PATHS[op.provider], seconds)
    after = cpu_seconds(server)
    requests = run.rps * seconds
    per_request = (after - before) / requests if before is not None and after is not None and requests else None
    return run, per_request


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    return f"{statistics.median(values):.2f} [{values[0]:.2f}-{values[-1]:.2f}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per load run (default 2)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--ops", default="send_sms,send_message", help="operations, by name (default: the two sends)")
    parser.add_argument("--serve", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.serve:
        return serve(args.serve, [a for a in rest if a != "--"])

    wanted = [name.strip() for name in args.ops.split(",") if name.strip()]
    ops = [op for op in OPS if op.operation in wanted]
    if not ops:
        parser.error(f"--ops names none of: {', '.join(op.operation for op in OPS)}")
    seed_path = write_seed(bench_seed())
    answers_path = Path(tempfile.mkdtemp(prefix="smsmock-bench-")) / "answers.json"
    print(f"# smsmock ablation, {machine()}, {args.seconds:g} s x {args.repeat} runs per figure\n", flush=True)

    servers = [variant_server(name, seed_path) for name in VARIANTS]
    try:
        for server in servers:
            server.start()
            unlimit(server)
            capture(server)  # raises unless every variant answers every benchmark request with a success
        answers_path.write_text(json.dumps(capture(servers[0])), encoding="utf-8")
        bare = bare_server(answers_path).start()
        servers.append(bare)
        rows = []
        for op in ops:
            runs: dict[str, list[tuple[Load, float | None]]] = {s.name: [] for s in servers}
            for _ in range(args.repeat):  # interleaved: every server once, then again
                for server in servers:
                    runs[server.name].append(measure(server, op, args.seconds))
            for name in VARIANTS:
                pairs = list(zip(runs[name], runs[bare.name]))
                rps = [ours.rps / base.rps for (ours, _), (base, _) in pairs if base.rps]
                cpu = [b / o for (_, o), (_, b) in pairs if o and b]
                median_rps = statistics.median(run.rps for run, _ in runs[name])
                rows.append([op.label, name, f"{median_rps:,.0f}", spread(rps), spread(cpu)])
            rows.append([op.label, "bare Flask", f"{statistics.median(r.rps for r, _ in runs[bare.name]):,.0f}", "1", "1"])
    finally:
        for server in servers:
            server.stop()
    print(table(["operation", "variant", "req/s", "vs bare", "cpu vs bare"], rows))
    print("\ntarget (issue 5): smsmock >= 0.75 of the bare handler; each '- part' row shows what removing that part alone gives")
    return 0


if __name__ == "__main__":
    sys.exit(main())
