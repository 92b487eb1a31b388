"""Shared state: a controllable clock, seedable ids, the outbox of messages, rate-limit rules and the lock around them."""
from __future__ import annotations

import collections
import random
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

__all__ = ["Clock", "Ids", "RateLimit", "SharedState", "Message", "Outbox", "SENT_AFTER", "SETTLED_AFTER", "matcher"]

UTC = timezone.utc
# A message leaves the queue this long after its send time, and settles (delivered or failed) after that.
SENT_AFTER = timedelta(seconds=1)
SETTLED_AFTER = timedelta(seconds=3)
DEFAULT_START = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


class Clock:
    """Time as the mock sees it: frozen (tests) or following the wall clock, and movable either way."""

    def __init__(self, start: datetime | None = DEFAULT_START) -> None:
        self.frozen = start is not None
        self._start = start
        self.reset()

    def reset(self) -> None:
        """Back to the start time (frozen) or to the wall clock (following)."""
        self._base = self._start if self._start is not None else datetime.now(UTC)
        self._offset = timedelta()

    def now(self) -> datetime:
        """The current time (UTC, aware)."""
        base = self._base if self.frozen else datetime.now(UTC)
        return base + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move time forward; delivery statuses follow."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += timedelta(seconds=seconds)
        return self.now()

    def snapshot(self) -> dict[str, Any]:
        """The clock as JSON."""
        return {"now": self.now().isoformat(), "frozen": self.frozen}


_GREGORIAN = datetime(1582, 10, 15, tzinfo=UTC)  # where uuid1 time starts


class Ids:
    """Deterministic identifiers: counters per kind and a seeded random source for uuids."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Start every counter and the random source again."""
        self._random = random.Random(self.seed)
        self._counters: dict[str, int] = collections.defaultdict(int)

    def next(self, kind: str) -> int:
        """1, 2, 3, … per kind."""
        self._counters[kind] += 1
        return self._counters[kind]

    def label(self, prefix: str, width: int = 4) -> str:
        """``PREFIX-0001``, ``PREFIX-0002``, …"""
        return f"{prefix}-{self.next(prefix):0{width}d}"

    def uuid1(self, when: datetime) -> str:
        """A version-1 uuid for a time, its node and clock sequence from the seeded source."""
        ticks = int((when - _GREGORIAN).total_seconds() * 10**7)
        ticks += self.next("uuid-ticks")  # distinct even within one tick
        low, mid, high = ticks & 0xFFFFFFFF, (ticks >> 32) & 0xFFFF, (ticks >> 48) & 0x0FFF
        clock_seq = self._random.getrandbits(14)
        node = self._random.getrandbits(48) | (1 << 40)  # multicast bit: not a real MAC
        # str(uuid.UUID(fields=...)) written out: version 1, RFC 4122 variant
        return f"{low:08x}-{mid:04x}-{high | 0x1000:04x}-{0x8000 | clock_seq:04x}-{node:012x}"

    def token(self, length: int = 6) -> str:
        """A random digit string (one-time codes in examples)."""
        return "".join(self._random.choice("0123456789") for _ in range(length))


