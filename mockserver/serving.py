"""The HTTP server behind ``smsmock serve`` and the live-server fixture: granian, embedded, on one event loop.

granian (a Rust HTTP server, https://github.com/emmett-framework/granian) parses HTTP and holds the
connections; the mock's Python runs on one asyncio loop in this process, through :class:`AsgiFront`
(requests inline, waits parked). State stays in one process and one thread. granian's embedded mode
(``granian.server.embed``) is the API that takes an application object and runs on the caller's
loop; it is marked experimental upstream, hence the pinned minor version in pyproject.toml.
Measured and decided in docs/architecture.md, "Serving".
"""
from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from .asgi import AsgiFront

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["GRACE", "IDLE_TIMEOUT", "Serving"]

_S = TypeVar("_S", bound="Serving")

GRACE = 5.0  # seconds a stop waits for the requests under way to be answered
IDLE_TIMEOUT = 30.0  # seconds: a connection that sends no request (or no complete header) is closed
BACKLOG = 1024  # connections the kernel queues before they are accepted
MAX_REQUESTS = 16_384  # requests handled at once (parked long polls count): past it, accepting waits


class Serving:
    """A Flask app of the mock served on ``host:port`` until :meth:`stop`: listening from the constructor on.

    :meth:`run` serves in the calling thread (``smsmock serve``); :meth:`start` in a daemon thread (the
    live-server fixture). A stop closes the listener, answers every parked long poll at once, lets the
    requests under way finish for up to :data:`GRACE` seconds (a second stop cuts that short) and closes
    every connection.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0, idle_timeout: float = IDLE_TIMEOUT) -> None:
        from granian._granian import SocketHolder as _Holder
        from granian.constants import HTTPModes, Interfaces
        from granian.http import HTTP1Settings
        from granian.server.embed import Server

        listener = _listen(host, port)
        self.port: int = listener.getsockname()[1]
        fd = listener.detach()  # granian's now: its worker closes it when it ends
        SocketHolder: Any = _Holder  # its constructor differs by platform (granian's net.rs); the stub has none
        if sys.platform == "win32":
            holder = SocketHolder(fd)
        elif sys.platform.startswith(("linux", "freebsd")):
            holder = SocketHolder(fd, False, BACKLOG)
        else:
            holder = SocketHolder(fd, False)

        class _Server(Server):  # type: ignore[misc]
            def _init_shared_socket(self) -> None:
                """Our listening socket: bound and listening before serving starts (granian would bind its own
                later, with SO_REUSEPORT on Linux, which lets a second server share the port unnoticed)."""
                self._ssp, self._shd, self._sfd = None, holder, fd  # type: ignore[assignment]

        self.app = app
        self.front = AsgiFront(app)
        self.host = host
        self._server = _Server(
            self.front,
            address=host,
            port=self.port,
            interface=Interfaces.ASGINL,  # no lifespan: the app is built before the server starts
            http=HTTPModes.http1,  # the providers speak HTTP/1.1; and so the idle timeout holds from the first byte
            http1_settings=HTTP1Settings(header_read_timeout=int(idle_timeout * 1000)),
            websockets=False,
            backlog=BACKLOG,
            backpressure=MAX_REQUESTS,
            log_enabled=False,  # the banner says where it listens; an injected drop is no error to report
        )
        self.idle_timeout = idle_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port``"""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def run(self) -> None:
        """Serve until :meth:`stop`, then stop gracefully (this thread's own event loop)."""
        try:
            import uvloop  # noqa: PLC0415 - optional: a faster loop where it is installed

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        runner(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.front.bind(self._loop)
        serving = asyncio.ensure_future(self._server.serve())
        self._ready.set()
        stopped = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait([serving, stopped], return_when=asyncio.FIRST_COMPLETED)
        if serving.done():  # granian ended by itself: its error is the caller's
            stopped.cancel()
            serving.result()
            return
        self.front.close()  # every parked poll answers now (they sweep on this loop)
        self._server.stop()  # no new connection; idle ones close; those under way finish
        self._stop.clear()
        force = asyncio.ensure_future(self._stop.wait())  # a second stop
        await asyncio.wait([serving, force], timeout=GRACE, return_when=asyncio.FIRST_COMPLETED)
        force.cancel()
        if not serving.done():
            serving.cancel()
        try:
            await serving
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping: what is cut short is not reported
            pass

    def stop(self) -> None:
        """Stop serving (safe from any thread and from a signal handler); a second call cuts the grace short."""
        loop, event = self._loop, self._stop
        if loop is None or event is None or loop.is_closed():
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
