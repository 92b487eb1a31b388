"""Schemathesis, a tool nobody here wrote, finds nothing wrong with `smsmock serve` for any of the three specs.

A bounded run of bench/schemathesis_run.py: every check, positive and negative data, the examples, coverage,
fuzzing and stateful phases, against a live ``smsmock serve`` in a child process. The long run and its figures
are in the README ("Evidence").
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from smsmock.spec import load_bundled

pytest.importorskip("schemathesis")

RUNNER = Path(__file__).resolve().parent.parent / "bench" / "schemathesis_run.py"
MAX_EXAMPLES = 8  # per operation and phase: the three specs take about a minute on two cores


def _runner():
    spec = importlib.util.spec_from_file_location("schemathesis_run", RUNNER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["schemathesis_run"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


runner = _runner()


@pytest.fixture(scope="module")
def server():
    """One ``smsmock serve`` for the three runs (each starts from a reset)."""
    with runner.Server() as live:
        yield live


@pytest.mark.parametrize("spec", runner.SPECS)
def test_schemathesis_finds_no_failure(server, spec: str) -> None:
    """Zero failures and zero errors; every operation tested; every phase ran (stateful through the specs' links)."""
    result = runner.run_spec(server, spec, MAX_EXAMPLES, seed=1)
    assert result.ok, f"schemathesis against {spec}: exit {result.exit_code}\n{result.output}"
    operations = len(load_bundled()[spec].operations)
    assert result.operations == operations
    assert result.cases > 0
    assert result.phases == dict.fromkeys(("examples", "coverage", "fuzzing", "stateful"), "success")
