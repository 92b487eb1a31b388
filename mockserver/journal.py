"""The request journal: one typed record per answered request, capped, read by the plugin, the admin API and the page."""
from __future__ import annotations

import collections
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .validation import Violation

__all__ = ["Journal", "JournalEntry", "Rejection"]

TEXT_CAP = 4096  # characters of a request body or an answer's string kept
ITEMS_CAP = 50  # items of an answer's list kept
WIRE_CAP = 4096  # answers up to this size are kept whole, as their wire bytes; longer ones abridged


@dataclass(frozen=True)
class Rejection:
    """Why the mock refused a request: the provider error's kind, message and fields."""

    kind: str
    message: str
    fields: dict[str, list[str]]


@dataclass(eq=False)
class JournalEntry(Mapping[str, Any]):
    """One request as it came and the answer as it went.

    Read it as a record (``entry.operation``, ``entry.violations``) or, as the admin API serves it, as JSON
    (``entry["operation"]``, ``entry.to_json()``): the mapping view is that JSON.
    """

    time: datetime
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    content_type: str | None
    body: str | None
    form: list[tuple[str, str]] | None
    seq: int = 0  # given by the journal
    provider: str | None = None
    operation: str | None = None
    outcome: str = "unmatched"  # ok, rejected, fault, override, unmatched
    status: int = 0
    violations: list[Violation] = field(default_factory=list)
    account: str | None = None  # the account the credentials named
    args: dict[str, Any] | None = None  # the validated arguments the handler got
    fault: dict[str, Any] | None = None  # the injected fault that applied, as the admin API shows faults
    error: Rejection | None = None
    reason: str | None = None  # unmatched: why no operation matched
    nearest: list[dict[str, str]] | None = None  # unmatched: the nearest operations
    response_problems: list[str] = field(default_factory=list)  # where the answer broke the spec (a smsmock bug)
    reply_headers: dict[str, str] = field(default_factory=dict)
    _wire: bytes | None = field(default=None, repr=False)  # the answer as sent, decoded when read
    _abridged: Any = field(default=None, repr=False)  # a long answer, cut (see abridged)
    _json: dict[str, Any] | None = field(default=None, repr=False)

    def keep_answer(self, status: int, headers: dict[str, str], body: Any, wire: bytes | None) -> None:
        """Record the answer: short ones as their wire bytes (decoded only when read), long ones abridged."""
        self.status = status
        self.reply_headers = headers
        if wire is not None and len(wire) > WIRE_CAP:
            self._abridged, self._wire = abridged(body), None
        else:
            self._abridged, self._wire = None, wire

    @property
    def answer(self) -> Any:
        """The answer's body (None: no body), abridged when it was long."""
        return json.loads(self._wire) if self._wire is not None else self._abridged

    def to_json(self) -> dict[str, Any]:
        """The entry as the admin API and the outbox page show it."""
        if self._json is None:
            data: dict[str, Any] = {
                "seq": self.seq,
                "time": self.time.isoformat(),
                "method": self.method,
                "path": self.path,
                "query": self.query,
                "headers": self.headers,
                "content_type": self.content_type,
                "body": self.body,
                "form": self.form,
                "provider": self.provider,
                "outcome": self.outcome,
                "status": self.status,
                "violations": [v.to_json() for v in self.violations],
                "reply": {"status": self.status, "headers": self.reply_headers, "body": self.answer},
            }
            optional = {
                "operation": self.operation,
                "account": self.account,
                "args": self.args,
                "fault": self.fault,
                "error": None if self.error is None else self.error.__dict__,
                "reason": self.reason,
                "nearest": self.nearest,
                "response_problems": self.response_problems or None,
            }
            data.update((key, value) for key, value in optional.items() if value is not None)
            self._json = data
        return self._json

    # The mapping view: the entry's JSON.
    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_json())

    def __len__(self) -> int:
        return len(self.to_json())


def clip(text: str) -> str:
    """A text as the journal keeps it: at most TEXT_CAP characters, saying how long it was."""
    return text if len(text) <= TEXT_CAP else text[:TEXT_CAP] + f"… ({len(text)} characters)"


def abridged(value: Any, depth: int = 0) -> Any:
    """An answer as the journal keeps it: long lists and strings cut, so 1,000 entries stay small."""
    if depth > 6:
        return value
    if isinstance(value, list):
        kept = [abridged(item, depth + 1) for item in value[:ITEMS_CAP]]
        return kept + [f"… {len(value) - ITEMS_CAP} more"] if len(value) > ITEMS_CAP else kept
    if isinstance(value, dict):
        return {key: abridged(item, depth + 1) for key, item in value.items()}
    if isinstance(value, str):
        return clip(value)
    return value


class Journal:
    """The last requests the mock answered, with their outcome; capped."""

    def __init__(self, cap: int = 1_000) -> None:
        self._entries: collections.deque[JournalEntry] = collections.deque(maxlen=cap)
        self._lock = threading.Lock()
        self._count = 0

    def add(self, entry: JournalEntry) -> JournalEntry:
        """Record one request (its ``seq`` is assigned here)."""
        with self._lock:
            self._count += 1
            entry.seq = self._count
            self._entries.append(entry)
        return entry

    def entries(self, since: int = 0) -> list[JournalEntry]:
        """Entries after a sequence number, oldest first."""
        with self._lock:
            return [e for e in self._entries if e.seq > since]

    @property
    def total(self) -> int:
        """How many requests were recorded since the last clear."""
        return self._count

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._count = 0
