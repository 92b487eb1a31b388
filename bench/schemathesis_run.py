"""Run schemathesis against a live ``smsmock serve`` for each bundled spec and print what it did.

    python bench/schemathesis_run.py                      # the long run (README "Evidence")
    python bench/schemathesis_run.py --max-examples 8     # a bounded run (what the test suite does)

Every check, positive and negative data, all four phases (examples, coverage, fuzzing, stateful), with the
configuration in bench/schemathesis.toml. Before each spec the mock is reset to the default seed (the
documents' demo credentials) with its balances and rate limits raised, so that a long run cannot spend them:
a refusal for want of credit is state, not contract. Exit status 0 when no spec had a failure.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench/ is a folder of scripts: its helpers import as bench._common (smsmock is installed: pip install -e .)

from bench._common import Server as BenchServer, free_port  # noqa: E402

CONFIG = ROOT / "bench" / "schemathesis.toml"
SPECS = ("quickflow", "quickcom", "smsflow")
PLENTY = 10**9


@dataclass
class Result:
    """What one schemathesis run against one spec did."""

    spec: str
    operations: int
    cases: int
    failures: int
    errors: int
    seconds: float
    exit_code: int
    output: str
    phases: dict[str, str] = field(default_factory=dict)  # phase -> schemathesis's status for it

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.failures == 0 and self.errors == 0


def _call(url: str, payload: Any = None) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


class Server(BenchServer):
    """``smsmock serve`` (the bundled specs and seed) in a child process on a free port; ``with`` starts it."""

    def __init__(self) -> None:
        port = free_port()
        argv = [sys.executable, "-m", "smsmock", "serve", "--port", str(port)]
        super().__init__("smsmock serve", argv, port, "/__smsmock/api/state")

    def reset(self) -> None:
        """Back to the default seed with plenty of credit, and no rate limit in reach."""
        from smsmock.app import default_seed

        seed = copy.deepcopy(default_seed())
        for account in seed["quickflow"]["accounts"]:
            account["sender_ids"] = {sender: PLENTY for sender in account["sender_ids"]}
        for account in seed["quickcom"]["accounts"]:
            account["transaction_balance"] = account["promotional_balance"] = PLENTY
        _call(self.url + "/__smsmock/api/reset", seed)
        for provider in SPECS:
            _call(self.url + "/__smsmock/api/limits", {"provider": provider, "limit": PLENTY, "window": 60})


def base_url(server: Server, spec: str) -> str:
    """Where the mock serves a spec: the server's origin plus the path of the spec's ``servers[0]``."""
    from smsmock.spec import load_bundled

    return server.url + load_bundled()[spec].base_path


def run_spec(server: Server, spec: str, max_examples: int, seed: int, extra: list[str] | None = None) -> Result:
    """One schemathesis run (every check, every phase, positive and negative) against one spec."""
    server.reset()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color",
            "run", str(ROOT / "specs" / f"{spec}.yaml"),
            "--url", base_url(server, spec),
            "--phases", "examples,coverage,fuzzing,stateful",
            "--max-examples", str(max_examples),
            "--seed", str(seed),
            "--report", "json", "--report-json-path", str(report),
            *(extra or []),
        ]
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - started
        data = json.loads(report.read_text()) if report.exists() else {}
    figures = _figures(data)
    return Result(
        spec=spec,
        operations=figures.get("operations", 0),
        cases=figures.get("cases", 0),
        failures=figures.get("failures", 0),
        errors=figures.get("errors", 0),
        seconds=seconds,
        exit_code=done.returncode,
        output=done.stdout + done.stderr,
        phases={name: (phase or {}).get("status", "") for name, phase in (data.get("phases") or {}).items()},
    )


def _figures(report: dict[str, Any]) -> dict[str, int]:
    """Operations tested, test cases, unique failures and errors from schemathesis's JSON report."""
    cases = report.get("test_cases") or {}
    return {
        "operations": (report.get("operations") or {}).get("tested", 0),
        "cases": cases.get("generated", 0),
        "failures": cases.get("unique_failures", 0),
        "errors": len(report.get("errors") or []),
    }


def run(specs: list[str], max_examples: int, seed: int, extra: list[str] | None = None) -> Iterator[Result]:
    """Start the mock once and run schemathesis against each spec in turn."""
    with Server() as server:
        for spec in specs:
            yield run_spec(server, spec, max_examples, seed, extra)


def main(argv: list[str] | None = None) -> int:
    """Run, print one line per spec, and the output of any spec with failures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=200, help="test cases per operation and phase (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="Hypothesis seed (default 1)")
    parser.add_argument("--spec", action="append", choices=SPECS, help="only this spec (repeatable)")
    args, extra = parser.parse_known_args(argv)
    specs = args.spec or list(SPECS)
    version = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--version"], capture_output=True, text=True
    ).stdout.strip()
    print(f"{version}; every check, positive and negative data, phases examples, coverage, fuzzing and "
          f"stateful; --max-examples {args.max_examples} --seed {args.seed}")
    header = ("spec", "operations", "phases run", "test cases", "failures", "time (s)")
    print(f"{header[0]:<10} {header[1]:>10} {header[2]:>10} {header[3]:>10} {header[4]:>8} {header[5]:>8}")
    failed: list[Result] = []
    total, cases, failures = 0.0, 0, 0
    for result in run(specs, args.max_examples, args.seed, extra):
        total += result.seconds
        cases += result.cases
        failures += result.failures + result.errors
        ran = f"{sum(status == 'success' for status in result.phases.values())}/4"
        print(f"{result.spec:<10} {result.operations:>10} {ran:>10} {result.cases:>10} "
              f"{result.failures + result.errors:>8} {result.seconds:>8.1f}", flush=True)
        if not result.ok:
            failed.append(result)
    print(f"{'total':<10} {'':>10} {'':>10} {cases:>10} {failures:>8} {total:>8.1f}")
    for result in failed:
        print(f"\n===== {result.spec}: exit {result.exit_code} =====\n{result.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
