"""The HTTP server behind ``smsmock serve`` and the live-server fixture: one event loop, one thread.

A provider request is short and CPU-bound (tens of microseconds in the mock), so it is answered inline on
the loop's thread as soon as its last byte is parsed: no hand-off to another thread or runtime, which
measured as half of a request's time under a server that parses in one thread and runs Python in
another. Waits hold nothing: an injected latency is a timer, and an admin long poll is parked on the loop
(:class:`~smsmock.loopfront.LoopFront`). HTTP/1.1 is parsed by httptools (llhttp, Node.js's parser); the
loop is uvloop where it is installed. Measured and decided in docs/architecture.md, "Serving".

What the HTTP layer itself refuses, before the mock sees it, it answers in plain text and closes the
connection: a request it cannot parse (400), a request target over :data:`MAX_TARGET` (414), a head over
:data:`MAX_HEAD` (431). A body over the mock's size limit gets the mock's own 413 at once, before the body
is read, and the connection is closed after it.
"""
from __future__ import annotations

import asyncio
import collections
import io
import logging
import os
import socket
import sys
import threading
import time
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote_to_bytes

import httptools

from .edge import ADMIN, FAULTS
from .loopfront import Answer, LoopFront

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["GRACE", "IDLE_TIMEOUT", "MAX_HEAD", "MAX_TARGET", "Serving"]

log = logging.getLogger("smsmock")

_S = TypeVar("_S", bound="Serving")

GRACE = 5.0  # seconds a stop waits for the requests under way to be answered
IDLE_TIMEOUT = 30.0  # seconds: a connection with no request being answered (a partial one counts as none) is closed
BACKLOG = 1024  # connections the kernel queues before they are accepted
MAX_TARGET = 64 * 1024  # bytes of a request target (nginx's default is 8 KiB): 414 past it
MAX_HEAD = 256 * 1024  # bytes of a request's header fields (waitress's default): 431 past it
PIPELINED = 16  # requests read ahead on one connection while an earlier one is answered: reading pauses past it

_FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "date"})  # the server's own headers
_NO_BODY = frozenset({"204", "304"})


