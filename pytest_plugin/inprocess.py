"""Route ``requests`` calls to the providers' documented base URLs into the mock app, through ``responses``."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

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
        return body.read()
    return b"".join(part if isinstance(part, bytes) else str(part).encode() for part in body)


class InProcess:
    """Installs callbacks on ``responses``' default mock for the given base URLs, and removes them after.

    The rule for using ``responses`` yourself in the same test: smsmock registers on the default mock
    (``responses.mock``), so your ``responses.add(...)`` calls, ``@responses.activate`` included, live in the
    same registry and keep working; URLs that neither you nor smsmock registered pass through to the network.
    """

    def __init__(self, app: Flask, base_urls: list[str]) -> None:
        self.app = app
        self.client = app.test_client()
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
        """One request through the Flask app, exactly as the live server would serve it."""
        url = urlsplit(request.url or "")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        try:
            response = self.client.open(
                url.path or "/",
                method=request.method or "GET",
                base_url=f"{url.scheme}://{url.netloc}",
                query_string=url.query,
                headers=headers,
                data=_body(request),
            )
            body = response.get_data()
        except ConnectionAbortedError as exc:  # an injected dropped connection
            return requests.exceptions.ConnectionError(str(exc), request=request)
        return (response.status_code, dict(response.headers), body)
