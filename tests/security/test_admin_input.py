"""Every admin input is checked by type and range (a 400 naming the field), and no admin call can leave the server answering 5xx."""
from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsmock.admin_input import LATEST
from smsmock.app import create_app, get_mock

JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}
QUICKFLOW = {"Authorization": "token your_api_key:your_api_secret"}
QUICKCOM = "app_key=YOUR_KEY&app_secret=YOUR_SECRET&dlt_template_id=1507162019748109480&route_type=1"


def _provider_calls(client: FlaskClient) -> list[int]:
    """One call of each kind a client makes: sends, reads and lists on all three providers."""
    send = {"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "Your code is 550142"}
    answers = [
        client.post("/api/method/quickflow.sms.send", json=send, headers=QUICKFLOW),
        client.get("/api/method/quickflow.sms.list_all", headers=QUICKFLOW),
        client.get(f"/api/v1/send-message?{QUICKCOM}&v1=482913&v2=10&mobile_numbers=9876543210"),
        client.get(f"/api/v1/check-balance?{QUICKCOM}"),
        client.get("/api/contacts/", headers={"Authorization": "Bearer YOUR_API_KEY"}),
        client.get("/__smsmock/api/outbox"),
        client.get("/__smsmock/api/journal"),
        client.get("/__smsmock/api/state"),
    ]
    return [a.status_code for a in answers]


@pytest.fixture
def app() -> Flask:
    return create_app()  # not strict: a fault's own body is the user's to choose


# The inputs the issue found accepted, each with the error it now gets (the field named first).
BAD = [
    ("clock", {"advance": 1e12}, "advance: at most"),
    ("clock", {"advance": -5}, "advance: must be a number from 0"),
    ("clock", {"advance": "soon"}, "advance: must be a number"),
    ("clock", {"advance": True}, "advance: must be a number"),
    ("limits", {"provider": "smsflow", "limit": 5, "window": 1e12}, "window: must be an integer from 1 to 31622400"),
    ("limits", {"provider": "smsflow", "limit": -1}, "limit: must be an integer from 0 to 1000000000 or null"),
    ("limits", {"provider": ["smsflow"], "limit": 5}, "provider: must be a string"),
    ("limits", {"provider": {"a": 1}, "limit": 5}, "provider: must be a string"),
    ("limits", {"provider": "nope", "limit": 5}, "provider: unknown (known: quickcom, quickflow, smsflow)"),
    ("faults", {"operation": "send_sms", "times": "x"}, "times: must be an integer from 1 to 1000000 or null"),
    ("faults", {"operation": "send_sms", "times": [1]}, "times: must be an integer"),
    ("faults", {"operation": "send_sms", "times": 0}, "times: must be an integer"),
    ("faults", {"operation": "send_sms", "latency": -1}, "latency: must be a number from 0 to 30"),
    ("faults", {"operation": "send_sms", "latency": 1e308}, "latency: must be a number from 0 to 30"),
    ("faults", {"operation": "send_sms", "drop": "no"}, "drop: must be true or false"),
    ("faults", {"operation": "send_sms", "status": 200, "headers": {"X-A": "b\r\nSet-Cookie: x"}}, "headers: the value of X-A"),
    ("faults", {"operation": "send_sms", "status": 200, "headers": {"Bad Name": "b"}}, "headers: a header name"),
    ("faults", {"provider": ["quickflow"]}, "provider: must be a string"),
    ("faults", {"operation": {"$ne": 1}}, "operation: must be a string"),
    ("faults", {"operation": "send_sms", "status": "417"}, "status: must be an integer from 100 to 599"),
    ("faults", {"operation": "send_sms", "bogus": 1}, "bogus: unknown field"),
    ("deliver", {"ids": "all"}, "ids: must be a list"),
]


@pytest.mark.parametrize(("endpoint", "payload", "error"), BAD, ids=[f"{e}-{json.dumps(p)[:40]}" for e, p, _ in BAD])
def test_a_bad_admin_input_is_refused_naming_the_field_and_changes_nothing(app: Flask, endpoint: str, payload: dict[str, Any], error: str) -> None:
    client = app.test_client()
    answer = client.post(f"/__smsmock/api/{endpoint}", json=payload)
    assert answer.status_code == 400
    assert answer.get_json()["error"].startswith(error), answer.get_json()
    assert not get_mock(app).faults
    assert all(status < 500 for status in _provider_calls(client))


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_not_json(app: Flask, raw: str) -> None:
    answer = app.test_client().post("/__smsmock/api/faults", data=f'{{"operation": "send_sms", "latency": {raw}}}', headers=JSON)
    assert answer.status_code == 400
    assert answer.get_json()["error"].startswith(f"body: not valid JSON ({raw} is not a JSON number")


def test_a_billion_laughs_seed_is_refused_at_once(app: Flask) -> None:
    laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    answer = app.test_client().post("/__smsmock/api/seed", data=laughs, headers=YAML)
    assert (answer.status_code, answer.get_json()) == (400, {"error": "body: YAML aliases (*name) are not accepted"})


@pytest.mark.parametrize(("body", "headers"), [("[" * 10_000 + "]" * 10_000, JSON), ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 60)), YAML), ("[" * 100_000, YAML)])
def test_deep_nesting_is_refused_not_a_recursion_error(app: Flask, body: str, headers: dict[str, str]) -> None:
    answer = app.test_client().post("/__smsmock/api/seed", data=body, headers=headers)
    assert answer.status_code == 400
    assert answer.get_json()["error"] in ("body: nested deeper than 32 levels",) or answer.get_json()["error"].startswith("body: not valid YAML")
    assert len(answer.get_data()) < 400  # the error never repeats the payload


