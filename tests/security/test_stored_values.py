"""What the mock stores cannot break a later read, grow without bound, show a secret, or be answered twice."""
from __future__ import annotations

import json
import threading
from typing import Any, Iterator

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from smsmock.app import create_app, get_mock
from smsmock.journal import CAPS, TEXT_CAP
from smsmock.pytest_plugin.server import LiveServer

QUICKFLOW = {"Authorization": "token your_api_key:your_api_secret", "Content-Type": "application/json"}
QUICKCOM = "app_key=YOUR_KEY&app_secret=YOUR_SECRET&dlt_template_id=1507162019748109480&route_type=1"
SEND = "/api/v1/send-message?" + QUICKCOM + "&v1=482913&v2=10&mobile_numbers=9876543210"
READERS = [
    "/__smsmock/api/outbox", "/__smsmock/api/state", "/__smsmock/api/journal", "/__smsmock/api/code?recipient=254700000001",
    "/__smsmock/api/outbox/wait?recipient=254700000001&timeout=0",
]


@pytest.fixture
def app() -> Flask:
    return create_app(strict=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _balance(client: FlaskClient) -> Any:
    return client.get(f"/api/v1/check-balance?{QUICKCOM}").get_json()["data"]


# -- text that is not valid Unicode ----------------------------------------------------------------------


def test_a_lone_surrogate_is_refused_in_the_providers_format_and_every_reader_still_answers(client: FlaskClient) -> None:
    body = b'{"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "code 550142 \\ud800"}'
    answer = client.post("/api/method/quickflow.sms.send", data=body, headers=QUICKFLOW)
    assert answer.status_code == 417
    assert answer.get_json()["exc_type"] == "ValidationError"
    assert "is not valid JSON" in json.loads(json.loads(answer.get_json()["_server_messages"])[0])["message"]
    ok = client.post("/api/method/quickflow.sms.send", json={"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "code 550142"}, headers=QUICKFLOW)
    assert ok.status_code == 200
    for path in READERS:
        assert client.get(path).status_code == 200, path
    listed = client.get("/api/method/quickflow.sms.list_all", headers=QUICKFLOW)
    assert listed.status_code == 200 and [m["message"] for m in listed.get_json()["message"]["data"]] == ["code 550142"]


def test_a_valid_surrogate_pair_is_an_ordinary_character(client: FlaskClient) -> None:
    body = b'{"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "hi \\ud83d\\ude00"}'
    assert client.post("/api/method/quickflow.sms.send", data=body, headers=QUICKFLOW).status_code == 200
    assert client.get("/__smsmock/api/outbox").get_json()["messages"][0]["text"] == "hi \U0001f600"


@pytest.mark.parametrize(
    ("path", "body", "headers"),
    [
        (SEND + "&v2=%ED%A0%80", b"", {}),  # a surrogate's UTF-8 bytes, percent-encoded
        ("/api/contacts", b"phone_number=%ff%fe&name=\xff", {"Authorization": "Bearer YOUR_API_KEY", "Content-Type": "application/x-www-form-urlencoded"}),
        ("/api/method/quickflow.sms.send", b'{"message": "\xff\xfe"}', QUICKFLOW),
    ],
    ids=["query", "form", "json"],
)
def test_invalid_utf8_never_breaks_a_reader(client: FlaskClient, path: str, body: bytes, headers: dict[str, str]) -> None:
    answer = client.open(path, method="POST" if body else "GET", data=body, headers=headers)
    assert 200 <= answer.status_code < 500
    for reader in READERS[:3]:
        assert client.get(reader).status_code == 200, reader
    json.dumps(client.get("/__smsmock/api/journal").get_json()).encode("utf-8")


# -- errors answered once --------------------------------------------------------------------------------


def test_a_handler_that_fails_is_answered_once_journaled_once_and_charged_once(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    mock = get_mock(app)
    provider = mock.providers["quickcom"]
    before = _balance(client)
    sent = provider.send_message

    def fails_after_charging(account: str, args: dict[str, Any]) -> Any:
        sent(account, args)
        raise RuntimeError("a bug in the handler")

    monkeypatch.setattr(provider, "send_message", fails_after_charging)
    total = mock.journal.total
    answer = client.get(SEND)
    body = answer.get_json()
    # QuickCom's own 500: Laravel's "Server Error" in its error envelope, the spec's ServerError response.
    assert (answer.status_code, body["status"], body["message"], body["data"], body["errors"], body["error_code"]) == (
        500, False, "Server Error", None, {}, "SERVER_ERROR")
    assert answer.headers["X-RateLimit-Limit"] == "100000"
    assert mock.journal.total == total + 1
    entry = mock.journal.entries()[-1]
    assert (entry.status, entry.outcome, entry.reason) == (500, "error", "internal error: RuntimeError")
    monkeypatch.undo()
    after = _balance(client)
    assert before["transaction_balance"] - after["transaction_balance"] == 1  # charged once, not twice
    assert len(mock.env.outbox) == 1


SMSFLOW = {"Authorization": "Bearer YOUR_API_KEY"}


@pytest.mark.parametrize(
    ("operation", "method", "path", "headers", "status", "body"),
    [
        ("get_balance", "GET", "/api/method/quickflow.sms.balance?sender_id=YOUR_SENDER_ID", QUICKFLOW, 500,
         {"exc_type": "RuntimeError"}),
        ("get_contact", "GET", "/api/contacts/1", SMSFLOW, 500,
         {"errors": [{"title": "Internal Server Error", "status": 500}]}),
    ],
    ids=["quickflow", "smsflow"],
)
def test_an_internal_error_is_the_providers_own_500(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
                                                    operation: str, method: str, path: str, headers: dict[str, str],
                                                    status: int, body: dict[str, Any]) -> None:
    """Frappe's report_error names the exception class; SMSFlow's 500 is its error shape (the spec's ServerError)."""
    mock = get_mock(app)
    provider = mock.providers["quickflow" if "quickflow" in path else "smsflow"]

    def fails(account: str, args: dict[str, Any]) -> Any:
        raise RuntimeError("a bug in the handler")

    monkeypatch.setattr(provider, operation, fails)
    answer = client.open(path, method=method, headers=headers)
    assert (answer.status_code, answer.get_json(), answer.content_type) == (status, body, "application/json")
    assert mock.journal.entries()[-1]["reply"]["body"] == body


def test_an_internal_error_to_a_client_accepting_html_is_frappes_server_error_page(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_mock(app).providers["quickflow"], "get_balance", lambda account, args: 1 / 0)
    answer = client.get("/api/method/quickflow.sms.balance?sender_id=YOUR_SENDER_ID",
                        headers={**QUICKFLOW, "Accept": "text/html,application/xhtml+xml"})
    assert (answer.status_code, answer.content_type) == (500, "text/html; charset=utf-8")
    assert "<title>Server Error</title>" in answer.get_data(as_text=True)
    assert "<p>Uncaught Exception</p>" in answer.get_data(as_text=True)


@pytest.fixture
def live() -> Iterator[tuple[Flask, LiveServer]]:
    app = create_app()
    with LiveServer(app) as server:
        yield app, server


def test_an_error_after_the_dispatch_is_never_dispatched_again(live: tuple[Flask, LiveServer], monkeypatch: pytest.MonkeyPatch) -> None:
    """Flask's own 500 (an exception past the dispatch) reaches the error handler, which answers without re-running."""
    app, server = live
    mock = get_mock(app)
    dispatch = mock.dispatch

    def then_fails(*args: Any, **kwargs: Any) -> Any:
        dispatch(*args, **kwargs)
        raise RuntimeError("after the answer was made")

    monkeypatch.setattr(mock, "dispatch", then_fails)
    answer = requests.get(server.url + SEND, timeout=10)
    assert (answer.status_code, answer.json()["message"], answer.json()["error_code"]) == (500, "Server Error", "SERVER_ERROR")
    monkeypatch.undo()
    assert mock.journal.total == 1 and len(mock.env.outbox) == 1


# -- the nearest-operation search ------------------------------------------------------------------------


def test_the_nearest_operation_search_runs_outside_the_state_lock_on_a_bounded_path(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    mock = get_mock(app)
    seen: list[tuple[int, bool]] = []
    nearest = mock.router.nearest

    def spy(method: str, path: str, spec: Any, limit: int = 3) -> Any:
        free = threading.Event()
        probe = threading.Thread(target=lambda: mock.env.lock.acquire(timeout=0) and (free.set(), mock.env.lock.release()))
        probe.start()
        probe.join()
        seen.append((len(path), free.is_set()))
        return nearest(method, path, spec, limit)

    monkeypatch.setattr(mock.router, "nearest", spy)
    answer = client.get("/api/v1/" + "a" * 250_000)
    assert answer.status_code == 404
    assert seen and all(free for _, free in seen)  # another thread could take the lock meanwhile
    entry = mock.journal.entries()[-1]
    assert entry.nearest and len(entry.path) <= CAPS["path"] + 40


# -- bounded journal entries -----------------------------------------------------------------------------


def test_every_journal_field_is_capped(client: FlaskClient, app: Flask) -> None:
    headers = {f"X-Pad-{i}": "h" * 2000 for i in range(100)}
    query = "&".join(f"q{i}={'v' * 5000}" for i in range(40))
    form = "&".join(f"f{i}={'w' * 5000}" for i in range(100))
    answer = client.post(f"/api/contacts/{'p' * 20_000}?{query}", data=form, headers={**headers, "Authorization": "Bearer WRONG", "Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= answer.status_code < 500
    entry = get_mock(app).journal.entries()[-1]
    size = lambda pairs: sum(len(k) + len(v) for k, v in pairs)  # noqa: E731
    assert len(entry.path) <= CAPS["path"] + 40
    assert size(entry.headers.items()) <= CAPS["headers"] + 400
    assert size(entry.query) <= CAPS["query"] + 400
    assert entry.form is None or size(entry.form) <= CAPS["form"] + 400
    assert len(json.dumps(entry.to_json())) < 40_000
    assert ("…", "60 more") in entry.form or entry.form is None or entry.form[-1][0] == "…"


def test_a_long_refused_body_keeps_its_violations_small(client: FlaskClient, app: Flask) -> None:
    huge = {"recipient": "254700000001" * 20_000, "sender_id": "YOUR_SENDER_ID" * 1000, "message": ["x" * 1000] * 500}
    answer = client.post("/api/method/quickflow.sms.send", json=huge, headers=QUICKFLOW)
    assert answer.status_code == 417
    entry = get_mock(app).journal.entries()[-1]
    assert len(entry.body or "") <= TEXT_CAP + 40
    assert len(json.dumps([v.to_json() for v in entry.violations])) < CAPS["violations"] * 4


# -- secrets out of sight --------------------------------------------------------------------------------

SECRETS = ("your_api_secret", "YOUR_SECRET", "your_api_key:", "YOUR_API_KEY", "app_secret=YOUR_S")


def test_credentials_are_masked_in_the_journal_the_state_and_the_outbox(client: FlaskClient, app: Flask) -> None:
    client.post("/api/method/quickflow.sms.send", json={"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "code 550142"}, headers=QUICKFLOW)
    client.get(SEND)
    client.post("/api/contacts", data={"phone_number": "+393331234567"}, headers={"Authorization": "Bearer YOUR_API_KEY"})
    client.post("/api/method/quickflow.sms.send", json={"api_secret": "your_api_secret", "message": "x"}, headers={"Authorization": "token your_api_key:your_api_secret", "Content-Type": "application/json"})
    shown = b"".join(client.get(path).data for path in ("/__smsmock/api/journal", "/__smsmock/api/state", "/__smsmock/api/outbox", "/__smsmock/api/journal/1"))
    for secret in SECRETS:
        assert secret.encode() not in shown, secret
    journal = client.get("/__smsmock/api/journal").get_json()["entries"]
    assert journal[0]["headers"]["authorization"] == "token your••••"
    assert ["app_secret", "YOUR••••"] in journal[1]["query"]
    assert journal[2]["headers"]["authorization"] == "Bearer YOUR••••"
    assert '"api_secret": "your••••"' in journal[3]["body"]
    accounts = client.get("/__smsmock/api/state").get_json()["providers"]["quickcom"]["accounts"]
    assert {(a["app_key"], a["app_secret"]) for a in accounts} >= {("YOUR••••", "YOUR••••")}
    # the tests and the plugin in this process still read what came
    assert get_mock(app).journal.entries()[0]["headers"]["authorization"] == "token your_api_key:your_api_secret"
