"""Bounded memory: the journal and the outbox stay at their caps, the providers forget what the outbox drops,
and a long stream of requests does not grow the heap (bench/memory.py runs 200,000 of them)."""
from __future__ import annotations

import gc
import sys
import tracemalloc
from pathlib import Path

import pytest

from smsmock.app import create_app, get_mock
from smsmock.providers.base import RateLimit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ is a folder of scripts, not installed
from bench.workload import Driver  # noqa: E402

QF = {"Authorization": "token your_api_key:your_api_secret"}
QC = {"app_key": "YOUR_KEY", "app_secret": "YOUR_SECRET", "dlt_template_id": "1507162019748109480",
      "route_type": "1", "v1": "4821", "v2": "5"}
UNLIMITED = {name: RateLimit(None, 60) for name in ("quickflow", "quickcom", "smsflow")}


def test_the_providers_forget_the_messages_the_outbox_drops() -> None:
    app = create_app(strict=True, outbox_cap=5)
    client, mock = app.test_client(), get_mock(app)
    uids = []
    for n in range(8):
        answer = client.post("/api/method/quickflow.sms.send", headers=QF,
                             json={"recipient": f"25470000{n:04d}", "sender_id": "YOUR_SENDER_ID", "message": "Hi"})
        uids.append(answer.json["message"]["data"]["messages"][0]["uid"])
    # The outbox keeps the newest five; sms.get no longer finds the three before them, as for any unknown uid.
    assert [m.id for m in mock.env.outbox] == uids[3:]
    for uid in uids[:3]:
        assert client.get("/api/method/quickflow.sms.get", headers=QF, query_string={"uid": uid}).status_code == 404
    for uid in uids[3:]:
        assert client.get("/api/method/quickflow.sms.get", headers=QF, query_string={"uid": uid}).status_code == 200
    listed = client.get("/api/method/quickflow.sms.list_all", headers=QF).json["message"]["data"]
    assert [m["uid"] for m in listed] == uids[:2:-1]

    # QuickCom: two numbers a campaign; a campaign leaves campaign-list with its last message.
    sent = []
    for n in range(3):
        answer = client.get("/api/v1/send-message", query_string={**QC, "mobile_numbers": f"98765432{n}0,98765432{n}1"})
        assert answer.status_code == 200
        sent.append(answer.json["data"]["uuid"])
    # Outbox now: QuickFlow's last two, then campaigns 1, 2 and 3 (two each): campaign 1 has one message left.
    campaigns = client.get("/api/v1/campaign-list", query_string=QC).json["data"]
    listed = [c["id"] for c in campaigns["data"]]
    assert campaigns["total"] == 3 and listed == sorted(listed, reverse=True)  # newest first
    sent.append(client.get("/api/v1/send-message", query_string={**QC, "mobile_numbers": "9876543290"}).json["data"]["uuid"])
    campaigns = client.get("/api/v1/campaign-list", query_string=QC).json["data"]
    assert campaigns["total"] == 3  # campaign 1 is gone, campaign 4 came
    assert [c["id"] for c in campaigns["data"]] == [listed[0] + 1, *listed[:2]]
    held = [c["uuid"] for a in mock.providers["quickcom"].snapshot()["accounts"] for c in a["campaigns"]]
    assert held == sent[1:]
    assert {m.provider for m in mock.env.outbox} == {"quickcom"}
    assert mock.providers["quickflow"]._sms == {}


def test_a_quickflow_campaign_is_forgotten_with_its_last_message() -> None:
    app = create_app(strict=True, outbox_cap=3)
    client, mock = app.test_client(), get_mock(app)
    sent = client.post("/api/method/quickflow.sms.campaign", headers=QF,
                       json={"sender_id": "YOUR_SENDER_ID", "contact_list_id": "GRP-0001", "message": "Hi"})
    assert sent.status_code == 200
    assert len(mock.providers["quickflow"].snapshot()["campaigns"]) == 1
    for n in range(3):  # the group's two contacts had two messages: three more push both out
        client.post("/api/method/quickflow.sms.send", headers=QF,
                    json={"recipient": f"25470000{n:04d}", "sender_id": "YOUR_SENDER_ID", "message": "Hi"})
    assert mock.providers["quickflow"].snapshot()["campaigns"] == []


@pytest.mark.parametrize("journal_cap, outbox_cap", [(50, 60)])
def test_a_long_run_stays_at_the_caps_and_does_not_grow_the_heap(journal_cap: int, outbox_cap: int) -> None:
    """1,950 mixed requests: caps filled by the first 650, then two traced windows of 650 that must match."""
    app = create_app(strict=True, journal_cap=journal_cap, outbox_cap=outbox_cap, limits=UNLIMITED)
    mock, driver = get_mock(app), Driver(app)
    driver.run(650)
    assert len(mock.journal.entries()) == journal_cap and len(mock.env.outbox) == outbox_cap

    tracemalloc.start()
    try:
        driver.run(650)  # the journal and the outbox are now wholly made of traced allocations
        gc.collect()
        first = tracemalloc.get_traced_memory()[0]
        driver.run(650)
        gc.collect()
        second = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert not driver.unexpected, driver.unexpected
    assert driver.sent >= 1_950
    assert len(mock.journal.entries()) == journal_cap
    assert mock.journal.total == driver.sent
    assert len(mock.env.outbox) == outbox_cap
    assert len(mock.providers["quickflow"]._sms) <= outbox_cap
    assert sum(len(a.campaigns) for a in mock.providers["quickcom"].accounts.values()) <= outbox_cap
    # A leak of 100 bytes a request would add 65 KB in the second window; the margin is wide for noise.
    assert second - first < 64 * 1024, f"the heap grew by {(second - first) // 1024} KB in 650 requests"
