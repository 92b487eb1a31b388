"""The kit's own contract, by property: requests generated from the specs, sent to the strict mock.

For every operation of every provider, a valid request gets a documented answer: a 2xx, unless the state
rightly says otherwise (an id it does not hold, a group that still has contacts, a short balance); an invalid
one is refused with a documented 4xx in the provider's format, never a 5xx. The strict app raises
ContractDrift for any answer body outside the spec; the required response headers are checked here.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import OPERATION_IDS, OPERATIONS, PER_OPERATION, SPECS
from smsmock.app import get_mock
from smsmock.engine import Mock
from smsmock.spec import pointer_join
from smsmock.validation import coerce
from smsmock.strategies import Request, arguments, invalid_arguments

IDS = OPERATION_IDS
CONTRACT = PER_OPERATION
# What the state may rightly answer a valid request with instead of a 2xx (the kinds the journal records).
STATE_REASONS = {"not_found", "conflict", "insufficient_balance"}
# Sent before each example so that the things a send creates (an SMS uid, a campaign) exist to be read.
WARM_UP = {"quickflow": "send_sms", "quickcom": "send_message"}


def _fresh(mock: Mock, client: Any, provider: str, data: st.DataObject) -> None:
    """Back to the seed, then one successful send where the provider has one."""
    mock.reset()
    if provider in WARM_UP:
        request = data.draw(arguments(provider, WARM_UP[provider], existing=True, state=mock), label="warm-up")
        response = request.send(client)
        assert response.status_code == 200, response.get_data(as_text=True)


def _header_problems(provider: str, operation: str, status: int, headers: Any) -> list[str]:
    """Required response headers that are missing, and headers whose value breaks their schema."""
    spec = SPECS[provider]
    pointer = spec.by_id[operation].responses[str(status)]
    response, where = spec.deref(spec.at(pointer), pointer)
    problems = []
    for name, header in (response.get("headers") or {}).items():
        header, header_where = spec.deref(header, pointer_join(where, "headers", name))
        if name not in headers:
            problems += [f"required header {name} is missing"] if header.get("required") else []
            continue
        schema_pointer = pointer_join(header_where, "schema")
        if not spec.validator(schema_pointer).is_valid(coerce(headers[name], spec.resolve_schema(schema_pointer))):
            problems.append(f"header {name}: {headers[name]!r} breaks its schema")
    return problems


def _check_documented(request: Request, response: Any, entry: dict[str, Any]) -> int:
    """The answer's status is documented for the operation and its headers are the spec's; the status."""
    status = response.status_code
    documented = SPECS[request.provider].by_id[request.operation].responses
    assert str(status) in documented, f"{request.operation} answered {status}: {response.get_data(as_text=True)}"
    assert status < 500
    assert not _header_problems(request.provider, request.operation, status, response.headers)
    assert not entry.get("response_problems"), entry["response_problems"]
    return status


def _check_answered_as_valid(request: Request, status: int, entry: dict[str, Any]) -> None:
    """A 2xx, or a state reason: not found exactly when the request names something the state lacks."""
    kind = (entry.get("error") or {}).get("kind")
    if 200 <= status < 300:
        assert not request.unknown, f"{request.operation} found {request.unknown} the state does not hold"
        return
    assert kind in STATE_REASONS, f"{request.operation} refused a valid request: {entry.get('error')}"
    assert (kind == "not_found") == bool(request.unknown), (kind, request.unknown, entry.get("error"))


@pytest.mark.parametrize("provider, operation", OPERATIONS, ids=IDS)
def test_valid_requests_get_a_documented_answer(strict_app: Flask, provider: str, operation: str) -> None:
    mock = get_mock(strict_app)
    client = strict_app.test_client()
    requests = arguments(provider, operation, state=mock)

    @CONTRACT
    @given(st.data())
    def check(data: st.DataObject) -> None:
        _fresh(mock, client, provider, data)
        request = data.draw(requests, label="request")
        response = request.send(client)
        entry = mock.journal.entries()[-1]
        assert entry["operation"] == operation
        assert not entry["violations"], [v["text"] for v in entry["violations"]]  # still valid after the wire
        _check_answered_as_valid(request, _check_documented(request, response, entry), entry)

    check()


@pytest.mark.parametrize("provider, operation", OPERATIONS, ids=IDS)
def test_invalid_requests_are_refused_with_a_documented_4xx(strict_app: Flask, provider: str, operation: str) -> None:
    mock = get_mock(strict_app)
    client = strict_app.test_client()
    invalids = invalid_arguments(provider, operation, state=mock)

    @CONTRACT
    @given(st.data())
    def check(data: st.DataObject) -> None:
        _fresh(mock, client, provider, data)
        invalid = data.draw(invalids, label="invalid request")
        response = invalid.request.send(client)
        entry = mock.journal.entries()[-1]
        seen = [(v["location"], v["name"], v["keyword"], v["ignored"]) for v in entry["violations"]]
        assert seen == [(invalid.location, invalid.name, invalid.keyword, invalid.ignored)], invalid.describe()
        status = _check_documented(invalid.request, response, entry)
        if invalid.ignored:  # the platform ignores it: answered as the valid request would be
            _check_answered_as_valid(invalid.request, status, entry)
            return
        assert 400 <= status < 500, invalid.describe()
        expected = "not_found" if invalid.location == "path" else "validation"
        assert (entry.get("error") or {}).get("kind") == expected, (invalid.describe(), entry.get("error"))

    check()


# The ends of the calendar match the specs' `YYYY-MM-DD HH:MM:SS` pattern: a send scheduled there is valid,
# and so is every answer that shows it afterwards (the mock once crashed, or wrote year 1 as "1-01-01").
EDGE_TIMES = ["0001-01-01 00:00:00", "0999-12-31 23:59:59", "9999-12-31 23:59:59"]
SCHEDULES = [
    ("quickflow", "send_sms", "schedule_time", "list_sms"),
    ("quickflow", "send_campaign", "schedule_time", "list_sms"),
    ("quickcom", "send_message", "schedule_date", "list_campaigns"),
]


@pytest.mark.parametrize("when", EDGE_TIMES)
@pytest.mark.parametrize("provider, operation, field, reader", SCHEDULES, ids=[s[1] for s in SCHEDULES])
def test_a_send_scheduled_at_either_end_of_the_calendar_is_accepted_and_read_back(
    strict_app: Flask, provider: str, operation: str, field: str, reader: str, when: str
) -> None:
    mock = get_mock(strict_app)
    client = strict_app.test_client()

    @settings(CONTRACT, max_examples=6)
    @given(arguments(provider, operation, existing=True, state=mock), arguments(provider, reader, existing=True))
    def check(send: Request, read: Request) -> None:
        mock.reset()
        values = dict(send.body if send.body is not None else send.query)
        values[field] = when
        scheduled = replace(send, **{"body" if send.body is not None else "query": values})
        answer = scheduled.send(client)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert read.send(client).status_code == 200  # the strict app checks the answer shows it within the spec

    check()
