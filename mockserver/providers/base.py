"""What every provider has: state per account, rate-limit windows, handlers named after operationIds (no HTTP)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, ClassVar, NamedTuple

from ..errors import Kind, ProviderError
from ..incoming import Incoming
from ..spec import Operation, Spec
from ..state import Clock, Message, RateLimit, SharedState

__all__ = ["Ok", "Provider", "RateLimit", "RateLimiter", "Reply", "Window"]


@dataclass
class Ok:
    """A handler's successful result: the payload and, where the envelope has one, a message."""

    data: Any = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    """A rendered answer: status, JSON body (None: empty body) and headers.

    ``wire``: bytes sent as they are, their ``Content-Type`` among the headers (a page some platforms send in
    place of the JSON error body); None sends the body as JSON."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    wire: bytes | None = None


class Window(NamedTuple):
    """Where a caller stands in its rate-limit window as one request is answered."""

    limit: int  # requests allowed per window
    remaining: int  # requests left in this one
    reset: int  # seconds until it starts over
    exceeded: bool = False  # this request was over the limit: the answer is the 429
    anonymous: bool = False  # refused before the caller was known: a fresh window, nothing counted


class RateLimiter:
    """Fixed-window counters per account, on the mock's clock."""

    def __init__(self, rule: RateLimit, clock: Clock) -> None:
        self.rule = rule
        self.clock = clock
        self._windows: dict[str, tuple[datetime, int]] = {}

    def _window(self, account: str) -> tuple[datetime, int, int]:
        """The account's current window: its start, requests used, seconds until it resets."""
        now = self.clock.now()
        start, used = self._windows.get(account, (now, 0))
        if now >= start + timedelta(seconds=self.rule.window):
            start, used = now, 0
        reset = max(0, int((start + timedelta(seconds=self.rule.window) - now).total_seconds() + 0.999))
        return start, used, reset

    def hit(self, account: str) -> Window | None:
        """Count one request: the account's window after it (None: no limit is set), or raise RATE_LIMITED.

        The RATE_LIMITED error carries its window in ``detail["window"]``.
        """
        limit = self.rule.limit
        if limit is None:
            return None
        start, used, reset = self._window(account)
        if used >= limit:
            window = Window(limit, 0, reset, exceeded=True)
            raise ProviderError(Kind.RATE_LIMITED, "Too many requests", detail={"window": window})
        self._windows[account] = (start, used + 1)
        return Window(limit, limit - used - 1, reset)

    def peek(self, account: str | None) -> Window | None:
        """An account's window without counting a request (None: no limit is set).

        ``account`` None is a caller not yet known: a fresh window, marked anonymous.
        """
        limit = self.rule.limit
        if limit is None:
            return None
        if account is None:
            return Window(limit, limit, self.rule.window, anonymous=True)
        _, used, reset = self._window(account)
        return Window(limit, max(0, limit - used), reset)

    def reset(self) -> None:
        """Forget every window."""
        self._windows.clear()


class Provider:
    """State and behaviour of one provider: no HTTP here.

    A provider package subclasses it twice: ``envelope.py`` for the wire format (render, error_reply,
    rate_headers, describe_violation, common_headers), and ``handlers.py`` on top of that, with one method
    per operationId taking ``(account, args)`` where ``args`` are the validated, coerced arguments, and
    returning :class:`Ok` or raising :class:`ProviderError`.
    """

    name: ClassVar[str]
    default_limit: ClassVar[RateLimit] = RateLimit(None, 60)
    # The Content-Type of an answer with no body (an OPTIONS, a delete) unless the reply names one.
    empty_type: ClassVar[str] = "text/html; charset=UTF-8"

    def __init__(self, spec: Spec, env: SharedState) -> None:
        self.spec = spec
        self.env = env
        self.limiter = RateLimiter(env.limits.get(self.name, self.default_limit), env.clock)
        env.outbox.forgotten.append(self.forget)
        self.reset()

    # -- state ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget all state (accounts included)."""
        self.limiter.reset()

    def load(self, seed: dict[str, Any]) -> None:
        """Add the accounts and records of this provider's seed section."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """All state, as JSON."""
        raise NotImplementedError

    def forget(self, message: Message) -> None:
        """Drop what is kept of a message the outbox no longer holds (history is capped with the outbox)."""

    @property
    def now(self) -> datetime:
        return self.env.clock.now()

    # -- the request ----------------------------------------------------------

    def authenticate(self, credentials: dict[str, str], operation: Operation) -> str:
        """The account key for the credentials found (raw values by security scheme name), or raise."""
        raise NotImplementedError

    def handler(self, operation: Operation) -> Callable[[str, dict[str, Any]], Ok]:
        """The method named after the operationId."""
        handler: Callable[[str, dict[str, Any]], Ok] = getattr(self, operation.operation_id)
        return handler

    def rate_limit(self, account: str) -> dict[str, str]:
        """Count a request against the account's limit: the rate-limit headers of the answer, or raise RATE_LIMITED."""
        window = self.limiter.hit(account)
        return {} if window is None else self.rate_headers(window)

    def rate_headers(self, window: Window) -> dict[str, str]:
        """Every rate-limit header of an answer given in this window: success, error or the 429 itself."""
        return {}

    def common_headers(self) -> dict[str, str]:
        """Headers every answer of the provider carries."""
        return {}

    def locate(self, operation: Operation, account: str, path_args: dict[str, Any]) -> None:
        """Raise NOT_FOUND when the record a path names does not exist; the platform checks it before the fields."""

    def describe_violation(self, violation: Any) -> str:
        """How the platform words one refused argument (``violation`` is a validation.Violation)."""
        return f"The {violation.name or violation.location} field {violation.message}."

    def render(self, operation: Operation, result: Ok, incoming: Incoming | None = None) -> Any:
        """The success body around a handler's result (``incoming``: the request, for answers that name URLs)."""
        return result.data

    def render_error(self, error: ProviderError) -> Reply:
        """The answer to an error: the provider's envelope, its rate-limit headers, then the error's own headers."""
        reply = self.error_reply(error)
        window = self._answered_window(error)
        limits = {} if window is None else self.rate_headers(window)
        reply.headers = {**limits, **reply.headers, **error.headers}
        return reply

    def error_reply(self, error: ProviderError) -> Reply:
        """The provider's own envelope, status and headers for an error (rate-limit headers aside)."""
        raise NotImplementedError

    def present(self, reply: Reply, incoming: Incoming) -> Reply:
        """The answer as the platform sends it to this request, once checked against the spec (the JSON form).

        The default sends it as rendered; a platform that negotiates its error bodies (Frappe's HTML error
        page) overrides this."""
        return reply

    def _answered_window(self, error: ProviderError) -> Window | None:
        """The window an error's answer reports: the one the limiter or the engine put on it, else a fresh one."""
        window = error.detail.get("window")
        if isinstance(window, Window):
            return window
        if error.kind is Kind.RATE_LIMITED:  # a 429 made by hand: its numbers, where given, are in the detail
            detail, rule = error.detail, self.limiter.rule
            limit, reset = detail.get("limit", rule.limit or 0), detail.get("reset", rule.window)
            return Window(limit, detail.get("remaining", 0), reset, exceeded=True)
        return self.limiter.peek(None)
