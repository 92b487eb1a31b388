"""aiohttp in-process: ``ClientSession._request`` answers the base URLs from the mock app (where aioresponses patches).

The session's own URL, header, auth, body and timeout rules are applied (its ``_build_url`` and
``_prepare_headers``, ``FormData`` and the JSON serializer it was given), so the mock sees what the wire
would carry. A drop is ``ServerDisconnectedError``; a delay past the timeout raises what aiohttp raises on a
socket (``TimeoutError`` for ``total``, ``SocketTimeoutError`` for ``sock_read``), after the timeout.
"""
from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable

import aiohttp
from aiohttp import ClientResponse, ClientSession, hdrs
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import RequestInfo
from aiohttp.helpers import TimerNoop
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .core import Answer, Core
from .guard import Guard

__all__ = ["AiohttpInterceptor"]

_SOCKET_TIMEOUT = getattr(aiohttp, "SocketTimeoutError", aiohttp.ServerTimeoutError)  # aiohttp 3.10+
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
# aiohttp 3.14 hands a response the writer of its request (for the bytes sent); earlier ones take none.
_TAKES_STREAM_WRITER = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


class _Sent:
    """What a response asks of its request's writer once the request went out."""

    def __init__(self, size: int) -> None:
        self.output_size = size


class _Collect:
    """A writer that keeps what a payload writes (aiohttp before 3.12 has no ``Payload.as_bytes``)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    async def write(self, chunk: bytes) -> None:
        self.chunks.append(bytes(chunk))


async def _payload(session: ClientSession, data: Any, json: Any) -> tuple[bytes, str | None]:
    """A request's body bytes and content type, as aiohttp would encode them."""
    if data is None and json is None:
        return b"", None
    if data is None:
        return session._json_serialize(json).encode("utf-8"), "application/json"
    if isinstance(data, aiohttp.FormData):
        payload = data()
    elif isinstance(data, (dict, list, tuple)):
        payload = aiohttp.FormData(data)()
    else:
        payload = aiohttp.payload.get_payload(data)
    if hasattr(payload, "as_bytes"):
        body = await payload.as_bytes()
    else:
        collect = _Collect()
        await payload.write(collect)  # type: ignore[arg-type]
        body = b"".join(collect.chunks)
    return body, payload.content_type


def _limit(timeout: aiohttp.ClientTimeout) -> tuple[float | None, type[BaseException]]:
    """The read deadline of a timeout, and what aiohttp raises when it passes."""
    total, sock_read = timeout.total, timeout.sock_read
    if sock_read is not None and (total is None or sock_read < total):
        return sock_read, _SOCKET_TIMEOUT
    return total, TimeoutError


def _response(session: ClientSession, method: str, url: URL, sent: CIMultiDict[str], answer: Answer) -> ClientResponse:
    loop = asyncio.get_running_loop()
    extra: dict[str, Any] = {"stream_writer": _Sent(len(answer.body))} if _TAKES_STREAM_WRITER else {}
    response = ClientResponse(
        method,
        url,
        writer=None,
        continue100=None,
        timer=TimerNoop(),
        request_info=RequestInfo(url, method, CIMultiDictProxy(sent), url),
        traces=[],
        loop=loop,
        session=session,
        **extra,
    )
    headers: CIMultiDict[str] = CIMultiDict(answer.headers)
    response._headers = CIMultiDictProxy(headers)
    response._raw_headers = tuple((k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers)
    response.status, response.reason = answer.status, answer.reason
    content = aiohttp.StreamReader(ResponseHandler(loop=loop), 2**16, loop=loop)
    content.feed_data(answer.body)
    content.feed_eof()
    response.content = content
    return response


class AiohttpInterceptor:
    """Patches ``ClientSession._request`` while started."""

    name = "aiohttp"

    def __init__(self, core: Core, guard: Guard) -> None:
        self.core = core
        self.guard = guard
        self._original: Callable[..., Any] | None = None
        self._patched: Callable[..., Any] | None = None

    def start(self) -> AiohttpInterceptor:
        original = ClientSession._request
        sites, guard, answer = self.core.sites, self.guard, self._answer

        async def _request(session: ClientSession, method: str, str_or_url: Any, **kwargs: Any) -> ClientResponse:
            url = session._build_url(str_or_url)
            if kwargs.get("params"):
                url = url.extend_query(kwargs["params"])
            if not sites.claims(str(url)):
                guard.check_url(str(url))
                return await original(session, method, str_or_url, **kwargs)  # type: ignore[no-any-return]
            return await answer(session, method, url, kwargs)

        self._original, self._patched = original, _request
        setattr(ClientSession, "_request", _request)
        return self

    def stop(self) -> None:
        if self._patched is not None and ClientSession._request is self._patched:
            setattr(ClientSession, "_request", self._original)
        self._original = self._patched = None

    async def _answer(self, session: ClientSession, method: str, url: URL, kwargs: dict[str, Any]) -> ClientResponse:
        if session.closed:
            raise RuntimeError("Session is closed")
        headers = session._prepare_headers(kwargs.get("headers"))
        auth = kwargs.get("auth") or session.auth
        if auth is not None and hdrs.AUTHORIZATION not in headers:
            headers[hdrs.AUTHORIZATION] = auth.encode()
        body, content_type = await _payload(session, kwargs.get("data"), kwargs.get("json"))
        if content_type and hdrs.CONTENT_TYPE not in headers:
            headers[hdrs.CONTENT_TYPE] = content_type
        # aiohttp's own retry: an idempotent request whose connection dropped is sent once more.
        retry = getattr(session, "_retry_connection", False) and method.upper() in _IDEMPOTENT
        answer = self.core.call(method, str(url), headers.items(), body)
        while answer.drop and retry and not answer.latency:
            retry = False
            answer = self.core.call(method, str(url), headers.items(), body)
        if answer.latency:
            timeout = kwargs.get("timeout")
            limit, error = _limit(timeout if isinstance(timeout, aiohttp.ClientTimeout) else session.timeout)
            await asyncio.sleep(answer.latency if limit is None else min(answer.latency, limit))
            if limit is not None and answer.latency > limit:
                raise error("Timeout on reading data from socket") if error is _SOCKET_TIMEOUT else error()
        if answer.drop:
            raise aiohttp.ServerDisconnectedError()
        response = _response(session, method.upper(), url, headers, answer)
        check = kwargs.get("raise_for_status")
        check = session._raise_for_status if check is None else check
        if check is True:
            response.raise_for_status()
        elif callable(check):
            await check(response)
        return response
