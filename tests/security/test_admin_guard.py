"""Cross-site and rebinding requests to the admin page and API are refused and change nothing; the providers' APIs are not touched by these rules."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from smsmock.admin_input import Guard
from smsmock.app import create_app, get_mock
from smsmock.extension import set_guard

JSON = {"Content-Type": "application/json"}
QUICKFLOW = {"Authorization": "token your_api_key:your_api_secret"}
SEND = {"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "Your code is 550142"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@pytest.fixture
def app() -> Flask:
    return create_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _state(app: Flask) -> str:
    """Everything an attack could change, as one text: providers, clock, outbox, journal size, faults, limits."""
    mock = get_mock(app)
    return json.dumps([mock.snapshot(), [f.to_json() for f in mock.faults], repr(mock.env.limits)], sort_keys=True, default=str)


def _error(answer: Any) -> str:
    return answer.get_json()["error"]


# Each attack the issue reproduced, as the browser sends it: a "simple" request needs no preflight.
ATTACKS = [
    ("seed as text/plain (no-cors)", "/__smsmock/api/seed", "smsflow:\n  accounts:\n    - api_key: EVIL\n", {"Content-Type": "text/plain"}, 415),
    ("fault as text/plain", "/__smsmock/api/faults", '{"operation": "send_sms", "status": 417, "times": null}', {"Content-Type": "text/plain;charset=UTF-8"}, 415),
    ("auto-submitted form resets", "/__smsmock/api/reset", "x=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ("multipart form", "/__smsmock/api/clock", "--b\r\n\r\n--b--", {"Content-Type": "multipart/form-data; boundary=b"}, 415),
    ("no Content-Type", "/__smsmock/api/clock", '{"advance": 1e12}', {}, 415),
    ("JSON from another port", "/__smsmock/api/reset", "{}", {**JSON, "Origin": "http://127.0.0.1:9999"}, 403),
    ("JSON from another site", "/__smsmock/api/clock", '{"advance": 5}', {**JSON, "Origin": "https://evil.example"}, 403),
    ("opaque origin", "/__smsmock/api/clock", '{"advance": 5}', {**JSON, "Origin": "null"}, 403),
    ("Sec-Fetch-Site same-site", "/__smsmock/api/reset", "{}", {**JSON, "Sec-Fetch-Site": "same-site"}, 403),
    ("Sec-Fetch-Site cross-site", "/__smsmock/api/seed", "{}", {**JSON, "Sec-Fetch-Site": "cross-site"}, 403),
    ("rebinding Host", "/__smsmock/api/reset", "{}", {**JSON, "Host": "rebind.example:8017"}, 403),
]


@pytest.mark.parametrize(("name", "path", "body", "headers", "status"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_a_cross_site_or_rebinding_write_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, name: str, path: str, body: str, headers: dict[str, str], status: int
) -> None:
    client.post("/api/method/quickflow.sms.send", json=SEND, headers=QUICKFLOW)
    before = _state(app)
    answer = client.post(path, data=body, headers=headers)
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"] == "application/json"
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert _state(app) == before


@pytest.mark.parametrize("path", ["/__smsmock/api/state", "/__smsmock/api/journal", "/__smsmock/api/outbox", "/__smsmock/", "/__smsmock/ui/app.js"])
def test_a_rebinding_host_reads_nothing(client: FlaskClient, path: str) -> None:
    answer = client.get(path, headers={"Host": "rebind.example:8017"})
    assert answer.status_code == 403
    assert _error(answer) == "Host: this name is not one the server was started for (start it with --allowed-host NAME)"
    assert b"your_api" not in answer.data


@pytest.mark.parametrize("site", ["same-site", "cross-site"])
def test_another_site_cannot_read_or_hold_a_thread(client: FlaskClient, site: str) -> None:
    for path in ("/__smsmock/api/state", "/__smsmock/api/outbox/wait?timeout=60", "/__smsmock/api/events?timeout=20"):
        answer = client.get(path, headers={"Sec-Fetch-Site": site})
        assert (answer.status_code, _error(answer)) == (403, "Sec-Fetch-Site: requests from another site are refused")


def test_the_page_and_its_api_answer_the_names_the_server_was_started_for(app: Flask, client: FlaskClient) -> None:
    for host in ("127.0.0.1:8017", "localhost:8017", "[::1]:8017", "localhost"):
        assert client.get("/__smsmock/api/state", headers={"Host": host}).status_code == 200, host
    set_guard(app, Guard.for_server("0.0.0.0", ["mock.internal"]))
    assert client.get("/__smsmock/api/state", headers={"Host": "mock.internal:8017"}).status_code == 200
    assert client.get("/__smsmock/api/state", headers={"Host": "other.internal:8017"}).status_code == 403
    same = client.post("/__smsmock/api/clock", json={"advance": 1}, headers={"Host": "mock.internal:8017", "Origin": "http://mock.internal:8017", "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200


def test_a_navigation_from_elsewhere_still_opens_the_page(client: FlaskClient) -> None:
    answer = client.get("/__smsmock/", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
    assert answer.status_code == 200


def test_a_cors_preflight_gets_nothing_permissive(client: FlaskClient) -> None:
    answer = client.options(
        "/__smsmock/api/reset",
        headers={"Origin": "http://127.0.0.1:9999", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert answer.status_code == 403
    assert not [name for name in answer.headers.keys() if name.lower().startswith("access-control-")]


def test_the_page_carries_its_security_headers(client: FlaskClient) -> None:
    for path in ("/__smsmock/", "/__smsmock/api/state", "/__smsmock/ui/app.js"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == CSP, path
        assert (headers["X-Content-Type-Options"], headers["X-Frame-Options"], headers["Referrer-Policy"]) == ("nosniff", "DENY", "no-referrer")
    page = client.get("/__smsmock/").get_data(as_text=True)
    # no inline script for the policy to allow: scripts by src only, no on* handler attributes
    assert re.findall(r"<script[^>]*>", page) == ['<script src="ui/app.js" defer>']
    assert not re.search(r"\son[a-z]+\s*=", page, re.I)


def test_the_providers_apis_keep_behaving_as_the_platforms_do(client: FlaskClient) -> None:
    """Origin, Sec-Fetch-Site, a foreign Host and a text/plain body change nothing on a provider's path."""
    headers = {**QUICKFLOW, "Origin": "https://shop.example", "Sec-Fetch-Site": "cross-site", "Host": "api.quickflow.example"}
    answer = client.post("/api/method/quickflow.sms.send", json=SEND, headers=headers)
    assert answer.status_code == 200
    assert answer.get_json()["message"]["message"] == "SMS queued for 1 recipient"
    assert "Content-Security-Policy" not in answer.headers


