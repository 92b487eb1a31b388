"""The strategies keep their promises: valid requests pass the validator, invalid ones break exactly what they say,
answers match the spec, and numbers and texts are what they claim to be."""
from __future__ import annotations

import json
from dataclasses import replace
import re
from typing import Any
from urllib.parse import urlencode

import phonenumbers
import pytest
import requests
from flask import Flask
from hypothesis import given, settings

from smsmock import sms
from conftest import OPERATION_IDS, OPERATIONS, PER_OPERATION, SPECS
from smsmock.app import default_seed, get_mock
from smsmock.journal import CAPS, capped_pairs
from smsmock.routing import Match, Router
from smsmock.spec import pointer_join
from smsmock.validation import FORM_TYPES, Incoming, coerce, validate_request, validate_response
from smsmock.pytest_plugin.handle import SmsMock
from smsmock.pytest_plugin.server import LiveServer
from smsmock.strategies import (
    Request,
    answers,
    arguments,
    invalid_arguments,
    phone_numbers,
    schema_values,
    sms_texts,
    template_variables,
)

IDS = OPERATION_IDS
PROPERTY = PER_OPERATION
FEW = settings(PROPERTY, max_examples=8)
DLT_TEMPLATES = default_seed()["quickcom"]["accounts"][0]["templates"]


def _reserved(provider: str) -> set[str]:
    """Query names that carry credentials (not parameters, so not unknown)."""
    schemes = SPECS[provider].document["components"]["securitySchemes"]
    return {s["name"] for s in schemes.values() if s.get("type") == "apiKey" and s.get("in") == "query"}


def _incoming(request: Request) -> tuple[Incoming, Match]:
    """The request as the engine normalises it at the edge (no transport involved)."""
    spec = SPECS[request.provider]
    path = spec.base_path + request.path
    form = None
    body = b""
    if request.media_type in FORM_TYPES:
        form = list((request.body or {}).items())
        body = urlencode(form).encode()
    elif request.body is not None:
        body = json.dumps(request.body).encode()
    incoming = Incoming(
        method=request.method,
        path=path,
        query=list(request.query.items()),
        headers={k.lower(): v for k, v in request.headers.items()},
        content_type=request.media_type or "",
        body=body,
        form=form,
    )
    match = Router([spec]).match(request.method, path)
    assert isinstance(match, Match) and match.operation.operation_id == request.operation, match
    return incoming, match


def _violations(request: Request) -> list[Any]:
    incoming, match = _incoming(request)
    _, violations = validate_request(SPECS[request.provider], match.operation, incoming, match.path_params, _reserved(request.provider))
    return violations


@pytest.mark.parametrize("provider, operation", OPERATIONS, ids=IDS)
def test_every_generated_request_passes_the_validator(provider: str, operation: str) -> None:
    @PROPERTY
    @given(arguments(provider, operation))
    def check(request: Request) -> None:
        assert not _violations(request), [v.describe() for v in _violations(request)]

    check()


@pytest.mark.parametrize("provider, operation", OPERATIONS, ids=IDS)
def test_every_invalid_request_fails_exactly_on_its_described_constraint(provider: str, operation: str) -> None:
    @PROPERTY
    @given(invalid_arguments(provider, operation))
    def check(invalid: Any) -> None:
        found = [(v.location, v.name, v.keyword, v.ignored) for v in _violations(invalid.request)]
        assert found == [(invalid.location, invalid.name, invalid.keyword, invalid.ignored)], invalid.describe()

    check()


ANSWERS = [(p, o, status) for p, o in OPERATIONS for status in SPECS[p].by_id[o].responses if status.isdigit()]


@pytest.mark.parametrize("provider, operation, status", ANSWERS, ids=[f"{p}-{o}-{s}" for p, o, s in ANSWERS])
def test_every_generated_answer_validates_against_its_response(provider: str, operation: str, status: str) -> None:
    spec = SPECS[provider]
    pointer = spec.by_id[operation].responses[status]
    response, where = spec.deref(spec.at(pointer), pointer)

    @settings(PROPERTY, max_examples=8)
    @given(answers(provider, operation, int(status)))
    def check(answer: Any) -> None:
        assert answer.status == int(status)
        assert validate_response(spec, pointer, "application/json", answer.body) == []
        for name, header in (response.get("headers") or {}).items():
            header, header_where = spec.deref(header, pointer_join(where, "headers", name))
            if name not in answer.headers:
                assert not header.get("required"), f"{name} is required"
                continue
            schema_pointer = pointer_join(header_where, "schema")
            value = coerce(answer.headers[name], spec.resolve_schema(schema_pointer))
            assert spec.validator(schema_pointer).is_valid(value), (name, answer.headers[name])
            assert re.fullmatch(r"[\x20-\x7e]+", answer.headers[name]), "a header value must be printable ASCII"

    check()


