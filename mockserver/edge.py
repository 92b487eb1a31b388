"""The request edge: a WSGI request normalised once into an ``Incoming``, and an ``Outcome`` sent back.

Every transport meets the mock here: ``smsmock serve`` and the live-server fixture (smsmock.serving, on
an event loop) and the in-process interceptors all call the app's WSGI callable, whose :class:`Front` hands
provider requests to :meth:`Mock.dispatch`.
"""
from __future__ import annotations

import io
import time
import logging
from typing import TYPE_CHECKING, Callable, Iterable, Iterator
from urllib.parse import parse_qsl

from flask import Response
from werkzeug.exceptions import HTTPException
from werkzeug.formparser import FormDataParser
from werkzeug.http import HTTP_STATUS_CODES, parse_options_header
from werkzeug.wsgi import get_content_length, get_input_stream

from .engine import ContractDrift, Mock
from .validation import FORM_TYPES, Incoming
from .wire import PLAIN, dumps

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ADMIN", "FAULTS", "PARK", "Front", "Park", "http_error", "normalise"]

log = logging.getLogger("smsmock")
ADMIN = "/__smsmock"  # the admin blueprint and the page: served by Flask

# The WSGI environ key where an in-process interceptor asks for a fault's latency and drop instead of
# having them played out here: it waits up to its client's timeout and raises its client's own errors.
FAULTS = "smsmock.faults"

# The WSGI environ key where the event-loop server offers to park a long poll (an admin wait) instead of
# letting it block a thread: the endpoint answers now, or leaves a :class:`Park` filled in and is asked again.
PARK = "smsmock.park"

_HEADER_NAMES = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}  # environ key -> header name ("": none)


class Park:
    """A long poll's terms, between an admin endpoint and the server that parks it (environ ``PARK``).

    When it has nothing to answer yet, the endpoint sets ``parked`` and its terms: ``ready``, a quick test
    of whether to ask it again (see :meth:`Feed.watch`), run after each new message (``on="message"``) or
    after any change (``on="change"``), or None to wait for ``recheck`` alone; ``timeout``; and ``recheck``,
    seconds after which to ask again whatever ``ready`` says (None: never). The server asks again when one
    of them says so, and a last time with ``expired`` set when the timeout has passed or it is stopping.
    """

    __slots__ = ("parked", "ready", "on", "timeout", "recheck", "expired")

    def __init__(self) -> None:
        self.parked = False
        self.ready: Callable[[], bool] | None = None
        self.on = "change"
        self.timeout = 0.0
        self.recheck: float | None = None
        self.expired = False


class Front:
    """The app's WSGI entry: provider paths go straight to the mock's dispatch, ``/__smsmock/`` to Flask.

    Flask's per-request layer (its Request object, URL map and Response) costs more than the mock's own
    dispatch, and a provider request needs none of it; Flask stays the application for the admin blueprint
    and the page (its documented ``wsgi_app`` middleware hook puts this in front).
    """

    def __init__(self, flask_wsgi: WSGIApplication, mock: Mock, admin_prefix: str = ADMIN) -> None:
        self.flask_wsgi = flask_wsgi
        self.mock = mock
        self.admin_prefix = admin_prefix

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(self.admin_prefix):
            return self.flask_wsgi(environ, start_response)
        return self.answer(environ, start_response)

    def answer(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """One provider request through the dispatch path, and its answer as the server sends it."""
        try:
            incoming, too_large = normalise(environ, self.mock.max_body)
            outcome = self.mock.dispatch(incoming, too_large)
        except ContractDrift:
            raise  # strict mode (the test suite): the mock broke its own spec, and the test must see it
        except Exception as exc:  # noqa: BLE001 - never a traceback to a client, never a second dispatch
            path = environ.get("PATH_INFO", "")
            log.exception("smsmock: internal error answering %s %s", environ.get("REQUEST_METHOD"), path)
            spec = self.mock.router.match("GET", path[:2048]).spec
            crash = self.mock.internal_error(spec, exc)
            headers = [*crash.headers.items(), ("Content-Type", "application/json")]
            return _send(start_response, crash.status, headers, dumps(crash.body, PLAIN if spec is None else spec.json_style), environ)
        faults = environ.get(FAULTS)
        if faults is not None:  # an interceptor or the event-loop server waits or drops as its own client would see it
            faults["latency"], faults["drop"] = outcome.latency, outcome.drop
            if outcome.drop:
                return _send(start_response, 200, [], b"", environ)
        elif outcome.latency:
            time.sleep(outcome.latency)
        if outcome.drop:
            return _drop(environ, start_response)
        reply = outcome.reply
        headers = list(reply.headers.items())
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", outcome.media))
        return _send(start_response, reply.status, headers, outcome.wire or b"", environ)


def _send(start_response: StartResponse, status: int, headers: list[tuple[str, str]], body: bytes, environ: WSGIEnvironment) -> list[bytes]:
    """Start the response as werkzeug's Response would (status text, Content-Length; no body for HEAD)."""
    start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}", [*headers, ("Content-Length", str(len(body)))])
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def http_error(error: HTTPException) -> Response:
    """What Flask itself refuses under ``/__smsmock/`` (an unknown page, a wrong verb), as JSON."""
    return Response(dumps({"error": error.description}), status=error.code or 500, mimetype="application/json")


