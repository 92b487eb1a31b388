"""The README's code examples are the executed example files, word for word, and its commands are real."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"<!-- example: (\S+) -->\n```python\n(.*?)```", README, flags=re.S)


def test_the_readme_shows_examples() -> None:
    assert {path for path, _ in EXAMPLES} >= {"tests/examples/quickcom_client.py", "tests/examples/test_quickcom_client.py"}


@pytest.mark.parametrize(("path", "shown"), EXAMPLES, ids=[p for p, _ in EXAMPLES])
def test_each_example_is_the_file_it_names(path: str, shown: str) -> None:
    assert shown == (ROOT / path).read_text(encoding="utf-8"), f"README.md's copy of {path} has drifted: copy it again"


def test_the_readme_starts_with_the_two_commands_and_ci_runs_the_test_command() -> None:
    commands = re.search(r"```sh\n(.*?)```", README, flags=re.S).group(1).splitlines()
    serve, test = (line.split("#")[0].strip() for line in commands[:2])
    assert serve == "python -m pip install . && smsmock serve"
    assert test == "python -m pip install -e '.[test]' && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1].strip() == test