def test_an_admin_body_has_a_size_limit(app: Flask) -> None:
    answer = app.test_client().post("/__smsmock/api/seed", data=b"{" + b" " * (300 * 1024) + b"}", headers=JSON)
    assert (answer.status_code, answer.get_json()) == (413, {"error": "body: larger than 262144 bytes"})


def test_a_seed_error_never_repeats_the_payload(app: Flask) -> None:
    seed = {"smsflow": {"accounts": [{"api_key": ["x" * 100_000]}]}}
    answer = app.test_client().post("/__smsmock/api/seed", json=seed)
    assert answer.status_code == 400
    assert len(answer.get_json()["error"]) <= 210


def test_a_lone_surrogate_in_an_admin_body_is_refused(app: Flask) -> None:
    answer = app.test_client().post("/__smsmock/api/seed", data=b'{"smsflow": {"accounts": [{"api_key": "\\ud800"}]}}', headers=JSON)
    assert (answer.status_code, answer.get_json()) == (400, {"error": "body: holds text that is not valid Unicode (a lone surrogate)"})


def test_the_clock_stops_short_of_the_years_the_formats_cannot_write(app: Flask) -> None:
    client = app.test_client()
    room = (LATEST - get_mock(app).env.clock.now()).total_seconds()
    assert client.post("/__smsmock/api/clock", json={"advance": room - 86400}).get_json()["now"] == "9998-12-30T00:00:00+00:00"
    refused = client.post("/__smsmock/api/clock", json={"advance": 2 * 86400})
    assert (refused.status_code, refused.get_json()) == (400, {"error": "advance: at most 86400 seconds (the clock stays before 9999)"})
    assert all(status < 500 for status in _provider_calls(client))


# -- the property: random admin calls, then provider calls, never a 5xx ------------------------------------

_ANY = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**15), 10**15) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
_NAMES = st.sampled_from(["quickflow", "quickcom", "smsflow", "nope", ""])
_OPERATIONS = st.sampled_from(["send_sms", "send_message", "list_contacts", "create_contact", "sms.get", "x"])
_FIELD = {
    "clock": st.fixed_dictionaries({"advance": st.one_of(st.floats(0, 4e11), _ANY)}),
    "limits": st.fixed_dictionaries(
        {"provider": st.one_of(_NAMES, _ANY)},
        optional={"limit": st.one_of(st.integers(0, 10), _ANY), "window": st.one_of(st.integers(1, 10**13), _ANY)},
    ),
    "faults": st.fixed_dictionaries(
        {},
        optional={
            "provider": st.one_of(_NAMES, _ANY), "operation": st.one_of(_OPERATIONS, _ANY),
            "status": st.one_of(st.sampled_from([200, 401, 402, 404, 417, 422, 429, 500]), _ANY),
            "example": _ANY, "times": st.one_of(st.integers(-1, 3), st.none(), _ANY),
            "latency": st.one_of(st.floats(0, 0.001), _ANY), "drop": _ANY,
            "headers": st.one_of(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2), _ANY), "body": _ANY,
        },
    ),
    "seed": st.dictionaries(_NAMES, st.one_of(_ANY, st.fixed_dictionaries({"accounts": st.lists(st.dictionaries(st.sampled_from(["api_key", "api_secret", "app_key", "app_secret", "user_id", "sender_ids", "balance"]), _ANY), max_size=2)})), max_size=2),
    "reset": st.just({}),
    "deliver": st.fixed_dictionaries({}, optional={"ids": _ANY}),
}
ADMIN_CALLS = st.lists(st.sampled_from(sorted(_FIELD)).flatmap(lambda name: st.tuples(st.just(name), _FIELD[name])), min_size=1, max_size=4)
FUZZ_EXAMPLES = 300  # the README's reliability section states this count


def test_random_admin_calls_never_leave_the_server_answering_5xx() -> None:
    app = create_app()
    client = app.test_client()
    tried = []

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(ADMIN_CALLS)
    def check(calls: list[tuple[str, Any]]) -> None:
        get_mock(app).reset()
        for name, payload in calls:
            answer = client.post(f"/__smsmock/api/{name}", data=json.dumps(payload), headers=JSON)
            assert answer.status_code < 500, (name, payload, answer.get_data(as_text=True))
            tried.append(name)
        get_mock(app).faults = [f for f in get_mock(app).faults if not f.drop and f.latency == 0]  # no waiting in a test
        statuses = _provider_calls(client)
        assert all(status < 500 or status == 500 and _fault_500(app) for status in statuses), (calls, statuses)

    check()
    assert len(tried) >= FUZZ_EXAMPLES


def _fault_500(app: Flask) -> bool:
    """A 500 the user injected on purpose (a fault whose status is 500) is not a failure."""
    return any(e.outcome == "fault" and e.status == 500 for e in get_mock(app).journal.entries())


def test_a_long_filter_is_refused_not_echoed(app: Flask) -> None:
    answer = app.test_client().get("/__smsmock/api/outbox/wait?timeout=0&text=" + "x" * 100_000)
    assert (answer.status_code, answer.get_json()) == (400, {"error": "text: at most 200 characters"})
    since = app.test_client().get("/__smsmock/api/journal?since=" + "9" * 10_000)
    assert since.status_code == 400 and len(since.get_data()) < 400