def normalise(environ: WSGIEnvironment, limit: int) -> tuple[Incoming, bool]:
    """A WSGI request normalised once, straight from its environ; True when the body is over the limit."""
    length = get_content_length(environ)
    too_large = length is not None and length > limit
    if too_large or length == 0 or (length is None and "HTTP_TRANSFER_ENCODING" not in environ):
        raw = b""  # no length and not chunked: no body (RFC 9112 §6.3)
    elif length is not None:  # a stated length within the limit: read it (PEP 3333: no further)
        raw = environ["wsgi.input"].read(length)
    else:  # none stated: what werkzeug reads (all of a terminated stream, else nothing)
        raw = get_input_stream(environ).read(limit + 1)
    too_large = too_large or len(raw) > limit
    headers = {}
    for key, value in environ.items():
        name = _HEADER_NAMES.get(key)
        if name is None:
            is_header = key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")
            name = key[5:].replace("_", "-").lower() if is_header else ""
            if len(_HEADER_NAMES) < 1000:  # the keys servers and clients send are few; a flood of new ones is not kept
                _HEADER_NAMES[key] = name
        if not name:  # no header: wsgi.*, SERVER_NAME, ...
            continue
        if value or name not in ("content-type", "content-length"):
            headers[name] = value
    content_type = headers.get("content-type", "")
    mimetype = content_type.partition(";")[0].strip().lower()
    form = None
    if mimetype in FORM_TYPES and raw and not too_large:
        try:
            if mimetype == "multipart/form-data":
                _, fields, files = FormDataParser(max_content_length=limit).parse(
                    io.BytesIO(raw), mimetype, len(raw), parse_options_header(content_type)[1]
                )
                form = list(fields.items(multi=True))
                form += [(name, f.read().decode("utf-8", "replace")) for name, f in files.items(multi=True)]
                # A part with no name (werkzeug keys it None) is no field: PHP and Werkzeug's own form skip it.
                form = [(name, value) for name, value in form if name]
            else:  # what werkzeug's form parser does for this type, without its MultiDict
                form = _pairs(raw.decode())
        except (ValueError, HTTPException):
            form = []  # a truncated or malformed form reads as no fields, as PHP and Frappe do
    query = environ.get("QUERY_STRING", "")
    # PEP 3333 carries the path as latin-1 characters of its bytes; werkzeug's request.path decodes them so.
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    incoming = Incoming(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path="/" + path.lstrip("/"),
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


def _drop(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Close the client's connection without an answer (an injected fault): the body fails mid-way, which
    every WSGI server turns into a cut connection and every client reports as one. (``smsmock serve`` and
    the in-process interceptors cut it themselves: they ask for the fault through ``FAULTS``.)"""
    start_response("200 OK", [("Content-Length", "1024")])
    return _broken_body()


def _broken_body() -> Iterator[bytes]:
    yield b"{"
    raise ConnectionAbortedError("smsmock: connection dropped by an injected fault")
