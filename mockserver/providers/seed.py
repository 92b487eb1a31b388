"""The seed reader every provider uses: typed reads of a seed section, each refusal naming its place."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Collection, Iterable

__all__ = [
    "Place",
    "SeedError",
    "Wording",
    "flag",
    "integer",
    "items",
    "mapping",
    "number",
    "one_of",
    "optional_text",
    "text",
]


class SeedError(ValueError):
    """A seed section that cannot be loaded; the message starts with the place of the bad value."""


@dataclass(frozen=True)
class Wording:
    """How one provider words its seed errors: the templates name the place (``{at}``) first."""

    section: str  # the name of the section itself: "quickflow", "quickcom seed:"
    index: str = "[{}]"  # how an item of a list is written after the list's name
    wrong: str = "{at}: expected {expected}, got {got}"  # a value of the wrong kind or out of bounds
    unknown: str = "{at}: unknown key(s) {unknown}; allowed: {allowed}"
    missing: str = "{at}: missing key(s) {missing}"
    other: str = "{at}: {problem}"  # any other problem, in the reading provider's words
    keys: Callable[[list[str]], str] = str  # how a list of key names is written


@dataclass(frozen=True)
class Place:
    """Where a value sits in a seed section (``quickflow.accounts[1].sender_ids``), and how its errors read."""

    wording: Wording
    path: str  # what keys and items below this place are named after
    shown: str  # how this place is written in its own errors

    @classmethod
    def section(cls, wording: Wording) -> Place:
        """The section itself."""
        return cls(wording, wording.section, wording.section)

    def key(self, name: object, shown: str | None = None) -> Place:
        """The value under a key of this mapping (``shown``: another name for it in its own errors)."""
        # After a colon ("quickcom seed:", SMSFlow's "accounts[0]:") a key follows a space, else a dot.
        path = f"{self.path}{' ' if self.path.endswith(':') else '.'}{name}"
        return Place(self.wording, path, path if shown is None else path[: -len(str(name))] + shown)

    def item(self, index: int) -> Place:
        """An item of this list."""
        path = self.path + self.wording.index.format(index)
        return Place(self.wording, path, path)

    def wrong(self, expected: str, got: str) -> SeedError:
        """The value here is not what it must be (``got``: how the value, or its type, is written)."""
        return SeedError(self.wording.wrong.format(at=self.shown, expected=expected, got=got))

    def fail(self, problem: str) -> SeedError:
        """Any other problem with the value here."""
        return SeedError(self.wording.other.format(at=self.shown, problem=problem))

    def __str__(self) -> str:
        return self.shown


def _shown(raw: Any) -> str:
    """A refused scalar as written (``'5'``, ``-1``, ``None``); a mapping or list by its type alone."""
    return type(raw).__name__ if isinstance(raw, (dict, list)) else repr(raw)


def mapping(
    raw: Any,
    at: Place,
    allowed: Collection[str] | None = None,
    required: Iterable[str] = (),
    *,
    expected: str = "a mapping",
    optional: bool = False,
) -> dict[str, Any]:
    """A mapping with only ``allowed`` keys (None: any) and every ``required`` one; ``optional``: None reads as {}."""
    if raw is None and optional:
        return {}
    if not isinstance(raw, dict):
        raise at.wrong(expected, type(raw).__name__)
    wording = at.wording
    if allowed is not None:
        unknown = sorted(str(key) for key in raw if key not in allowed)
        if unknown:
            allowed_keys = wording.keys(sorted(allowed))
            raise SeedError(wording.unknown.format(at=at.shown, unknown=wording.keys(unknown), allowed=allowed_keys))
    missing = sorted(set(required) - set(raw))
    if missing:
        raise SeedError(wording.missing.format(at=at.shown, missing=wording.keys(missing)))
    return raw


def items(raw: Any, at: Place) -> list[tuple[Place, Any]]:
    """The items of a list (None: no items), each with its place."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise at.wrong("a list", type(raw).__name__)
    return [(at.item(index), item) for index, item in enumerate(raw)]


def text(
    raw: Any,
    at: Place,
    *,
    expected: str = "a non-empty string",
    pattern: re.Pattern[str] | None = None,
    numbers: bool = False,
) -> str:
    """A non-empty string (``numbers``: a YAML integer reads as its digits) that ``pattern`` finds a match in."""
    if numbers and isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not raw or (pattern is not None and not pattern.search(raw)):
        raise at.wrong(expected, _shown(raw))
    return raw


def optional_text(raw: Any, at: Place) -> str | None:
    """A string, empty or not, or None."""
    if raw is not None and not isinstance(raw, str):
        raise at.wrong("a string", _shown(raw))
    return raw


def integer(
    raw: Any, at: Place, *, minimum: int | None = None, maximum: int | None = None, expected: str | None = None
) -> int:
    """An integer (never a YAML true/false) within the bounds given."""
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int)
        or (minimum is not None and raw < minimum)
        or (maximum is not None and raw > maximum)
    ):
        raise at.wrong(expected or "an integer" + (f" >= {minimum}" if minimum is not None else ""), _shown(raw))
    return raw


def number(raw: Any, at: Place, *, minimum: float, expected: str) -> float:
    """An integer or decimal number (never a YAML true/false) of at least ``minimum``."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < minimum:
        raise at.wrong(expected, _shown(raw))
    return float(raw)


def flag(raw: Any, at: Place) -> bool:
    """A YAML true or false."""
    if not isinstance(raw, bool):
        raise at.wrong("true or false", _shown(raw))
    return raw


def one_of(value: str, at: Place, choices: Collection[str], among: str = "") -> None:
    """Refuse a value that is not one of ``choices`` (``among``: whose they are, as in "the account's ")."""
    if value not in choices:
        raise at.fail(f"{value!r} is not one of {among}{list(choices)}")
