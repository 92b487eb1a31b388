"""The request journal: one typed record per answered request, capped and redacted, read by the plugin, the admin API and the page."""
from __future__ import annotations

import collections
import itertools
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .incoming import Incoming
from .validation import Violation

__all__ = ["CAPS", "Journal", "JournalEntry", "Rejection", "is_secret", "mask", "redacted"]

TEXT_CAP = 4096  # characters of a request body or an answer's string kept
ITEMS_CAP = 50  # items of an answer's list kept
WIRE_CAP = 4096  # answers up to this size are kept whole, as their wire bytes; longer ones abridged
# What is kept of each part of a request, whatever the client sends, in bytes of text as Python holds it (a
# character outside Latin-1 takes 2 or 4): with the body, the answer and the records around them, an entry
# holds at most about 50 KB, so the journal's 1,000 entries stay within the bound the README states
# (bench/hostile_memory.py).
CAPS = {"path": 1024, "headers": 2048, "query": 4096, "form": 4096, "args": 4096, "violations": 4096, "error": 2048}
NAME_CAP = 256  # characters of one header, query or form field name
PAIRS_CAP = 32  # headers, query parameters or form fields kept of one request
VIOLATIONS_CAP = 20  # violations kept of one request
MORE = "…"  # marks what was cut

# Credential names, whatever the provider calls them: shown as their first characters and a mask.
_SECRET = re.compile(r"(?:^|[-_.]|api|app)(?:key|secret|token|password|passwd|authorization|cookie|signature)s?$", re.I)
_SHOWN = 4  # characters of a credential shown
_JSON_SECRET = re.compile(r'("[^"\\]{0,64}(?:key|secret|token|password|authorization)"\s*:\s*")([^"\\]*)', re.I)
_FORM_SECRET = re.compile(r"(\b[\w.-]{0,64}(?:key|secret|token|password)=)([^&\s]*)", re.I)


def is_secret(name: str) -> bool:
    """Whether a header, field or parameter name holds a credential (the account it names included)."""
    return name == "account" or bool(_SECRET.search(name))


