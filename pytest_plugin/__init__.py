"""smsmock's pytest plugin: fixtures that mock the three SMS providers, in-process or on a live server.

Installing smsmock registers the plugin (``pytest11`` entry point); the fixtures are ``smsmock`` and
``smsmock_server``, both giving a :class:`SmsMock` handle.
"""
from __future__ import annotations

from .contract import ContractViolation
from .handle import ProviderHandle, SentMessage, SmsMock

__all__ = ["ContractViolation", "ProviderHandle", "SentMessage", "SmsMock"]
