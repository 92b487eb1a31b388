"""In-process interception of the HTTP clients people use, and the guard that lets nothing else reach a provider.

:class:`Interception` starts one interceptor per installed client (``requests``, ``httpx``, ``aiohttp``; a client
that is not installed is never imported), all calling the mock app through :class:`Core`, and the socket
:class:`Guard` behind them.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

from flask import Flask

from .core import Core, NetworkRefused, Sites
from .guard import Guard

__all__ = ["CLIENTS", "Interception", "NetworkRefused", "Sites", "installed"]

# client module -> the interceptor's module and class (imported only when the client is installed)
CLIENTS = {
    "requests": (".requests_", "RequestsInterceptor"),
    "httpx": (".httpx_", "HttpxInterceptor"),
    "aiohttp": (".aiohttp_", "AiohttpInterceptor"),
}


def installed(module: str) -> bool:
    """Whether a client library can be imported (found without importing it)."""
    if module in sys.modules:
        return sys.modules[module] is not None  # None: imports of it are blocked
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class Interception:
    """The interceptors of every installed client, and the guard, for one test."""

    def __init__(self, app: Flask | None, sites: Sites, block_network: bool = False) -> None:
        self.sites = sites
        self.core = Core(app, sites) if app is not None else None  # None: a live server, the guard alone
        self.clients = [name for name in CLIENTS if installed(name)] if app is not None else []
        self.guard = Guard(sites, self.clients, block_network)
        self._started: list[Any] = []

    def start(self) -> Interception:
        self.guard.start()
        if self.core is not None:
            for name in self.clients:
                module, cls = CLIENTS[name]
                interceptor = getattr(importlib.import_module(module, __name__), cls)(self.core, self.guard)
                self._started.append(interceptor.start())
        return self

    def stop(self) -> None:
        for interceptor in reversed(self._started):
            interceptor.stop()
        self._started.clear()
        self.guard.stop()

    @property
    def in_flight(self) -> int:
        """Requests being answered in-process right now."""
        return self.core.in_flight if self.core is not None else 0
