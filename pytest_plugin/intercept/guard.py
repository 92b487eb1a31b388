"""The socket-level guard: no connection to a provider's host (or, opted in, to anything but loopback) leaves the test.

The interceptors answer the base URLs in-process and refuse other URLs on a provider's host by name; the
guard catches every client nobody patched (urllib, urllib3, a C extension) where they all meet: the name
lookup (``socket.getaddrinfo``) and the connection (``socket.socket.connect``), as pytest-socket does.
"""
from __future__ import annotations

import socket
import threading
from typing import Any, Callable

from .core import NetworkRefused, Sites, is_loopback

__all__ = ["Guard"]


class Guard:
    """Refuses and records every attempt to reach a provider's host that no interceptor answered."""

    def __init__(self, sites: Sites, clients: list[str], block_network: bool = False) -> None:
        self.sites = sites
        self.clients = clients  # the clients intercepted in-process, for the message
        self.block_network = block_network
        self.attempts: list[str] = []  # what was refused, in order (the test fails on them)
        self._lock = threading.Lock()
        self._saved: list[tuple[Any, str, Any]] = []

    def refuse(self, target: str, provider: str | None) -> NetworkRefused:
        """Record an attempt and build the error that names it (the caller raises it)."""
        with self._lock:
            self.attempts.append(target)
        intercepted = ", ".join(self.clients) or "none"
        if provider is None:
            why = "the test opted out of the network (smsmock block_network): only loopback is reachable"
        else:
            why = f"it is {provider}'s host, but no interceptor answered it (answered in-process: {self.sites.listing()})"
        return NetworkRefused(
            f"smsmock refused {target}: {why}. Clients intercepted in-process: {intercepted}. Add the base URL "
            f"(@pytest.mark.smsmock(base_urls={{{provider or 'provider'!r}: [...]}}), --smsmock-base-url or the "
            "smsmock_base_urls ini option, or smsmock.<provider>.add_base_url(url)), or point any other client at "
            "the smsmock_server fixture's base_url (a real HTTP server on 127.0.0.1)."
        )

    def check_url(self, url: str) -> None:
        """Refuse a URL on a provider's host that was not answered in-process (the interceptors call this)."""
        provider = self.sites.provider_of(url)
        if provider is not None:
            raise self.refuse(url, provider)

    def _check(self, host: Any, port: Any) -> None:
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if not isinstance(host, str) or not host:
            return
        try:
            number = int(port) if port not in (None, "") else None
        except (TypeError, ValueError):
            number = None
        provider = self.sites.provider_at(host, number)
        target = f"{host}:{port}" if port not in (None, "") else host
        if provider is not None:
            raise self.refuse(target, provider)
        if self.block_network and not is_loopback(host):
            raise self.refuse(target, None)

    # -- the patches ------------------------------------------------------------

    def start(self) -> Guard:
        """Guard name lookups and connections (until stop)."""
        lookup: Callable[..., Any] = socket.getaddrinfo
        connect: Callable[..., Any] = socket.socket.connect
        connect_ex: Callable[..., Any] = socket.socket.connect_ex
        guard = self

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            guard._check(host, port)
            return lookup(host, port, *args, **kwargs)

        def guarded(original: Callable[..., Any]) -> Callable[..., Any]:
            def method(sock: socket.socket, address: Any) -> Any:
                if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
                    guard._check(address[0], address[1])
                return original(sock, address)

            return method

        self._saved = [(socket, "getaddrinfo", lookup), (socket.socket, "connect", connect), (socket.socket, "connect_ex", connect_ex)]
        socket.getaddrinfo = getaddrinfo
        socket.socket.connect = guarded(connect)  # type: ignore[method-assign]
        socket.socket.connect_ex = guarded(connect_ex)  # type: ignore[method-assign]
        return self

    def stop(self) -> None:
        """Put the socket functions back."""
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()
