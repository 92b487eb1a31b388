"""Domain texts and numbers: phone numbers per provider, SMS texts around segment boundaries, template variables."""
from __future__ import annotations

import functools
import re
from typing import Any, Callable, Mapping

import phonenumbers
from hypothesis import strategies as st

from .. import sms
from ..spec import load_bundled
from .schemas import from_schema
from .shapes import shape_of

__all__ = ["phone_numbers", "sms_texts", "template_variables"]

_PLACEHOLDER = "{#var#}"


@functools.lru_cache(maxsize=None)
def phone_numbers(provider: str, valid: bool = True) -> st.SearchStrategy[str]:
    """Phone numbers the provider accepts (or, with ``valid=False``, ones it does not, in the spec's syntax).

    QuickFlow: Kenyan mobiles as ``2547…``/``+2547…``/``07…`` (and ``…1…``). QuickCom: Indian mobiles with no,
    ``91``, ``+91``, ``0091`` or ``0`` prefix. SMSFlow: E.164 numbers valid for their country. Invalid ones
    still match the spec's number syntax (digits, optional ``+``), so the provider counts or refuses them.
    """
    if provider == "quickflow":
        national = st.builds(lambda first, rest: first + rest, st.sampled_from("71"), _digits(8))
        good = st.builds(lambda prefix, n: prefix + n, st.sampled_from(["254", "+254", "0"]), national)
        return good if valid else _near_misses(good, lambda n: sms.kenya_mobile(n) is None)
    if provider == "quickcom":
        national = st.builds(lambda first, rest: first + rest, st.sampled_from("6789"), _digits(9))
        good = st.builds(lambda prefix, n: prefix + n, st.sampled_from(["", "91", "+91", "0091", "0"]), national)
        return good if valid else _near_misses(good, lambda n: sms.india_mobile(n) is None)
    if provider == "smsflow":
        good = st.sampled_from(_e164_examples()).flatmap(_e164_variants)
        return good if valid else _near_misses(good, lambda n: not _e164_valid(n))
    raise ValueError(f"unknown provider {provider!r}")


def sms_texts(encoding: str | None = None, segments: int | None = None) -> st.SearchStrategy[str]:
    """Texts near the segment boundaries (GSM-7 160/153, UCS-2 70/67 units); ``sms.segments`` gives their count.

    GSM-7 texts mix in the extension characters (two septets each), UCS-2 ones hold at least one character
    outside GSM-7 and may hold emoji (two UTF-16 units). ``segments`` fixes the count (default: 1 to 4).
    """
    if encoding not in (None, "GSM-7", "UCS-2"):
        raise ValueError(f"encoding is 'GSM-7' or 'UCS-2', not {encoding!r}")
    if segments is not None and segments < 1:
        raise ValueError("a text has at least one segment")
    encodings = [encoding] if encoding else ["GSM-7", "UCS-2"]
    counts = [segments] if segments else [1, 2, 3, 4]
    return st.one_of([st.sampled_from(counts).flatmap(functools.partial(_segmented, enc)) for enc in encodings])


def template_variables(template: str | Mapping[str, Any]) -> st.SearchStrategy[dict[str, str]]:
    """``v1`` … ``vN`` for a QuickCom template's ``{#var#}`` placeholders, each non-blank and within the spec's limit."""
    text = template if isinstance(template, str) else template["dlt_message_template"]
    return _variables(text.count(_PLACEHOLDER))


@functools.lru_cache(maxsize=None)
def _variables(count: int) -> st.SearchStrategy[dict[str, str]]:
    """``v1`` … ``v{count}``, each a non-blank variable value."""
    value = _variable_values().filter(str.strip)
    return st.fixed_dictionaries({f"v{i}": value for i in range(1, count + 1)})


def _digits(count: int) -> st.SearchStrategy[str]:
    """Exactly ``count`` decimal digits."""
    return st.text("0123456789", min_size=count, max_size=count)


