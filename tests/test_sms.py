"""SMS facts: the fast segment count agrees with the rule written out character by character."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsmock import sms


def by_characters(text: str) -> sms.Segments:
    """The definition (3GPP TS 23.038 alphabet, greedy parts that never split a character), one character at a time."""
    if all(ch in sms.GSM7_BASIC or ch in sms.GSM7_EXTENSION for ch in text):
        widths, single, part, encoding = [2 if ch in sms.GSM7_EXTENSION else 1 for ch in text], 160, 153, "GSM-7"
    else:
        widths, single, part, encoding = [2 if ord(ch) > 0xFFFF else 1 for ch in text], 70, 67, "UCS-2"
    if sum(widths) <= single:
        return sms.Segments(encoding, sum(widths), 1)
    count, used = 1, 0
    for width in widths:
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return sms.Segments(encoding, sum(widths), count)


GSM = "".join(sorted(sms.GSM7_BASIC | sms.GSM7_EXTENSION))
texts = st.one_of(
    st.text(alphabet=GSM, max_size=400),
    st.text(alphabet=GSM + "€ü😀\u0939", max_size=400),
    st.text(max_size=200),  # anything, lone surrogates included
)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_segments_agree_with_the_definition(text: str) -> None:
    assert sms.segments(text) == by_characters(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 0, 1)),
        ("a" * 160, ("GSM-7", 160, 1)),
        ("a" * 161, ("GSM-7", 161, 2)),
        ("€" * 80, ("GSM-7", 160, 1)),  # an extension character is an escape plus itself
        ("a" * 152 + "€" + "a" * 152, ("GSM-7", 306, 3)),  # 2 x 153 units, but the escape pair is never split
        ("अ" * 70, ("UCS-2", 70, 1)),
        ("😀" * 35, ("UCS-2", 70, 1)),  # beyond the BMP: a surrogate pair each
        ("😀" * 36, ("UCS-2", 72, 2)),
    ],
)
def test_segment_boundaries(text: str, expected: tuple[str, int, int]) -> None:
    assert sms.segments(text) == sms.Segments(*expected)
