"""The records validation works on: a request normalised at the edge, and one way it breaks the contract."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FORM_TYPES", "JSON_TYPES", "Incoming", "Violation"]

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class Incoming:
    """A request normalised at the edge, whatever the transport."""

    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    content_type: str = ""  # media type only, lower-case
    body: bytes = b""
    form: list[tuple[str, str]] | None = None  # parsed fields of a form body
    origin: str = ""  # scheme://host[:port] the client addressed (answers that name URLs are built on it)

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Violation:
    """One way a request breaks the contract."""

    location: str  # path, query, header, body, content-type
    name: str  # the parameter or field ("" for the whole body)
    keyword: str  # the JSON Schema keyword, or required / unknown / content-type / json / repeated
    message: str
    pointer: str = ""  # inside the value, for nested bodies
    expected: Any = None
    received: Any = None
    ignored: bool = False  # the platform ignores it (recorded, not refused)

    def describe(self) -> str:
        """One line: where, what the spec wants, what came."""
        kind = {"body": "field", "content-type": ""}.get(self.location, "parameter")
        where = f"{self.location} {kind} {self.name!r}" if self.name else f"{self.location}"
        return f"{where} {self.message}".replace("  ", " ")

    def to_json(self) -> dict[str, Any]:
        """The violation as the journal shows it."""
        return {
            "location": self.location,
            "name": self.name,
            "keyword": self.keyword,
            "message": self.message,
            "pointer": self.pointer,
            "expected": self.expected,
            "received": self.received,
            "ignored": self.ignored,
            "text": self.describe(),
        }