def _near_misses(good: st.SearchStrategy[str], invalid: Callable[[str], bool]) -> st.SearchStrategy[str]:
    """Numbers in the spec's syntax (``+``? digits) that the provider does not take as valid."""
    def mutate(number: str, how: int, digit: str) -> str:
        plus, digits = ("+", number[1:]) if number.startswith("+") else ("", number)
        if how == 0:
            return plus + digits[:-2]  # too short
        if how == 1:
            return plus + digits + digit + digit  # too long
        return plus + digit + digits[1:] if plus else "5" + digits[-9:]  # a prefix no mobile has

    mutated = st.builds(mutate, good, st.integers(0, 2), st.sampled_from("0123459"))
    anything = st.builds(lambda plus, digits: plus + digits, st.sampled_from(["", "+"]), st.text("0123456789", min_size=1, max_size=15))
    return st.one_of(mutated, anything).filter(lambda n: re.fullmatch(r"\+?[0-9]+", n) is not None and invalid(n))


@functools.lru_cache(maxsize=None)
def _e164_examples() -> tuple[str, ...]:
    """One valid mobile (or fixed) number per region of the SMSFlow spec's CountryCode enum, in E.164."""
    regions = load_bundled()["smsflow"].at("#/components/schemas/CountryCode")["enum"]
    found = []
    for region in regions:
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        example = example or phonenumbers.example_number(region)
        if example is not None and phonenumbers.is_valid_number(example):
            found.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    return tuple(found)


def _e164_valid(number: str) -> bool:
    """Whether a number is in E.164 (``+`` first) and valid for its country."""
    try:
        return number.startswith("+") and phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def _e164_variants(example: str) -> st.SearchStrategy[str]:
    """The example, or it with its last digits changed when that keeps it valid."""
    changed = _digits(2).map(lambda tail: example[:-2] + tail)
    return st.one_of(st.just(example), changed.filter(_e164_valid))


_GSM_NARROW = "".join(sorted(sms.GSM7_BASIC))
_GSM_WIDE = "".join(sorted(sms.GSM7_EXTENSION))
_BMP = st.characters(codec="utf-8", max_codepoint=0xFFFF, exclude_characters="\x00")
_NOT_GSM = st.characters(codec="utf-8", min_codepoint=0xA0, max_codepoint=0xFFFF).filter(
    lambda ch: ch not in sms.GSM7_BASIC and ch not in sms.GSM7_EXTENSION
)
_EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)  # two UTF-16 units each
_LIMITS = {"GSM-7": (sms.GSM7_SINGLE, sms.GSM7_PART), "UCS-2": (sms.UCS2_SINGLE, sms.UCS2_PART)}


def _segmented(encoding: str, count: int) -> st.SearchStrategy[str]:
    """Texts of one encoding whose length puts them in ``count`` segments, often right at a boundary."""
    single, part = _LIMITS[encoding]
    low, high = (1, single) if count == 1 else (max(single, (count - 1) * part) + 1, count * part)
    edges = sorted({u for u in (low, low + 1, high - 1, high) if low <= u <= high})
    units = st.one_of(st.sampled_from(edges), st.integers(low, high))

    def counted(text: str) -> bool:
        found = sms.segments(text)
        return found.encoding == encoding and found.count == count

    return units.flatmap(lambda u: _sized(encoding, u)).filter(counted)


@st.composite
def _sized(draw: st.DrawFn, encoding: str, units: int) -> str:
    """A text of exactly ``units`` units (septets or UTF-16 units) in one encoding."""
    marker = 1 if encoding == "UCS-2" else 0  # one character outside GSM-7 makes the text UCS-2
    wide = draw(st.integers(0, min(6, (units - marker) // 2)))
    narrow = units - marker - 2 * wide
    chars = list(draw(st.text(_GSM_NARROW if encoding == "GSM-7" else _BMP, min_size=narrow, max_size=narrow)))
    extra = draw(st.lists(st.sampled_from(_GSM_WIDE) if encoding == "GSM-7" else _EMOJI, min_size=wide, max_size=wide))
    extra += [draw(_NOT_GSM)] * marker
    for ch in extra:
        chars.insert(draw(st.integers(0, len(chars))), ch)
    return "".join(chars)


@functools.lru_cache(maxsize=None)
def _variable_values() -> st.SearchStrategy[str]:
    """A template variable's values, from the spec's send-message ``template_variables`` member schema."""
    shape = shape_of("quickcom", "send_message")
    member = next(f for f in shape.params if f.name == "template_variables" and f.pattern is not None)
    return from_schema(member.schema)

