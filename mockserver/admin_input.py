"""What the admin API lets in: who may call it (Host, Origin, Sec-Fetch-Site, Content-Type, token) and what a call may say."""
from __future__ import annotations

import hmac
import ipaddress
import json
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

import yaml

__all__ = [
    "AdminError",
    "Guard",
    "MAX_ADMIN_BODY",
    "MAX_FAULTS",
    "MAX_LATENCY",
    "TOKEN_HEADER",
    "boolean",
    "integer",
    "latest_clock",
    "number",
    "parse_body",
    "text",
]

TOKEN_HEADER = "X-Smsmock-Token"
MAX_ADMIN_BODY = 256 * 1024  # bytes of an admin request body (a seed of thousands of accounts fits)
MAX_DEPTH = 32  # nesting of a JSON or YAML admin body
MAX_LATENCY = 30.0  # seconds a fault may delay an answer (clients time out well before)
MAX_FAULTS = 100  # faults held at once
MAX_WINDOW = 366 * 24 * 3600  # seconds of a rate-limit window: a year
MAX_LIMIT = 1_000_000_000  # requests per window
# The providers' time formats write four-digit years (timestamps.py): the clock stays a year short of
# 9999, so that whatever a handler adds to it (a schedule, a settle time) can still be written.
LATEST = datetime(9998, 12, 31, tzinfo=timezone.utc)
JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")


