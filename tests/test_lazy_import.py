"""Installing smsmock costs other test suites nothing: the plugin and ``import smsmock`` import nothing heavy.

Each check runs in a fresh interpreter (this one has imported everything already). No timing here: the
figures are bench/plugin_import.py's.
"""
from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest

import smsmock

# What pytest would otherwise pay for on every run of every project where smsmock is installed.
HEAVY = (
    "flask",
    "werkzeug",
    "jsonschema",
    "jsonschema_rs",
    "yaml",
    "hypothesis",
    "responses",
    "requests",
    "referencing",
    "phonenumbers",
)


def run(code: str) -> object:
    """What ``code`` prints as JSON on its last line, run by a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("module", ["smsmock.pytest_plugin.plugin", "smsmock", "smsmock.pytest_plugin"])
def test_importing_imports_nothing_heavy(module: str) -> None:
    heavy = run(f"import json, sys, {module}; print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))")
    assert heavy == []


def test_every_public_name_resolves() -> None:
    code = (
        "import json, smsmock\n"
        "print(json.dumps({n: getattr(smsmock, n).__module__ for n in smsmock.__all__}))"
    )
    modules = run(code)
    assert isinstance(modules, dict)
    assert sorted(modules) == sorted(smsmock.__all__)
    assert all(module.startswith("smsmock.") for module in modules.values()), modules


def test_the_names_are_in_all_dir_and_the_mapping() -> None:
    assert set(smsmock.__all__) == set(smsmock._EXPORTS)
    assert len(smsmock.__all__) == len(set(smsmock.__all__))
    assert set(smsmock.__all__) <= set(dir(smsmock))
    import smsmock.pytest_plugin as plugin

    assert set(plugin.__all__) == set(plugin._EXPORTS) <= set(dir(plugin))
    assert plugin.SmsMock is smsmock.SmsMock


def test_an_unknown_name_is_an_attribute_error_naming_the_module() -> None:
    with pytest.raises(AttributeError, match="module 'smsmock' has no attribute 'no_such_name'"):
        smsmock.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    import smsmock.pytest_plugin as plugin

    with pytest.raises(AttributeError, match="module 'smsmock.pytest_plugin' has no attribute 'no_such_name'"):
        plugin.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_version_is_the_installed_distributions() -> None:
    assert smsmock.__version__ == importlib.metadata.version("smsmock")
