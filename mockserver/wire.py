"""JSON bodies as the platforms write them: compact, each platform escaping what its encoder escapes.

The three platforms all write compact JSON (no space after ``,`` or ``:``) and differ in what they escape
(docs/platforms.md, QuickFlow: JSON text; QuickCom: JSON text; SMSFlow: JSON text); a spec names its
platform's encoder with ``x-smsmock-json`` (:func:`style_of`). orjson writes the compact text (about eight times faster than the
standard library's encoder, which was a twentieth of a send's cost); the escapes are applied to its bytes,
where ``/`` and every non-ASCII character can only stand inside a string.
"""
from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import orjson

__all__ = ["PLAIN", "STYLES", "JsonStyle", "dumps", "style_of"]


class JsonStyle(NamedTuple):
    """What a platform's JSON encoder escapes beyond what JSON requires."""

    escapes: re.Pattern[str] | None = None  # the characters written as \\uXXXX (a surrogate pair beyond the BMP)
    escape_slashes: bool = False  # "/" as "\\/" (PHP's json_encode without JSON_UNESCAPED_SLASHES)


PLAIN = JsonStyle()  # UTF-8 as it is: smsmock's own API, and a spec that says nothing
# The encoders a spec's ``x-smsmock-json`` names. Python's ensure_ascii writes DEL (0x7f) escaped too; PHP's
# json_encode escapes from 0x80 up.
STYLES = {
    "frappe": JsonStyle(re.compile(r"[^\x00-\x7e]")),  # json.dumps(value, separators=(",", ":"))
    "laravel": JsonStyle(re.compile(r"[^\x00-\x7f]"), escape_slashes=True),  # json_encode($value)
    "altumcode": PLAIN,  # json_encode($value, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES)
}
# What orjson refuses (an integer beyond 64 bits, a key that is no string, nesting past 254): the standard
# library writes it, compact too, and the style's escapes are applied to its text as to orjson's.
_FALLBACK = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def style_of(document: dict[str, Any]) -> JsonStyle:
    """The JSON style a spec declares with ``x-smsmock-json`` (one of :data:`STYLES`; none: :data:`PLAIN`)."""
    return STYLES.get(str(document.get("x-smsmock-json")), PLAIN)


def dumps(body: Any, style: JsonStyle = PLAIN) -> bytes:
    """A JSON body as sent on the wire, written the way ``style`` says."""
    try:
        data = orjson.dumps(body)
    except (orjson.JSONEncodeError, TypeError):
        data = _FALLBACK.encode(body).encode("utf-8")
    escapes = style.escapes
    if escapes is not None and (not data.isascii() or b"\x7f" in data):
        data = escapes.sub(_escaped, data.decode("utf-8")).encode("ascii")
    if style.escape_slashes and b"/" in data:
        data = data.replace(b"/", b"\\/")
    return data


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
