"""``requests`` in-process: ``HTTPAdapter.send`` answers the base URLs from the mock app (where ``responses`` patches).

smsmock's send sits above ``responses``: its calls never enter ``responses.calls``, and a user's own
``responses`` registrations (on the default mock, which smsmock starts if nobody has) answer every other URL.
Faults are played out through the adapter's own ``max_retries`` (a urllib3 ``Retry``), as urllib3 would on
a socket: a drop is a ``ProtocolError`` and a delay past the read timeout a ``ReadTimeoutError``.
"""
from __future__ import annotations

import io
import re
from typing import Any, Callable

import requests
import responses
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict  # (urllib3 1.26 has it only here)
from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError, ResponseError

from .core import Core, timed_out
from .guard import Guard

__all__ = ["RequestsInterceptor"]

_EVERYTHING = re.compile(".*")


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


def _read_timeout(timeout: Any) -> float | None:
    if isinstance(timeout, tuple):
        return timeout[1]  # type: ignore[no-any-return]
    return getattr(timeout, "read_timeout", timeout)  # a float, None or a urllib3 Timeout


class RequestsInterceptor:
    """Patches ``HTTPAdapter.send`` while started."""

    name = "requests"

    def __init__(self, core: Core, guard: Guard) -> None:
        self.core = core
        self.guard = guard
        self._original: Callable[..., Any] | None = None
        self._patched: Callable[..., Any] | None = None
        self._started_responses = False

    def start(self) -> RequestsInterceptor:
        mock = responses.mock
        if getattr(mock, "_patcher", None) is None:  # users' responses.add(...) keep working without activate
            mock.start()
            mock.add_passthru(_EVERYTHING)  # and what nobody registered goes on to the network (and the guard)
            self._started_responses = True
        original = HTTPAdapter.send
        sites, guard, answer = self.core.sites, self.guard, self._answer

        def send(adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
            url = request.url or ""
            if sites.claims(url):
                return answer(adapter, request, kwargs.get("timeout"))
            guard.check_url(url)
            return original(adapter, request, *args, **kwargs)  # type: ignore[no-any-return]

        self._original, self._patched = original, send
        setattr(HTTPAdapter, "send", send)
        return self

    def stop(self) -> None:
        if self._patched is not None and HTTPAdapter.send is self._patched:  # else someone restored it already
            setattr(HTTPAdapter, "send", self._original)
        self._original = self._patched = None
        if self._started_responses:
            mock = responses.mock
            if getattr(mock, "_patcher", None) is not None:
                mock.stop(allow_assert=False)
            mock.reset()
            self._started_responses = False

    def _answer(self, adapter: HTTPAdapter, request: requests.PreparedRequest, timeout: Any) -> requests.Response:
        """The app's answer, with faults played through the adapter's retries as urllib3 plays them on a socket."""
        method, url = request.method or "GET", request.url or ""
        headers = [(k, v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in request.headers.items()]
        body = _body(request)
        retries = adapter.max_retries
        while True:
            answer = self.core.call(method, url, headers, body)
            error: Exception | None = None
            if answer.latency and timed_out(answer.latency, _read_timeout(timeout)):
                error = ReadTimeoutError(None, url, f"Read timed out. (read timeout={_read_timeout(timeout)})")  # type: ignore[arg-type]
            elif answer.drop:
                error = ProtocolError("Connection aborted.", ConnectionResetError("smsmock: connection dropped by an injected fault"))
            raw = None
            if error is None:
                raw = HTTPResponse(
                    body=io.BytesIO(answer.body),
                    headers=HTTPHeaderDict(answer.headers),
                    status=answer.status,
                    reason=answer.reason,
                    preload_content=False,
                    decode_content=False,
                    request_method=method,
                    request_url=url,
                )
                if not retries.is_retry(method, answer.status, raw.headers.get("Retry-After") is not None):
                    return adapter.build_response(request, raw)
            try:
                retries = retries.increment(method, url, response=raw, error=error)
            except MaxRetryError as exc:
                if isinstance(exc.reason, ResponseError):
                    if raw is not None and not retries.raise_on_status:
                        return adapter.build_response(request, raw)
                    raise requests.exceptions.RetryError(exc, request=request) from None
                raise requests.ConnectionError(exc, request=request) from None
            except ProtocolError as exc:
                raise requests.ConnectionError(exc, request=request) from None
            except ReadTimeoutError as exc:
                raise requests.ReadTimeout(exc, request=request) from None
            retries.sleep(raw)
