"""Match a request to an operation of one of the loaded specs, or explain why none matches."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .spec import Operation, Spec

__all__ = ["Match", "Miss", "Router"]


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
        lookup = "GET" if method == "HEAD" else method
        allowed: list[str] = []
        for route in (*self._static.get(path, ()), *self._templated):
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.operation.method == lookup:
                return Match(route.spec, route.operation, found.groupdict())
            allowed.append(route.operation.method)
        owner = self.owner(path)
        if allowed:
            owner = next(r.spec for r in self._routes if r.pattern.match(path))
        return Miss(owner, bool(allowed), tuple(sorted(set(allowed))), self.nearest(method, path, owner))

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
