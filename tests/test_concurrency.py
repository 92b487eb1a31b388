"""Concurrency, isolation and capped state, against the live server (waitress, a real socket).

32 threads create contacts and send messages at once, through two credential sets per provider: the final
counts are exact, every id is unique, and every credit is accounted for (each send saw its own balance, so
none was lost to a race). The second credential set sees none of the first's records: not found, never
forbidden. The journal and the outbox stay at their caps however many requests come.
"""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Callable, Iterator

import pytest
import requests
from flask import Flask

from smsmock.app import create_app, get_mock
from smsmock.engine import Mock
from smsmock.providers.base import RateLimit
from smsmock.pytest_plugin.server import LiveServer

THREADS = 32
ROUNDS = 5  # per thread: one group, then this many QuickFlow contacts and sends, QuickCom sends, SMSFlow contacts
QF, QC, SF = "/api/method", "/api/v1", "/api"
OTP = "1507162019748109480"  # the default seed's QuickCom template
SECOND_OTP = "1507162019748109999"
FIRST_BALANCES = {"quickflow": 100_000, "quickcom": 114_830}
SECOND_BALANCES = {"quickflow": 5_000, "quickcom": 7_000}

# A second account per provider. Its QuickFlow account holds a sender ID of the same name as the first's,
# so that isolation cannot rest on sender IDs alone.
SECOND_SEED: dict[str, Any] = {
    "quickflow": {
        "accounts": [
            {"api_key": "second_key", "api_secret": "second_secret", "sender_ids": {"YOUR_SENDER_ID": 5_000}}
        ]
    },
    "quickcom": {
        "accounts": [
            {
                "app_key": "SECOND_KEY",
                "app_secret": "SECOND_SECRET",
                "profile": {"user_number": 17, "name": "Jane Roe", "email": "jane@example.com", "mobile": "9876500000"},
                "transaction_balance": 7_000,
                "promotional_balance": 0,
                "sender_ids": ["SECOND"],
                "templates": [
                    {
                        "template_name": "OTP",
                        "sender_id": "SECOND",
                        "entity_id": "1234567890123456789",
                        "dlt_header_id": "1234567890123456789",
                        "is_for_unicode": 0,
                        "dlt_message_template": "Your code is {#var#}. Valid for {#var#} minutes.",
                        "dlt_template_id": SECOND_OTP,
                        "status": 1,
                    }
                ],
            }
        ]
    },
    "smsflow": {"accounts": [{"api_key": "SECOND_API_KEY", "user_id": 2}]},
}


