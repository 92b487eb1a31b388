"""What installing smsmock costs a test suite that does not use it: the plugin's import at pytest start-up.

    python bench/plugin_import.py [--runs 15] [--tests 200]

1. A generated suite of ``--tests`` plain tests (no smsmock fixture, in a temporary folder) is collected with
   ``python -m pytest --collect-only -q``: with the plugin (as installed, the default) and with
   ``-p no:smsmock``, in interleaved runs (``--runs`` each, after one warm-up run of each). The medians,
   their difference and their ratio are the plugin's cost to every pytest run in the environment.
2. The plugin module's own import time: ``python -X importtime -c "import smsmock.pytest_plugin.plugin"``,
   the cumulative microseconds of the top module (pytest included, as the command imports it), and the
   same with pytest imported first (what a pytest run pays, pytest being loaded already); medians.
Target: under 30 ms added to the suite's run. Figures only, no verdict: the machine is shared and noisy.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import machine, table  # noqa: E402

TARGET_MS = 30.0
PLUGIN = "smsmock.pytest_plugin.plugin"
PER_FILE = 20  # tests per generated file


def make_suite(tests: int) -> Path:
    """A folder of ``tests`` plain tests that take no fixture, with a pytest.ini making it the rootdir."""
    folder = Path(tempfile.mkdtemp(prefix="smsmock-bench-"))
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for start in range(0, tests, PER_FILE):
        body = "".join(f"def test_{i}():\n    assert {i} + 1 == {i + 1}\n\n\n" for i in range(start, min(start + PER_FILE, tests)))
        (folder / f"test_plain_{start // PER_FILE:03d}.py").write_text(body, encoding="utf-8")
    return folder


def env() -> dict[str, str]:
    """The environment with plugin autoloading on (entry points are what is measured)."""
    return {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}


def collect(folder: Path, tests: int, *options: str) -> float:
    """Wall seconds of one ``pytest --collect-only -q`` of the suite; checks it collected every test."""
    argv = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *options]
    began = time.perf_counter()
    done = subprocess.run(argv, cwd=folder, env=env(), capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - began
    if done.returncode != 0 or f"{tests} tests collected" not in done.stdout:
        raise RuntimeError(f"pytest {' '.join(options)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return elapsed


def import_us(code: str) -> int:
    """Cumulative microseconds of the plugin module's line in ``python -X importtime -c code``."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env(), capture_output=True, text=True, timeout=120)
    found = re.search(rf"^import time:\s+\d+ \|\s+(\d+) \| {re.escape(PLUGIN)}$", done.stderr, re.M)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"python -X importtime -c {code!r} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="timed runs on each side, interleaved (default 15)")
    parser.add_argument("--tests", type=int, default=200, help="tests in the generated suite (default 200)")
    args = parser.parse_args()
    print(f"# smsmock plugin import cost, {machine()}\n", flush=True)

    folder = make_suite(args.tests)
    try:
        collect(folder, args.tests), collect(folder, args.tests, "-p", "no:smsmock")  # warm the file caches
        # Interleaved: the machine's load drifts over seconds, and a drift then falls on both sides alike.
        plugin, without = [], []
        for _ in range(args.runs):
            plugin.append(collect(folder, args.tests))
            without.append(collect(folder, args.tests, "-p", "no:smsmock"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    with_ms, without_ms = 1000 * statistics.median(plugin), 1000 * statistics.median(without)

    alone = statistics.median(import_us(f"import {PLUGIN}") for _ in range(args.runs))
    after_pytest = statistics.median(import_us(f"import pytest; import {PLUGIN}") for _ in range(args.runs))

    rows = [
        [f"pytest --collect-only -q, {args.tests} tests", f"{with_ms:,.0f} ms", f"{without_ms:,.0f} ms",
         f"{with_ms - without_ms:+,.1f} ms", f"{with_ms / without_ms:.3f}x", f"< {TARGET_MS:.0f} ms added"],
    ]
    print(table(["measure", "with smsmock", "-p no:smsmock", "difference", "ratio", "target"], rows))
    print(f"\nimport {PLUGIN} (python -X importtime, cumulative, median of {args.runs}):")
    print(f"  alone (pytest included): {alone:,.0f} us")
    print(f"  pytest imported first:   {after_pytest:,.0f} us")
    print(f"\n(medians of {args.runs} interleaved runs each, after one warm-up run of each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
