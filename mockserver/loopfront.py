"""The mock on an event loop (``smsmock serve``, the live-server fixture): requests inline, waits parked.

A provider request is short and CPU-bound: :mod:`smsmock.serving` runs it inline on the loop's thread,
through the app's WSGI callable (the same :class:`~smsmock.edge.Front` and dispatch as every other
transport), with no thread hand-off. Nothing that waits holds a thread: an injected latency is an
``asyncio.sleep``, and an admin long poll (``/__smsmock/api/outbox/wait``, ``/api/code``, ``/api/events``)
leaves its terms in a :class:`~smsmock.edge.Park` and is asked again once the feed says something it waits
for may have come.
After a change one sweep runs only the tests that can say yes, and admin calls take turns between
provider requests, so a thousand parked polls cost a request next to nothing (docs/architecture.md,
"Serving").
"""
from __future__ import annotations

import asyncio
import collections
import io
import logging
import time
from typing import TYPE_CHECKING, Any, Callable

from .edge import PARK, Park
from .engine import MAX_BODY
from .extension import feed_for, find_mock

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["Answer", "LoopFront"]

log = logging.getLogger("smsmock")

Answer = tuple[str, list[tuple[str, str]], bytes]  # the WSGI status line, headers and the whole body

ADMIN_PER_TURN = 2  # admin calls (a new one, or a parked poll asking again) in one turn of the loop


class _Parked:
    """One long poll waiting: its test, and the future resolved when it is to look again."""

    __slots__ = ("ready", "future", "queued")

    def __init__(self, ready: Callable[[], bool] | None, future: asyncio.Future[None]) -> None:
        self.ready, self.future, self.queued = ready, future, False


class LoopFront:
    """The mock's Flask app on an event loop: its WSGI callable called inline; long polls parked on the loop."""

    def __init__(self, app: Flask) -> None:
        self.wsgi = app  # its wsgi_app is the Front: provider paths to the dispatch, /__smsmock/ to Flask
        # Any other Flask app is served too (the tests' stand-in sites): no long polls, the default body limit.
        mock = find_mock(app)
        self.max_body = mock.max_body if mock is not None else MAX_BODY
        self.feed = feed_for(app) if mock is not None else None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.parked: set[_Parked] = set()  # every parked poll; those with a test also in one of:
        self._on_message: set[_Parked] = set()  # tested after a new message
        self._on_change: set[_Parked] = set()  # tested after any change
        self._seen = (0, 0)  # the feed's (sent, epoch) at the last sweep
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()  # admin calls awaiting a turn
        self._drain_due = False
        self._sweep_due = False
        if self.feed is not None:
            self.feed.hooks.append(self._changed)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop this front serves on (parked polls are swept there, whichever thread changed the mock)."""
        self.loop = loop

    async def admin(self, environ: dict[str, Any]) -> Answer:
        """An admin request; a long poll with nothing to answer yet is parked until its test says yes, or time is up."""
        park = Park()
        environ[PARK] = park
        await self._turn()
        answer = self.call(environ)
        deadline = time.monotonic() + park.timeout
        while park.parked:
            remaining = deadline - time.monotonic()
            if park.recheck is not None:
                remaining = min(remaining, park.recheck)
            if remaining > 0 and not self.closing and (park.ready is None or not park.ready()):
                await self._park(park.ready, park.on, remaining)  # ends on its turn
            else:
                await self._turn()
            park.expired = time.monotonic() >= deadline or self.closing
            park.parked, park.ready, park.recheck = False, None, None
            answer = self.call({**environ, "wsgi.input": io.BytesIO(b"")})
        return answer

    async def _park(self, ready: Callable[[], bool] | None, on: str, timeout: float) -> None:
        """Wait until ``ready()`` says yes at a sweep (after a new message, or any change: ``on``), ``timeout``
        seconds pass or the server stops; then for a turn."""
        assert self.loop is not None
        parked = _Parked(ready, self.loop.create_future())
        group = self._on_message if on == "message" else self._on_change
        if ready is not None:
            group.add(parked)
        self.parked.add(parked)
        timer = self.loop.call_later(timeout, self._wake, parked)
        try:
            await parked.future
        finally:
            timer.cancel()
            group.discard(parked)
            self.parked.discard(parked)

    async def _turn(self) -> None:
        """Wait for a turn of the loop with room for an admin call (at most ADMIN_PER_TURN a turn)."""
        assert self.loop is not None
        future = self.loop.create_future()
        self._queue(future)
        await future

    def _wake(self, parked: _Parked) -> None:
        """Queue a parked poll for its turn (it asks its endpoint again then)."""
        if not parked.queued and not parked.future.done():
            parked.queued = True
            self._queue(parked.future)

    def _queue(self, future: asyncio.Future[None]) -> None:
        self._waiting.append(future)
        if not self._drain_due:
            self._drain_due = True
            assert self.loop is not None
            self.loop.call_soon(self._drain)

    def _drain(self) -> None:
        """Give the next ADMIN_PER_TURN queued admin calls their turn; the rest on the next turns.

        Provider requests run as they come; admin calls (the page, scripts, and above all long polls that a
        change or a common timeout release together: 250 at once would hold every provider request up for
        tens of milliseconds) take turns in between.
        """
        self._drain_due = False
        for _ in range(min(ADMIN_PER_TURN, len(self._waiting))):
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(None)
        if self._waiting:
            self._drain_due = True
            assert self.loop is not None
            self.loop.call_soon(self._drain)

    def _changed(self) -> None:
        """The feed's hook (any thread, holding its lock): one sweep of the parked polls, soon, on the loop."""
        if self._sweep_due or self.loop is None or not (self._on_change or self._on_message or self.closing):
            return
        self._sweep_due = True
        try:
            if _running_loop() is self.loop:
                self.loop.call_soon(self._sweep)
            else:
                self.loop.call_soon_threadsafe(self._sweep)
        except RuntimeError:  # the loop is closed: nothing is parked any more
            self._sweep_due = False

    def _sweep(self) -> None:
        """Queue the parked polls whose test says something they wait for may have come.

        Only the tests that can say yes are run: those waiting for a message when one was sent (or the
        mock reset), and those waiting for any change; a stop queues every parked poll.
        """
        self._sweep_due = False
        assert self.feed is not None
        if self.closing:
            for parked in list(self.parked):
                self._wake(parked)
            return
        seen, self._seen = self._seen, (self.feed.sent, self.feed.epoch)
        groups = [self._on_change] + ([self._on_message] if seen != self._seen else [])
        for group in groups:
            for parked in list(group):
                if parked.ready is not None and parked.ready():
                    group.discard(parked)
                    self._wake(parked)

    @property
    def closing(self) -> bool:
        """The server is stopping: a parked poll answers now."""
        return self.feed is not None and self.feed.closed

    def close(self) -> None:
        """The server is stopping: every parked poll answers now (the feed's close wakes them)."""
        if self.feed is not None:
            self.feed.close()

    def call(self, environ: dict[str, Any]) -> Answer:
        """One request through the app's WSGI callable, inline on the loop."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return _no_write

        result = self.wsgi(environ, start_response)
        try:
            data = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        return status, headers, data


def _no_write(data: bytes) -> None:
    raise RuntimeError("smsmock: the WSGI write() callable is not supported")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
