"""The outbox queries behind the page and the fixtures: search, long-poll wait, latest code, events."""
from __future__ import annotations

import threading
import time
from typing import Callable

import pytest
from conftest import Api

from smsmock.app import create_app
from smsmock.extension import feed_for
from smsmock.feed import Feed, NoMessage

QUICKCOM = "app_key=YOUR_KEY&app_secret=YOUR_SECRET&dlt_template_id=1507162019748109480&route_type=1"
QUICKFLOW = {"Authorization": "token your_api_key:your_api_secret"}
WAIT = "/__smsmock/api/outbox/wait"


def otp(api: Api, number: str, code: str) -> None:
    """Send a QuickCom one-time code (template: 'Your OTP is {code}. Valid for 10 minutes.')."""
    answer = api.get(f"/api/v1/send-message?{QUICKCOM}&v1={code}&v2=10&mobile_numbers={number}")
    assert answer.status == 200, answer.text


def text(api: Api, number: str, message: str) -> None:
    """Send a QuickFlow text."""
    body = {"recipient": number, "sender_id": "YOUR_SENDER_ID", "message": message}
    answer = api.post("/api/method/quickflow.sms.send", headers=QUICKFLOW, json=body)
    assert answer.status == 200, answer.text


def later(action: Callable[[], None], delay: float = 0.3) -> threading.Thread:
    """Run ``action`` in another thread after ``delay`` seconds."""

    def run() -> None:
        time.sleep(delay)
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


# -- search -------------------------------------------------------------------------------------------


def test_search_filters_limit_and_since(api: Api) -> None:
    text(api, "0700000001", "Hello Amina")
    otp(api, "9876543210", "4821")
    otp(api, "8876543210", "5555")  # the same last nine digits as 9876543210
    everything = api.get("/__smsmock/api/outbox").json
    assert [m["text"][:16] for m in everything["messages"]] == ["Your OTP is 5555", "Your OTP is 4821", "Hello Amina"]

    assert api.get("/__smsmock/api/outbox", params={"provider": "quickflow"}).json["total"] == 1
    assert api.get("/__smsmock/api/outbox", params={"provider": ""}).json["total"] == 3  # empty: no filter
    for form in ("9876543210", "+91 98765 43210", "09876543210", "0091-9876543210"):
        found = api.get("/__smsmock/api/outbox", params={"recipient": form}).json["messages"]
        assert [m["recipient"] for m in found] == ["919876543210"], form
    assert api.get("/__smsmock/api/outbox", params={"text": "AMINA"}).json["total"] == 1

    limited = api.get("/__smsmock/api/outbox", params={"limit": 1}).json
    assert limited["total"] == 3 and len(limited["messages"]) == 1
    newest_seq = everything["messages"][0]["journal_seq"]
    assert api.get("/__smsmock/api/outbox", params={"since": newest_seq - 1}).json["total"] == 1
    assert api.get("/__smsmock/api/outbox", params={"limit": "x"}).status == 400


def test_each_message_points_at_the_request_that_sent_it(api: Api) -> None:
    api.get("/api/v1/check-balance?app_key=YOUR_KEY&app_secret=YOUR_SECRET")
    otp(api, "9876543210,8765432109", "4821")
    messages = api.get("/__smsmock/api/outbox").json["messages"]
    assert {m["journal_seq"] for m in messages} == {2}  # one request, two messages
    entry = api.get("/__smsmock/api/journal/2").json
    assert (entry["operation"], entry["status"]) == ("send_message", 200)
    assert ["v1", "4821"] in entry["query"]
    missing = api.get("/__smsmock/api/journal/99")
    assert missing.status == 404 and "no journal entry 99" in missing.json["error"]


# -- wait ---------------------------------------------------------------------------------------------


def test_wait_answers_at_once_when_a_message_matches(api: Api) -> None:
    otp(api, "9876543210", "4821")
    started = time.monotonic()
    found = api.get(WAIT, params={"recipient": "+91 98765 43210", "text": "4821", "timeout": 5})
    assert found.status == 200 and found.json["text"].startswith("Your OTP is 4821")
    assert time.monotonic() - started < 2


