"""The request edge: a WSGI request normalised once into an ``Incoming``, and an ``Outcome`` sent back.

Every transport meets the mock here: the standalone server, the live-server fixture and the in-process
interceptors all call the same Flask view, which calls :meth:`Mock.dispatch`.
"""
from __future__ import annotations

import io
import socket
import time
from typing import Iterator
from urllib.parse import parse_qsl

from flask import Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.formparser import FormDataParser
from werkzeug.wsgi import get_content_length, get_input_stream

from .extension import get_mock
from .validation import FORM_TYPES, Incoming
from .wire import dumps

__all__ = ["FAULTS", "METHODS", "http_error", "serve"]

# The WSGI environ key where an in-process interceptor asks for a fault's latency and drop instead of
# having them played out here: it waits up to its client's timeout and raises its client's own errors.
FAULTS = "smsmock.faults"

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]

_HEADER_NAMES = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}  # environ key -> header name


def serve(path: str) -> Response:
    """The catch-all view: one request through the mock's dispatch path."""
    mock = get_mock()
    incoming, too_large = _incoming(mock.max_body)
    outcome = mock.dispatch(incoming, too_large)
    faults = request.environ.get(FAULTS)
    if faults is not None:  # an in-process interceptor waits or drops as its own client would see it
        faults["latency"], faults["drop"] = outcome.latency, outcome.drop
        if outcome.drop:
            return Response(b"", status=200)
    elif outcome.latency:
        time.sleep(outcome.latency)
    reply = outcome.reply
    if outcome.drop:
        return _drop()
    if outcome.wire is None:
        return Response(b"", status=reply.status, headers=reply.headers, content_type="text/html; charset=UTF-8")
    return Response(outcome.wire, status=reply.status, headers=reply.headers, content_type="application/json")


def http_error(error: HTTPException) -> Response:
    """Anything Flask itself refuses (an unknown verb) still goes through the providers' dispatch, once.

    An internal error (500) is never dispatched again: the request may already have been answered,
    journaled and charged (dispatch answers a handler's own failure itself).
    """
    code = error.code or 500
    if request.path.startswith("/__smsmock"):
        return Response(dumps({"error": error.description}), status=code, mimetype="application/json")
    environ = request.environ
    if code >= 500 or environ.get("smsmock.dispatched"):
        return Response(dumps({"message": "Server Error"}), status=code, mimetype="application/json")
    environ["smsmock.dispatched"] = True
    return serve(request.path.lstrip("/"))


def _incoming(limit: int) -> tuple[Incoming, bool]:
    """The current request, normalised once, straight from the WSGI environ; True when the body is over the limit."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # one context lookup, not one per field
    environ = current.environ
    length = get_content_length(environ)
    too_large = length is not None and length > limit
    raw = b"" if too_large or length == 0 else get_input_stream(environ).read(limit + 1)
    too_large = too_large or len(raw) > limit
    headers = {}
    for key, value in environ.items():
        name = _HEADER_NAMES.get(key)
        if name is None:
            if not key.startswith("HTTP_") or key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            name = key[5:].replace("_", "-").lower()
            if len(_HEADER_NAMES) < 1000:  # the names clients send are few; a flood of new ones is not kept
                _HEADER_NAMES[key] = name
        if value or name not in ("content-type", "content-length"):
            headers[name] = value
    content_type = headers.get("content-type", "")
    mimetype = content_type.partition(";")[0].strip().lower()
    form = None
    if mimetype in FORM_TYPES and raw and not too_large:
        try:
            if mimetype == "multipart/form-data":
                _, fields, files = FormDataParser(max_content_length=limit).parse(
                    io.BytesIO(raw), mimetype, len(raw), current.mimetype_params
                )
                form = list(fields.items(multi=True))
                form += [(name, f.read().decode("utf-8", "replace")) for name, f in files.items(multi=True)]
            else:  # what werkzeug's form parser does for this type, without its MultiDict
                form = _pairs(raw.decode())
        except (ValueError, HTTPException):
            form = []  # a truncated or malformed form reads as no fields, as PHP and Frappe do
    query = environ.get("QUERY_STRING", "")
    incoming = Incoming(
        method=current.method,
        path=current.path,
        # request.args without its MultiDict: invalid bytes stay percent-encoded, as werkzeug keeps them
        query=_pairs(query.encode("latin1").decode()) if query else [],
        headers=headers,
        content_type=mimetype,
        body=b"" if too_large else raw,
        form=form,
        origin=f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST') or environ.get('SERVER_NAME', 'localhost')}",
    )
    return incoming, too_large


def _pairs(text: str) -> list[tuple[str, str]]:
    """``a=1&b=&c`` as name/value pairs, blanks kept; invalid percent-escapes stay as sent (as werkzeug keeps them).

    What parse_qsl does; most query strings and forms have nothing to decode, and are split directly.
    """
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    return [(name, value) for name, _, value in (part.partition("=") for part in text.split("&") if part)]


def _drop() -> Response:
    """Close the client's connection without an answer (an injected fault).

    Under waitress the socket is shut down, so the client sees the server hang up with no response
    (``requests.ConnectionError``). Elsewhere (the Flask test client, other servers) the body fails
    mid-way, which every client also reports as a broken connection.
    """
    probe = request.environ.get("waitress.client_disconnected")
    channel = getattr(probe, "__self__", None)
    sock = getattr(channel, "socket", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return Response(b"", status=200)
    return Response(_broken_body(), status=200, headers={"Content-Length": "1024"})


def _broken_body() -> Iterator[bytes]:
    yield b"{"
    raise ConnectionAbortedError("smsmock: connection dropped by an injected fault")
