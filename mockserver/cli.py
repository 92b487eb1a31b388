"""The ``smsmock`` command line: ``validate`` and ``serve``.

Each command imports what it needs when it runs (start-up time: ``validate`` needs no Flask, ``serve`` no
jsonschema), so ``smsmock --help`` answers at once.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import secrets
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import __version__

__all__ = ["main"]


def _fraction(pair: tuple[int, int]) -> str:
    documented, inferred = pair
    return f"{documented}/{inferred}"


def _validate(args: argparse.Namespace) -> int:
    from .speccheck import check_files

    started = time.perf_counter()
    paths = [Path(p) for p in args.paths] or None
    problems, table = check_files(paths)
    elapsed = time.perf_counter() - started
    if table:
        header = ("provider", "operations", "fields doc/inf", "responses doc/inf", "examples doc/inf")
        rows = [
            (t.provider, str(t.operations), _fraction(t.fields), _fraction(t.responses), _fraction(t.examples))
            for t in table
        ]
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, tuple("-" * w for w in widths), *rows):
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        print("(doc/inf: documented in the provider's document / inferred, marked x-provenance: inferred)")
        print()
    for problem in problems:
        print(problem)
    checked = len(paths) if paths else 3
    if problems:
        print(f"{len(problems)} problem(s) in {checked} file(s) ({elapsed:.2f} s)", file=sys.stderr)
        return 1
    print(f"ok: {checked} file(s) valid, every $ref resolves, every example matches its schema ({elapsed:.2f} s)")
    return 0


def addresses(host: str) -> list[str]:
    """The addresses a bind address is reached at: every interface's for 0.0.0.0 and ::, else itself."""
    if host not in ("0.0.0.0", "::", ""):
        return [host]
    found: list[str] = []
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET6 if host == "::" else socket.AF_INET)
        found = [str(info[4][0]) for info in infos]
    except OSError:
        pass
    loopback = "::1" if host == "::" else "127.0.0.1"
    return list(dict.fromkeys([*found, loopback]))


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _banner(app: Any, host: str, port: int, login: str | None = None, token: str | None = None) -> str:
    """The lines `serve` prints: where it listens (every address, and a warning beyond loopback), each provider, the credentials."""
    from .admin_input import TOKEN_HEADER, is_loopback
    from .app import get_mock

    mock = get_mock(app)
    shown = "localhost" if host == "127.0.0.1" else _url_host(addresses(host)[0])
    lines = [f"smsmock {__version__} listening on http://{shown}:{port}"]
    if not is_loopback(host):
        reached = ", ".join(f"http://{_url_host(a)}:{port}" for a in addresses(host))
        lines += [
            f"  bound to {host or 'every interface'}: reachable at {reached}",
            "  WARNING: other machines can reach this mock. The provider APIs are open, as the platforms' are;",
            f"  the admin page and API need the admin token (header {TOKEN_HEADER}).",
        ]
    lines.append("")
    for name, provider in mock.providers.items():
        lines.append(f"  {name:<10} http://{shown}:{port}{provider.spec.base_path}")
    lines += ["", f"  admin      http://{shown}:{port}/__smsmock/"]
    if login:
        lines.append(f"  login      http://{shown}:{port}/__smsmock/#login={login}  (one-time link for a browser)")
    if token:
        lines.append(f"  token      {token}  (scripts send it as {TOKEN_HEADER})")
    lines += ["", "credentials (seed):"]
    for name, section in mock.seed.items():
        for account in (section or {}).get("accounts") or []:
            keys = {k: v for k, v in account.items() if k in ("api_key", "api_secret", "app_key", "app_secret")}
            extra = account.get("sender_ids")
            described = ", ".join(f"{k}={v}" for k, v in keys.items())
            if extra:
                described += f", sender IDs {', '.join(extra)}"
            lines.append(f"  {name:<10} {described}")
    lines += ["", "Ctrl-C to stop."]
    return "\n".join(lines)


def settle_garbage_collector() -> None:
    """Tune the collector for a long-running server once the app is built (as gunicorn users do before fork).

    Everything built at start (specs, compiled validators, seed state) is moved out of the collector's
    sight (gc.freeze), and the youngest generation is collected every 10,000 allocations rather than 700:
    a request allocates a few hundred short-lived containers, and the default walks them every other
    request. Measured (direct WSGI calls, outbox at its cap, six operations): collection time per request
    3.5-15 µs before, 2.4-13 µs after; objects the collector tracks 43-106k before, 9-73k after. Cycles
    are still collected; memory stays bounded (bench/memory.py).
    """
    gc.freeze()  # no collect first: start-up leaves next to no garbage, and a collection costs 16 ms of cold start
    gc.set_threshold(10_000, 10, 10)


def settle_open_files() -> None:
    """Raise the soft limit on open files to the hard one (POSIX): each connection is a file, and a common
    soft limit of 1,024 would refuse the thousand connections the server is built to hold."""
    try:
        import resource  # noqa: PLC0415 - POSIX only

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 65_536
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError):
        pass


