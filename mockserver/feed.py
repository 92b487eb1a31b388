"""Reading the outbox as it fills: search, wait for a message, the latest one-time code, and a change feed.

The admin API (and so the outbox page) and the pytest fixtures both read messages through :class:`Feed`,
so that ``GET /__smsmock/api/outbox/wait`` and ``smsmock.wait_for_message`` cannot disagree.
"""
from __future__ import annotations

import asyncio
import collections
import itertools
import re
import threading
import time
from typing import Any, Callable

from .engine import Mock
from .journal import JournalEntry
from .state import Message, matcher

__all__ = ["CODE", "Feed", "NoCode", "NoMessage", "code_in"]

CODE = re.compile(r"(?<!\d)(\d{4,8})(?!\d)")  # a one-time code: 4 to 8 digits standing alone
POLL = 0.05  # seconds between looks at what is pending, for waits that can end early


class NoMessage(LookupError):
    """No message matched the filters (within the timeout, if one was given)."""


class NoCode(LookupError):
    """The newest message to a number holds no code."""


class Feed:
    """Follows one mock: stamps each new message with its request's journal entry and wakes waiters on changes."""

    def __init__(self, mock: Mock) -> None:
        self.mock = mock
        self.version = 0  # moves on every journal entry and every change made through the admin API
        self.epoch = 0  # moves on every reset: journal sequence numbers start again
        self._last_seq = 0
        self._changed = threading.Condition()
        self._waiting = 0  # threads in wait_for_change: no one to wake, no notify
        self.closed = False  # the server is stopping: every wait ends now
        self._when: collections.deque[float] = collections.deque(maxlen=4096)  # monotonic time of each recent version
        self.sent = 0  # messages stamped with their request so far: a watch looks only at the newer ones
        # Told of every change, holding the feed's lock: they must be quick and take no other lock
        # (the event-loop server's is to schedule a look at its parked long polls).
        self.hooks: list[Callable[[], None]] = []
        mock.listeners.append(self._on_entry)

    def _on_entry(self, entry: JournalEntry) -> None:
        # Mock.dispatch calls this holding the state lock, right after the journal gave the entry its
        # seq: the messages at the end of the outbox that have no seq yet were sent by this request.
        for message in self.mock.env.outbox.newest():
            if message.journal_seq is not None:
                break
            message.journal_seq = entry.seq
            self.sent += 1
        self._bump(seq=entry.seq)

    def changed(self, reset: bool = False) -> None:
        """Tell waiters that something changed (and whether the mock was reset)."""
        self._bump(reset=reset)

    def close(self) -> None:
        """End every wait now and every later one at once (the server is stopping: no long poll holds it up)."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()
            for hook in self.hooks:
                hook()

    def _bump(self, reset: bool = False, seq: int | None = None) -> None:
        with self._changed:
            # A journal that went back means Mock.reset ran (the fixtures call it, not the admin API).
            total = self.mock.journal.total if seq is None else seq
            reset = reset or total < self._last_seq + (seq is not None)
            if reset:
                self.epoch += 1
            self._last_seq = total
            self.version += 1
            self._when.append(time.monotonic())
            if self._waiting:
                self._changed.notify_all()
            for hook in self.hooks:
                hook()

    def current(self) -> int:
        """The version now, a reset made without the admin API since the last change counted (Mock.reset)."""
        if self.mock.journal.total < self._last_seq:  # reset with no request since
            self.changed()
        return self.version

    def changed_since(self, version: int) -> float | None:
        """Seconds since the first change after ``version`` (None: nothing changed since; a long time: inf)."""
        if version >= self.version:
            return None
        index = version + 1 - (self.version - len(self._when) + 1)
        return time.monotonic() - self._when[index] if index >= 0 else float("inf")

    def wait_for_change(self, version: int, timeout: float) -> int:
        """Block until the version differs from ``version`` or ``timeout`` seconds pass; the version now."""
        self.current()
        with self._changed:
            self._waiting += 1
            try:
                self._changed.wait_for(lambda: self.version != version or self.closed, timeout)
            finally:
                self._waiting -= 1
            return self.version

    def watch(
        self,
        provider: str | None = None,
        recipient: str | None = None,
        text: str | None = None,
        since: int | None = None,
    ) -> Callable[[], bool]:
        """A quick test of whether a message matching the filters may have come since now.

        It looks only at the messages sent since its last look (none: no work at all), so that many
        parked waits cost next to nothing per request; a reset or a stop also says yes. A yes means
        "look again" (:meth:`find` is the answer), never "found".
        """
        match, seen, epoch = matcher(provider, recipient, text), self.sent, self.epoch

        def ready() -> bool:
            nonlocal seen
            if self.closed or self.epoch != epoch:
                return True
            new, seen = self.sent - seen, self.sent
            if not new:
                return False
            with self.mock.env.lock:
                fresh = list(itertools.islice(self.mock.env.outbox.newest(), new))
            return any(match(m) and (since is None or (m.journal_seq or 0) > since) for m in fresh)

        return ready

    # -- queries ----------------------------------------------------------------

    def find(
        self,
        provider: str | None = None,
        recipient: str | None = None,
        text: str | None = None,
        since: int | None = None,
    ) -> dict[str, Any] | None:
        """The newest message matching every filter, as JSON (None: no such message yet)."""
        found = self.search(provider, recipient, text, since)
        return self.messages(found[:1])[0] if found else None

    def search(
        self,
        provider: str | None = None,
        recipient: str | None = None,
        text: str | None = None,
        since: int | None = None,
    ) -> list[Message]:
        """Messages matching every filter, newest first; ``since``: sent by requests after that journal seq."""
        with self.mock.env.lock:
            found = self.mock.env.outbox.search(provider, recipient, text)
        if since is not None:
            found = [m for m in found if m.journal_seq is not None and m.journal_seq > since]
        return found[::-1]

    def messages(self, found: list[Message]) -> list[dict[str, Any]]:
        """Messages as JSON, their status as of now."""
        with self.mock.env.lock:
            now = self.mock.env.clock.now()
            return [m.to_json(now) for m in found]

    def wait(
        self,
        provider: str | None = None,
        recipient: str | None = None,
        text: str | None = None,
        timeout: float = 0.0,
        since: int | None = None,
        pending: Callable[[], bool] | None = None,
    ) -> dict[str, Any]:
        """The newest matching message as JSON, waiting up to ``timeout`` seconds for one; NoMessage if none.

        ``pending`` says whether anything could still send one (in-process: a request in flight, a thread
        the test started); when it says no, the wait fails at once instead of sitting out its timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self.version
            # The search takes the state lock, never while holding the condition: dispatch holds the
            # state lock when it notifies, so taking them in the other order here could deadlock.
            message, remaining = self._look(provider, recipient, text, since, timeout, deadline, pending)
            if message is not None:
                return message
            # With ``pending``, look again now and then: what was pending may end without sending.
            self.wait_for_change(seen, remaining if pending is None else min(remaining, POLL))

    async def wait_async(
        self,
        provider: str | None = None,
        recipient: str | None = None,
        text: str | None = None,
        timeout: float = 0.0,
        since: int | None = None,
        pending: Callable[[], bool] | None = None,
    ) -> dict[str, Any]:
        """:meth:`wait` for async code: polls the version between ``asyncio.sleep``s, never blocking the loop."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.version
            message, _ = self._look(provider, recipient, text, since, timeout, deadline, pending)
            if message is not None:
                return message
            while self.version == seen and time.monotonic() < deadline and (pending is None or pending()):
                await asyncio.sleep(min(POLL / 5, max(deadline - time.monotonic(), 0)))

    def _look(
        self,
        provider: str | None,
        recipient: str | None,
        text: str | None,
        since: int | None,
        timeout: float,
        deadline: float,
        pending: Callable[[], bool] | None,
    ) -> tuple[dict[str, Any] | None, float]:
        """The newest matching message (or None) and the time left; NoMessage when the wait is over."""
        found = self.find(provider, recipient, text, since)
        if found is not None:
            return found, 0.0
        remaining = deadline - time.monotonic()
        idle = pending is not None and not pending()
        if remaining <= 0 or idle or self.closed:
            raise NoMessage(self.miss(provider, recipient, text, timeout, idle))
        return None, remaining

    def latest_code(
        self,
        recipient: str,
        provider: str | None = None,
        timeout: float = 0.0,
        pattern: re.Pattern[str] | str = CODE,
        since: int | None = None,
        pending: Callable[[], bool] | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """The one-time code in the newest message to a number, and that message; NoMessage or NoCode."""
        return code_in(self.wait(provider, recipient, None, timeout, since, pending), recipient, pattern)

    async def latest_code_async(
        self,
        recipient: str,
        provider: str | None = None,
        timeout: float = 0.0,
        pattern: re.Pattern[str] | str = CODE,
        since: int | None = None,
        pending: Callable[[], bool] | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """:meth:`latest_code` for async code, never blocking the loop."""
        return code_in(await self.wait_async(provider, recipient, None, timeout, since, pending), recipient, pattern)

    def miss(self, provider: str | None, recipient: str | None, text: str | None, timeout: float, idle: bool = False) -> str:
        """Why a wait found nothing: the filters and the last messages sent."""
        last = self.search()[:5][::-1]
        sent = [f"{m.provider} to {m.recipient}: {m.text!r}" for m in last]
        if idle:
            when = "and nothing in flight could send one (in-process, messages come only from the test's own requests)"
        else:
            when = "before smsmock stopped" if self.closed else f"within {timeout:g} s"
        return (
            f"no message{' to ' + recipient if recipient else ''}{' containing ' + repr(text) if text else ''}"
            f"{' from ' + provider if provider else ''} {when}; last sent: {', '.join(sent) or 'nothing'}"
        )


def code_in(message: dict[str, Any], recipient: str, pattern: re.Pattern[str] | str = CODE) -> tuple[str, dict[str, Any]]:
    """The code in a message (``pattern``'s first group, or its match), and the message; NoCode if none."""
    found = re.search(pattern, message["text"])
    if found is None:
        raise NoCode(f"no code in the latest message to {recipient}: {message['text']!r}")
    return (found.group(1) if found.groups() else found.group(0)), message
