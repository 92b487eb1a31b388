"""Answers decided before the handler runs: injected faults and ``Prefer`` (Prism's convention), decided once.

An answer chosen so is sent as the provider would send one of that status: its headers are the provider's own
for that status in the mock's state now (rate-limit windows, ``Allow``), completed from the spec with every
header it requires; a documented example's fields marked ``x-smsmock-clock`` in the spec take the mock's
clock. An answer the test gives itself (``answer_with``) is checked against the spec for its status.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import Kind, ProviderError
from .incoming import Violation
from .providers.base import Provider, Reply, Window
from .spec import Operation, Spec, pointer_join
from .timestamps import datetime_text, iso_utc
from .validation import coerce, validate_response

__all__ = [
    "CLOCK",
    "DROP_WHEN",
    "Fault",
    "Override",
    "answer_problems",
    "caller",
    "decide",
    "parse_prefer",
    "reply",
    "stamped",
]

# On a schema (or a property's): a value the mock writes from its clock when it answers with a documented
# example, in the first of its own date-time forms the schema accepts (QuickCom's `intime` and `outtime`).
CLOCK = "x-smsmock-clock"

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
    exact: bool = False  # the test gave the body itself (answer_with): sent as given, never re-stamped
    violations: tuple[Violation, ...] = ()  # where the test's own answer leaves the spec


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
    operation does not document raises ValueError saying so. An answer the fault gives whole (``answer_with``,
    the admin API) is checked against the spec here: where it leaves it, the violations are of the test's making.
    """
    source = "override" if fault is None else "fault"
    if fault is not None and fault.exact:
        code, headers = fault.status or 0, dict(fault.headers or {})
        problems = answer_problems(spec, op, code, fault.body, headers)
        return Override(code, fault.body, headers, source, True, tuple(_made_by_the_test(code, problems)))
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


def _made_by_the_test(status: int, problems: list[str]) -> list[Violation]:
    """The test's own answer outside the spec, recorded as a violation of its own making (never refused)."""
    told = f"given by the test is not one the spec allows for {status}"
    return [Violation("answer", "", "answer_with", f"{told}: {problem}", ignored=True) for problem in problems]


def answer_problems(spec: Spec, op: Operation, status: int, body: Any, headers: dict[str, str]) -> list[str]:
    """Where an answer leaves the spec's response for its status: the status, the body, each header named.

    A header must be one the response declares, its value one its schema takes; the required headers left
    out are no problem (the mock adds them to every answer it is told to give).
    """
    if str(status) not in op.responses:
        documented = ", ".join(s for s in op.responses if s[0].isdigit())
        return [f"{status} is not a documented status (documented: {documented})"]
    pointer = op.responses[str(status)]
    problems = [f"body {problem}" for problem in validate_response(spec, pointer, "application/json", body)]
    declared = {name.lower(): (name, found) for name, found in spec.response_headers(op, status).items()}
    for name, value in headers.items():
        if not isinstance(value, str):
            problems.append(f"header {name!r}: {value!r} is not a string")
        elif name.lower() not in declared:
            known = ", ".join(n for n, _ in declared.values()) or "none"
            problems.append(f"header {name!r} is not one the spec declares for {status} (declared: {known})")
        else:
            header, where = declared[name.lower()][1]
            if "schema" in header:
                schema = pointer_join(where, "schema")
                received = coerce(value, spec.resolve_schema(schema))
                if not spec.is_valid(schema, received):
                    problems += [f"header {name!r}: {e.message}" for e in spec.validator(schema).iter_errors(received)]
    return problems


def caller(provider: Provider, op: Operation, credentials: dict[str, str]) -> tuple[str | None, Window | None]:
    """The account the credentials name (None: the provider refuses them) and its rate-limit window now.

    The provider authenticates as it would before answering (QuickCom's throttle counts the request there,
    as Laravel's does); a refused caller's window is the one the refusal reports (None: no limit is set).
    """
    try:
        account = provider.authenticate(credentials, op)
    except ProviderError as error:
        window = error.detail.get("window")
        return None, window if isinstance(window, Window) else provider.limiter.peek(None)
    return account, provider.limiter.peek(account)


