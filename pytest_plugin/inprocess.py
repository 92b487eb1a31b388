"""Route ``requests`` calls to the providers' documented base URLs into the mock app, through ``responses``."""
from __future__ import annotations

import io
import re
import sys
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import requests
import responses
from flask import Flask

__all__ = ["InProcess"]

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _body(request: requests.PreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(part if isinstance(part, bytes) else str(part).encode() for part in body)


class InProcess:
    """Installs callbacks on ``responses``' default mock for the given base URLs, and removes them after.

    The rule for using ``responses`` yourself in the same test: smsmock registers on the default mock
    (``responses.mock``), so your ``responses.add(...)`` calls, ``@responses.activate`` included, live in the
    same registry and keep working; URLs that neither you nor smsmock registered pass through to the network.
    """

    def __init__(self, app: Flask, base_urls: list[str]) -> None:
        self.app = app
        self.base_urls = base_urls
        self._pattern = re.compile("^(?:" + "|".join(re.escape(u.rstrip("/")) for u in base_urls) + r")(?:[/?#]|$)")
        self._passthru = re.compile(r"^(?!(?:" + "|".join(re.escape(u.rstrip("/")) for u in base_urls) + r")(?:[/?#]|$))")
        self._registered: list[Any] = []
        self._started = False

    def start(self) -> InProcess:
        """Intercept the base URLs (starting the default mock if nobody has)."""
        mock = responses.mock
        if getattr(mock, "_patcher", None) is None:
            mock.start()
            self._started = True
        for method in METHODS:
            self._registered.append(mock.add_callback(method, self._pattern, callback=self._answer, content_type=None))
        mock.add_passthru(self._passthru)
        return self

    def stop(self) -> None:
        """Remove smsmock's callbacks (and stop the default mock if smsmock started it)."""
        mock = responses.mock
        for registered in self._registered:
            try:
                mock.remove(registered)
            except ValueError:
                pass  # the user reset the registry
        self._registered.clear()
        if self._passthru in mock.passthru_prefixes:
            mock.passthru_prefixes = tuple(p for p in mock.passthru_prefixes if p is not self._passthru)
        if self._started:
            mock.stop(allow_assert=False)
            mock.reset()
            self._started = False

    def _answer(self, request: requests.PreparedRequest) -> Any:
        """One request through the Flask app's WSGI callable, exactly as the live server would serve it."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [int(status.split(" ", 1)[0]), headers]
            return lambda data: None

        chunks = self.app(_environ(request), start_response)
        try:
            body = b"".join(chunks)
        except ConnectionAbortedError as exc:  # an injected dropped connection
            return requests.exceptions.ConnectionError(str(exc), request=request)
        finally:
            getattr(chunks, "close", lambda: None)()
        status, headers = started
        return (status, dict(headers), body)


def _environ(request: requests.PreparedRequest) -> dict[str, Any]:
    """The WSGI environ of a prepared request (what a server builds; werkzeug's test builder is 3x slower)."""
    url = urlsplit(str(request.url or ""))
    body = _body(request)
    port = url.port or (443 if url.scheme == "https" else 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method or "GET",
        "SCRIPT_NAME": "",
        # WSGI carries the decoded path as latin-1 characters of its UTF-8 bytes (PEP 3333).
        "PATH_INFO": unquote_to_bytes(url.path or "/").decode("latin1"),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "localhost",
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "HTTP_HOST": url.netloc,
        "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    for name, raw in request.headers.items():
        value = raw.decode("latin-1") if isinstance(raw, bytes) else raw  # requests allows bytes values
        key = name.upper().replace("-", "_")
        if key == "CONTENT_LENGTH":
            continue
        if key == "CONTENT_TYPE":
            environ[key] = value
        else:  # repeated names join with a comma, as a server folds them
            key = "HTTP_" + key
            environ[key] = f"{environ[key]},{value}" if key in environ and key != "HTTP_HOST" else value
    return environ
