"""What a Flask app holds of smsmock (``app.extensions``): its mock, the feed that follows it and the admin rules.

The factory installs both; the edge, the admin blueprint and the pytest handle take them from here
(flaskr's rule: blueprints take shared things from a lower module, never from the factory).
"""
from __future__ import annotations

from flask import Flask, current_app

from .admin_input import Guard
from .engine import Mock
from .feed import Feed

__all__ = ["feed_for", "find_mock", "get_mock", "guard_for", "install", "set_guard"]

_MOCK = "smsmock"
_FEED = "smsmock.feed"
_GUARD = "smsmock.guard"


def install(app: Flask, mock: Mock) -> None:
    """Give an app its mock and, from its first moment, the feed that stamps each message with its request."""
    app.extensions[_MOCK] = mock
    app.extensions[_FEED] = Feed(mock)


def get_mock(app: Flask | None = None) -> Mock:
    """The :class:`Mock` behind an app (the current one by default)."""
    return (app or current_app).extensions[_MOCK]  # type: ignore[no-any-return]


def find_mock(app: Flask) -> Mock | None:
    """The :class:`Mock` behind an app, or None for an app that is not smsmock's."""
    return app.extensions.get(_MOCK)


def feed_for(app: Flask | None = None) -> Feed:
    """The feed of an app's mock (the current app's by default)."""
    return (app or current_app).extensions[_FEED]  # type: ignore[no-any-return]


def guard_for(app: Flask | None = None) -> Guard:
    """The admin rules of an app (loopback names, no token, unless the server set its own)."""
    found = (app or current_app).extensions.get(_GUARD)
    if found is None:
        found = (app or current_app).extensions[_GUARD] = Guard()
    return found  # type: ignore[no-any-return]


def set_guard(app: Flask, guard: Guard) -> None:
    """Give an app the admin rules of the server it runs in (``smsmock serve``: its host, names and token)."""
    app.extensions[_GUARD] = guard