class _Refused(Exception):
    """The HTTP layer refuses a request (its status and reason) and closes the connection."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class _Request:
    """A request whose last byte has been parsed: its environ and how to answer it."""

    __slots__ = ("environ", "keep_alive", "head", "http10")

    def __init__(self, environ: dict[str, Any], keep_alive: bool, head: bool, http10: bool) -> None:
        self.environ, self.keep_alive, self.head, self.http10 = environ, keep_alive, head, http10


class _Connection(asyncio.Protocol):
    """One client connection: requests parsed as bytes arrive, answered in order, inline where they can be."""

    def __init__(self, serving: Serving) -> None:
        self.serving = serving
        self.front = serving.front
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: collections.deque[_Request] = collections.deque()
        self.task: asyncio.Task[None] | None = None  # the request answered asynchronously (a wait), if any
        self.idle_since: float | None = time.monotonic()  # None while a request is being answered
        self.open = True
        self.reading = True
        self.writable = True  # the client reads its answers (transport flow control)
        self.discard = False  # the rest of what the client sends is not read (a refused or too-large request)
        self.refusal: bytes | None = None  # the HTTP layer's refusal, sent once the requests before it are answered
        self.closing = False  # close once what is queued is answered (a stop)
        self._target: list[bytes] = []
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._head_size = 0
        self._body_size = 0
        self._too_large = False
        self._upgrade = False
        self._base: dict[str, Any] = {}

    # -- asyncio.Protocol -----------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.serving.connections.add(self)
        peer = transport.get_extra_info("peername") or ("127.0.0.1", 0)
        own = transport.get_extra_info("sockname") or (self.serving.host, self.serving.port)
        self._base = {**self.serving.environ, "REMOTE_ADDR": str(peer[0]), "REMOTE_PORT": str(peer[1]),
                      "SERVER_NAME": str(own[0]), "SERVER_PORT": str(own[1])}

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self.serving.connections.discard(self)
        self.queue.clear()
        if self.task is not None:  # a parked poll or a latency nobody waits for any more
            self.task.cancel()
        # The parser and the transport refer back to this connection: without these cycles it is freed now,
        # with what it read, rather than at a later pass of the collector.
        self.parser = self.transport = None  # type: ignore[assignment]
        self._target, self._headers, self._body = [], [], []

    def data_received(self, data: bytes) -> None:
        if self.discard or not self.open:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # an upgrade (a websocket) is not served: what follows is not read
            self.discard = True  # the request itself is answered as a plain one, with Connection: close
        except httptools.HttpParserError as exc:
            limit = exc.__context__  # raised in a callback: a limit
            status, reason = (limit.status, limit.reason) if isinstance(limit, _Refused) else ("400 Bad Request", f"malformed request ({exc})")
            del limit  # its traceback holds this frame, and this frame what was read: no cycle left for the collector
            self._refuse(status, reason)

    def pause_writing(self) -> None:  # the client does not read its answers: read no more requests
        self.writable = False
        self._pause()

    def resume_writing(self) -> None:
        self.writable = True
        if len(self.queue) < PIPELINED:
            self._resume()

    # -- httptools callbacks --------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._target, self._headers, self._body = [], [], []
        self._head_size = self._body_size = 0
        self._too_large = self._upgrade = False

    def on_url(self, url: bytes) -> None:
        self._target.append(url)
        self._head_size += len(url)
        if self._head_size > MAX_TARGET:
            raise _Refused("414 URI Too Long", f"the request target is over {MAX_TARGET} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        self._head_size += len(name) + len(value) + 4
        if self._head_size > MAX_HEAD:
            raise _Refused("431 Request Header Fields Too Large", f"the request's head is over {MAX_HEAD} bytes")

    def on_headers_complete(self) -> None:
        self._upgrade = self.parser.should_upgrade()  # answered as a plain request, then the connection closes
        length = -1
        expect = False
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == b"content-length":
                length = int(value) if value.strip().isdigit() else -1
            elif lowered == b"expect" and value.strip().lower() == b"100-continue":
                expect = True
        if length > self.front.max_body:  # the mock's 413 now, from the length; the body is never read
            self._too_large = True
            self.on_message_complete()
            self.discard = True
        elif expect and self.transport is not None and not self.queue and self.task is None:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if self._too_large:
            return
        self._body_size += len(body)
        if self._body_size > self.front.max_body:  # a chunked body past the limit: the mock's 413 now
            self._too_large, self._body = True, []
            self.on_message_complete()
            self.discard = True
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self.discard:  # answered already, at its headers or in its body
            return
        self.queue.append(self._request())
        if len(self.queue) >= PIPELINED:
            self._pause()
        if self.task is None:
            self._answer_queued()

    # -- answering ------------------------------------------------------------------------------------------

    def _request(self) -> _Request:
        """The PEP 3333 environ of the request just parsed (its path percent-decoded, as latin-1 characters)."""
        target = b"".join(self._target) if len(self._target) != 1 else self._target[0]
        if target[:1] == b"/":
            path, _, query = target.partition(b"?")
            query = query.partition(b"#")[0]
        else:  # absolute-form (a proxy's request) or '*'
            try:
                url = httptools.parse_url(target)
                path, query = url.path or b"/", url.query or b""
            except httptools.HttpParserInvalidURLError:
                path, query = target, b""
        if b"%" in path:
            path = unquote_to_bytes(path)
        body = b"".join(self._body) if len(self._body) != 1 else self._body[0]
        environ = self._base.copy()
        environ["REQUEST_METHOD"] = method = self.parser.get_method().decode("latin-1")
        environ["PATH_INFO"] = path.decode("latin-1")
        environ["QUERY_STRING"] = query.decode("latin-1")
        version = self.parser.get_http_version()
        environ["SERVER_PROTOCOL"] = "HTTP/" + version
        environ["wsgi.input"] = io.BytesIO(body)
        for raw_name, raw_value in self._headers:
            key = _KEYS.get(raw_name) or _key(raw_name)
            value = raw_value.decode("latin-1")
            if key in environ and key[0] == "H":  # a repeated field: its values joined (RFC 9110 §5.3)
                value = environ[key] + "," + value
            environ[key] = value
        if self._too_large:  # the edge answers 413 from the length: the body was not kept
            environ["CONTENT_LENGTH"] = str(self.front.max_body + 1)
            environ.pop("HTTP_TRANSFER_ENCODING", None)  # a chunked one: the length it went past stands for it
            keep_alive = False
        else:
            keep_alive = self.parser.should_keep_alive() and not self._upgrade
        self._target, self._headers, self._body = [], [], []
        return _Request(environ, keep_alive, method == "HEAD", version == "1.0")

    def _answer_queued(self) -> None:
        """Answer the queued requests in order: inline while they can be, else in a task that goes on after."""
        while self.queue and self.open:
            request = self.queue.popleft()
            self.idle_since = None
            environ = request.environ
            if environ["PATH_INFO"].startswith(ADMIN):
                self.task = asyncio.ensure_future(self._admin(request))
                return
            faults: dict[str, Any] = {}
            environ[FAULTS] = faults
            answer = self._call(environ)
            if faults.get("latency") or faults.get("drop"):
                self.task = asyncio.ensure_future(self._faulty(request, answer, faults))
                return
            self._write(request, answer)
        self._done()

    async def _admin(self, request: _Request) -> None:
        try:
            answer = await self.front.admin(request.environ)
        except Exception:  # noqa: BLE001 - the admin blueprint answers its own errors; this is a server error
            log.exception("smsmock: the admin request failed")
            answer = _PLAIN_500
        self._then(request, answer)

    async def _faulty(self, request: _Request, answer: Answer, faults: dict[str, Any]) -> None:
        if faults.get("latency"):
            await asyncio.sleep(faults["latency"])
        if faults.get("drop"):  # an injected dropped connection: closed before any answer, as in-process
            self.task = None
            self.queue.clear()
            if self.transport is not None:
                self.transport.close()
            return
        self._then(request, answer)

    def _then(self, request: _Request, answer: Answer) -> None:
        """The asynchronous answer is ready: write it, and go on with what was read meanwhile."""
        self.task = None
        if self.open:
            self._write(request, answer)
            self._answer_queued()

    def _call(self, environ: dict[str, Any]) -> Answer:
        try:
            return self.front.call(environ)
        except Exception:  # noqa: BLE001 - the edge answers every provider failure; this is the server's own
            log.exception("smsmock: the request failed")
            return _PLAIN_500

    def _done(self) -> None:
        """Nothing is being answered: the idle clock runs, reading goes on (or the connection closes)."""
        if self.task is not None or not self.open or self.transport is None:
            return
        self.idle_since = time.monotonic()
        if self.refusal is not None:
            self.transport.write(self.refusal)
            self.transport.close()
            self.open = False
        elif self.closing:
            self.transport.close()
        elif not self.reading:
            self._resume()

    def _write(self, request: _Request, answer: Answer) -> None:
        status, headers, data = answer
        lines = ["HTTP/1.1 ", status, "\r\n"]
        length = None
        for name, value in headers:
            lowered = name.lower()
            if lowered in _FRAMING:
                if lowered == "content-length":
                    length = value
                continue
            lines += (name, ": ", value, "\r\n")
        lines += ("Date: ", self.serving.date(), "\r\n")
        if status[:3] in _NO_BODY:
            data = b""
        elif request.head:  # what a GET would have said, no body
            lines += ("Content-Length: ", length if length is not None else str(len(data)), "\r\n")
            data = b""
        else:
            lines += ("Content-Length: ", str(len(data)), "\r\n")
        keep_alive = request.keep_alive and not self.closing and self.refusal is None
        if not keep_alive:
            lines.append("Connection: close\r\n")
        elif request.http10:
            lines.append("Connection: keep-alive\r\n")
        lines.append("\r\n")
        assert self.transport is not None
        try:
            head = "".join(lines).encode("latin-1")
        except UnicodeEncodeError:  # a header value no HTTP/1.1 field can carry (PEP 3333: latin-1 only)
            log.exception("smsmock: an answer's header is not latin-1")
            self._write(request, _PLAIN_500)
            return
        self.transport.write(head + data)
        if not keep_alive:
            self.queue.clear()
            self.transport.close()
            self.open = False

    def _refuse(self, status: str, reason: str) -> None:
        """The HTTP layer's own refusal, in plain text: nothing more is read, the requests parsed before it
        are answered first, then it is sent and the connection closed."""
        self.discard = True
        body = f"{status}: {reason}\n".encode()
        head = f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        self.refusal = head.encode("latin-1") + body
        if self.task is None and not self.queue:
            self._done()

    def _pause(self) -> None:
        if self.reading and self.transport is not None:
            self.reading = False
            self.transport.pause_reading()

    def _resume(self) -> None:
        if not self.reading and self.writable and self.transport is not None and self.open and len(self.queue) < PIPELINED:
            self.reading = True
            self.transport.resume_reading()

    def shut(self) -> None:
        """A stop: close now when nothing is being answered, else once the requests read are answered."""
        self.closing = True
        if self.task is None and self.transport is not None:
            self.transport.close()


_KEYS: dict[bytes, str] = {}  # header name as sent -> its environ key


def _key(name: bytes) -> str:
    """The environ key of a header name (PEP 3333): HTTP_ and the name, but for the body's type and length."""
    key = name.decode("latin-1").upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = "HTTP_" + key
    if len(_KEYS) < 1000:  # the names clients send are few; a flood of new ones is not kept
        _KEYS[name] = key
    return key