def mask(value: Any) -> Any:
    """A credential as shown: its scheme word (``token``, ``Bearer``) and first characters, then a mask."""
    if not isinstance(value, str) or not value:
        return value
    head, space, rest = value.partition(" ")
    scheme = ""
    if space and rest and head.isalpha() and len(head) <= 10:
        scheme, value = head + " ", rest
    return scheme + value[: min(_SHOWN, len(value) // 2)] + "••••"


def redacted(value: Any, name: str = "", depth: int = 0) -> Any:
    """A JSON value with every credential masked: by its key, or as a [name, value] pair."""
    if name and is_secret(name):
        return mask(value) if isinstance(value, str) else value
    if depth > 16:
        return value
    if isinstance(value, dict):
        return {key: redacted(item, str(key), depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        if len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], str) and is_secret(value[0]):
            return [value[0], mask(value[1])]
        return [redacted(item, "", depth + 1) for item in value]
    return value


def _redacted_text(text: str | None) -> str | None:
    """A body as text with the credentials it names masked (JSON members and form pairs)."""
    if not text:
        return text
    text = _JSON_SECRET.sub(lambda m: m[1] + mask(m[2]), text)
    return _FORM_SECRET.sub(lambda m: m[1] + mask(m[2]), text)


def clip(text: str, cap: int = TEXT_CAP) -> str:
    """A text as the journal keeps it: at most ``cap`` characters, saying how long it was."""
    return text if len(text) <= cap else text[:cap] + f"{MORE} ({len(text)} characters)"


def _width(text: str) -> int:
    """Bytes a character of this text takes in memory (CPython's compact strings: 1, 2 or 4)."""
    if text.isascii():
        return 1
    top = max(text)
    return 1 if top <= "\xff" else 2 if top <= "\uffff" else 4


def _size(item: Any) -> int:
    return len(item) * _width(item) if isinstance(item, str) else 8  # a value that is not text (a file field's None)


def cost(pairs: Any) -> int:
    """The bytes of text of name/value pairs, as :func:`capped_pairs` counts them."""
    return sum(_size(name) + _size(value) for name, value in pairs)


def over(pairs: Any, budget: int) -> bool:
    """Whether name/value pairs take more than ``budget`` bytes of text: counted exactly only when they
    could (at four bytes a character); the few characters of an ordinary request are not weighed."""
    try:
        if 4 * sum(len(name) + len(value) for name, value in pairs) <= budget:
            return False
    except TypeError:  # a value that is not text (a file field's None): counted exactly
        pass
    return cost(pairs) > budget


def capped_pairs(pairs: Any, budget: int) -> list[tuple[str, str]]:
    """Name/value pairs as the journal keeps them: at most PAIRS_CAP, ``budget`` bytes of text in all, then a count of the rest."""
    kept: list[tuple[str, str]] = []
    left = budget
    items = list(pairs)
    for index, (name, value) in enumerate(items):
        if left <= 0 or index >= PAIRS_CAP:
            kept.append((MORE, f"{len(items) - index} more"))
            break
        if isinstance(name, str):
            name = clip(name, min(NAME_CAP, left // _width(name)))
        left -= _size(name)
        if isinstance(value, str):
            value = clip(value, max(left, 0) // _width(value))
        left -= _size(value)
        kept.append((name, value))
    return kept


_SCALARS = (int, float, bool, type(None))  # kept as they are, counted 8


def bounded(value: Any, budget: int, depth: int = 0) -> tuple[Any, int]:
    """A JSON value cut to at most about ``budget`` characters of text, and what it used."""
    if isinstance(value, str):
        width = _width(value)
        kept = clip(value, max(budget, 0) // width)
        return kept, len(kept) * width
    if depth > 8 or budget <= 0:
        return (MORE, 1) if isinstance(value, (list, dict, tuple)) else (value, 8)
    used = 0
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if used >= budget:
                out[MORE] = f"{len(value) - len(out)} more"
                break
            if type(item) is str and item.isascii() and len(item) <= budget - used:  # what the call would keep
                out[key], size = item, len(item)
            elif type(item) in _SCALARS:
                out[key], size = item, 8
            else:
                out[key], size = bounded(item, budget - used, depth + 1)
            used += size + len(str(key))
        return out, used
    if isinstance(value, (list, tuple)):
        items: list[Any] = []
        for item in value:
            if used >= budget:
                items.append(f"{MORE} {len(value) - len(items)} more")
                break
            kept_item, size = bounded(item, budget - used, depth + 1)
            items.append(kept_item)
            used += size + 1
        return (tuple(items) if isinstance(value, tuple) else items), used
    return value, 8


@dataclass(frozen=True)
class Rejection:
    """Why the mock refused a request: the provider error's kind, message and fields."""

    kind: str
    message: str
    fields: dict[str, list[str]]


@dataclass(eq=False)
class JournalEntry(Mapping[str, Any]):
    """One request as it came and the answer as it went, every part capped.

    Read it as a record (``entry.operation``, ``entry.violations``) or as a mapping (``entry["operation"]``):
    both hold what came, credentials included, for the tests and the plugin in this process. What the
    admin API and the page show is :meth:`to_json`, where every credential is masked.
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
    dropped: str | None = None  # the connection was dropped "before" the request was processed, or "after"
    error: Rejection | None = None
    reason: str | None = None  # unmatched: why no operation matched
    nearest: list[dict[str, str]] | None = None  # unmatched: the nearest operations
    response_problems: list[str] = field(default_factory=list)  # where the answer broke the spec (a smsmock bug)
    reply_headers: dict[str, str] = field(default_factory=dict)
    _wire: bytes | None = field(default=None, repr=False)  # the answer as sent, decoded when read
    _abridged: Any = field(default=None, repr=False)  # a long answer, cut (see abridged)
    _json: dict[str, Any] | None = field(default=None, repr=False)  # the public view, credentials masked
    _raw: dict[str, Any] | None = field(default=None, repr=False)  # the mapping view

    @classmethod
    def of(cls, incoming: Incoming, when: datetime) -> JournalEntry:
        """A new entry for a request, every part capped: a hostile client cannot make it large."""
        headers = incoming.headers
        if len(headers) > PAIRS_CAP or over(headers.items(), CAPS["headers"]):
            headers = dict(capped_pairs(headers.items(), CAPS["headers"]))
        query = incoming.query
        if len(query) > PAIRS_CAP or over(query, CAPS["query"]):
            query = capped_pairs(query, CAPS["query"])
        form = incoming.form
        if form is not None and (len(form) > PAIRS_CAP or over(form, CAPS["form"])):
            form = capped_pairs(form, CAPS["form"])
        body = incoming.body
        return cls(
            time=when,
            method=clip(incoming.method, 32),
            path=clip(incoming.path, CAPS["path"]),
            query=query,
            headers=headers,
            content_type=clip(incoming.content_type, 128) if incoming.content_type else None,
            body=clip(body[: TEXT_CAP * 4].decode("utf-8", "replace")) if body else None,
            form=form,
        )

    def seal(self) -> None:
        """Cap what the dispatch added (arguments, violations, the refusal): called as the journal takes it."""
        if self.args is not None:
            self.args = bounded(self.args, CAPS["args"])[0]
        if self.violations:
            left = CAPS["violations"]
            kept = []
            for violation in self.violations[:VIOLATIONS_CAP]:
                received, used = bounded(violation.received, min(left, 512))
                expected, more = bounded(violation.expected, min(left, 512))
                kept.append(replace(violation, message=clip(violation.message, 512), received=received, expected=expected))
                left -= used + more + len(kept[-1].message)
                if left <= 0:
                    break
            self.violations = kept
        if self.error is not None:
            fields = bounded(self.error.fields, CAPS["error"])[0]
            self.error = Rejection(self.error.kind, clip(self.error.message, CAPS["error"]), fields)

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

    def _view(self) -> dict[str, Any]:
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
            "dropped": self.dropped,
            "error": None if self.error is None else self.error.__dict__,
            "reason": self.reason,
            "nearest": self.nearest,
            "response_problems": self.response_problems or None,
        }
        data.update((key, value) for key, value in optional.items() if value is not None)
        return data

    def to_json(self) -> dict[str, Any]:
        """The entry as the admin API and the outbox page show it: every credential masked."""
        if self._json is None:
            data = self._view()
            for key in ("query", "headers", "form", "args", "account", "violations"):
                if data.get(key):
                    data[key] = redacted(data[key], "account" if key == "account" else "")
            for violation in data["violations"]:  # a credential sent where it does not belong
                if is_secret(violation["name"]):
                    violation["received"] = mask(violation["received"])
            data["body"] = _redacted_text(data["body"])
            self._json = data
        return self._json

    # The mapping view: the entry's JSON as it came, credentials included (in-process readers only).
    def __getitem__(self, key: str) -> Any:
        if self._raw is None:
            self._raw = self._view()
        return self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_json())

    def __len__(self) -> int:
        return len(self.to_json())


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
        entry.seal()
        with self._lock:
            self._count += 1
            entry.seq = self._count
            self._entries.append(entry)
        return entry

    def entries(self, since: int = 0) -> list[JournalEntry]:
        """Entries after a sequence number, oldest first."""
        with self._lock:
            return [e for e in self._entries if e.seq > since]

    def page(self, since: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """At most ``limit`` entries after a sequence number, oldest first (the page loads the journal in pages)."""
        with self._lock:
            found = (e for e in self._entries if e.seq > since)
            return list(found if limit is None else itertools.islice(found, limit))

    @property
    def total(self) -> int:
        """How many requests were recorded since the last clear."""
        return self._count

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._count = 0
