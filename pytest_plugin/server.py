"""A real HTTP server for the mock app on 127.0.0.1 and a free port, in a background thread."""
from __future__ import annotations

import threading

from flask import Flask
from waitress.server import create_server

__all__ = ["LiveServer"]


class LiveServer:
    """Serve a WSGI app with waitress on a free loopback port until :meth:`stop`."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        self.app = app
        self._server = create_server(
            app, host=host, port=port, threads=threads, ident="smsmock"
        )
        self.host = host
        self.port: int = self._server.effective_port  # type: ignore[attr-defined]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"smsmock-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``"""
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def _serve(self) -> None:
        """waitress's loop, a turn at a time, so that it ends (and closes its sockets) in its own thread."""
        server = self._server
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=0.2, map=server._map, count=1)  # type: ignore[attr-defined]
        server.task_dispatcher.shutdown()  # type: ignore[attr-defined]
        for channel in list(server._map.values()):  # type: ignore[attr-defined]
            channel.close()

    def stop(self) -> None:
        """Stop serving and wait for the loop to close its sockets."""
        self._stopping.set()
        self._thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
