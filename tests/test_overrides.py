"""Answers chosen with ``Prefer``, ``fail(...)`` or ``answer_with`` are answers the provider sends: every header the
spec requires for the status, valued from the mock's state; time fields from the mock's clock; and an answer of
the test's own outside the spec refused, or recorded as the test's own doing."""
from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any, Iterator

import pytest
from flask import Flask
from hypothesis import find, settings

from conftest import SPECS
from smsmock.app import create_app, get_mock
from smsmock.engine import Fault, Mock
from smsmock.pytest_plugin.handle import SmsMock
from smsmock.strategies import Request, arguments
from smsmock.validation import coerce, validate_response

# The mock's clock after a reset (state.DEFAULT_START), as QuickCom writes intime and outtime.
NOW = "2026-01-15T09:30:00.000000Z"
# A plain request per provider for the rate-limit cases.
PLAIN = {"quickflow": "list_sms", "quickcom": "check_balance", "smsflow": "list_contacts"}


def _documented() -> Iterator[tuple[str, str, int, str | None]]:
    """Every documented status of every operation, with each of its named examples (None: it has none)."""
    for provider, spec in SPECS.items():
        for op in spec.operations:
            for status in filter(str.isdigit, op.responses):
                response, _ = spec.deref(spec.at(op.responses[status]), op.responses[status])
                content: dict[str, Any] = (response.get("content") or {}).get("application/json") or {}
                for example in list(content.get("examples") or {}) or [None]:
                    yield provider, op.operation_id, int(status), example


DOCUMENTED = list(_documented())


@functools.lru_cache(maxsize=None)
def _request(provider: str, operation: str) -> Request:
    """The simplest valid request of an operation against the default seed (the seed's first account)."""
    return find(arguments(provider, operation, existing=True), lambda _: True, settings=settings(database=None))


def _send(app: Flask, provider: str, operation: str, **headers: str) -> Any:
    request = _request(provider, operation)
    return replace(request, headers={**request.headers, **headers}).send(app.test_client())


def _header_problems(provider: str, operation: str, status: int, headers: Any) -> list[str]:
    """Required headers missing, and headers whose value their schema refuses (as the spec declares them)."""
    spec = SPECS[provider]
    problems = []
    for name, (header, where) in spec.response_headers(spec.by_id[operation], status).items():
        value = headers.get(name)
        if value is None:
            problems += [f"{name} is required but missing"] if header.get("required") else []
        elif "schema" in header:
            pointer = where + "/schema"
            if not spec.validator(pointer).is_valid(coerce(value, spec.resolve_schema(pointer))):
                problems.append(f"{name}: {value!r} is not valid")
    return problems


@pytest.fixture
def mock(strict_app: Flask) -> Mock:
    found = get_mock(strict_app)
    found.reset()
    return found


@pytest.fixture(scope="module")
def lenient_app() -> Flask:
    """An app that records answers outside the spec rather than raising (as the plugin's fixtures run it)."""
    return create_app()


@pytest.fixture
def handle(lenient_app: Flask) -> Iterator[SmsMock]:
    found = SmsMock(lenient_app, {name: spec.base_url for name, spec in SPECS.items()}).begin()
    yield found
    found.end()


# -- every documented answer, through Prefer ---------------------------------------------------------------


@pytest.mark.parametrize(
    "provider, operation, status, example", DOCUMENTED, ids=[f"{p}-{o}-{s}-{e}" for p, o, s, e in DOCUMENTED]
)
def test_every_documented_answer_through_prefer_is_valid_headers_included(
    strict_app: Flask, mock: Mock, provider: str, operation: str, status: int, example: str | None
) -> None:
    spec = SPECS[provider]
    op = spec.by_id[operation]
    prefer = f"code={status}" + (f", example={example}" if example else "")

    response = _send(strict_app, provider, operation, Prefer=prefer)

    body = response.get_json() if response.get_data() else None
    _, documented, _ = spec.example(op, status, example)
    if provider == "quickcom":  # the envelope's times are the mock's clock, not the example's 2025 ones
        documented.update({name: NOW for name in ("intime", "outtime") if name in documented})
    assert (response.status_code, body) == (status, documented)
    assert validate_response(spec, op.responses[str(status)], "application/json", body) == []
    assert _header_problems(provider, operation, status, response.headers) == []
    assert [(e.outcome, e.status) for e in mock.journal.entries()] == [("override", status)]


