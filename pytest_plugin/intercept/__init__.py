"""In-process interception of the HTTP clients people use, and the guard that lets nothing else reach a provider.

:class:`Interception` starts one interceptor per installed client (``requests``, ``httpx``, ``aiohttp``; a client
that is not installed is never imported), all calling the mock app through :class:`Core`, and the socket
:class:`Guard` behind them.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any, Callable

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
    if module not in _FOUND:  # looked up once per session: the file system is not asked before every test
        try:
            _FOUND[module] = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            _FOUND[module] = False
    return _FOUND[module]


_FOUND: dict[str, bool] = {}


class _OnImport(importlib.abc.MetaPathFinder):
    """Calls back once a client library has been imported (by the test, during the test), to patch it then."""

    def __init__(self, names: list[str], then: Callable[[str], None]) -> None:
        self.names = set(names)
        self.then = then

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        self.names.discard(fullname)
        for finder in sys.meta_path:
            spec = None if finder is self else getattr(finder, "find_spec", lambda *a: None)(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        run = getattr(loader, "exec_module", None)
        if run is None:
            return spec

        def exec_module(module: ModuleType) -> None:
            run(module)
            self.then(fullname)

        loader.exec_module = exec_module  # type: ignore[union-attr, method-assign]  # this module's loader only
        return spec


class Interception:
    """The interceptors of every installed client, and the guard, for one test."""

    def __init__(self, app: Flask | None, sites: Sites, block_network: bool = False) -> None:
        self.sites = sites
        self.core = Core(app, sites) if app is not None else None  # None: a live server, the guard alone
        self.clients = [name for name in CLIENTS if installed(name)] if app is not None else []
        self.guard = Guard(sites, self.clients, block_network)
        self._started: list[Any] = []
        self._hook: _OnImport | None = None

    def start(self) -> Interception:
        self.guard.start()
        if self.core is not None:
            later = []
            for name in self.clients:
                if sys.modules.get(name) is not None:
                    self._intercept(name)
                else:  # imported by the test, if ever: patched then (importing it here would cost every test)
                    later.append(name)
            if later:
                self._hook = _OnImport(later, self._intercept)
                sys.meta_path.insert(0, self._hook)
        return self

    def _intercept(self, name: str) -> None:
        module, cls = CLIENTS[name]
        interceptor = getattr(importlib.import_module(module, __name__), cls)(self.core, self.guard)
        self._started.append(interceptor.start())

    def stop(self) -> None:
        if self._hook is not None and self._hook in sys.meta_path:
            sys.meta_path.remove(self._hook)
        self._hook = None
        for interceptor in reversed(self._started):
            interceptor.stop()
        self._started.clear()
        self.guard.stop()

    @property
    def in_flight(self) -> int:
        """Requests being answered in-process right now."""
        return self.core.in_flight if self.core is not None else 0
