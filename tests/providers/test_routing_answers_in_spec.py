"""Answers to requests no operation matches, held to the spec response ``x-smsmock-routing`` names for them.

The engine checks an unmatched answer's body against the response its routing key names, and skips the check
when the spec names none; these tests make sure QuickCom's OPTIONS answer and SMSFlow's key check before the
verb each use a key the spec names, and that the answer's status, body and headers are that response's:
every required header sent, every header sent declared, each value of its declared schema.
"""
from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask import Flask

from smsmock.app import create_app, get_mock
from smsmock.engine import Mock
from smsmock.incoming import Incoming
from smsmock.validation import validate_response

QUICKCOM_AUTH = [("app_key", "YOUR_KEY"), ("app_secret", "YOUR_SECRET")]
BEARER = {"authorization": "Bearer YOUR_API_KEY"}


@pytest.fixture
def mock() -> Mock:
    app: Flask = create_app(strict=True)  # strict: an answer outside its spec raises ContractDrift
    app.testing = True
    return get_mock(app)


def check(mock: Mock, provider: str, incoming: Incoming, key: str, status: int) -> dict[str, str]:
    """Dispatch, and hold the answer to the response the spec's routing names under ``key``; its headers."""
    outcome = mock.dispatch(incoming)
    reply = outcome.reply
    spec = mock.providers[provider].spec
    routing = spec.document["x-smsmock-routing"]
    assert (outcome.routing, reply.status) == (key, status)
    assert isinstance(routing.get(key), str), f"{provider}'s x-smsmock-routing names no response for {key}"
    pointer = routing[key]
    assert validate_response(spec, pointer, "application/json", reply.body) == []
    response, _ = spec.deref(spec.at(pointer), pointer)
    declared: dict[str, Any] = {}
    for name, header in (response.get("headers") or {}).items():
        declared[name], _ = spec.deref(header, pointer)
    assert set(reply.headers) <= set(declared), f"undeclared headers: {set(reply.headers) - set(declared)}"
    assert {name for name, header in declared.items() if header.get("required")} <= set(reply.headers)
    for name, value in reply.headers.items():
        schema = declared[name]["schema"]
        jsonschema.validate(int(value) if schema.get("type") == "integer" else value, schema)
    assert not mock.journal.entries()[-1].get("response_problems")
    return reply.headers


# -- QuickCom: Laravel answers OPTIONS on a route itself -------------------------------------------------------


@pytest.mark.parametrize("query", [[], QUICKCOM_AUTH], ids=["anonymous", "with-key"])
def test_quickcom_options_on_a_route_is_the_options_response(mock: Mock, query: list[tuple[str, str]]) -> None:
    headers = check(mock, "quickcom", Incoming("OPTIONS", "/api/v1/send-message", query), "options", 200)
    assert headers == {"Allow": "GET,HEAD"}
    assert mock.dispatch(Incoming("OPTIONS", "/api/v1/send-message")).reply.body is None


def test_quickcom_options_on_an_unknown_path_is_the_not_found_response(mock: Mock) -> None:
    headers = check(mock, "quickcom", Incoming("OPTIONS", "/api/v1/send-sms", QUICKCOM_AUTH), "not_found", 404)
    assert headers == {"X-RateLimit-Limit": "100000", "X-RateLimit-Remaining": "100000"}


# -- SMSFlow: the controller checks the key before the verb ---------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "title"),
    [
        ({}, "The request is missing the Bearer Authentication header."),
        ({"authorization": "bearer YOUR_API_KEY"}, "The request is missing the Bearer Authentication header."),
        ({"authorization": "Bearer WRONG_KEY"}, "You do not have access to the API."),
    ],
    ids=["no-header", "lowercase-scheme", "unknown-key"],
)
def test_smsflow_wrong_verb_without_a_usable_key_is_the_unauthorized_response(
    mock: Mock, headers: dict[str, str], title: str
) -> None:
    sent = check(mock, "smsflow", Incoming("PUT", "/api/contacts/1", headers=headers), "unauthorized_401", 401)
    assert sent == {}
    assert mock.journal.entries()[-1]["provider"] == "smsflow"
    outcome = mock.dispatch(Incoming("PUT", "/api/contacts/1", headers=headers))
    assert outcome.reply.body["errors"][0]["title"] == title


def test_smsflow_wrong_verb_with_a_good_key_is_the_not_found_response(mock: Mock) -> None:
    sent = check(mock, "smsflow", Incoming("PATCH", "/api/contacts/1", headers=BEARER), "method_not_allowed", 404)
    assert sent == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}


def test_smsflow_wrong_verb_over_the_limit_is_the_too_many_requests_response(mock: Mock) -> None:
    mock.set_limit("smsflow", 1, 60)
    check(mock, "smsflow", Incoming("DELETE", "/api/contacts", headers=BEARER), "method_not_allowed", 404)
    sent = check(mock, "smsflow", Incoming("DELETE", "/api/contacts", headers=BEARER), "rate_limited", 429)
    assert sent == {"X-RateLimit-Limit": "1", "X-RateLimit-Reset": "60"}


def test_smsflow_unknown_path_is_the_not_found_response_without_a_key_check(mock: Mock) -> None:
    for headers in ({}, BEARER):
        assert check(mock, "smsflow", Incoming("PUT", "/api/campaigns", headers=headers), "not_found", 404) == {}