def test_wait_says_what_was_sent_when_nothing_matches(api: Api) -> None:
    otp(api, "9876543210", "4821")
    at_once = api.get(WAIT, params={"recipient": "7876543210", "timeout": 0})
    assert at_once.status == 404
    assert at_once.json["error"].startswith("no message to 7876543210 within 0 s; last sent: quickcom to 919876543210: 'Your OTP is 4821.")

    started = time.monotonic()
    timed_out = api.get(WAIT, params={"provider": "quickflow", "text": "hello", "timeout": 0.3})
    assert timed_out.status == 408
    assert time.monotonic() - started >= 0.3
    assert "no message containing 'hello' from quickflow within 0.3 s" in timed_out.json["error"]


def test_wait_returns_as_soon_as_another_client_sends(api: Api) -> None:
    sender = later(lambda: text(api, "254700000001", "Your code is 9090"))
    started = time.monotonic()
    try:
        found = api.get(WAIT, params={"recipient": "0700000001", "timeout": 10})
    finally:
        sender.join()
    assert found.status == 200 and found.json["text"] == "Your code is 9090"
    assert time.monotonic() - started < 5


def test_wait_since_ignores_older_messages(api: Api) -> None:
    otp(api, "9876543210", "1111")
    since = api.get("/__smsmock/api/state").json["journal"]
    assert api.get(WAIT, params={"recipient": "9876543210", "since": since, "timeout": 0}).status == 404
    sender = later(lambda: otp(api, "9876543210", "2222"), 0.2)
    try:
        found = api.get(WAIT, params={"recipient": "9876543210", "since": since, "timeout": 10}).json
    finally:
        sender.join()
    assert "2222" in found["text"]


def test_bad_wait_arguments_are_a_clear_400(api: Api) -> None:
    for params in ({"timeout": "soon"}, {"timeout": -1}, {"timeout": 61}, {"since": "x"}):
        answer = api.get(WAIT, params=params)
        assert answer.status == 400, params
    assert "between 0 and 60" in api.get(WAIT, params={"timeout": 61}).json["error"]


# -- latest code --------------------------------------------------------------------------------------


def test_latest_code_of_a_number(api: Api) -> None:
    otp(api, "9876543210", "111111")
    otp(api, "8876543210", "222222")
    found = api.get("/__smsmock/api/code", params={"recipient": "+91 98765 43210"}).json
    assert found["code"] == "111111" and found["message"]["recipient"] == "919876543210"
    assert api.get("/__smsmock/api/code", params={"recipient": "8876543210"}).json["code"] == "222222"

    assert api.get("/__smsmock/api/code").status == 400
    none = api.get("/__smsmock/api/code", params={"recipient": "7876543210"})
    assert none.status == 404 and none.json["error"].startswith("no message to 7876543210")
    text(api, "254700000001", "Welcome aboard!")
    no_code = api.get("/__smsmock/api/code", params={"recipient": "254700000001"})
    assert no_code.status == 404 and "no code in the latest message" in no_code.json["error"]


def test_the_readme_example_reads_a_code_back(api: Api) -> None:
    """README.md, "The outbox page": send a code through QuickFlow, read it back by number."""
    sent = api.post(
        "/api/method/quickflow.sms.send",
        headers={**QUICKFLOW, "Content-Type": "application/json"},
        data='{"recipient": "0712345678", "sender_id": "YOUR_SENDER_ID", "message": "Your code is 550142"}',
    )
    assert sent.status == 200, sent.text
    found = api.get("/__smsmock/api/code?recipient=254712345678&timeout=5").json
    assert found["code"] == "550142"
    assert {k: found["message"][k] for k in ("id", "provider", "recipient")} == {
        "id": "SMS-0001", "provider": "quickflow", "recipient": "254712345678"
    }