class AdminError(Exception):
    """A bad admin request: answered 400 (or the given status) with a JSON reason naming the field."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# -- who may call ---------------------------------------------------------------------------------------


def _host_name(host: str) -> str:
    """The name of a Host header, without its port, lower-case (``[::1]:8017`` → ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@dataclass
class Guard:
    """The rules of the admin API and page: the Host names served, cross-site refusal, and the admin token.

    The page and its API answer only Host names the server was started for: a DNS-rebinding page (its own
    name resolving to 127.0.0.1) is refused, as Vite and webpack-dev-server refuse it. A request another
    site made (``Origin``, ``Sec-Fetch-Site``) is refused, and a POST must say JSON or YAML, so that no
    "simple" cross-site request (a form, ``text/plain``, ``no-cors``) can change state, as Jupyter does.
    """

    hosts: frozenset[str] = frozenset(LOOPBACK)
    token: str | None = None  # required of every admin API request when set
    _logins: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def for_server(cls, host: str, allowed: Iterable[str] = (), token: str | None = None) -> Guard:
        """The rules for a server bound to ``host``: loopback names, that host and the ``allowed`` ones."""
        names = {*LOOPBACK, *(_host_name(h) for h in allowed if h.strip())}
        if host not in WILDCARD:
            names.add(_host_name(f"[{host}]" if ":" in host else host))
        return cls(frozenset(names), token)

    def login_code(self) -> str:
        """A new one-time code the page exchanges for the token (the login link printed at start)."""
        code = secrets.token_urlsafe(16)
        self._logins.add(code)
        return code

    def redeem(self, code: Any) -> str:
        """The token for a one-time code, which is spent; AdminError when unknown or spent."""
        if self.token is None:
            raise AdminError("this server needs no login", 404)
        if not isinstance(code, str) or code not in self._logins:
            raise AdminError("code: unknown or already used; restart the server for a new login link", 403)
        self._logins.discard(code)
        return self.token

    def check(self, method: str, path: str, headers: Any, scheme: str) -> None:
        """Raise AdminError unless this request to the page or its API may proceed."""
        host = headers.get("Host", "")
        if _host_name(host) not in self.hosts:
            raise AdminError(
                "Host: this name is not one the server was started for (start it with --allowed-host NAME)", 403
            )
        api = "/api" in path
        site = headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none") and (api or method not in ("GET", "HEAD")):
            raise AdminError("Sec-Fetch-Site: requests from another site are refused", 403)
        origin = headers.get("Origin")
        if origin is not None and origin.lower() != f"{scheme}://{host}".lower():
            raise AdminError("Origin: requests from another origin are refused", 403)
        if not api:
            return
        if method == "OPTIONS":
            raise AdminError("CORS preflight: no other origin may call this API", 403)
        if self.token is not None and not path.endswith("/api/login"):
            given = headers.get(TOKEN_HEADER) or ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                raise AdminError(f"{TOKEN_HEADER}: the admin token is required (see the login link printed at start)", 401)
        if method == "POST":
            media = (headers.get("Content-Type") or "").partition(";")[0].strip().lower()
            if media not in JSON_TYPES + YAML_TYPES:
                raise AdminError("Content-Type: send application/json (or a YAML type)", 415)


def is_loopback(host: str) -> bool:
    """Whether a bind address reaches this machine only."""
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- what a call may say ----------------------------------------------------------------------------------


class _NoAliases(yaml.SafeLoader):
    """YAML as a seed is written: no aliases (a "billion laughs" body is refused), nesting bounded."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise AdminError("body: YAML aliases (*name) are not accepted")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise AdminError(f"body: nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _json_depth(raw: bytes) -> int:
    """The deepest nesting of a JSON text (brackets outside strings), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def parse_body(raw: bytes, media: str) -> dict[str, Any]:
    """An admin body as a mapping: JSON, or YAML when its type says so; bounded in size and nesting."""
    if len(raw) > MAX_ADMIN_BODY:
        raise AdminError(f"body: larger than {MAX_ADMIN_BODY} bytes", 413)
    if not raw.strip():
        return {}
    try:
        text_body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AdminError("body: not UTF-8") from None
    if media in YAML_TYPES:
        try:
            data = yaml.load(text_body, Loader=_NoAliases)  # noqa: S506 - a SafeLoader
        except yaml.YAMLError as exc:
            raise AdminError(f"body: not valid YAML ({_short(exc)})") from None
    else:
        if _json_depth(raw) > MAX_DEPTH:
            raise AdminError(f"body: nested deeper than {MAX_DEPTH} levels")
        try:
            data = json.loads(text_body, parse_constant=_no_constant)
        except ValueError as exc:
            raise AdminError(f"body: not valid JSON ({_short(exc)})") from None
    if not isinstance(data, dict):
        raise AdminError("body: must be a JSON object")
    if _has_bad_text(data):
        raise AdminError("body: holds text that is not valid Unicode (a lone surrogate)")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _has_bad_text(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (TypeError, ValueError, RecursionError):
        return False
    return False


def _short(error: Exception, cap: int = 200) -> str:
    """An error's message, cut: never a whole payload."""
    message = str(error).replace("\n", " ")
    return message if len(message) <= cap else message[:cap] + "…"


def short(error: Exception) -> str:
    """An error's message as an admin answer shows it (at most 200 characters)."""
    return _short(error)


def integer(payload: dict[str, Any], name: str, low: int, high: int, default: Any = None, nullable: bool = False) -> Any:
    """An integer field from ``low`` to ``high`` (booleans are not integers); null when ``nullable``."""
    value = payload.get(name, default)
    if value is None and nullable:
        return None
    if isinstance(value, float) and value.is_integer() and low <= value <= high:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        more = " or null" if nullable else ""
        raise AdminError(f"{name}: must be an integer from {low} to {high}{more}")
    return value


def number(payload: dict[str, Any], name: str, low: float, high: float, default: float = 0.0) -> float:
    """A finite number field from ``low`` to ``high``."""
    value = payload.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
        raise AdminError(f"{name}: must be a number from {low:g} to {high:g}")
    return float(value)


def boolean(payload: dict[str, Any], name: str, default: bool = False) -> bool:
    """A boolean field (true or false, nothing else)."""
    value = payload.get(name, default)
    if not isinstance(value, bool):
        raise AdminError(f"{name}: must be true or false")
    return value


def text(payload: dict[str, Any], name: str, choices: Iterable[str] | None = None, nullable: bool = True, cap: int = 200) -> str | None:
    """A string field (at most ``cap`` characters, no control characters), one of ``choices`` when given."""
    value = payload.get(name)
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value or len(value) > cap or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise AdminError(f"{name}: must be a string of 1 to {cap} printable characters")
    if choices is not None:
        known = sorted(choices)
        if value not in known:
            raise AdminError(f"{name}: unknown (known: {', '.join(known)})")
    return value


def headers(payload: dict[str, Any], name: str = "headers") -> dict[str, str] | None:
    """Header names and values: strings without control characters (no header injection)."""
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 50:
        raise AdminError(f"{name}: must be an object of at most 50 header names and values")
    for key, item in value.items():
        if not (isinstance(key, str) and key and len(key) <= 100 and all(33 <= ord(c) < 127 and c != ":" for c in key)):
            raise AdminError(f"{name}: a header name must be 1 to 100 visible ASCII characters")
        if not isinstance(item, str) or len(item) > 4096 or any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in item):
            raise AdminError(f"{name}: the value of {key} must be a string without control characters")
    return value


def latest_clock(now: datetime, seconds: float) -> None:
    """Raise AdminError when advancing ``now`` by ``seconds`` leaves the years the providers' formats write."""
    room = (LATEST - now).total_seconds()
    if seconds > room:
        raise AdminError(f"advance: at most {max(room, 0):.0f} seconds (the clock stays before {LATEST.year + 1})")