def test_answers_draw_any_documented_status_unless_pinned() -> None:
    documented = {int(s) for s in SPECS["quickflow"].by_id["send_sms"].responses}

    @FEW
    @given(answers("quickflow", "send_sms"), answers("quickflow", "send_sms", status="413"))
    def check(any_answer: Any, pinned: Any) -> None:
        assert any_answer.status in documented
        assert pinned.status == 413 and pinned.body["exc_type"] == "RequestEntityTooLarge"

    check()
    with pytest.raises(ValueError, match="documents no 418"):
        answers("quickflow", "send_sms", 418)


@pytest.fixture(scope="module")
def handle(strict_app: Flask) -> SmsMock:
    """A plugin handle on the strict app, as the smsmock fixture gives one (in-process URLs)."""
    return SmsMock(strict_app, {name: spec.base_url for name, spec in SPECS.items()})


@pytest.mark.parametrize("provider, operation", OPERATIONS, ids=IDS)
def test_generated_answers_pass_through_answer_with_unchanged(handle: SmsMock, provider: str, operation: str) -> None:
    """``ProviderHandle.answer_with`` serves a generated answer as is, and the strict mock finds no drift in it."""
    client = handle.app.test_client()

    @FEW
    @given(answers(provider, operation), arguments(provider, operation))
    def check(answer: Any, request: Request) -> None:
        handle.mock.reset()
        handle.providers[provider].answer_with(operation, answer.status, answer.body, answer.headers)
        response = request.send(client)
        assert response.status_code == answer.status
        assert (json.loads(response.get_data(as_text=True)) if response.get_data() else None) == answer.body
        for name, value in answer.headers.items():
            assert response.headers[name] == value
        assert not handle.mock.journal.entries()[-1].get("response_problems")

    check()


# -- the wire ---------------------------------------------------------------------------------------------


WIRE_CASES = [
    ("quickflow", "send_sms"),  # JSON, urlencoded and multipart bodies with SMS texts
    ("quickflow", "get_contact"),  # query strings
    ("quickcom", "send_message"),  # query credentials, free-form v1, v2, …
    ("smsflow", "update_contact"),  # path parameter, custom parameter pairs, possibly empty forms
]


@pytest.fixture(scope="module")
def wire_server(strict_app: Flask) -> Any:
    with LiveServer(strict_app) as server:
        yield server


def _as_received(entry: dict[str, Any], request: Request) -> tuple[Any, Any]:
    """What the mock recorded of a request's query and body (credentials included)."""
    body: Any = None
    if request.media_type in FORM_TYPES:
        body = dict(entry["form"] or [])
    elif request.body is not None:
        body = json.loads(entry["body"])
    return dict(entry["query"]), body


@pytest.mark.parametrize("transport", ["flask", "requests"])
@pytest.mark.parametrize("provider, operation", WIRE_CASES, ids=[f"{p}-{o}" for p, o in WIRE_CASES])
def test_generated_values_survive_the_wire(strict_app: Flask, wire_server: Any, transport: str, provider: str, operation: str) -> None:
    mock = get_mock(strict_app)
    spec = SPECS[provider]
    client = strict_app.test_client() if transport == "flask" else requests.Session()
    base_url = None if transport == "flask" else wire_server.url + spec.base_path

    @settings(PROPERTY, max_examples=15)
    @given(arguments(provider, operation))
    def check(request: Request) -> None:
        mock.reset()
        request.send(client, base_url)
        entry = mock.journal.entries()[-1]
        assert entry["operation"] == operation
        assert not entry["violations"], entry["violations"]
        assert _as_received(entry, request) == _as_journaled(request)

    check()


def _as_journaled(request: Request) -> tuple[Any, Any]:
    """What was sent, as the journal keeps it: its query and form capped (issue 16: bounded memory)."""
    query = dict(capped_pairs(list(request.query.items()), CAPS["query"]))
    if request.media_type in FORM_TYPES and isinstance(request.body, dict):
        return query, dict(capped_pairs(list(request.body.items()), CAPS["form"]))
    return query, request.body


# -- domain strategies ------------------------------------------------------------------------------------


def _valid(provider: str, number: str) -> bool:
    if provider == "quickflow":
        return sms.kenya_mobile(number) is not None
    if provider == "quickcom":
        return sms.india_mobile(number) is not None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return number.startswith("+") and phonenumbers.is_valid_number(parsed)


