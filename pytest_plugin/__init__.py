"""smsmock's pytest plugin: fixtures that mock the three SMS providers, in-process or on a live server.

Installing smsmock registers the plugin (``pytest11`` entry point); the fixtures are ``smsmock`` and
``smsmock_server``, both giving a :class:`SmsMock` handle.

The names below are imported on first use (PEP 562): pytest imports this package in every run of every
project in the environment, and the handle's modules import Flask and the specs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from smsmock import _lazy_exports

if TYPE_CHECKING:
    from .contract import ContractViolation as ContractViolation
    from .handle import ProviderHandle as ProviderHandle
    from .handle import SentMessage as SentMessage
    from .handle import SmsMock as SmsMock

__all__ = ["ContractViolation", "ProviderHandle", "SentMessage", "SmsMock"]

_EXPORTS = {"ContractViolation": ".contract", "ProviderHandle": ".handle", "SentMessage": ".handle", "SmsMock": ".handle"}

if not TYPE_CHECKING:  # hidden from type checkers: an unknown name stays an error for them
    __getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS)
