"""smsmock: a spec-driven mock of the QuickFlow, QuickCom and SMSFlow SMS APIs, and its pytest plugin.

What building and driving the mock from Python needs::

    from smsmock import create_app, get_mock

    app = create_app()  # a Flask app serving the three bundled specs at their documented paths
    mock = get_mock(app)  # the Mock behind it

The names are imported on first use (PEP 562): ``import smsmock`` imports no Flask, jsonschema or YAML,
as pytest imports this package whenever the plugin is installed, in every project of the environment.
"""
from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time _EXPORTS below resolves each name
    from .app import create_app as create_app
    from .app import default_seed as default_seed
    from .app import get_mock as get_mock
    from .app import load_seed as load_seed
    from .engine import ContractDrift as ContractDrift
    from .engine import Mock as Mock
    from .journal import JournalEntry as JournalEntry
    from .overrides import Fault as Fault
    from .pytest_plugin.contract import ContractViolation as ContractViolation
    from .pytest_plugin.handle import ProviderHandle as ProviderHandle
    from .pytest_plugin.handle import SentMessage as SentMessage
    from .pytest_plugin.handle import SmsMock as SmsMock
    from .spec import Spec as Spec
    from .spec import SpecError as SpecError
    from .spec import bundled_spec_paths as bundled_spec_paths
    from .spec import load_bundled as load_bundled
    from .spec import load_spec as load_spec
    from .state import Clock as Clock
    from .state import RateLimit as RateLimit

__all__ = [
    "create_app",
    "get_mock",
    "default_seed",
    "load_seed",
    "Mock",
    "ContractDrift",
    "Fault",
    "Spec",
    "SpecError",
    "load_spec",
    "load_bundled",
    "bundled_spec_paths",
    "Clock",
    "RateLimit",
    "SmsMock",
    "ProviderHandle",
    "SentMessage",
    "ContractViolation",
    "JournalEntry",
]
__version__ = "0.1.0"

# Public name -> the module it is imported from (relative to this package). A name that moves is updated
# here (and in the TYPE_CHECKING block above); tests/test_lazy_import.py checks this matches __all__.
_EXPORTS = {
    "create_app": ".app",
    "get_mock": ".app",
    "default_seed": ".app",
    "load_seed": ".app",
    "Mock": ".engine",
    "ContractDrift": ".engine",
    "Fault": ".overrides",
    "Spec": ".spec",
    "SpecError": ".spec",
    "load_spec": ".spec",
    "load_bundled": ".spec",
    "bundled_spec_paths": ".spec",
    "Clock": ".state",
    "RateLimit": ".state",
    "SmsMock": ".pytest_plugin.handle",
    "ProviderHandle": ".pytest_plugin.handle",
    "SentMessage": ".pytest_plugin.handle",
    "ContractViolation": ".pytest_plugin.contract",
    "JournalEntry": ".journal",
}


def _lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's module ``__getattr__`` and ``__dir__`` (PEP 562) importing each export on first use.

    ``exports`` maps a public name to its module, relative to ``package``; a name resolved once is kept
    in the package's namespace, so later lookups do not come back here.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name], package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__


if not TYPE_CHECKING:  # hidden from type checkers: an unknown name stays an error for them
    __getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS)