def test_latest_code_waits_for_the_message(api: Api) -> None:
    sender = later(lambda: otp(api, "9876543210", "654321"))
    try:
        found = api.get("/__smsmock/api/code", params={"recipient": "9876543210", "timeout": 10})
    finally:
        sender.join()
    assert found.status == 200 and found.json["code"] == "654321"
    assert api.get("/__smsmock/api/code", params={"recipient": "7000000000", "timeout": 0.2}).status == 408


# -- events -------------------------------------------------------------------------------------------


def test_events_long_poll_wakes_on_a_request_and_counts_resets(api: Api) -> None:
    first = api.get("/__smsmock/api/events").json  # no version: answers at once
    assert set(first) == {"version", "epoch", "journal", "outbox", "clock"}

    started = time.monotonic()
    idle = api.get("/__smsmock/api/events", params={"version": first["version"], "timeout": 0.3}).json
    assert idle["version"] == first["version"] and time.monotonic() - started >= 0.3

    sender = later(lambda: otp(api, "9876543210", "4821"), 0.2)
    try:
        woken = api.get("/__smsmock/api/events", params={"version": first["version"], "timeout": 10}).json
    finally:
        sender.join()
    assert woken["version"] > first["version"] and time.monotonic() - started < 5
    settled = api.get("/__smsmock/api/events", params={"version": first["version"], "timeout": 0}).json
    assert (settled["journal"], settled["outbox"]) == (1, 1)

    api.post("/__smsmock/api/reset", json={})
    after = api.get("/__smsmock/api/events", params={"version": woken["version"], "timeout": 0}).json
    assert after["epoch"] == woken["epoch"] + 1 and (after["journal"], after["outbox"]) == (0, 0)


def test_the_feed_sees_a_reset_made_without_the_admin_api() -> None:
    app = create_app()
    client, feed = app.test_client(), feed_for(app)
    client.get(f"/api/v1/send-message?{QUICKCOM}&v1=1&v2=1&mobile_numbers=9876543210")
    epoch = feed.epoch
    feed.mock.reset()  # what the pytest fixtures do between tests
    client.get(f"/api/v1/send-message?{QUICKCOM}&v1=2&v2=2&mobile_numbers=9876543210")
    assert feed.epoch == epoch + 1  # seen at the first request after it
    feed.mock.reset()
    client.get("/__smsmock/api/events?version=0&timeout=0")
    assert feed.epoch == epoch + 2  # or by the next long poll


# -- the feed itself ----------------------------------------------------------------------------------


def test_a_wait_sleeps_between_changes_instead_of_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    feed = feed_for(create_app())
    searches = 0
    search = Feed.search

    def counting(self: Feed, *args, **kwargs):
        nonlocal searches
        searches += 1
        return search(self, *args, **kwargs)

    monkeypatch.setattr(Feed, "search", counting)
    with pytest.raises(NoMessage):
        feed.wait(recipient="9876543210", timeout=0.5)
    assert searches <= 3  # the first look, the miss message, and at most one wake-up


def test_many_waiters_and_senders_at_once(live_server) -> None:
    """Waiters block on the feed while senders dispatch under the state lock: nobody deadlocks."""
    import requests

    feed = feed_for(live_server.app)
    feed.mock.reset()
    numbers = [f"98765432{i:02d}" for i in range(8)]
    results: dict[str, str] = {}

    def wait_for(number: str) -> None:
        results[number] = feed.wait(recipient=number, timeout=20)["text"]

    waiters = [threading.Thread(target=wait_for, args=(n,)) for n in numbers]
    for thread in waiters:
        thread.start()
    for number in numbers:
        url = f"{live_server.url}/api/v1/send-message?{QUICKCOM}&v1={number[-4:]}&v2=5&mobile_numbers={number}"
        assert requests.get(url, timeout=10).status_code == 200
    for thread in waiters:
        thread.join(timeout=20)
    assert {n: t.split(".")[0] for n, t in results.items()} == {n: f"Your OTP is {n[-4:]}" for n in numbers}
