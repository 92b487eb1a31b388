"""The path every in-process transport shares: a client's request as one WSGI call into the mock app."""
from __future__ import annotations

import io
import ipaddress
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask

from smsmock.edge import FAULTS
from smsmock.engine import Mock

__all__ = ["Answer", "Core", "NetworkRefused", "Sites", "is_loopback"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bare(host: str) -> str:
    host = host.strip("[]").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


class NetworkRefused(ConnectionRefusedError):
    """A request to a provider's host that no interceptor answered, refused before any connection opened."""


@dataclass
class Sites:
    """The base URLs answered in-process, per provider, and the provider hosts nothing else may reach.

    A base URL's path must be the provider's documented base path (QuickFlow: ``/api/method`` on any Frappe
    site); its scheme, host and port are free. The documented base URLs are always among them.
    """

    base_paths: dict[str, str]
    urls: dict[str, list[str]] = field(default_factory=dict)
    _claims: dict[tuple[str, str, int], dict[str, str]] = field(default_factory=dict)  # origin -> base path -> provider
    _hosts: dict[str, str] = field(default_factory=dict)  # a provider's host (no www.) -> provider
    _loopback_ports: dict[int, str] = field(default_factory=dict)  # a loopback base URL's port -> provider

    @classmethod
    def documented(cls, mock: Mock) -> Sites:
        """The documented base URL of each of a mock's providers."""
        sites = cls({name: provider.spec.base_path for name, provider in mock.providers.items()})
        for name, provider in mock.providers.items():
            sites.add(name, provider.spec.base_url)
        return sites

    def add(self, provider: str, url: str) -> str:
        """Answer ``url`` (a base URL of ``provider``) in-process from now on; the URL as kept."""
        if provider not in self.base_paths:
            raise ValueError(f"smsmock base URL {url!r}: no provider {provider!r} (have {', '.join(self.base_paths)})")
        parts = urlsplit(url.strip())
        path, expected = parts.path.rstrip("/"), self.base_paths[provider]
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"smsmock base URL {url!r} for {provider}: give scheme and host, e.g. https://sms.example.com{expected}")
        if path != expected:
            raise ValueError(
                f"smsmock base URL {url!r} for {provider}: its path must be {expected!r}, the path the mock serves "
                f"(any scheme, host and port: e.g. {parts.scheme}://{parts.netloc}{expected})"
            )
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
        kept = f"{parts.scheme}://{parts.netloc.lower()}{expected}"
        self._claims.setdefault((parts.scheme, parts.hostname.lower(), port), {})[expected] = provider
        if is_loopback(parts.hostname):
            self._loopback_ports[port] = provider
        else:
            self._hosts[_bare(parts.hostname)] = provider
        listed = self.urls.setdefault(provider, [])
        if kept not in listed:
            listed.append(kept)
        return kept

    def claims(self, url: str) -> bool:
        """Whether the mock answers this URL in-process."""
        try:
            parts = urlsplit(url)
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)
        except ValueError:
            return False
        paths = self._claims.get((parts.scheme, (parts.hostname or "").lower(), port))
        if not paths:
            return False
        path = parts.path
        return any(path == base or path.startswith(base + "/") for base in paths)

    def provider_at(self, host: str, port: int | None) -> str | None:
        """The provider whose host this is (any scheme, port or ``www.``; on loopback, the base URL's port)."""
        if is_loopback(host):
            return self._loopback_ports.get(port or 0)
        return self._hosts.get(_bare(host))

    def provider_of(self, url: str) -> str | None:
        """The provider whose host a URL names, if any (whether or not the URL is answered in-process)."""
        try:
            parts = urlsplit(url)
            return self.provider_at(parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme))
        except ValueError:
            return None

    def listing(self) -> str:
        """Every base URL answered in-process, per provider, for error messages."""
        return "; ".join(f"{name}: {', '.join(urls)}" for name, urls in self.urls.items())


@dataclass
class Answer:
    """The app's answer to one call, and the injected fault the transport must play out."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    latency: float = 0.0
    drop: bool = False


class Core:
    """Calls the mock app for the interceptors, and counts the calls in flight (a wait may still see them land)."""

    def __init__(self, app: Flask, sites: Sites) -> None:
        self.app = app
        self.sites = sites
        self.in_flight = 0
        self._lock = threading.Lock()

    def call(self, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes) -> Answer:
        """One request through the Flask app's WSGI callable, exactly as the live server would serve it."""
        started: list[Any] = []

        def start_response(status: str, reply_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, reply_headers]
            return lambda data: None

        environ = _environ(method, url, headers, body)
        faults: dict[str, Any] = {}
        environ[FAULTS] = faults
        with self._lock:
            self.in_flight += 1
        try:
            chunks = self.app(environ, start_response)
            try:
                data = b"".join(chunks)
            finally:
                getattr(chunks, "close", lambda: None)()
        finally:
            with self._lock:
                self.in_flight -= 1
        status, reply_headers = started
        code, _, reason = status.partition(" ")
        return Answer(int(code), reason, reply_headers, data, faults.get("latency", 0.0), faults.get("drop", False))


def timed_out(latency: float, timeout: float | None) -> bool:
    """Wait out an injected latency as a client with this read timeout would: True when it gave up first."""
    if timeout is not None and latency > timeout:
        time.sleep(timeout)
        return True
    time.sleep(latency)
    return False


def _environ(method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """The WSGI environ of a client's request (what a server builds; werkzeug's test builder is 3x slower)."""
    parts = urlsplit(url)
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        # WSGI carries the decoded path as latin-1 characters of its UTF-8 bytes (PEP 3333).
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "HTTP_HOST": parts.netloc,
        "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_LENGTH":
            continue
        if key == "CONTENT_TYPE":
            environ[key] = value
        elif key != "HOST":  # repeated names join with a comma, as a server folds them
            key = "HTTP_" + key
            environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