def settle_allocator() -> None:
    """Large buffers (a 1 MB body, 250 KB of headers) go back to the system when freed (glibc only).

    glibc raises its mmap threshold each time a large block is freed, after which such blocks come from
    the heap and leave it fragmented: hostile requests took RSS 30 MB higher than with the threshold fixed
    at its default of 128 KB (bench/hostile_memory.py).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD; setting it turns the dynamic threshold off
    except (OSError, AttributeError):
        pass


def _serve(args: argparse.Namespace) -> int:
    from .admin_input import Guard, is_loopback
    from .app import create_app, get_mock, load_seed
    from .extension import feed_for, set_guard
    from .persist import StateError, load_state, save_state
    from .serving import Serving
    from .spec import SpecError, load_bundled, load_spec
    from .state import Clock

    state = Path(args.state) if args.state else None
    try:
        seed = load_seed(args.seed) if args.seed else None
        specs = [*load_bundled().values(), *(load_spec(p) for p in args.spec)]
        app = create_app(specs, seed=seed, clock=Clock(None))
        if state is not None and load_state(get_mock(app), state):
            feed_for(app).changed(reset=True)
            print(f"smsmock: state read from {state}", flush=True)
    except StateError as exc:
        print(f"smsmock serve: {state} is refused and left as it is: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError, SpecError) as exc:
        print(f"smsmock serve: {exc}", file=sys.stderr)
        return 2
    token = args.admin_token or (None if is_loopback(args.host) else secrets.token_urlsafe(24))
    guard = Guard.for_server(args.host, [*args.allowed_host, *addresses(args.host)], token)
    set_guard(app, guard)
    try:
        server = Serving(app, args.host, args.port, idle_timeout=args.idle_timeout)
    except OSError as exc:  # busy, or not an address of this machine
        reason = exc.strerror or str(exc)
        print(f"smsmock serve: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 2
    made = token if token and not args.admin_token else None  # a token given on the command line is not echoed
    stopping = threading.Event()

    def _terminate(signum: int, frame: Any) -> None:
        stopping.set()
        server.stop()  # a second signal cuts the grace short

    # Installed before the banner: a signal sent as soon as the banner is read stops the server cleanly too.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    if hasattr(signal, "SIGBREAK"):  # Windows: Ctrl+Break in a console, and what a process group is sent
        signal.signal(signal.SIGBREAK, _terminate)
    try:
        print(_banner(app, args.host, server.port, guard.login_code() if token else None, made), flush=True)
        settle_garbage_collector()
        settle_allocator()
        settle_open_files()
        if state is not None:
            threading.Thread(target=_keep, args=(app, state, args.state_interval, stopping), daemon=True).start()
        server.run()
    finally:
        stopping.set()
    if state is not None:
        save_state(get_mock(app), state)
        print(f"smsmock: state written to {state}", flush=True)
    print("smsmock stopped.", flush=True)
    return 0


def _keep(app: Any, path: Path, interval: float, stopping: threading.Event) -> None:
    """Write the state file every ``interval`` seconds while anything changed (a crash loses at most that much)."""
    from .extension import feed_for, get_mock
    from .persist import save_state

    feed, written = feed_for(app), -1
    while not stopping.wait(interval):
        if feed.version != written:
            written = feed.version
            try:
                save_state(get_mock(app), path)
            except OSError as exc:
                print(f"smsmock: cannot write {path}: {exc}", file=sys.stderr, flush=True)


def _seconds(text: str) -> float:
    """A positive number of seconds (an argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 86400 seconds: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``smsmock`` command."""
    parser = argparse.ArgumentParser(prog="smsmock", description="Contract-testing kit for three SMS provider APIs.")
    parser.add_argument("--version", action="version", version=f"smsmock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser(
        "validate",
        help="check OpenAPI specs (the bundled ones by default)",
        description="Check structure, $refs, examples, operation ids, security and auth-failure responses.",
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="OpenAPI files (default: the bundled specs)")
    validate.set_defaults(handler=_validate)
    serve = commands.add_parser(
        "serve",
        help="run the mock server (all three providers) on 127.0.0.1:8017",
        description="Serve the bundled specs (or the given ones) with state, validation and the admin API.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8017, help="port (default 8017)")
    serve.add_argument("--seed", metavar="FILE", help="a seed YAML file replacing the default seed")
    serve.add_argument("--spec", action="append", default=[], metavar="FILE", help="also serve this OpenAPI file, answering from its examples (repeatable)")
    serve.add_argument(
        "--idle-timeout", type=_seconds, default=30.0, metavar="SECONDS",
        help="close a connection idle for this long: no request, or a request header not complete (default 30 s)",
    )
    serve.add_argument(
        "--allowed-host", action="append", default=[], metavar="NAME",
        help="also answer the admin page and API under this Host name (repeatable; loopback names always)",
    )
    serve.add_argument(
        "--admin-token", metavar="TOKEN",
        help="require this token (header X-Smsmock-Token) of every admin API request; a random one is made "
        "when --host is beyond loopback",
    )
    serve.add_argument(
        "--state", metavar="FILE",
        help="keep the whole state (accounts, records, outbox, journal, clock) in FILE: read at start, written "
        "on stop and every --state-interval seconds",
    )
    serve.add_argument("--state-interval", type=float, default=30.0, metavar="SECONDS", help="how often --state is written (default 30)")
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``smsmock`` command."""
    args = build_parser().parse_args(argv)
    return args.handler(args)
