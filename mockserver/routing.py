"""Match a request to an operation of one of the loaded specs, or explain why none matches."""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .incoming import Incoming, Violation
from .spec import Operation, Spec

__all__ = ["Match", "Miss", "Router", "Rules", "as_documented", "rules"]


@dataclass(frozen=True)
class Match:
    """The operation a request is for, with its raw path parameters."""

    spec: Spec
    operation: Operation
    path_params: dict[str, str]


@dataclass(frozen=True)
class Miss:
    """No operation: which spec owns the path (if any), why, and the nearest operations."""

    spec: Spec | None
    wrong_method: bool
    allowed: tuple[str, ...] = ()
    nearest: list[dict[str, str]] = field(default_factory=list)
    documented: Match | None = None  # the path's documented operation, when only the verb differs

    @property
    def reason(self) -> str:
        """One line for the journal."""
        if self.wrong_method:
            return f"the path exists but not for this method (allowed: {', '.join(self.allowed)})"
        return "no operation at this path" if self.spec else "no provider serves this path"


NEAREST_INPUT = 256  # characters of a path the nearest-operation search compares


def _normal(path: str) -> str:
    """Paths compare without a trailing slash: all three platforms' routers ignore it."""
    return path.rstrip("/") or "/"


@dataclass(frozen=True)
class _Route:
    spec: Spec
    operation: Operation
    pattern: re.Pattern[str]


class Router:
    """Routes derived from the specs' server base paths and path templates, compiled once."""

    def __init__(self, specs: list[Spec]) -> None:
        self.specs = specs
        self._routes: list[_Route] = []
        for spec in specs:
            for op in spec.operations:
                template = _normal(op.route)
                regex = re.sub(r"\\{([^}/]+)\\}", r"(?P<\1>[^/]+)", re.escape(template))
                self._routes.append(_Route(spec, op, re.compile(f"^{regex}/?$")))
        # Concrete paths are looked up, templated ones scanned after them (OpenAPI: concrete paths match first).
        self._static: dict[str, list[_Route]] = {}
        self._templated: list[_Route] = []
        for route in self._routes:
            template = _normal(route.operation.route)
            if "{" in route.operation.route:
                self._templated.append(route)
            else:
                for key in {template, template.rstrip("/") + "/"}:
                    self._static.setdefault(key, []).append(route)
        # Longest base path first, so /api/v1 belongs to QuickCom before /api to SMSFlow.
        self._owners = sorted(specs, key=lambda s: len(s.base_path), reverse=True)

    def owner(self, path: str) -> Spec | None:
        """The spec whose server base path holds this path."""
        for spec in self._owners:
            base = spec.base_path
            if path == base or path.startswith(base.rstrip("/") + "/"):
                return spec
        return None

    def match(self, method: str, path: str) -> Match | Miss:
        """The operation for a method and path, or a :class:`Miss` saying why not."""
        method = method.upper()
        head = method == "HEAD"
        allowed: list[Match] = []
        for route in (*self._static.get(path, ()), *self._templated):
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.operation.method == method or (head and route.operation.method == "GET" and _head_is_get(route.spec)):
                return Match(route.spec, route.operation, found.groupdict())
            allowed.append(Match(route.spec, route.operation, found.groupdict()))
        if not allowed:
            owner = self.owner(path)
            return Miss(owner, False, (), self.nearest(method, path, owner))
        verbs = tuple(sorted({m.operation.method for m in allowed}))
        first = allowed[0]
        return Miss(first.spec, True, verbs, self.nearest(method, path, first.spec), first)

    def nearest(self, method: str, path: str, spec: Spec | None, limit: int = 3) -> list[dict[str, str]]:
        """The operations most like the request, each with why it did not match."""
        candidates = [r for r in self._routes if spec is None or r.spec is spec]
        # difflib is quadratic in the path's length: a route is short, so a longer path is compared by its start
        # (a 250 KB path took 3 s uncut).
        wanted = _normal(path[:NEAREST_INPUT])
        scored = sorted(
            candidates,
            key=lambda r: difflib.SequenceMatcher(None, wanted, _normal(r.operation.route), autojunk=False).ratio(),
            reverse=True,
        )
        found = []
        for route in scored[:limit]:
            op = route.operation
            if route.pattern.match(path):
                why = f"method {method} is not {op.method}"
            elif op.method != method:
                why = f"path differs and method {method} is not {op.method}"
            else:
                why = f"path differs (did you mean {op.route}?)"
            found.append({"operation": op.operation_id, "method": op.method, "path": op.route, "why": why})
        return found