def test_documented_answers_cover_every_operation() -> None:
    assert len({(p, o) for p, o, _, _ in DOCUMENTED}) == sum(len(spec.operations) for spec in SPECS.values()) == 26


# -- headers from the mock's state ---------------------------------------------------------------------------


@pytest.mark.parametrize("provider", sorted(PLAIN))
def test_a_chosen_429_carries_the_headers_of_a_real_one(strict_app: Flask, mock: Mock, provider: str) -> None:
    operation = PLAIN[provider]
    mock.set_limit(provider, 1, 60)
    assert _send(strict_app, provider, operation).status_code == 200
    mock.env.clock.advance(15)
    real = _send(strict_app, provider, operation)
    chosen = _send(strict_app, provider, operation, Prefer="code=429")

    assert (real.status_code, chosen.status_code) == (429, 429)
    assert {k: v for k, v in chosen.headers if k != "Content-Length"} == {
        k: v for k, v in real.headers if k != "Content-Length"
    }


def test_quickcom_chosen_answers_report_the_accounts_window(strict_app: Flask, mock: Mock) -> None:
    mock.set_limit("quickcom", 5, 3600)
    _send(strict_app, "quickcom", "check_balance")
    mock.env.clock.advance(600)

    chosen = _send(strict_app, "quickcom", "send_message", Prefer="code=429")

    assert chosen.status_code == 429
    assert {k: v for k, v in chosen.headers if k.startswith(("X-", "Retry"))} == {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "Retry-After": "3000",
        "X-RateLimit-Reset": "1768473000",  # 10:30, when the window opened at 09:30 ends, as a Unix time
    }


def test_quickflow_429_without_a_limit_waits_the_rule_window(strict_app: Flask, mock: Mock) -> None:
    chosen = _send(strict_app, "quickflow", "get_balance", Prefer="code=429")

    assert (chosen.status_code, chosen.get_json()) == (429, {"exc_type": "TooManyRequestsError"})
    assert chosen.headers["Retry-After"] == "60"
    assert chosen.headers["Cache-Control"] == "no-store,no-cache,must-revalidate,max-age=0"


def test_quickcom_chosen_405_names_the_routes_verbs(strict_app: Flask, mock: Mock) -> None:
    chosen = _send(strict_app, "quickcom", "list_templates", Prefer="code=405")

    assert chosen.status_code == 405
    assert chosen.headers["Allow"] == "GET, HEAD"


def test_smsflow_success_chosen_reports_the_remaining_requests(strict_app: Flask, mock: Mock) -> None:
    _send(strict_app, "smsflow", "list_contacts")
    _send(strict_app, "smsflow", "list_contacts")

    chosen = _send(strict_app, "smsflow", "get_contact", Prefer="code=200")

    assert chosen.status_code == 200
    assert (chosen.headers["X-RateLimit-Limit"], chosen.headers["X-RateLimit-Remaining"]) == ("60", "58")


# -- the clock ------------------------------------------------------------------------------------------------


def test_quickcom_envelope_times_follow_the_mocks_clock(strict_app: Flask, mock: Mock) -> None:
    mock.env.clock.advance(3723.5)
    handle = SmsMock(strict_app, {name: spec.base_url for name, spec in SPECS.items()})
    handle.quickcom.fail("send_message", 402)

    failed = _send(strict_app, "quickcom", "send_message")

    assert failed.status_code == 402
    body = failed.get_json()
    assert (body["intime"], body["outtime"]) == ("2026-01-15T10:32:03.500000Z", "2026-01-15T10:32:03.500000Z")
    assert body["error_code"] == "INSUFFICIENT_BALANCE"


# -- answer_with ------------------------------------------------------------------------------------------------