def reply(provider: Provider, op: Operation, override: Override, window: Window | None) -> Reply:
    """The chosen answer as sent: its body (clock fields re-stamped unless the test gave it) and its headers.

    The headers are the provider's own for the status in the mock's state (the caller's ``window``),
    or, for the test's own answer, the provider's common headers and those the test names; then every header
    the spec requires for the status that is still missing, the provider's value first, else the spec's.
    """
    spec = provider.spec
    body = override.body
    found = spec.response(op, override.status)
    _, schema = spec.response_body(found[1], "application/json") if found else (False, None)
    if schema is not None and not override.exact:
        body = stamped(spec, schema, body, provider.now)
    own = _provider_headers(provider, op, override.status, window)
    headers = dict(provider.common_headers()) if override.exact else dict(own)
    for name, value in override.headers.items():
        _drop(headers, name)
        headers[name] = value
    owned = {name.lower(): value for name, value in own.items()}
    present = {name.lower() for name in headers}
    for name, (header, where) in spec.response_headers(op, override.status).items():
        if header.get("required") and name.lower() not in present:
            headers[name] = owned.get(name.lower()) or _documented_value(spec, header, where)
    return Reply(override.status, body, headers)


def _drop(headers: dict[str, str], name: str) -> None:
    for key in [key for key in headers if key.lower() == name.lower()]:
        del headers[key]


def _provider_headers(provider: Provider, op: Operation, status: int, window: Window | None) -> dict[str, str]:
    """The headers the provider's own code sends with an answer of this status, in the mock's state now.

    A success carries the caller's rate-limit window. An error is rendered by the provider as the first kind
    of failure it answers with this status: a 429 as the caller's window spent, a 405 naming the path's verbs.
    """
    common = provider.common_headers()
    current = None if window is None else window._replace(exceeded=False)  # only a 429 reports a spent window
    if status < 400:
        return {**common, **({} if current is None else provider.rate_headers(current))}
    verbs = [other.method for other in provider.spec.operations if other.path == op.path]
    for kind in Kind:
        spent = kind is Kind.RATE_LIMITED
        detail = {"operation": op, "allowed": verbs, "window": _spent(provider, window) if spent else current}
        rendered = provider.render_error(ProviderError(kind, "", detail=detail))
        if rendered.status == status:
            return {**common, **rendered.headers}
    return dict(common)


def _spent(provider: Provider, window: Window | None) -> Window:
    """The caller's window as a 429 reports it: no request left, reset when the window ends."""
    if window is None:  # no limit is set: the provider's usual one, a whole window to wait
        return Window(provider.default_limit.limit or 0, 0, provider.limiter.rule.window, exceeded=True)
    return window._replace(remaining=0, exceeded=True, anonymous=False)


def _documented_value(spec: Spec, header: dict[str, Any], where: str) -> str:
    """A header's value as the spec gives it: its example, else its schema's const, default, enum or minimum."""
    schema = spec.resolve_schema(pointer_join(where, "schema")) if "schema" in header else {}
    examples = [spec.deref(example, where)[0].get("value") for example in (header.get("examples") or {}).values()]
    candidates = [header.get("example"), *examples, schema.get("const"), schema.get("default")]
    candidates += [*(schema.get("enum") or [])[:1], schema.get("minimum")]
    value = next((found for found in candidates if found is not None), "")
    return value if isinstance(value, str) else json.dumps(value)


def stamped(spec: Spec, pointer: str, value: Any, now: datetime) -> Any:
    """A documented value with the mock's clock written wherever its schema (at ``pointer``) is marked ``CLOCK``."""
    if isinstance(value, str) and _clocked(spec, pointer):
        forms = (iso_utc(now), datetime_text(now), now.isoformat())
        return next((text for text in forms if spec.is_valid(pointer, text)), value)
    if isinstance(value, dict):
        properties, _ = spec.object_properties(pointer)
        return {key: stamped(spec, properties[key], v, now) if key in properties else v for key, v in value.items()}
    if isinstance(value, list):
        node, where = spec.deref(spec.at(pointer), pointer)
        if isinstance(node, dict) and isinstance(node.get("items"), dict):
            return [stamped(spec, pointer_join(where, "items"), item, now) for item in value]
    return value


def _clocked(spec: Spec, pointer: str) -> bool:
    """Whether the schema at a pointer, or one its ``$ref`` chain leads to, carries ``CLOCK``."""
    def look_up() -> bool:
        node, seen = spec.at(pointer), set()
        while isinstance(node, dict):
            if node.get(CLOCK):
                return True
            ref = node.get("$ref")
            if ref is None or ref in seen:
                return False
            seen.add(ref)
            node = spec.at(ref)
        return False

    return bool(spec.derive(("clock", pointer), look_up))
