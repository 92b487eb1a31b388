"""A real HTTP server for the mock app on 127.0.0.1 and a free port, in a background thread.

The very server ``smsmock serve`` runs (:class:`smsmock.serving.Serving`: one event loop), so that a
client tested against the live-server fixture meets what it meets against ``smsmock serve``.
"""
from __future__ import annotations

from flask import Flask

from ..serving import Serving

__all__ = ["LiveServer"]


class LiveServer(Serving):
    """Serve the mock's app on a free loopback port (by default) in a daemon thread until :meth:`stop`."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(app, host, port)

    def stop(self) -> None:
        """Stop serving and wait for the server to close its sockets."""
        super().stop()
        self.join(10)

    def __exit__(self, *exc: object) -> None:
        self.stop()
