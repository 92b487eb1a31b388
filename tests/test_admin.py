"""The control and inspection API under /__smsmock/api."""
from __future__ import annotations

import json

from conftest import Api

QUICKCOM = "app_key=YOUR_KEY&app_secret=YOUR_SECRET"
SEND = f"/api/v1/send-message?{QUICKCOM}&dlt_template_id=1507162019748109480&route_type=1&v1=4821&v2=10"
QUICKFLOW = {"Authorization": "token your_api_key:your_api_secret"}


def test_index_lists_providers_and_endpoints(api: Api) -> None:
    body = api.get("/__smsmock/api").json
    assert body["providers"] == {"quickflow": "/api/method/", "quickcom": "/api/v1/", "smsflow": "/api/"}
    assert "POST /__smsmock/api/reset" in body["endpoints"]


def test_state_shows_the_seed_and_the_clock(api: Api) -> None:
    state = api.get("/__smsmock/api/state").json
    assert state["clock"] == {"now": "2026-01-15T09:30:00+00:00", "frozen": True}
    assert set(state["providers"]) == {"quickflow", "quickcom", "smsflow"}
    assert state["outbox"] == 0


def test_outbox_journal_clock_and_deliver(api: Api) -> None:
    sent = api.get(f"{SEND}&mobile_numbers=9876543210,9000000666")
    assert sent.status == 200
    outbox = api.get("/__smsmock/api/outbox", params={"provider": "quickcom"}).json
    assert outbox["total"] == 2
    first = outbox["messages"][-1]
    assert first["recipient"] == "919876543210"
    assert first["text"] == "Your OTP is 4821. Valid for 10 minutes."
    assert (first["encoding"], first["segments"], first["credits"], first["status"]) == ("GSM-7", 1, 1, "queued")
    assert api.get(f"/__smsmock/api/outbox/{first['id']}").json["id"] == first["id"]
    assert api.get("/__smsmock/api/outbox/nope").status == 404

    by_recipient = api.get("/__smsmock/api/outbox", params={"recipient": "+91 98765 43210"}).json
    assert [m["id"] for m in by_recipient["messages"]] == [first["id"]]
    assert api.get("/__smsmock/api/outbox", params={"text": "otp is 4821"}).json["total"] == 2

    clock = api.post("/__smsmock/api/clock", json={"advance": 10}).json
    assert clock["now"] == "2026-01-15T09:30:10+00:00"
    statuses = {m["recipient"]: m["status"] for m in api.get("/__smsmock/api/outbox").json["messages"]}
    assert statuses == {"919876543210": "delivered", "919000000666": "failed"}

    journal = api.get("/__smsmock/api/journal", params={"provider": "quickcom"}).json
    assert [e["operation"] for e in journal["entries"]] == ["send_message"]
    assert journal["entries"][0]["status"] == 200


def test_deliver_now_settles_pending_messages(api: Api) -> None:
    api.get(f"{SEND}&mobile_numbers=9876543210")
    assert api.post("/__smsmock/api/deliver", json={}).json == {"settled": 1}
    assert api.get("/__smsmock/api/outbox").json["messages"][0]["status"] == "delivered"
    assert api.post("/__smsmock/api/deliver", json={"ids": "x"}).status == 400


def test_reset_forgets_everything_and_seed_adds_accounts(api: Api) -> None:
    api.get(f"{SEND}&mobile_numbers=9876543210")
    seed = "smsflow:\n  accounts:\n    - api_key: SECOND\n      user_id: 2\n"
    loaded = api.post("/__smsmock/api/seed", data=seed, headers={"Content-Type": "application/yaml"})
    assert loaded.status == 200
    assert api.get("/api/contacts/", headers={"Authorization": "Bearer SECOND"}).json["meta"]["total"] == 0
    assert api.post("/__smsmock/api/reset", json={}).json["reset"] is True
    assert api.get("/__smsmock/api/state").json["outbox"] == 0
    assert api.get("/api/contacts/", headers={"Authorization": "Bearer SECOND"}).status == 401


def test_bad_admin_input_is_a_clear_400(api: Api) -> None:
    assert api.post("/__smsmock/api/clock", json={"advance": -1}).status == 400
    assert api.post("/__smsmock/api/seed", data="- a list", headers={"Content-Type": "application/yaml"}).status == 400
    answer = api.post("/__smsmock/api/seed", json={"nobody": {}})
    assert answer.status == 400 and "unknown providers" in answer.json["error"]
    answer = api.post("/__smsmock/api/faults", json={"operation": "check_balance", "status": 500})
    assert answer.status == 400 and "documents no 500 response" in answer.json["error"]
    assert api.post("/__smsmock/api/faults", json={"colour": "red"}).status == 400
    assert api.post("/__smsmock/api/limits", json={"provider": "nobody"}).status == 400
    assert api.get("/__smsmock/api/journal", params={"since": "x"}).status == 400


def test_faults_and_limits_over_http(api: Api) -> None:
    created = api.post("/__smsmock/api/faults", json={"operation": "check_balance", "status": 429, "times": 1})
    assert created.status == 201
    assert api.get("/__smsmock/api/faults").json["faults"][0]["status"] == 429
    assert api.get(f"/api/v1/check-balance?{QUICKCOM}").status == 429
    assert api.get(f"/api/v1/check-balance?{QUICKCOM}").status == 200
    api.post("/__smsmock/api/faults", json={"operation": "check_balance", "status": 429, "times": None})
    assert api.delete("/__smsmock/api/faults").json == {"faults": []}

    assert api.post("/__smsmock/api/limits", json={"provider": "smsflow", "limit": 1, "window": 60}).status == 200
    bearer = {"Authorization": "Bearer YOUR_API_KEY"}
    assert api.get("/api/contacts/", headers=bearer).status == 200
    limited = api.get("/api/contacts/", headers=bearer)
    assert limited.status == 429
    assert json.loads(limited.text)["errors"][0]["title"] == "You reached the limit of requests in one minute, please wait."
