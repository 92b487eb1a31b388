"""The generic engine: handlers per operation, unmatched requests, overrides, faults, drift, other specs."""
from __future__ import annotations

import copy
import inspect
from pathlib import Path

import pytest
import requests
import yaml
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Api
from smsmock.app import create_app, get_mock
from smsmock.engine import ContractDrift, Fault
from smsmock.providers import provider_class
from smsmock.providers.base import Provider
from smsmock.seeds import default_seed
from smsmock.spec import Spec, load_bundled

QUICKCOM = "app_key=YOUR_KEY&app_secret=YOUR_SECRET"
TINY_SPEC = """
openapi: 3.1.0
info: {title: Tiny, version: "1"}
servers: [{url: "https://api.example.test/v1"}]
security: [{key: []}]
paths:
  /things/{id}:
    get:
      operationId: get_thing
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: The thing.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
              examples: {documented: {value: {id: 1, name: Widget}}}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {description: No such thing.}
  /things:
    post:
      operationId: create_thing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Thing"}
      responses:
        "201": {description: Created.}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "422":
          description: Invalid.
          content: {application/json: {schema: {type: object}}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
  schemas:
    Thing:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
  responses:
    Unauthorized:
      description: Bad key.
      content:
        application/json:
          schema: {type: object, required: [error], properties: {error: {type: string}}}
          examples: {bad: {value: {error: bad key}}}
"""
QUICKFLOW = {"Authorization": "token your_api_key:your_api_secret"}


@pytest.mark.parametrize("provider", ["quickflow", "quickcom", "smsflow"])
def test_every_operation_has_exactly_one_handler_and_every_handler_an_operation(provider: str) -> None:
    spec = load_bundled()[provider]
    cls = provider_class(provider)
    base = set(dir(Provider))
    handlers = {
        name
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in base and name != "common_headers"
    }
    assert handlers == {op.operation_id for op in spec.operations}


def test_unmatched_request_names_the_nearest_operations(api: Api) -> None:
    answer = api.get("/api/v1/send-mesage", params={"app_key": "YOUR_KEY", "app_secret": "YOUR_SECRET"})
    assert answer.status == 404
    assert answer.json["error_code"] == "ROUTE_NOT_FOUND"
    entry = api.last()
    assert entry["outcome"] == "unmatched"
    assert entry["reason"] == "no operation at this path"
    assert entry["nearest"][0] == {
        "operation": "send_message",
        "method": "GET",
        "path": "/api/v1/send-message",
        "why": "path differs (did you mean /api/v1/send-message?)",
    }


def test_wrong_verb_is_explained_in_the_journal(api: Api) -> None:
    answer = api.request("PUT", "/api/contacts/1", headers={"Authorization": "Bearer YOUR_API_KEY"})
    assert answer.status == 404
    assert answer.json == {"errors": [{"title": "The resource you are looking for does not exist.", "status": 404}]}
    entry = api.last()
    assert entry["reason"] == "the path exists but not for this method (allowed: DELETE, GET, POST)"


def test_a_path_no_provider_serves(api: Api) -> None:
    answer = api.get("/nothing/here")
    assert answer.status == 404
    assert answer.json["providers"] == {"quickflow": "/api/method/", "quickcom": "/api/v1/", "smsflow": "/api/"}


def test_prefer_header_picks_a_documented_example(api: Api) -> None:
    answer = api.get(f"/api/v1/send-message?{QUICKCOM}", headers={"Prefer": "code=402"})
    assert answer.status == 402
    assert answer.json["error_code"] == "INSUFFICIENT_BALANCE"
    assert api.last()["outcome"] == "override"
    assert len(api.mock.env.outbox) == 0


def test_prefer_header_for_an_undocumented_status_is_refused_in_the_provider_format(api: Api) -> None:
    answer = api.get(f"/api/v1/check-balance?{QUICKCOM}", headers={"Prefer": "code=418"})
    assert answer.status == 422
    assert answer.json["error_code"] == "VALIDATION_ERROR"
    assert "documents no 418 response" in answer.json["message"]


def test_fault_answers_the_next_n_calls_then_stops(api: Api) -> None:
    api.mock.add_fault(Fault(provider="quickcom", operation="check_balance", status=429, times=2))
    statuses = [api.get(f"/api/v1/check-balance?{QUICKCOM}").status for _ in range(3)]
    assert statuses == [429, 429, 200]
    assert [e["outcome"] for e in api.mock.journal.entries()] == ["fault", "fault", "ok"]


