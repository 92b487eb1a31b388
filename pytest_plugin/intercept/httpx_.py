"""httpx in-process, sync and async: the transports' own ``handle_request`` answer the base URLs (as respx patches).

Patched on ``httpx.HTTPTransport`` and ``httpx.AsyncHTTPTransport`` themselves, so every client built in the
test (``httpx.get``, ``httpx.Client()``, a client with its own ``HTTPTransport(retries=...)``) is caught, while
respx (which patches httpcore, below) still answers a user's routes for every other URL.
A drop is httpx's ``RemoteProtocolError`` and a delay past the read timeout its ``ReadTimeout``, as on a socket;
httpx's own ``retries`` cover failed connects only, so neither is retried there either.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

import httpx

from .core import Answer, Core, timed_out
from .guard import Guard

__all__ = ["HttpxInterceptor"]

_DROPPED = "Server disconnected without sending a response."


def _read_timeout(request: httpx.Request) -> float | None:
    return (request.extensions.get("timeout") or {}).get("read")


def _response(request: httpx.Request, answer: Answer) -> httpx.Response:
    return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)


class HttpxInterceptor:
    """Patches ``HTTPTransport.handle_request`` and ``AsyncHTTPTransport.handle_async_request`` while started."""

    name = "httpx"

    def __init__(self, core: Core, guard: Guard) -> None:
        self.core = core
        self.guard = guard
        self._saved: list[tuple[type, str, Callable[..., Any], Callable[..., Any]]] = []

    def _call(self, request: httpx.Request, body: bytes) -> Answer:
        return self.core.call(request.method, str(request.url), request.headers.multi_items(), body)

    def start(self) -> HttpxInterceptor:
        sync_original = httpx.HTTPTransport.handle_request
        async_original = httpx.AsyncHTTPTransport.handle_async_request
        sites, guard, call = self.core.sites, self.guard, self._call

        def handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            url = str(request.url)
            if not sites.claims(url):
                guard.check_url(url)
                return sync_original(transport, request)
            answer = call(request, request.read())
            if answer.latency and timed_out(answer.latency, _read_timeout(request)):
                raise httpx.ReadTimeout("timed out", request=request)
            if answer.drop:
                raise httpx.RemoteProtocolError(_DROPPED, request=request)
            return _response(request, answer)

        async def handle_async_request(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
            url = str(request.url)
            if not sites.claims(url):
                guard.check_url(url)
                return await async_original(transport, request)
            answer = call(request, await request.aread())
            if answer.latency:
                timeout = _read_timeout(request)
                await asyncio.sleep(answer.latency if timeout is None else min(answer.latency, timeout))
                if timeout is not None and answer.latency > timeout:
                    raise httpx.ReadTimeout("timed out", request=request)
            if answer.drop:
                raise httpx.RemoteProtocolError(_DROPPED, request=request)
            return _response(request, answer)

        self._saved = [
            (httpx.HTTPTransport, "handle_request", sync_original, handle_request),
            (httpx.AsyncHTTPTransport, "handle_async_request", async_original, handle_async_request),
        ]
        for owner, name, _, patched in self._saved:
            setattr(owner, name, patched)
        return self

    def stop(self) -> None:
        for owner, name, original, patched in self._saved:
            if getattr(owner, name) is patched:
                setattr(owner, name, original)
        self._saved.clear()
