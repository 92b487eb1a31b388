"""Provider errors: what went wrong, as data; each provider renders its own envelope."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Kind", "ProviderError"]


class Kind(str, enum.Enum):
    """The kinds of failure every provider knows how to render."""

    AUTH_MISSING = "auth_missing"  # no credentials at all
    AUTH_INVALID = "auth_invalid"  # credentials present but wrong or malformed
    VALIDATION = "validation"  # a missing or invalid argument
    NOT_FOUND = "not_found"  # an unknown record (group, contact, message, template)
    CONFLICT = "conflict"  # the state forbids it (a group that still has contacts)
    INSUFFICIENT_BALANCE = "insufficient_balance"
    RATE_LIMITED = "rate_limited"
    NO_ROUTE = "no_route"  # no operation at this path
    WRONG_METHOD = "wrong_method"  # the path exists, the verb does not
    TOO_LARGE = "too_large"  # the body is over the size limit
    INTERNAL = "internal"  # the mock itself failed (a bug): answered as the platform answers an uncaught exception


@dataclass
class ProviderError(Exception):
    """Raised by a handler (or the engine); rendered by the provider into its envelope."""

    kind: Kind
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)