@dataclass(slots=True)  # the outbox holds up to 10,000: no per-instance __dict__
class Message:
    """One text the mock accepted, whatever the provider; its status follows the clock."""

    id: str
    provider: str
    account: str
    sender: str
    recipient: str
    text: str
    encoding: str
    segments: int
    credits: int
    created_at: datetime
    send_at: datetime
    scheduled: bool
    fails: bool
    campaign: str | None = None
    operation: str = ""
    settled_at: datetime | None = None  # set by "deliver now"
    extra: dict[str, Any] = field(default_factory=dict)
    journal_seq: int | None = None  # the journal entry of the request that sent it (set by smsmock.feed)

    def status(self, now: datetime) -> str:
        """scheduled / queued → sent → delivered or failed, by the clock."""
        settled = self.settled_at or self.send_at + SETTLED_AFTER
        if now >= settled:
            return "failed" if self.fails else "delivered"
        if now >= self.send_at + SENT_AFTER:
            return "sent"
        return "scheduled" if self.scheduled and now < self.send_at else "queued"

    def sent_at(self, now: datetime) -> datetime | None:
        """When it left the queue, once it has."""
        moment = min(self.send_at + SENT_AFTER, self.settled_at or self.send_at + SENT_AFTER)
        return moment if now >= moment else None

    def done_at(self, now: datetime) -> datetime | None:
        """When it was delivered or failed, once it has."""
        moment = self.settled_at or self.send_at + SETTLED_AFTER
        return moment if now >= moment else None

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The message as the admin API and the fixtures show it."""
        data = asdict(self)
        for key in ("created_at", "send_at", "settled_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["status"] = self.status(now)
        sent, done = self.sent_at(now), self.done_at(now)
        data["sent_at"] = sent.isoformat() if sent else None
        data["delivered_at"] = done.isoformat() if done and not self.fails else None
        return data


def matcher(provider: str | None = None, recipient: str | None = None, text: str | None = None) -> Callable[[Message], bool]:
    """Whether a message matches every given filter: provider, recipient by digits, text by substring (any case)."""
    # Leading zeros are a trunk (07…) or international (0091…) prefix; what is left must end the
    # recipient (stored with its country code). Comparing only the last 9 digits confused Indian
    # numbers that differ in their first digit (9876543210 and 8876543210).
    digits = "".join(ch for ch in recipient or "" if ch.isdigit())
    wanted = digits.lstrip("0") or digits
    folded = text.lower() if text else ""

    def match(m: Message) -> bool:
        return (
            (not provider or m.provider == provider)
            and (not wanted or m.recipient.endswith(wanted) or wanted.endswith(m.recipient))
            and (not folded or folded in m.text.lower())
        )

    return match


class Outbox:
    """Every message sent, across providers, newest last; capped.

    The cap bounds every message the mock holds: a message dropped here is passed to each ``forgotten``
    listener (the providers), which forget it too, so memory stays bounded however long the server runs.
    """

    def __init__(self, cap: int = 10_000) -> None:
        self._messages: collections.OrderedDict[str, Message] = collections.OrderedDict()
        self.cap = cap
        self.dropped = 0
        self.forgotten: list[Callable[[Message], None]] = []

    def add(self, message: Message) -> Message:
        """Record a message, forgetting the oldest past the cap."""
        self._messages[message.id] = message
        while len(self._messages) > self.cap:
            _, oldest = self._messages.popitem(last=False)
            self.dropped += 1
            for listener in self.forgotten:
                listener(oldest)
        return message

    def get(self, message_id: str) -> Message | None:
        """A message by id, if still held."""
        return self._messages.get(message_id)

    def __iter__(self):
        return iter(list(self._messages.values()))

    def __len__(self) -> int:
        return len(self._messages)

    def newest(self) -> Iterator[Message]:
        """Messages newest first, without a copy (hold the state lock while iterating)."""
        return reversed(self._messages.values())

    def search(
        self, provider: str | None = None, recipient: str | None = None, text: str | None = None
    ) -> list[Message]:
        """Messages matching every given filter (recipient by digits, text by substring), oldest first."""
        match = matcher(provider, recipient, text)
        return [m for m in self if match(m)]

    def settle(self, now: datetime, ids: Iterable[str] | None = None) -> int:
        """Deliver (or fail) now every unsettled message, or those named."""
        count = 0
        for message in self:
            if ids is not None and message.id not in ids:
                continue
            if message.status(now) not in ("delivered", "failed"):
                message.settled_at = max(now, message.created_at)
                if message.send_at > now:  # a scheduled one goes out now
                    message.send_at = now
                count += 1
        return count

    def clear(self) -> None:
        """Forget every message."""
        self._messages.clear()
        self.dropped = 0


@dataclass
class RateLimit:
    """At most ``limit`` requests per ``window`` seconds per account (``limit`` None: no limit)."""

    limit: int | None
    window: int


@dataclass
class SharedState:
    """What every provider shares: the clock, the id source, the outbox, the rate limits and the lock around all state."""

    clock: Clock
    ids: Ids
    outbox: Outbox
    limits: dict[str, RateLimit] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
