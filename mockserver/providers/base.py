"""What every provider behaviour has: state per account, handlers named after operationIds."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, ClassVar

from ..errors import Kind, ProviderError
from ..spec import Operation, Spec
from ..state import Clock, Message, RateLimit, SharedState

__all__ = ["Ok", "Provider", "RateLimit", "RateLimiter", "Reply"]


@dataclass
class Ok:
    """A handler's successful result: the payload and, where the envelope has one, a message."""

    data: Any = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    """A rendered answer: status, JSON body (None: empty body) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class RateLimiter:
    """Fixed-window counters per account, on the mock's clock."""

    def __init__(self, rule: RateLimit, clock: Clock) -> None:
        self.rule = rule
        self.clock = clock
        self._windows: dict[str, tuple[datetime, int]] = {}

    def _window(self, account: str, limit: int) -> tuple[datetime, int, int]:
        """The account's current window: its start, requests used, seconds until it resets."""
        now = self.clock.now()
        start, used = self._windows.get(account, (now, 0))
        if now >= start + timedelta(seconds=self.rule.window):
            start, used = now, 0
        reset = max(0, int((start + timedelta(seconds=self.rule.window) - now).total_seconds() + 0.999))
        return start, used, reset

    def hit(self, account: str) -> tuple[int, int, int]:
        """Count one request; return (limit, remaining, seconds to reset) or raise RATE_LIMITED."""
        limit = self.rule.limit
        if limit is None:
            return (0, 0, 0)
        start, used, reset = self._window(account, limit)
        if used >= limit:
            raise ProviderError(
                Kind.RATE_LIMITED,
                "Too many requests",
                detail={"limit": limit, "remaining": 0, "reset": reset},
            )
        self._windows[account] = (start, used + 1)
        return (limit, limit - used - 1, reset)

    def peek(self, account: str) -> tuple[int, int, int]:
        """(limit, remaining, seconds to reset) for an account, without counting a request."""
        limit = self.rule.limit
        if limit is None:
            return (0, 0, 0)
        _, used, reset = self._window(account, limit)
        return (limit, max(0, limit - used), reset)

    def reset(self) -> None:
        """Forget every window."""
        self._windows.clear()


class Provider:
    """State and behaviour of one provider: no HTTP here.

    A subclass defines one method per operationId, taking ``(account, args)`` where ``args`` are the
    validated, coerced arguments, and returning :class:`Ok` or raising :class:`ProviderError`.
    """

    name: ClassVar[str]
    default_limit: ClassVar[RateLimit] = RateLimit(None, 60)

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
        return getattr(self, operation.operation_id)

    def rate_limit(self, account: str) -> dict[str, str]:
        """Count a request against the account's limit; the headers to send, or raise RATE_LIMITED."""
        limit, remaining, reset = self.limiter.hit(account)
        return self.rate_headers(limit, remaining, reset) if self.limiter.rule.limit is not None else {}

    def rate_headers(self, limit: int, remaining: int, reset: int) -> dict[str, str]:
        """The rate-limit headers of a successful answer."""
        return {}

    def locate(self, operation: Operation, account: str, path_args: dict[str, Any]) -> None:
        """Raise NOT_FOUND when the record a path names does not exist; the platform checks it before the fields."""

    def describe_violation(self, violation: Any) -> str:
        """How the platform words one refused argument (``violation`` is a validation.Violation)."""
        return f"The {violation.name or violation.location} field {violation.message}."

    def render(self, operation: Operation, result: Ok) -> Any:
        """The success body around a handler's result."""
        return result.data

    def render_error(self, error: ProviderError) -> Reply:
        """The provider's own envelope and status for an error."""
        raise NotImplementedError