_PLAIN_500: Answer = ("500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")], b"smsmock: internal server error\n")


class Serving:
    """A Flask app of the mock served on ``host:port`` until :meth:`stop`: listening from the constructor on.

    :meth:`run` serves in the calling thread (``smsmock serve``); :meth:`start` in a daemon thread (the
    live-server fixture). A stop closes the listener, answers every parked long poll at once, lets the
    requests under way finish for up to :data:`GRACE` seconds (a second stop cuts that short) and closes
    every connection. A connection with no request being answered for ``idle_timeout`` seconds is closed.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.listener = _listen(host, port)
        self.port: int = self.listener.getsockname()[1]
        self.app = app
        self.front = LoopFront(app)
        self.host = host
        self.idle_timeout = idle_timeout
        self.connections: set[_Connection] = set()
        self.environ: dict[str, Any] = {  # what every request's environ shares
            "SCRIPT_NAME": "",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,  # the body is read whole first, chunked or not: read to its end
        }
        self._date = (0, "")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port``"""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def date(self) -> str:
        """The Date header's value (RFC 9110 §6.6.1), formatted once a second."""
        now = int(time.time())
        if now != self._date[0]:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]

    def run(self) -> None:
        """Serve until :meth:`stop`, then stop gracefully (this thread's own event loop)."""
        runner: Any = asyncio.run
        try:
            import uvloop  # noqa: PLC0415 - Linux and macOS: a faster loop

            runner = uvloop.run
        except ImportError:
            pass
        try:
            runner(self._main())
        finally:
            self.listener.close()

    async def _main(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.front.bind(loop)
        server = await loop.create_server(lambda: _Connection(self), sock=self.listener, backlog=BACKLOG)
        idle = asyncio.ensure_future(self._close_idle())
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            server.close()  # no new connection
            self.front.close()  # every parked poll answers now (they sweep on this loop)
            for connection in list(self.connections):
                connection.shut()  # idle ones close now; the others once answered
            self._stop.clear()
            deadline = loop.time() + GRACE
            while self.connections and loop.time() < deadline and not self._stop.is_set():  # a second stop cuts it
                await asyncio.sleep(0.01)
            for connection in list(self.connections):
                if connection.transport is not None:
                    connection.transport.abort()
            idle.cancel()
            await asyncio.sleep(0)  # the aborted connections' ends run

    async def _close_idle(self) -> None:
        """Close the connections with no request answered for ``idle_timeout`` seconds (checked 4 times a timeout,
        at most once a second: a connection is closed between the timeout and a quarter more)."""
        every = min(1.0, self.idle_timeout / 4)
        while True:
            await asyncio.sleep(every)
            limit = time.monotonic() - self.idle_timeout
            for connection in list(self.connections):
                since = connection.idle_since
                if since is not None and since <= limit and connection.transport is not None:
                    connection.transport.close()

    def stop(self) -> None:
        """Stop serving (safe from any thread and from a signal handler); a second call cuts the grace short."""
        loop, event = self._loop, self._stop
        if loop is None or event is None or loop.is_closed():
            if self._thread is None and self._loop is None:  # never served: the port is let go
                self.listener.close()
            return
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the loop ended meanwhile
            pass

    # -- the live-server fixture: the same server in a daemon thread ---------------------------------------

    def start(self: _S) -> _S:
        """Serve in a daemon thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.run, name=f"smsmock-{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("smsmock: the server did not start")
        return self

    def join(self, timeout: float | None = None) -> None:
        """Wait for a server started with :meth:`start` to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.join(GRACE + 5)


def _listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening (a name is resolved; port 0 picks a free one)."""
    family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "nt":  # no other socket may take the port while it is ours
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined]
        else:  # a restart takes the port at once, its old connections in TIME_WAIT or not
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock
