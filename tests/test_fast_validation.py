"""The fast check (jsonschema-rs) never accepts what jsonschema refuses, so a request's outcome stays jsonschema's.

Validation runs jsonschema-rs first and asks jsonschema for the reasons only when a value fails; that is sound
only if jsonschema-rs is never the more lenient of the two on the specs' parameter and body schemas.
"""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsmock.spec import load_bundled

SPECS = load_bundled()
POINTERS = sorted(
    {(name, p.schema_pointer) for name, spec in SPECS.items() for op in spec.operations for p in op.parameters}
    | {(name, pointer) for name, spec in SPECS.items() for op in spec.operations for pointer in op.body.values()}
)
# Values at the edges where the two libraries could differ: regex dialects ($ before a newline, non-ASCII
# digits), integers as floats, booleans as integers, huge numbers, empty and odd strings.
PROBES: list[Any] = [
    None, True, False, 0, 1, -1, 1.0, 1.5, 2**63, -(2**70), 1e308, "", " ", "0", "1", "-1", "1.0", "true",
    "abc", "254700000000", "254700000000\n", "+254700000000", "0712345678", "٣٤٥", "9876543210", "x" * 1000,
    "2026-01-15 09:30:00", "2026-01-15T09:30:00Z", "ASC", "DESC", "contact_id", "+39 333 1234567",
    [], ["a"], {}, {"a": 1}, {"recipient": "254700000000", "sender_id": "YOUR_SENDER_ID", "message": "Hi"},
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def agree(provider: str, pointer: str, value: Any) -> None:
    spec = SPECS[provider]
    if spec.is_valid(pointer, value):
        errors = [e.message for e in spec.validator(pointer).iter_errors(value)]
        assert not errors, f"{provider} {pointer}: jsonschema-rs accepts {value!r}, jsonschema refuses it: {errors}"


@pytest.mark.parametrize("provider, pointer", POINTERS, ids=[f"{n}{p}" for n, p in POINTERS])
def test_the_fast_check_is_never_more_lenient(provider: str, pointer: str) -> None:
    for value in PROBES:
        agree(provider, pointer, value)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.sampled_from(POINTERS), JSON)
def test_the_fast_check_is_never_more_lenient_on_any_json(where: tuple[str, str], value: Any) -> None:
    agree(*where, value)