@pytest.mark.parametrize("valid", [True, False], ids=["valid", "invalid"])
@pytest.mark.parametrize("provider", list(SPECS))
def test_phone_numbers_are_valid_or_invalid_as_asked_and_keep_the_spec_syntax(provider: str, valid: bool) -> None:
    @PROPERTY
    @given(phone_numbers(provider, valid=valid))
    def check(number: str) -> None:
        assert _valid(provider, number) is valid, number
        assert re.fullmatch(r"\+?[0-9]+", number), number

    check()


def test_quickflow_phone_number_forms_all_appear() -> None:
    forms: set[str] = set()

    @settings(PROPERTY, max_examples=60)
    @given(phone_numbers("quickflow"))
    def collect(number: str) -> None:
        forms.add("+254" if number.startswith("+") else "254" if number.startswith("254") else "0")

    collect()
    assert forms == {"+254", "254", "0"}


def test_quickcom_counts_the_invalid_numbers_rather_than_refusing_them(strict_app: Flask) -> None:
    mock = get_mock(strict_app)
    client = strict_app.test_client()

    @FEW
    @given(arguments("quickcom", "send_message", existing=True), phone_numbers("quickcom"), phone_numbers("quickcom", valid=False))
    def check(request: Request, good: str, bad: str) -> None:
        mock.reset()
        query = {**request.query, "mobile_numbers": f"{good},{bad}"}
        query.pop("country_code", None)  # the Indian numbering plan
        response = replace(request, query=query).send(client)
        assert response.status_code == 200, response.get_data(as_text=True)
        data = response.get_json()["data"]
        assert (data["total_contacts"], data["total_invalid_number"]) == (1, 1)

    check()


@pytest.mark.parametrize("count", [1, 2, 3, 4])
@pytest.mark.parametrize("encoding", ["GSM-7", "UCS-2"])
def test_sms_texts_have_the_segment_count_they_claim(encoding: str, count: int) -> None:
    @PROPERTY
    @given(sms_texts(encoding, count))
    def check(text: str) -> None:
        found = sms.segments(text)
        assert (found.encoding, found.count) == (encoding, count), (len(text), found)
        assert "\x00" not in text

    check()


def test_sms_texts_reach_the_boundaries_and_use_the_wide_characters() -> None:
    units: set[tuple[str, int]] = set()
    wide: set[str] = set()

    @settings(PROPERTY, max_examples=150)
    @given(sms_texts(segments=1))
    def collect(text: str) -> None:
        found = sms.segments(text)
        units.add((found.encoding, found.units))
        wide.update("extension" for ch in text if ch in sms.GSM7_EXTENSION and found.encoding == "GSM-7")
        wide.update("emoji" for ch in text if ord(ch) > 0xFFFF)

    collect()
    assert ("GSM-7", 160) in units and ("UCS-2", 70) in units
    assert wide == {"extension", "emoji"}


@pytest.mark.parametrize("template", DLT_TEMPLATES, ids=lambda t: t["template_name"])
def test_template_variables_fill_every_placeholder_within_the_limit(strict_app: Flask, template: dict[str, Any]) -> None:
    mock = get_mock(strict_app)
    client = strict_app.test_client()
    count = template["dlt_message_template"].count("{#var#}")

    @FEW
    @given(template_variables(template), arguments("quickcom", "send_message", existing=True))
    def check(variables: dict[str, str], request: Request) -> None:
        assert sorted(variables) == [f"v{i}" for i in range(1, count + 1)]
        assert all(0 < len(v) <= 30 and v.strip() for v in variables.values())
        mock.reset()
        query = {k: v for k, v in request.query.items() if not re.fullmatch(r"v[0-9]+", k)}
        query.update(variables, dlt_template_id=template["dlt_template_id"])
        response = replace(request, query=query).send(client)
        assert response.status_code == 200, response.get_data(as_text=True)

    check()


def test_schema_values_follow_a_component_schema() -> None:
    spec = SPECS["smsflow"]

    @FEW
    @given(schema_values("smsflow", "#/components/schemas/Contact"))
    def check(contact: dict[str, Any]) -> None:
        assert spec.validator("#/components/schemas/Contact").is_valid(contact)

    check()


def test_arguments_with_existing_draw_only_what_the_state_holds_or_only_unknown_ids() -> None:
    @FEW
    @given(arguments("quickflow", "get_contact", existing=True), arguments("quickflow", "get_contact", existing=False))
    def check(held: Request, unknown: Request) -> None:
        assert held.unknown == () and held.query["group_id"] == "GRP-0001"
        assert held.query["uid"] in ("CON-0001", "CON-0002")
        assert "sender_id" in unknown.unknown

    check()
