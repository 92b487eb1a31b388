"""Credentials as the spec's security schemes place them: extraction, and whether their form is one the spec accepts."""
from __future__ import annotations

import base64
import re
from typing import Any

from .spec import Operation, Spec
from .validation import Incoming, Violation

__all__ = ["basic_credentials", "credentials", "form_violations", "value_pattern"]


def credentials(spec: Spec, op: Operation, incoming: Incoming) -> tuple[dict[str, str], set[str]]:
    """Raw credential values by security scheme name, and the query names that carry credentials."""
    query: dict[str, str] | None = None
    found: dict[str, str] = {}
    reserved: set[str] = set()
    for name, kind, where, key in _schemes(spec, op):
        if kind == "apiKey":
            if where == "query":
                reserved.add(key)
                query = dict(incoming.query) if query is None else query
                value = query.get(key)
            elif where == "header":
                value = incoming.header(key)
            else:
                value = _cookie(incoming.header("cookie"), key)
        elif kind == "http":
            value = incoming.header("authorization")
        else:
            value = None
        if value is not None:
            found[name] = value
    return found, reserved


def _schemes(spec: Spec, op: Operation) -> tuple[tuple[str, str, str, str], ...]:
    """(name, type, in, key name) of every scheme an operation's requirements name; looked up once per operation."""

    def look_up() -> tuple[tuple[str, str, str, str], ...]:
        schemes = spec.security_schemes
        named = [(name, schemes.get(name) or {}) for requirement in op.security for name in requirement]
        return tuple((name, s.get("type", ""), s.get("in", ""), s.get("name", "")) for name, s in named)

    return spec.derive(("schemes", op.pointer), look_up)


# RFC 6750's form (the scheme is case-insensitive, RFC 7235), for a bearer scheme whose spec does not say
# how its platform reads it; SMSFlow's does (docs/platforms.md, SMSFlow: Bearer keys).
_BEARER = re.compile(r"^[Bb][Ee][Aa][Rr][Ee][Rr] +\S+$")


def form_violations(spec: Spec, op: Operation, credentials: dict[str, str]) -> list[Violation]:
    """Missing credentials, or credentials in a form no security requirement accepts (values are not judged:
    that is the provider's ``authenticate``)."""
    requirements = _requirements(spec, op)
    if requirements is None:
        return []

    def well_formed(name: str, kind: str, pattern: re.Pattern[str] | None) -> bool:
        value = credentials.get(name)
        if value is None or not value.strip():
            return False
        if pattern is not None:  # the spec says how the platform reads the value: that decides
            return pattern.search(value) is not None
        if kind == "basic":
            return basic_credentials(value) is not None
        if kind == "bearer":
            return bool(_BEARER.match(value))
        return pattern is None or pattern.search(value) is not None

    if any(all(well_formed(*scheme) for scheme in requirement) for requirement in requirements):
        return []
    schemes = spec.security_schemes
    forms = " or ".join(" + ".join(_describe_scheme(schemes.get(n) or {}, n) for n in req) for req in op.security)
    if not any(value.strip() for value in credentials.values()):
        return [Violation("auth", "", "security", f"no credentials were sent (the spec wants {forms})", expected=forms)]
    sent = {name: value for name, value in credentials.items()}
    return [Violation("auth", ", ".join(sent), "security", f"credentials are not in a form the spec accepts (it wants {forms})", expected=forms, received=sent)]


Check = tuple[str, str, "re.Pattern[str] | None"]


def _requirements(spec: Spec, op: Operation) -> tuple[tuple[Check, ...], ...] | None:
    """Per security requirement, (scheme name, http scheme or "", value pattern) of each of its schemes;
    None when the operation takes no credentials. Worked out once per operation."""

    def compile_checks() -> tuple[tuple[Check, ...], ...] | None:
        if not op.security or not all(op.security):
            return None
        schemes = spec.security_schemes
        return tuple(tuple(_check(name, schemes.get(name) or {}) for name in requirement) for requirement in op.security)

    return spec.derive(("requirements", op.pointer), compile_checks)


def _check(name: str, scheme: dict[str, Any]) -> Check:
    pattern = value_pattern(scheme)
    if scheme.get("type") == "http":
        kind = str(scheme.get("scheme", "")).lower()
        return name, kind if kind in ("basic", "bearer") else "http", pattern
    return name, "", pattern


def value_pattern(scheme: dict[str, Any]) -> re.Pattern[str] | None:
    """A scheme's ``x-smsmock-value-pattern``: how the platform reads the credential (searched, not matched
    whole, as PHP's ``preg_match`` does); None when the spec gives none."""
    pattern = scheme.get("x-smsmock-value-pattern")
    return re.compile(pattern) if pattern else None


def _describe_scheme(scheme: dict[str, Any], name: str) -> str:
    if scheme.get("type") == "http":
        return f"Authorization: {str(scheme.get('scheme', '')).capitalize()} …"
    if scheme.get("type") == "apiKey":
        return f"{scheme.get('in')} {scheme.get('name')}"
    return name


def _cookie(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def basic_credentials(value: str) -> tuple[str, str] | None:
    """``Basic base64(user:password)`` as (user, password), or None when malformed."""
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if sep else None