def test_answer_with_a_body_outside_the_spec_is_refused_naming_the_field(handle: SmsMock) -> None:
    with pytest.raises(ValueError) as refused:
        handle.smsflow.answer_with("get_contact", 404, {"errors": [{"title": "Gone"}]})

    assert str(refused.value) == (
        "smsflow get_contact never answers like this: body errors/0: 'status' is a required property"
    )
    assert handle.mock.faults == []


def test_answer_with_an_undeclared_header_or_a_bad_value_is_refused(handle: SmsMock) -> None:
    body = {"errors": [{"title": "You reached the limit of requests in one minute, please wait.", "status": 429}]}
    with pytest.raises(ValueError) as refused:
        handle.smsflow.answer_with("list_contacts", 429, body, {"Retry-After": "30", "X-RateLimit-Limit": "lots"})

    declared = ", ".join(SPECS["smsflow"].response_headers(SPECS["smsflow"].by_id["list_contacts"], 429))
    assert str(refused.value) == (
        "smsflow list_contacts never answers like this: "
        f"header 'Retry-After' is not one the spec declares for 429 (declared: {declared}); "
        "header 'X-RateLimit-Limit': 'lots' is not of type 'integer'"
    )


def test_answer_with_an_undocumented_status_is_refused(handle: SmsMock) -> None:
    with pytest.raises(ValueError) as refused:
        handle.smsflow.answer_with("list_contacts", 404, {"errors": [{"title": "x", "status": 404}]})

    assert str(refused.value) == (
        "smsflow list_contacts never answers like this: 404 is not a documented status (documented: 200, 401, 429)"
    )


def test_answer_with_completes_the_required_headers_and_keeps_the_rest_as_given(
    lenient_app: Flask, handle: SmsMock
) -> None:
    body = {"exc_type": "TooManyRequestsError"}
    handle.quickflow.answer_with("list_sms", 429, body, {"retry-after": "7"})

    answer = _send(lenient_app, "quickflow", "list_sms")

    assert (answer.status_code, answer.get_json()) == (429, body)
    assert answer.headers["Retry-After"] == "7"
    assert answer.headers["Cache-Control"] == "no-store,no-cache,must-revalidate,max-age=0"

    handle.quickcom.answer_with("check_balance", 429, _quickcom_429())
    answer = _send(lenient_app, "quickcom", "check_balance")

    assert answer.get_json() == _quickcom_429()  # the test's own body: its times are not re-stamped
    assert _header_problems("quickcom", "check_balance", 429, answer.headers) == []
    assert handle.violations == []


def test_answer_with_strict_false_is_sent_and_recorded_as_the_tests_own(lenient_app: Flask, handle: SmsMock) -> None:
    handle.smsflow.answer_with("list_contacts", 200, {"data": "nothing"}, strict=False)

    answer = _send(lenient_app, "smsflow", "list_contacts")

    assert (answer.status_code, answer.get_json()) == (200, {"data": "nothing"})
    assert [(v.location, v.message) for v in handle.violations] == [
        ("answer", "given by the test is not one the spec allows for 200: body (root): 'meta' is a required property"),
        ("answer", "given by the test is not one the spec allows for 200: body (root): 'links' is a required property"),
        ("answer", "given by the test is not one the spec allows for 200: body data: 'nothing' is not of type 'array'"),
    ]


def test_a_fault_added_through_the_mock_with_a_bad_body_is_recorded_too(lenient_app: Flask, handle: SmsMock) -> None:
    handle.mock.add_fault(Fault("quickflow", "get_balance", 429, body={"exc_type": "Nope"}, headers={}))

    answer = _send(lenient_app, "quickflow", "get_balance")

    assert answer.status_code == 429
    assert [str(v) for v in handle.violations] == [
        "answer given by the test is not one the spec allows for 429: "
        "body exc_type: 'TooManyRequestsError' was expected"
    ]


def _quickcom_429() -> dict[str, Any]:
    return {
        "status": False,
        "intime": "2025-02-28T11:31:50.814219Z",
        "outtime": "2025-02-28T11:31:50.815102Z",
        "message": "Too Many Attempts.",
        "data": None,
        "errors": {},
        "error_code": "RATE_LIMIT_EXCEEDED",
    }
