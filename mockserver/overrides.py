"""Answers decided before the handler runs: injected faults and ``Prefer`` (Prism's convention), decided once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .spec import Operation, Spec

__all__ = ["DROP_WHEN", "Fault", "Override", "decide", "parse_prefer"]

DROP_WHEN = ("after", "before")  # the two kinds of dropped connection (``Fault.drop_when``)


@dataclass
class Fault:
    """An injected answer for matching requests: a documented status/example, latency, or a dropped connection."""

    provider: str | None = None
    operation: str | None = None
    status: int | None = None
    example: str | None = None
    times: int | None = 1  # None: until cleared
    latency: float = 0.0
    drop: bool = False
    body: Any = None  # with ``status``: answer exactly this body (a generated, spec-valid answer)
    headers: dict[str, str] | None = None
    # Which dropped connection: "after" the mock processed the request (state changed, the answer is lost)
    # or "before" (nothing changed). A client sees the same broken connection either way.
    drop_when: str = "after"

    def __post_init__(self) -> None:
        if self.drop_when not in DROP_WHEN:
            raise ValueError(f"drop_when must be one of {', '.join(DROP_WHEN)}, not {self.drop_when!r}")

    def matches(self, provider: str, operation: str) -> bool:
        """Whether this fault applies to a request for that provider and operation."""
        return self.provider in (None, provider) and self.operation in (None, operation)

    @property
    def exact(self) -> bool:
        """Whether the fault names its answer's body and headers itself (``answer_with``)."""
        return self.status is not None and (self.body is not None or self.headers is not None)

    @property
    def chooses_answer(self) -> bool:
        """Whether the fault decides the answer (rather than only delaying or dropping it)."""
        return self.status is not None or self.example is not None

    def to_json(self) -> dict[str, Any]:
        """The fault as the admin API shows it."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Override:
    """The answer a fault or a ``Prefer`` header chose: its status, body and the headers it names."""

    status: int
    body: Any
    headers: dict[str, str]
    source: str  # "fault" or "override": how the journal names the outcome


def parse_prefer(header: str | None) -> tuple[int | None, str | None]:
    """``Prefer: code=404, example=unknown_uid`` as (status, example name); ValueError when the code is no status."""
    found: dict[str, str] = {}
    for part in re.split(r"[,;]", header or ""):
        key, _, value = part.strip().partition("=")
        if key and value:
            found[key.strip().lower()] = value.strip().strip('"')
    code, example = found.get("code", ""), found.get("example") or None
    if code and not code.isdigit():
        raise ValueError(f"code={code!r} is not an HTTP status")
    return (int(code) if code else None), example


def decide(spec: Spec, op: Operation, fault: Fault | None, prefer: str | None) -> Override | None:
    """The answer chosen for this request, if any: the fault's, else the ``Prefer`` header's.

    A fault's own status and example were checked when it was added; a ``Prefer`` naming an answer the
    operation does not document raises ValueError saying so.
    """
    source = "override" if fault is None else "fault"
    if fault is not None and fault.exact:
        return Override(fault.status or 0, fault.body, dict(fault.headers or {}), source)
    if fault is not None and fault.chooses_answer:
        status, example = fault.status, fault.example
    elif prefer:
        status, example = parse_prefer(prefer)
        if status is None and example is None:
            return None
    else:
        return None
    code, body, _ = spec.example(op, status, example)
    return Override(code, body, {}, source)
