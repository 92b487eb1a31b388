"""The ``smsmock`` command line: ``validate`` and ``serve``."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``smsmock`` command."""
    args = build_parser().parse_args(argv)
    return args.handler(args)