# Laravel's Router::$verbs order, which its Allow header follows (docs/platforms.md, QuickCom: OPTIONS).
_VERB_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class Rules:
    """How a platform answers what its document does not route: the spec's ``x-smsmock-routing``."""

    methods: frozenset[str]  # verbs every documented path takes, answered as its documented operation
    options: str | None  # the response OPTIONS gets on a documented path (None: a wrong verb like any other)
    options_anywhere: bool  # OPTIONS is answered so on any path of the platform, known or not
    unauthorized: bool  # wrong credentials are refused before routing, whatever the path (the key ``unauthorized``;
    # ``unauthorized_<status>`` alone only names the answer of a key check made for key_before_verb)
    key_before_verb: bool  # a verb the route lacks is refused only after the key is checked (and counted)
    keys: frozenset[str]  # every response the routing names, by key

    def key(self, situation: str, status: int) -> str:
        """The routing response of a situation answered with this status: ``<situation>_<status>`` where the spec
        names one (QuickFlow's not_found is 417 for an unknown method, 404 with no method at all)."""
        specific = f"{situation}_{status}"
        return specific if specific in self.keys else situation

    def allow(self, miss: Miss) -> str:
        """The ``Allow`` value of an OPTIONS answer: the path's verbs, HEAD with GET (as the router routes it)."""
        verbs = set(miss.allowed) | ({"HEAD"} if "GET" in miss.allowed else set())
        return ",".join(v for v in _VERB_ORDER if v in verbs)


def rules(spec: Spec) -> Rules:
    """A spec's routing rules, read once."""

    def read() -> Rules:
        routing: dict[str, Any] = spec.document.get("x-smsmock-routing") or {}
        return Rules(
            frozenset(str(m).upper() for m in routing.get("methods") or ()),
            routing.get("options"),
            bool(routing.get("options_anywhere")),
            "unauthorized" in routing,
            bool(routing.get("key_before_verb")),
            frozenset(k for k, v in routing.items() if isinstance(v, str)),
        )

    return spec.derive(("routing-rules",), read)


def _head_is_get(spec: Spec) -> bool:
    """A GET route answers HEAD (Laravel, AltumCode's router), unless the spec lists the verbs its paths take
    and HEAD is not one (Frappe's whitelisted methods refuse it: docs/platforms.md, QuickFlow: verbs)."""
    methods = rules(spec).methods
    return not methods or "HEAD" in methods


def _is_json(media: str) -> bool:
    """Werkzeug's ``Request.is_json``: application/json or any application/*+json."""
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def as_documented(match: Match, incoming: Incoming) -> tuple[Incoming, Violation]:
    """A request sent with another verb the site accepts, as the documented operation reads it, and the violation.

    The arguments are Frappe's ``form_dict`` (``frappe.app.make_form_dict``): a JSON body when there is one
    (``application/*+json`` included), a JSON list as ``data``; otherwise the query arguments updated by the
    form fields, the first value of a repeated name winning (a plain ``dict.update`` of a MultiDict). They
    are passed on where the documented verb carries them (docs/platforms.md, QuickFlow: verbs).
    """
    op = match.operation
    args: dict[str, Any] = {}
    if incoming.body.strip() and _is_json(incoming.content_type):
        try:
            sent = json.loads(incoming.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            sent = None  # no arguments: the documented operation refuses what is missing
        args = sent if isinstance(sent, dict) else {"data": sent} if isinstance(sent, list) else {}
    else:
        for name, value in [*incoming.query, *(incoming.form or [])]:
            args.setdefault(name, value)
    if op.body:
        reread = replace(incoming, method=op.method, query=[], body=json.dumps(args).encode(), content_type="application/json", form=None)
    else:
        pairs = [(name, value if isinstance(value, str) else json.dumps(value)) for name, value in args.items()]
        reread = replace(incoming, method=op.method, query=pairs, body=b"", content_type="", form=None)
    violation = Violation(
        "method",
        "",
        "method",
        f"{incoming.method} is not the documented verb of {op.operation_id} ({op.method}); the platform answers it as {op.method}",
        expected=op.method,
        received=incoming.method,
        ignored=True,
    )
    return reread, violation
