"""One call through each real client, written as an application would: requests, httpx (sync and async), aiohttp.

Each raises its client's own exceptions; ``TIMEOUT`` and ``DROPPED`` name what each raises on a read past
its timeout and on a dropped connection, in-process and on a socket alike.
"""
from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp
import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

__all__ = ["CLIENTS", "DROPPED", "TIMEOUT", "Reply", "call", "retried"]


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


def _json(text: str) -> Any:
    return jsonlib.loads(text) if text else None


def _requests(method: str, url: str, timeout: float | None, retries: int, **kwargs: Any) -> Reply:
    with requests.Session() as session:
        if retries:  # the client's own retry machinery: urllib3's Retry on the adapter, any verb, no backoff
            session.mount(url.split("/", 3)[0] + "//", HTTPAdapter(max_retries=Retry(total=retries, allowed_methods=None)))
        answer = session.request(method, url, timeout=timeout, **kwargs)
        return Reply(answer.status_code, _json(answer.text), {k.lower(): v for k, v in answer.headers.items()})


def _httpx_sync(method: str, url: str, timeout: float | None, retries: int, **kwargs: Any) -> Reply:
    # A client that builds its own transport (httpx's retries: failed connects only).
    with httpx.Client(transport=httpx.HTTPTransport(retries=retries), timeout=timeout) as client:
        answer = client.request(method, url, **kwargs)
        return Reply(answer.status_code, _json(answer.text), {k.lower(): v for k, v in answer.headers.items()})


def _httpx_async(method: str, url: str, timeout: float | None, retries: int, **kwargs: Any) -> Reply:
    async def go() -> Reply:
        async with httpx.AsyncClient(timeout=timeout) as client:
            answer = await client.request(method, url, **kwargs)
            return Reply(answer.status_code, _json(answer.text), {k.lower(): v for k, v in answer.headers.items()})

    return asyncio.run(go())


def _aiohttp(method: str, url: str, timeout: float | None, retries: int, **kwargs: Any) -> Reply:
    async def go() -> Reply:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_read=timeout)) as session:
            async with session.request(method, url, **kwargs) as answer:
                return Reply(answer.status, _json(await answer.text()), {k.lower(): v for k, v in answer.headers.items()})

    return asyncio.run(go())


CLIENTS: dict[str, Callable[..., Reply]] = {
    "requests": _requests,
    "httpx": _httpx_sync,
    "httpx-async": _httpx_async,
    "aiohttp": _aiohttp,
}

# What each client raises when the answer takes longer than its read timeout, and on a dropped connection.
TIMEOUT: dict[str, type[BaseException]] = {
    "requests": requests.ReadTimeout,
    "httpx": httpx.ReadTimeout,
    "httpx-async": httpx.ReadTimeout,
    "aiohttp": aiohttp.SocketTimeoutError,
}
DROPPED: dict[str, type[BaseException]] = {
    "requests": requests.ConnectionError,
    "httpx": httpx.RemoteProtocolError,
    "httpx-async": httpx.RemoteProtocolError,
    "aiohttp": aiohttp.ServerDisconnectedError,
}


def retried(client: str, method: str) -> bool:
    """Whether the client's own machinery retries a dropped connection: requests with a ``Retry`` on its
    adapter, aiohttp once for an idempotent verb; httpx's ``retries`` cover failed connects only."""
    return client == "requests" or (client == "aiohttp" and method in ("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"))


def call(client: str, method: str, url: str, timeout: float | None = 5.0, retries: int = 0, **kwargs: Any) -> Reply:
    """One request through the named client."""
    return CLIENTS[client](method, url, timeout, retries, **kwargs)
