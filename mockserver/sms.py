"""SMS facts shared by the providers: encodings, segments, phone numbers."""
from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "GSM7_PART",
    "GSM7_SINGLE",
    "UCS2_PART",
    "UCS2_SINGLE",
    "Segments",
    "india_mobile",
    "kenya_mobile",
    "segments",
]

# 3GPP TS 23.038 default alphabet (the escape code 0x1B left out) and its extension table.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class Segments(NamedTuple):  # not a frozen dataclass: made on every send, and cheaper to make
    """How a text travels: its encoding, its length in units and the number of segments."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    count: int  # type: ignore[assignment]  # shadows tuple.count: the field reads best under this name


def _pack(widths: list[int], single: int, part: int) -> int:
    """Segments needed: one if it all fits, else greedy parts that never split a character."""
    if sum(widths) <= single:
        return 1
    count, used = 1, 0
    for width in widths:
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return count


_GSM7 = GSM7_BASIC | GSM7_EXTENSION


def segments(text: str) -> Segments:
    """Encoding and segment count of a text (GSM-7 if every character fits, else UCS-2)."""
    present = set(text)
    if present <= _GSM7:
        escaped = present & GSM7_EXTENSION  # an extension character is an escape plus itself: two septets
        units = len(text) + sum(map(text.count, escaped)) if escaped else len(text)
        if units <= GSM7_SINGLE:
            return Segments("GSM-7", units, 1)
        widths = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return Segments("GSM-7", units, _pack(widths, GSM7_SINGLE, GSM7_PART))
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2  # a character beyond the BMP takes two
    if units <= UCS2_SINGLE:
        return Segments("UCS-2", units, 1)
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # surrogate pairs stay together
    return Segments("UCS-2", units, _pack(widths, UCS2_SINGLE, UCS2_PART))


_KENYA = re.compile(r"^(?:\+?254|0)([71][0-9]{8})$")
_INDIA = re.compile(r"^(?:\+91|0091|91|0)?([6-9][0-9]{9})$")


_SEPARATORS = re.compile(r"[\s-]")


def kenya_mobile(raw: str) -> str | None:
    """``2547XXXXXXXX`` for a Kenyan mobile in any accepted form (254…, +254…, 07…, 01…), else None."""
    match = _KENYA.match(_SEPARATORS.sub("", raw))
    return f"254{match.group(1)}" if match else None


def india_mobile(raw: str) -> str | None:
    """The 10-digit national number of an Indian mobile (optional 91/+91/0091/0 prefix), else None."""
    match = _INDIA.match(_SEPARATORS.sub("", raw))
    return match.group(1) if match else None