def test_fault_with_a_named_example(api: Api) -> None:
    api.mock.add_fault(Fault(operation="get_sms", status=404, example="unknown_sms"))
    answer = api.get("/api/method/quickflow.sms.get", params={"uid": "SMS-0001"}, headers=QUICKFLOW)
    assert answer.status == 404
    assert answer.json["exc_type"] == "DoesNotExistError"


def test_fault_must_name_a_documented_answer() -> None:
    mock = get_mock(create_app())
    with pytest.raises(ValueError, match="documents no 500 response"):
        mock.add_fault(Fault(operation="check_balance", status=500))
    with pytest.raises(ValueError, match="unknown operation"):
        mock.add_fault(Fault(operation="nope"))


def test_latency_is_recorded_and_the_answer_unchanged(api: Api) -> None:
    api.mock.add_fault(Fault(operation="get_account_status", latency=0.01))
    answer = api.get(f"/api/v1/account-status?{QUICKCOM}")
    assert answer.status == 200
    assert api.last()["fault"]["latency"] == 0.01


def test_dropped_connection_reaches_the_client_as_a_connection_error(live_server, strict_app) -> None:
    mock = get_mock(strict_app)
    mock.reset()
    mock.add_fault(Fault(operation="get_account_status", drop=True))
    # Over a socket, as in-process, the connection closes before any answer.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{live_server.url}/api/v1/account-status?{QUICKCOM}", timeout=5)
    assert requests.get(f"{live_server.url}/api/v1/account-status?{QUICKCOM}", timeout=5).status_code == 200


def test_body_over_the_limit_is_413_in_the_provider_format() -> None:
    app = create_app(max_body=1024, strict=True)
    client = app.test_client()
    answer = client.post("/api/method/quickflow.sms.send", headers=QUICKFLOW, json={"message": "x" * 2000})
    assert answer.status_code == 413
    assert answer.get_json()["exc_type"] == "RequestEntityTooLarge"
    answer = client.post("/api/contacts", headers={"Authorization": "Bearer YOUR_API_KEY"}, data={"name": "x" * 2000})
    assert answer.status_code == 413
    assert answer.get_json()["errors"][0]["status"] == 413


def test_ids_and_uuids_are_deterministic_for_a_seed() -> None:
    def run() -> list[str]:
        client = create_app(strict=True).test_client()
        url = (f"/api/v1/send-message?{QUICKCOM}&dlt_template_id=1507162019748109480"
               "&mobile_numbers=9876543210&route_type=1&v1=1&v2=2")
        sent = client.get(url).get_json()["data"]["uuid"]
        sms = client.post("/api/method/quickflow.sms.send", headers=QUICKFLOW,
                          json={"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "x"})
        return [sent, sms.get_json()["message"]["data"]["messages"][0]["uid"]]

    assert run() == run()


def test_uuids_are_version_1_and_carry_the_time_they_were_made_for() -> None:
    import uuid
    from datetime import datetime, timezone

    from smsmock.state import Ids

    ids = Ids(7)
    when = datetime(2025, 2, 28, 11, 31, 50, 814219, tzinfo=timezone.utc)
    made = [ids.uuid1(when) for _ in range(50)]
    parsed = [uuid.UUID(u) for u in made]
    assert [str(u) for u in parsed] == made and len(set(made)) == 50
    assert all(u.version == 1 and u.variant == uuid.RFC_4122 for u in parsed)
    gregorian = datetime(1582, 10, 15, tzinfo=timezone.utc)
    assert all(abs((u.time / 10**7) - (when - gregorian).total_seconds()) < 0.001 for u in parsed)
    assert all(u.node & (1 << 40) for u in parsed)  # the multicast bit: never a real MAC


def test_a_drifting_answer_raises_when_strict_and_is_recorded_otherwise(tmp_path: Path) -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Drift", "version": "1"},
        "servers": [{"url": "https://example.test/drift"}],
        "paths": {
            "/thing": {
                "get": {
                    "operationId": "get_thing",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
                                    "examples": {"wrong": {"value": {"id": "not an integer"}}},
                                }
                            },
                        }
                    },
                }
            }
        },
    }
    path = tmp_path / "drift.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    strict = create_app([path], strict=True)
    strict.testing = True
    with pytest.raises(ContractDrift, match="get_thing 200"):
        strict.test_client().get("/drift/thing")
    lenient = create_app([path])
    assert lenient.test_client().get("/drift/thing").status_code == 200
    assert get_mock(lenient).journal.entries()[-1]["response_problems"] == ["id: 'not an integer' is not of type 'integer'"]