def test_with_a_token_every_admin_call_needs_it_and_the_login_code_works_once(app: Flask, client: FlaskClient) -> None:
    guard = Guard.for_server("127.0.0.1", token="s3cret-token")
    set_guard(app, guard)
    missing = client.get("/__smsmock/api/state")
    assert (missing.status_code, _error(missing)) == (401, "X-Smsmock-Token: the admin token is required (see the login link printed at start)")
    assert client.get("/__smsmock/api/state", headers={"X-Smsmock-Token": "wrong"}).status_code == 401
    assert client.get("/__smsmock/api/state", headers={"X-Smsmock-Token": "s3cret-token"}).status_code == 200
    assert client.get("/__smsmock/").status_code == 200  # the page itself holds nothing: its script logs in
    code = guard.login_code()
    first = client.post("/__smsmock/api/login", json={"code": code})
    assert (first.status_code, first.get_json()) == (200, {"token": "s3cret-token"})
    again = client.post("/__smsmock/api/login", json={"code": code})
    assert (again.status_code, _error(again)) == (403, "code: unknown or already used; restart the server for a new login link")
    assert client.post("/__smsmock/api/login", json={"code": code}, headers={"Origin": "http://evil.example"}).status_code == 403
    # the providers stay open, as the platforms' are
    assert client.post("/api/method/quickflow.sms.send", json=SEND, headers=QUICKFLOW).status_code == 200
