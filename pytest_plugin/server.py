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
            app, host=host, port=port, threads=threads, ident="smsmock",
            asyncore_loop_timeout=0.2,  # how soon the loop notices stop()
        )
        self.host = host
        self.port: int = self._server.effective_port  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.run, name=f"smsmock-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``"""
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: close every channel so waitress's loop ends, then stop its worker threads."""
        server = self._server
        server.task_dispatcher.shutdown()  # type: ignore[attr-defined]
        for channel in list(server._map.values()):  # type: ignore[attr-defined]
            channel.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