def test_another_openapi_file_is_served_from_its_examples(tmp_path: Path) -> None:
    """A fourth provider without code: routes, auth presence, validation and answers from the spec."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_SPEC, encoding="utf-8")
    app = create_app([*load_bundled().values(), path], strict=True)
    client = app.test_client()
    ok = client.get("/v1/things/7", headers={"X-Key": "anything"})
    assert ok.status_code == 200 and ok.get_json() == {"id": 1, "name": "Widget"}
    assert client.get("/v1/things/7").status_code == 401
    assert client.get("/v1/things/7").get_json() == {"error": "bad key"}
    bad = client.get("/v1/things/0", headers={"X-Key": "k"})
    assert bad.status_code == 404  # a path id its schema rules out cannot exist
    created = client.post("/v1/things", headers={"X-Key": "k"}, json={"name": "Gadget"})
    assert created.status_code == 422
    assert created.get_json()["fields"] == {"id": ["The id field is required but missing."]}
    # the bundled providers are still there, with their seed
    assert client.get(f"/api/v1/account-status?{QUICKCOM}").status_code == 200


def test_the_journal_keeps_long_answers_abridged() -> None:
    """1,000 journal entries stay small even when each answered a list of thousands of records."""
    app = create_app(strict=True)
    client = app.test_client()
    for index in range(55):  # under SMSFlow's 60 requests a minute
        client.post("/api/contacts", headers={"Authorization": "Bearer YOUR_API_KEY"}, data={"phone_number": f"+3933312{index:05d}"})
    listed = client.get("/api/contacts/?results_per_page=100", headers={"Authorization": "Bearer YOUR_API_KEY"})
    assert len(listed.get_json()["data"]) == 56  # the client gets everything
    kept = get_mock(app).journal.entries()[-1]["reply"]["body"]["data"]
    assert len(kept) == 51 and kept[-1] == "… 6 more"


def test_the_journal_keeps_short_answers_whole_and_as_they_were_sent() -> None:
    """A short answer is journalled as its wire bytes and read back as the exact body the client got."""
    app = create_app(strict=True)
    client = app.test_client()
    created = client.post("/api/contacts", headers={"Authorization": "Bearer YOUR_API_KEY"}, data={"phone_number": "+447700900123"})
    fetched = client.get(f"/api/contacts/{created.get_json()['data']['id']}", headers={"Authorization": "Bearer YOUR_API_KEY"})
    entries = get_mock(app).journal.entries()
    assert [e["reply"]["body"] for e in entries[-2:]] == [created.get_json(), fetched.get_json()]
    assert entries[-1]["reply"]["body"]["data"]["country_code"] == "GB"
    assert all("_wire" not in e for e in entries)  # nothing internal reaches the admin API
    # a later change to the contact does not rewrite what the journal says was answered then
    client.post(f"/api/contacts/{created.get_json()['data']['id']}", headers={"Authorization": "Bearer YOUR_API_KEY"}, data={"name": "Renamed"})
    assert get_mock(app).journal.entries()[-2]["reply"]["body"] == fetched.get_json()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab=&;+% 2Fé\x00", max_size=24))
def test_query_and_form_pairs_are_what_parse_qsl_gives(text: str) -> None:
    # the request edge splits strings with nothing to decode itself; anything else goes to parse_qsl
    from urllib.parse import parse_qsl

    from smsmock.edge import _pairs

    assert _pairs(text) == parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")


# -- verbs the route lacks, as each platform's router answers them (x-smsmock-routing) ---------------------


def _app_with_routing(provider: str, routing: dict[str, object], responses: dict[str, object] | None = None) -> Flask:
    """The bundled specs, one given more ``x-smsmock-routing`` (and component responses): what its spec declares."""
    specs = []
    for name, spec in load_bundled().items():
        if name == provider:
            document = copy.deepcopy(spec.document)
            document["x-smsmock-routing"] = {**document.get("x-smsmock-routing", {}), **routing}
            document["components"]["responses"].update(responses or {})
            spec = Spec(document, spec.source)
        specs.append(spec)
    app = create_app(specs, seed=default_seed(), strict=True)
    app.testing = True
    return app


def test_quickcom_options_on_a_known_route_is_200_with_allow_and_nothing_else() -> None:
    """Laravel's getRouteForMethods answers OPTIONS with an empty 200 and ``Allow: GET,HEAD`` (no throttle, no key)."""
    options = {"description": "Laravel's OPTIONS answer.", "headers": {"Allow": {"schema": {"type": "string"}}}}
    app = _app_with_routing("quickcom", {"options": "#/components/responses/Options"}, {"Options": options})
    answer = app.test_client().open("/api/v1/send-message", method="OPTIONS")
    assert (answer.status_code, answer.get_data()) == (200, b"")
    assert dict(answer.headers) == {"Allow": "GET,HEAD", "Content-Type": "text/html; charset=UTF-8", "Content-Length": "0"}
    assert get_mock(app).journal.entries()[-1]["outcome"] == "unmatched"
    # An unknown path is still a 404, OPTIONS or not.
    assert app.test_client().open("/api/v1/nowhere", method="OPTIONS").status_code == 404