class Account:
    """One credential set on each provider, and the requests it sends."""

    def __init__(self, base: str, qf_token: str, qc_key: str, qc_secret: str, qc_template: str, sf_key: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.qf = {"Authorization": f"token {qf_token}"}
        self.qc = {"app_key": qc_key, "app_secret": qc_secret}
        self.qc_template = qc_template
        self.sf = {"Authorization": f"Bearer {sf_key}"}

    def quickflow(self, method: str, verb: str = "POST", **args: Any) -> requests.Response:
        if verb == "GET":
            return self.session.get(f"{self.base}{QF}/{method}", headers=self.qf, params=args, timeout=30)
        return self.session.post(f"{self.base}{QF}/{method}", headers=self.qf, json=args, timeout=30)

    def quickcom(self, operation: str, **params: str) -> requests.Response:
        return self.session.get(f"{self.base}{QC}/{operation}", params={**self.qc, **params}, timeout=30)

    def send_message(self, numbers: str, template: str | None = None) -> requests.Response:
        return self.quickcom(
            "send-message",
            dlt_template_id=template or self.qc_template,
            mobile_numbers=numbers,
            route_type="1",
            v1="4821",
            v2="5",
        )

    def smsflow(self, verb: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(verb, f"{self.base}{SF}{path}", headers=self.sf, timeout=30, **kwargs)


def first(base: str) -> Account:
    return Account(base, "your_api_key:your_api_secret", "YOUR_KEY", "YOUR_SECRET", OTP, "YOUR_API_KEY")


def second(base: str) -> Account:
    return Account(base, "second_key:second_secret", "SECOND_KEY", "SECOND_SECRET", SECOND_OTP, "SECOND_API_KEY")


@pytest.fixture(scope="module")
def app() -> Flask:
    """A strict app of its own: no rate limits (32 threads would meet SMSFlow's 60 a minute at once)."""
    unlimited = {name: RateLimit(None, 60) for name in ("quickflow", "quickcom", "smsflow")}
    return create_app(strict=True, limits=unlimited)


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def mock(app: Flask, server: LiveServer) -> Iterator[Mock]:
    """The mock, reset to the default seed plus the second accounts (added through the admin API)."""
    found = get_mock(app)
    found.reset()
    answer = requests.post(f"{server.url}/__smsmock/api/seed", json=SECOND_SEED, timeout=10)
    assert answer.status_code == 200, answer.text
    yield found
    entries = found.journal.entries()
    assert not [e for e in entries if e.get("response_problems")], "answers outside the spec"
    assert not [e for e in entries if e.get("status", 0) >= 500], "server errors"


def run_at_once(work: list[Callable[[], None]]) -> list[BaseException]:
    """Run each callable in its own thread, all released together; the exceptions they raised."""
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        barrier.wait(timeout=30)
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker thread did not finish"
    return errors


def ok(answer: requests.Response, status: int = 200) -> Any:
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.status_code} {answer.text}"
    return answer.json() if answer.content else None


# ---------------------------------------------------------------------------------------------------------
# 32 threads at once
# ---------------------------------------------------------------------------------------------------------


def test_32_threads_creating_and_sending_at_once_lose_nothing(mock: Mock, server: LiveServer) -> None:
    results: dict[str, list[Any]] = {key: [] for key in ("groups", "contacts", "sms", "qf_balance", "campaigns", "qc_credits", "sf")}
    lock = threading.Lock()

    def worker(index: int) -> Callable[[], None]:
        account = (first if index % 2 == 0 else second)(server.url)
        owner = index % 2

        def job() -> None:
            group = ok(account.quickflow("quickflow.contact.store_group", sender_id="YOUR_SENDER_ID", name=f"T{index}"))
            group_id = group["message"]["data"]["group_id"]
            found: dict[str, list[Any]] = {key: [] for key in results}
            found["groups"].append((owner, group_id))
            for n in range(ROUNDS):
                phone = f"2547{index:04d}{n:04d}"
                contact = ok(account.quickflow(
                    "quickflow.contact.store_contact", sender_id="YOUR_SENDER_ID", group_id=group_id, phone=phone
                ))
                found["contacts"].append((owner, group_id, contact["message"]["data"]["uid"]))
                sent = ok(account.quickflow(
                    "quickflow.sms.send", recipient=phone, sender_id="YOUR_SENDER_ID", message=f"Hi {index}/{n}"
                ))["message"]["data"]
                found["sms"] += [(owner, m["uid"]) for m in sent["messages"]]
                found["qf_balance"].append((owner, sent["balance"]))
                campaign = ok(account.send_message(f"98765{index:03d}{n:02d},87654{index:03d}{n:02d}"))["data"]
                found["campaigns"].append((owner, campaign["uuid"]))
                found["qc_credits"].append((owner, campaign["total_credit_deduct"]))
                created = ok(account.smsflow("POST", "/contacts", data={"phone_number": f"+4477009{index:03d}{n:02d}"}), 201)
                found["sf"].append((owner, created["data"]["id"]))
            with lock:
                for key, values in found.items():
                    results[key] += values

        return job

    journal_before = mock.journal.total
    errors = run_at_once([worker(i) for i in range(THREADS)])
    assert not errors, errors[:3]
    # The server saw every request once, and every message reached the outbox (1 QuickFlow + 2 QuickCom a round).
    assert mock.journal.total - journal_before == THREADS * (1 + 4 * ROUNDS)
    assert len(mock.env.outbox) == THREADS * ROUNDS * (1 + 2)

    per_owner = THREADS // 2 * ROUNDS
    # Unique ids, and the exact number of each.
    for key in ("groups", "contacts", "sms", "campaigns", "sf"):
        ids = [value[-1] for value in results[key]]
        assert len(ids) == len(set(ids)), f"duplicate {key} ids"
    assert Counter(owner for owner, _ in results["groups"]) == {0: THREADS // 2, 1: THREADS // 2}
    assert len(results["contacts"]) == len(results["sms"]) == len(results["sf"]) == THREADS * ROUNDS

    # Every credit accounted for: each send saw a balance of its own, one credit apart, down to the final one.
    for owner, start in ((0, FIRST_BALANCES["quickflow"]), (1, SECOND_BALANCES["quickflow"])):
        seen = sorted(balance for who, balance in results["qf_balance"] if who == owner)
        assert seen == list(range(start - per_owner, start)), "a QuickFlow send saw another's balance (lost update)"
    accounts = (first(server.url), second(server.url))
    for owner, account in enumerate(accounts):
        starts = FIRST_BALANCES if owner == 0 else SECOND_BALANCES
        balance = ok(account.quickflow("quickflow.sms.balance", "GET", sender_id="YOUR_SENDER_ID"))["message"]["data"]
        assert balance["balance"] == starts["quickflow"] - per_owner
        spent = sum(credits for who, credits in results["qc_credits"] if who == owner)
        assert spent == 2 * per_owner
        status = ok(account.quickcom("check-balance"))["data"]
        assert status["transaction_balance"] == starts["quickcom"] - spent

        # Exact counts, each account its own.
        groups = ok(account.quickflow("quickflow.contact.all_groups", "GET", sender_id="YOUR_SENDER_ID"))["message"]["data"]
        mine = {g for who, g in results["groups"] if who == owner}
        assert {g["group_id"] for g in groups} == mine | ({"GRP-0001"} if owner == 0 else set())
        assert all(g["contacts_count"] == ROUNDS for g in groups if g["group_id"] in mine)
        listed = ok(account.quickflow("quickflow.sms.list_all", "GET"))["message"]["data"]
        assert sorted(m["uid"] for m in listed) == sorted(uid for who, uid in results["sms"] if who == owner)
        campaigns = ok(account.quickcom("campaign-list", per_page_record="100"))["data"]
        assert campaigns["total"] == per_owner
        contacts = ok(account.smsflow("GET", "/contacts/", params={"results_per_page": "100"}))
        seeded = 1 if owner == 0 else 0
        assert contacts["meta"]["total"] == per_owner + seeded
        assert {c["id"] for c in contacts["data"]} >= {i for who, i in results["sf"] if who == owner}


# ---------------------------------------------------------------------------------------------------------
# Two credential sets
# ---------------------------------------------------------------------------------------------------------


def not_found(answer: requests.Response) -> None:
    """Another account's record is simply not there: 404, never 401 or 403 (existence does not leak)."""
    assert answer.status_code == 404, f"{answer.request.method} {answer.request.url}: {answer.status_code} {answer.text}"


def test_the_second_credentials_see_nothing_of_the_first(mock: Mock, server: LiveServer) -> None:
    one, two = first(server.url), second(server.url)
    group = ok(one.quickflow("quickflow.contact.store_group", sender_id="YOUR_SENDER_ID", name="Mine"))["message"]["data"]
    contact = ok(one.quickflow(
        "quickflow.contact.store_contact", sender_id="YOUR_SENDER_ID", group_id=group["group_id"], phone="254700000123"
    ))["message"]["data"]
    sms = ok(one.quickflow("quickflow.sms.send", recipient="254700000123", sender_id="YOUR_SENDER_ID", message="Hi"))
    uid = sms["message"]["data"]["messages"][0]["uid"]
    ok(one.send_message("9876543210"))
    sf_contact = ok(one.smsflow("POST", "/contacts", data={"phone_number": "+447700900123", "name": "Mine"}), 201)["data"]["id"]
    before = mock.snapshot()

    # QuickFlow: the same sender ID name, but none of the first's groups, contacts, messages or balance.
    ids = {"sender_id": "YOUR_SENDER_ID", "group_id": group["group_id"]}
    not_found(two.quickflow("quickflow.contact.show_group", "GET", **ids))
    not_found(two.quickflow("quickflow.contact.update_group", **ids, name="Taken"))
    not_found(two.quickflow("quickflow.contact.delete_group", **ids))
    not_found(two.quickflow("quickflow.contact.all_contacts", "GET", **ids))
    not_found(two.quickflow("quickflow.contact.search_contact", "GET", **ids, uid=contact["uid"]))
    not_found(two.quickflow("quickflow.contact.update_contact", **ids, uid=contact["uid"], first_name="X"))
    not_found(two.quickflow("quickflow.contact.delete_contact", **ids, uid=contact["uid"]))
    not_found(two.quickflow("quickflow.contact.store_contact", **ids, phone="254700000124"))
    not_found(two.quickflow("quickflow.sms.campaign", sender_id="YOUR_SENDER_ID", contact_list_id=group["group_id"], message="Hi"))
    not_found(two.quickflow("quickflow.sms.get", "GET", uid=uid))
    assert ok(two.quickflow("quickflow.sms.list_all", "GET"))["message"]["data"] == []
    assert ok(two.quickflow("quickflow.contact.all_groups", "GET", sender_id="YOUR_SENDER_ID"))["message"]["data"] == []
    balance = ok(two.quickflow("quickflow.sms.balance", "GET", sender_id="YOUR_SENDER_ID"))["message"]["data"]
    assert balance == {"sender_id": "YOUR_SENDER_ID", "balance": SECOND_BALANCES["quickflow"]}

    # QuickCom: its own balances and campaigns; the first's template is not there for it.
    status = ok(two.quickcom("check-balance"))["data"]
    assert (status["transaction_balance"], status["name"]) == (SECOND_BALANCES["quickcom"], "Jane Roe")
    assert ok(two.quickcom("campaign-list"))["data"]["total"] == 0
    assert [t["dlt_template_id"] for t in ok(two.quickcom("templates"))["data"]] == [SECOND_OTP]
    refused = two.send_message("9876543210", template=OTP)
    not_found(refused)
    assert refused.json()["error_code"] == "TEMPLATE_NOT_FOUND"

    # SMSFlow: the first's contact id is not there for the second key, whatever the verb.
    for verb, kwargs in (("GET", {}), ("POST", {"data": {"name": "Taken"}}), ("DELETE", {})):
        not_found(two.smsflow(verb, f"/contacts/{sf_contact}", **kwargs))
    listed = ok(two.smsflow("GET", "/contacts/"))
    assert (listed["data"], listed["meta"]["total"]) == ([], 0)

    # Nothing the second account tried changed the first's records.
    assert mock.snapshot()["providers"] == before["providers"]
    assert ok(one.smsflow("GET", f"/contacts/{sf_contact}"))["data"]["name"] == "Mine"
    assert ok(one.quickflow("quickflow.contact.show_group", "GET", **ids))["message"]["data"]["contacts_count"] == 1


# ---------------------------------------------------------------------------------------------------------
# Capped journal and outbox
# ---------------------------------------------------------------------------------------------------------


def test_the_journal_and_the_outbox_stay_at_their_caps() -> None:
    app = create_app(strict=True, journal_cap=50, outbox_cap=40)
    mock = get_mock(app)
    with LiveServer(app) as live:
        account = first(live.url)

        def sender(index: int) -> Callable[[], None]:
            def job() -> None:
                session = first(live.url)
                for n in range(10):
                    if n % 2:
                        ok(session.send_message(f"98765{index:03d}{n:02d},87654{index:03d}{n:02d}"))
                    else:
                        ok(session.quickflow("quickflow.sms.send", recipient="254700000001", sender_id="YOUR_SENDER_ID", message="Hi"))

            return job

        assert not run_at_once([sender(i) for i in range(8)])
        requests_sent, messages_sent = 8 * 10, 8 * (5 + 5 * 2)
        assert mock.journal.total == requests_sent
        entries = mock.journal.entries()
        assert [e["seq"] for e in entries] == list(range(requests_sent - 49, requests_sent + 1))
        assert len(mock.env.outbox) == 40 and mock.env.outbox.dropped == messages_sent - 40

        # The admin API shows the same: the newest 50 requests, the newest 40 messages.
        journal = account.session.get(f"{live.url}/__smsmock/api/journal", timeout=10).json()
        assert (journal["total"], len(journal["entries"])) == (requests_sent, 50)
        outbox = account.session.get(f"{live.url}/__smsmock/api/outbox", timeout=10).json()
        assert outbox["total"] == 40
        state = account.session.get(f"{live.url}/__smsmock/api/state", timeout=10).json()
        assert state["outbox"] == 40