def test_smsflow_a_verb_the_route_lacks_checks_the_key_first_and_counts() -> None:
    """AltumCode verifies the key before its switch on the verb: no key 401, a good one 404 with its window, counted."""
    app = _app_with_routing("smsflow", {"key_before_verb": True})
    client = app.test_client()
    missing = client.open("/api/contacts/1", method="PUT")
    assert (missing.status_code, missing.get_json()) == (
        401, {"errors": [{"title": "The request is missing the Bearer Authentication header.", "status": "401"}]})
    assert "X-RateLimit-Limit" not in missing.headers
    key = {"Authorization": "Bearer YOUR_API_KEY"}
    wrong = client.open("/api/contacts/1", method="PUT", headers=key)
    assert (wrong.status_code, wrong.get_json()) == (
        404, {"errors": [{"title": "The resource you are looking for does not exist.", "status": 404}]})
    assert (wrong.headers["X-RateLimit-Limit"], wrong.headers["X-RateLimit-Remaining"]) == ("60", "59")
    listed = client.get("/api/contacts/", headers=key)
    assert (listed.status_code, listed.headers["X-RateLimit-Remaining"]) == (200, "58")
    # An unknown path is not the contacts controller: no key check, no count.
    assert client.get("/api/nowhere").status_code == 404
    assert client.get("/api/contacts/", headers=key).headers["X-RateLimit-Remaining"] == "57"


def test_smsflow_a_wrong_verb_over_the_limit_is_429() -> None:
    """The refused verb counts like any request: once the window is spent it is the 429."""
    app = _app_with_routing("smsflow", {"key_before_verb": True})
    get_mock(app).set_limit("smsflow", 1, 60)
    key = {"Authorization": "Bearer YOUR_API_KEY"}
    assert app.test_client().open("/api/contacts/1", method="PUT", headers=key).status_code == 404
    over = app.test_client().open("/api/contacts/1", method="PUT", headers=key)
    assert over.status_code == 429
    assert over.headers["X-RateLimit-Limit"] == "1"


def test_the_journal_bounds_arguments_by_bytes_of_text_at_every_depth() -> None:
    from smsmock.journal import MORE, bounded

    # short ASCII text and numbers are kept as they are; each counts its characters (a number 8) and its key's
    assert bounded({"to": "254700000001", "n": 3, "flag": None}, 4096) == ({"to": "254700000001", "n": 3, "flag": None}, 12 + 2 + 8 + 1 + 8 + 4)
    kept, used = bounded({"a": "x" * 100, "b": "y" * 100}, 150)  # the budget runs out in the second value
    assert kept == {"a": "x" * 100, "b": "y" * 49 + f"{MORE} (100 characters)"}  # 150 - (100 + len("a")) = 49 left
    assert used == 101 + 49 + len(f"{MORE} (100 characters)") + 1
    kept, _ = bounded({"a": "x" * 200, "b": "never reached"}, 150)
    assert kept["a"].startswith("x" * 150) and kept[MORE] == "1 more"
    wide, _ = bounded({"a": "\U0001f600" * 100}, 100)  # four bytes a character: 25 of them fit
    assert wide["a"].startswith("\U0001f600" * 25 + MORE)
    nested, _ = bounded({"vars": {"v1": "1234", "deep": [{"x": "z" * 5000}]}}, 4096)
    assert nested["vars"]["v1"] == "1234" and len(nested["vars"]["deep"][0]["x"]) < 4200
