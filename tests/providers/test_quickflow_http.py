"""QuickFlow over HTTP: whole flows and every error path, exact statuses, bodies and headers.

Each test runs twice (Flask test client and a real socket) against the strict app, fresh from the default
seed: account your_api_key / your_api_secret whose sender ID YOUR_SENDER_ID holds 100000 credits and one
group GRP-0001 ("Customers") with contacts CON-0001 and CON-0002; 254700000666 always fails delivery.
The clock is frozen at 2026-01-15 09:30:00 UTC until a test moves it.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from conftest import Answer, Api
from smsmock.state import DEFAULT_START, SENT_AFTER, SETTLED_AFTER

BASE = "/api/method"
SENDER = "YOUR_SENDER_ID"
KEY, SECRET = "your_api_key", "your_api_secret"
TOKEN = {"Authorization": f"token {KEY}:{SECRET}"}
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()}
NO_CACHE = "no-store,no-cache,must-revalidate,max-age=0"
FAILING = "254700000666"  # the seed's failing number
T0 = DEFAULT_START
# 161 GSM-7 characters, none from the extension table: two segments (153 + 8).
PROMO = (
    "Jambo! QuickFlow Mart weekend offer: 20% off fresh produce, bread and milk at all Nairobi and Mombasa "
    "stores, Friday to Sunday. Show this SMS at the till. Asante"
)
SEND_OK = {"recipient": "254700000000", "sender_id": SENDER, "message": "Hi"}


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    """A time as QuickFlow writes it (Frappe's ``YYYY-MM-DD HH:MM:SS``, UTC)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def get(api: Api, method: str, headers: dict[str, str] | None = None, **params: str) -> Answer:
    """GET a whitelisted method with query arguments; the demo account's token unless told."""
    return api.get(f"{BASE}/{method}", headers=TOKEN if headers is None else headers, params=params)


def post(api: Api, method: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Answer:
    """POST a whitelisted method with a JSON body; the demo account's token unless told."""
    return api.post(f"{BASE}/{method}", headers=TOKEN if headers is None else headers, json=body)


def assert_headers(answer: Answer) -> None:
    """The headers every QuickFlow answer carries."""
    assert answer.headers["Cache-Control"] == NO_CACHE
    assert answer.headers["Content-Type"] == "application/json"


def assert_ok(answer: Answer, message: str, data: Any) -> None:
    """The exact Frappe success answer: 200, ``{"message": {"status": "success", "message", "data"}}``.

    A balance also carries ``running_balance`` beside ``data``, equal to its balance.
    """
    beside = {"running_balance": data["balance"]} if message == "Balance retrieved" else {}
    body = {"message": {"status": "success", "message": message, "data": data, **beside}}
    assert (answer.status, answer.json) == (200, body)
    assert_headers(answer)


def frappe_error(exc_type: str, *texts: str) -> dict[str, Any]:
    """Frappe's error body: ``_server_messages`` is JSON of a list of JSON message objects."""
    body: dict[str, Any] = {"exc_type": exc_type}
    if texts:
        entries = [{"message": t, "title": "Message", "indicator": "red", "raise_exception": 1} for t in texts]
        body["_server_messages"] = json.dumps([json.dumps(entry) for entry in entries])
    return body


def assert_error(answer: Answer, status: int, body: dict[str, Any]) -> None:
    """The exact error answer: status, whole body and headers."""
    assert (answer.status, answer.json) == (status, body)
    assert_headers(answer)


def balance_of(api: Api, sender_id: str = SENDER, headers: dict[str, str] | None = None) -> float:
    """A sender ID's balance, read over HTTP."""
    answer = get(api, "quickflow.sms.balance", headers, sender_id=sender_id)
    assert answer.status == 200, answer.text
    return answer.json["message"]["data"]["balance"]


def group(group_id: str, name: str, contacts: int, created: datetime = T0) -> dict[str, Any]:
    """A ``Group`` record as the API shows it."""
    return {"group_id": group_id, "name": name, "sender_id": SENDER, "contacts_count": contacts,
            "created_at": stamp(created), "modified_at": stamp(created)}


def contact(uid: str, group_id: str, phone: str, first: str | None, last: str | None) -> dict[str, Any]:
    """A ``Contact`` record created (and last modified) at T0."""
    return {"uid": uid, "group_id": group_id, "phone": phone, "first_name": first, "last_name": last,
            "created_at": stamp(T0), "modified_at": stamp(T0)}


def sms(uid: str, recipient: str, text: str, status: str, *, encoding: str = "GSM-7", segments: int = 1,
        sent_at: datetime | None = None, delivered_at: datetime | None = None, campaign_id: str | None = None,
        schedule_time: str | None = None, created_at: datetime = T0) -> dict[str, Any]:
    """An ``Sms`` record as get_sms and list_sms show it."""
    return {
        "uid": uid, "sender_id": SENDER, "recipient": recipient, "message": text, "type": "plain",
        "dlt_template_id": None, "encoding": encoding, "segments": segments, "credits": segments,
        "status": status, "schedule_time": schedule_time, "created_at": stamp(created_at),
        "sent_at": stamp(sent_at) if sent_at else None,
        "delivered_at": stamp(delivered_at) if delivered_at else None, "campaign_id": campaign_id,
    }


def load_account(api: Api, key: str, secret: str, sender_id: str, balance: float) -> dict[str, str]:
    """Add an account with one sender ID to the mock; its token header."""
    api.mock.load({"quickflow": {"accounts": [{"api_key": key, "api_secret": secret,
                                               "sender_ids": {sender_id: balance}}]}})
    return {"Authorization": f"token {key}:{secret}"}


# ---------------------------------------------------------------------------------------------------------
# Scenario
# ---------------------------------------------------------------------------------------------------------


def test_campaign_flow_from_new_group_to_delivery_and_group_deletion(api: Api) -> None:
    """A group of 3 gets a 2-segment campaign: 6 credits charged, statuses follow the clock, group deleted last."""
    before = balance_of(api)
    assert before == 100000.0

    created = post(api, "quickflow.contact.store_group", {"sender_id": SENDER, "name": "Weekend Shoppers"})
    assert_ok(created, "Contact group created", group("GRP-0002", "Weekend Shoppers", 0))

    # Three contacts; the 07… form is stored as 254…; the last one is the seed's failing number.
    for uid, phone, stored, first, last in [
        ("CON-0003", "254722000111", "254722000111", "Achieng", "Otieno"),
        ("CON-0004", "0733000222", "254733000222", "Baraka", None),
        ("CON-0005", FAILING, FAILING, "Chebet", "Kiprop"),
    ]:
        body = {"sender_id": SENDER, "group_id": "GRP-0002", "phone": phone, "first_name": first}
        if last:
            body["last_name"] = last
        answer = post(api, "quickflow.contact.store_contact", body)
        assert_ok(answer, "Contact created", contact(uid, "GRP-0002", stored, first, last))
    assert_ok(get(api, "quickflow.contact.show_group", sender_id=SENDER, group_id="GRP-0002"),
              "Contact group retrieved", group("GRP-0002", "Weekend Shoppers", 3))

    assert len(PROMO) == 161
    sent = post(api, "quickflow.sms.campaign", {"contact_list_id": "GRP-0002", "sender_id": SENDER, "message": PROMO})
    assert_ok(sent, "Campaign queued for 3 recipients", {
        "campaign_id": "CMP-0001", "group_id": "GRP-0002", "total_recipients": 3, "encoding": "GSM-7",
        "segments": 2, "credits": 6, "balance": 99994.0, "status": "queued",
    })
    after = balance_of(api)
    assert (after, before - after) == (99994.0, 6)
    assert [(m.id, m.recipient, m.credits, m.fails) for m in api.mock.env.outbox] == [
        ("SMS-0001", "254722000111", 2, False),
        ("SMS-0002", "254733000222", 2, False),
        ("SMS-0003", FAILING, 2, True),
    ]

    recipients = {"SMS-0001": "254722000111", "SMS-0002": "254733000222", "SMS-0003": FAILING}

    def expect(uid: str, status: str, **times: datetime) -> dict[str, Any]:
        return sms(uid, recipients[uid], PROMO, status, segments=2, campaign_id="CMP-0001", **times)

    def status_of(uid: str) -> Answer:
        return get(api, "quickflow.sms.get", uid=uid)

    for uid in recipients:
        assert_ok(status_of(uid), "SMS retrieved", expect(uid, "queued"))

    api.mock.env.clock.advance(SENT_AFTER.total_seconds())
    for uid in recipients:
        assert_ok(status_of(uid), "SMS retrieved", expect(uid, "sent", sent_at=T0 + SENT_AFTER))

    api.mock.env.clock.advance((SETTLED_AFTER - SENT_AFTER).total_seconds() - 1)
    assert_ok(status_of("SMS-0001"), "SMS retrieved", expect("SMS-0001", "sent", sent_at=T0 + SENT_AFTER))

    api.mock.env.clock.advance(1)
    done = {
        "SMS-0001": expect("SMS-0001", "delivered", sent_at=T0 + SENT_AFTER, delivered_at=T0 + SETTLED_AFTER),
        "SMS-0002": expect("SMS-0002", "delivered", sent_at=T0 + SENT_AFTER, delivered_at=T0 + SETTLED_AFTER),
        "SMS-0003": expect("SMS-0003", "failed", sent_at=T0 + SENT_AFTER),
    }
    for uid, record in done.items():
        assert_ok(status_of(uid), "SMS retrieved", record)

    # Newest first: Frappe's ``creation desc`` (one campaign: last created first).
    assert_ok(get(api, "quickflow.sms.list_all"), "3 SMS found", [done["SMS-0003"], done["SMS-0002"], done["SMS-0001"]])

    refused = post(api, "quickflow.contact.delete_group", {"sender_id": SENDER, "group_id": "GRP-0002"})
    assert_error(refused, 417, frappe_error(
        "LinkExistsError", "Cannot delete or cancel because Contact Group GRP-0002 is linked with Contact CON-0003"))
    assert_ok(get(api, "quickflow.contact.show_group", sender_id=SENDER, group_id="GRP-0002"),
              "Contact group retrieved", group("GRP-0002", "Weekend Shoppers", 3))

    for uid in ("CON-0003", "CON-0004", "CON-0005"):
        body = {"sender_id": SENDER, "group_id": "GRP-0002", "uid": uid}
        deleted = post(api, "quickflow.contact.delete_contact", body)
        assert_ok(deleted, "Contact deleted", {"uid": uid})
    assert_ok(get(api, "quickflow.contact.all_contacts", sender_id=SENDER, group_id="GRP-0002"), "0 contacts found", [])

    deleted = post(api, "quickflow.contact.delete_group", {"sender_id": SENDER, "group_id": "GRP-0002"})
    assert_ok(deleted, "Contact group deleted", {"group_id": "GRP-0002"})
    assert_error(get(api, "quickflow.contact.show_group", sender_id=SENDER, group_id="GRP-0002"), 404,
                 frappe_error("DoesNotExistError", "Contact Group GRP-0002 not found"))
    assert_ok(get(api, "quickflow.contact.all_groups", sender_id=SENDER), "1 contact group found",
              [group("GRP-0001", "Customers", 2)])
    # The messages outlive their group.
    assert_ok(status_of("SMS-0001"), "SMS retrieved", done["SMS-0001"])
    assert balance_of(api) == 99994.0


# ---------------------------------------------------------------------------------------------------------
# Encodings and segments
# ---------------------------------------------------------------------------------------------------------

TWO = "254700000000,254711000000"


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        pytest.param("Karibu sokoni, Wanjirũ! Bei nafuu leo 🎉", "UCS-2", 1, id="ucs2-accent-and-emoji"),
        pytest.param("🎉" * 35, "UCS-2", 1, id="ucs2-70-units-of-emoji"),
        pytest.param("🎉" * 35 + "!", "UCS-2", 2, id="ucs2-71-units"),
        pytest.param("a" * 69 + "🎉", "UCS-2", 2, id="one-emoji-makes-71-chars-ucs2"),
        pytest.param("ũ" * 134, "UCS-2", 2, id="ucs2-2x67"),
        pytest.param("ũ" * 135, "UCS-2", 3, id="ucs2-2x67-plus-1"),
        pytest.param("{" * 80, "GSM-7", 1, id="gsm7-80-extension-chars-are-160"),
        pytest.param("{" * 81, "GSM-7", 2, id="gsm7-81-extension-chars-are-162"),
        pytest.param("a" * 159 + "€", "GSM-7", 2, id="gsm7-euro-tips-159-over"),
        pytest.param("Bei [KSh 100] ~ ^|\\ " + "a" * 128, "GSM-7", 1, id="gsm7-mixed-extension-160"),
        pytest.param("é" * 160, "GSM-7", 1, id="gsm7-basic-accent-160"),
    ],
)
def test_segments_and_credits_follow_the_encoding(api: Api, text: str, encoding: str, segments: int) -> None:
    """The encoding and segment count of a text (UCS-2 / extension table) set the credits: segments x recipients."""
    answer = post(api, "quickflow.sms.send", {"recipient": TWO, "sender_id": SENDER, "message": text})
    assert_ok(answer, "SMS queued for 2 recipients", {
        "messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "queued"},
                     {"uid": "SMS-0002", "recipient": "254711000000", "status": "queued"}],
        "total_recipients": 2, "encoding": encoding, "segments": segments, "credits": 2 * segments,
        "balance": 100000.0 - 2 * segments,
    })
    assert_ok(get(api, "quickflow.sms.get", uid="SMS-0002"), "SMS retrieved",
              sms("SMS-0002", "254711000000", text, "queued", encoding=encoding, segments=segments))


# ---------------------------------------------------------------------------------------------------------
# Scheduling
# ---------------------------------------------------------------------------------------------------------


def test_a_future_schedule_time_holds_the_message_until_the_clock_passes_it(api: Api) -> None:
    """schedule_time in the future: scheduled until then, then queued -> sent -> delivered from that time."""
    at = T0 + timedelta(minutes=30)
    answer = post(api, "quickflow.sms.send", {"recipient": "+254700000000", "sender_id": SENDER,
                                              "message": "Your order has shipped.", "schedule_time": stamp(at)})
    assert_ok(answer, "SMS scheduled for 1 recipient", {
        "messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "scheduled"}],
        "total_recipients": 1, "encoding": "GSM-7", "segments": 1, "credits": 1, "balance": 99999.0,
    })

    def expect(status: str, **times: datetime) -> dict[str, Any]:
        return sms("SMS-0001", "254700000000", "Your order has shipped.", status, schedule_time=stamp(at), **times)

    def status() -> Answer:
        return get(api, "quickflow.sms.get", uid="SMS-0001")

    assert_ok(status(), "SMS retrieved", expect("scheduled"))
    api.mock.env.clock.advance(30 * 60 - 1)
    assert_ok(status(), "SMS retrieved", expect("scheduled"))
    api.mock.env.clock.advance(1)
    assert_ok(status(), "SMS retrieved", expect("queued"))
    api.mock.env.clock.advance(SENT_AFTER.total_seconds())
    assert_ok(status(), "SMS retrieved", expect("sent", sent_at=at + SENT_AFTER))
    api.mock.env.clock.advance((SETTLED_AFTER - SENT_AFTER).total_seconds())
    assert_ok(status(), "SMS retrieved", expect("delivered", sent_at=at + SENT_AFTER, delivered_at=at + SETTLED_AFTER))


def test_a_campaign_with_a_future_schedule_time_is_scheduled(api: Api) -> None:
    """A campaign with schedule_time in the future answers status scheduled, and so do its messages."""
    at = stamp(T0 + timedelta(hours=2))
    answer = post(api, "quickflow.sms.campaign", {"contact_list_id": "GRP-0001", "sender_id": SENDER,
                                                  "message": "Store opens at 9am.", "schedule_time": at})
    assert_ok(answer, "Campaign scheduled for 2 recipients", {
        "campaign_id": "CMP-0001", "group_id": "GRP-0001", "total_recipients": 2, "encoding": "GSM-7",
        "segments": 1, "credits": 2, "balance": 99998.0, "status": "scheduled",
    })
    assert_ok(get(api, "quickflow.sms.list_all"), "2 SMS found", [
        sms("SMS-0002", "254711000002", "Store opens at 9am.", "scheduled", campaign_id="CMP-0001", schedule_time=at),
        sms("SMS-0001", "254700000001", "Store opens at 9am.", "scheduled", campaign_id="CMP-0001", schedule_time=at),
    ])


def test_a_past_schedule_time_sends_at_once(api: Api) -> None:
    """schedule_time in the past: queued now, the given time echoed as schedule_time."""
    past = stamp(T0 - timedelta(days=1))
    answer = post(api, "quickflow.sms.send", {"recipient": "254700000000", "sender_id": SENDER,
                                              "message": "Late", "schedule_time": past})
    assert_ok(answer, "SMS queued for 1 recipient", {
        "messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "queued"}],
        "total_recipients": 1, "encoding": "GSM-7", "segments": 1, "credits": 1, "balance": 99999.0,
    })
    assert_ok(get(api, "quickflow.sms.get", uid="SMS-0001"), "SMS retrieved",
              sms("SMS-0001", "254700000000", "Late", "queued", schedule_time=past))


# ---------------------------------------------------------------------------------------------------------
# Request forms: auth schemes, body encodings, trailing slash
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [TOKEN, BASIC, {"Authorization": f"Token {KEY}:{SECRET}"}],
                         ids=["token", "basic", "token-capitalised"])
def test_both_authorization_forms_work(api: Api, headers: dict[str, str]) -> None:
    """``token key:secret`` and ``Basic base64(key:secret)`` both authenticate the demo account."""
    answer = get(api, "quickflow.sms.balance", headers, sender_id=SENDER)
    assert_ok(answer, "Balance retrieved", {"sender_id": SENDER, "balance": 100000.0})
    assert api.last()["account"] == KEY
    sent = post(api, "quickflow.sms.send", SEND_OK, headers)
    assert_ok(sent, "SMS queued for 1 recipient", {
        "messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "queued"}],
        "total_recipients": 1, "encoding": "GSM-7", "segments": 1, "credits": 1, "balance": 99999.0,
    })


SEND_FIELDS = {"recipient": "254700000000, 0711000000", "sender_id": SENDER, "message": "Karibu 🎉", "type": "plain"}


@pytest.mark.parametrize("encoding", ["json", "urlencoded", "multipart"])
def test_json_urlencoded_and_multipart_bodies_all_work(api: Api, encoding: str) -> None:
    """The same Send SMS arguments as a JSON, urlencoded or multipart body give the same answer (UTF-8 kept)."""
    if encoding == "json":
        answer = api.post(f"{BASE}/quickflow.sms.send", headers=TOKEN, json=SEND_FIELDS)
        media = "application/json"
    elif encoding == "urlencoded":
        answer = api.post(f"{BASE}/quickflow.sms.send", headers=TOKEN, data=SEND_FIELDS)
        media = "application/x-www-form-urlencoded"
    else:
        answer = api.post(f"{BASE}/quickflow.sms.send", headers=TOKEN,
                          files={name: (None, value) for name, value in SEND_FIELDS.items()})
        media = "multipart/form-data"
    assert api.last()["content_type"] == media
    assert api.last()["violations"] == []
    assert_ok(answer, "SMS queued for 2 recipients", {
        "messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "queued"},
                     {"uid": "SMS-0002", "recipient": "254711000000", "status": "queued"}],
        "total_recipients": 2, "encoding": "UCS-2", "segments": 1, "credits": 2, "balance": 99998.0,
    })
    assert_ok(get(api, "quickflow.sms.get", uid="SMS-0001"), "SMS retrieved",
              sms("SMS-0001", "254700000000", "Karibu 🎉", "queued", encoding="UCS-2"))


def test_a_form_body_creates_and_updates_a_contact(api: Api) -> None:
    """Form fields are strings: an urlencoded create and a multipart update both reach the contact."""
    created = api.post(f"{BASE}/quickflow.contact.store_contact", headers=TOKEN,
                       data={"sender_id": SENDER, "group_id": "GRP-0001", "phone": "+254712345678",
                             "first_name": "Jane"})
    assert_ok(created, "Contact created", contact("CON-0003", "GRP-0001", "254712345678", "Jane", None))
    api.mock.env.clock.advance(60)
    updated = api.post(f"{BASE}/quickflow.contact.update_contact", headers=TOKEN,
                       files={"sender_id": (None, SENDER), "group_id": (None, "GRP-0001"), "uid": (None, "CON-0003"),
                              "last_name": (None, "Wanjiru")})
    assert_ok(updated, "Contact updated", {**contact("CON-0003", "GRP-0001", "254712345678", "Jane", "Wanjiru"),
                                           "modified_at": stamp(T0 + timedelta(minutes=1))})


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_a_trailing_slash_after_the_method_name_works(api: Api, verb: str) -> None:
    """``/api/method/<name>/`` reaches the same method as ``/api/method/<name>``."""
    if verb == "GET":
        answer = api.get(f"{BASE}/quickflow.contact.show_group/", headers=TOKEN,
                         params={"sender_id": SENDER, "group_id": "GRP-0001"})
        assert_ok(answer, "Contact group retrieved", group("GRP-0001", "Customers", 2))
        assert api.last()["operation"] == "get_group"
    else:
        answer = api.post(f"{BASE}/quickflow.contact.store_group/", headers=TOKEN,
                          json={"sender_id": SENDER, "name": "VIP"})
        assert_ok(answer, "Contact group created", group("GRP-0002", "VIP", 0))
        assert api.last()["operation"] == "create_group"


# ---------------------------------------------------------------------------------------------------------
# Error paths
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"token {KEY}:wrong_secret"},
        {"Authorization": f"token someone_else:{SECRET}"},
        {"Authorization": "Basic " + base64.b64encode(f"{KEY}:wrong_secret".encode()).decode()},
    ],
    ids=["token-wrong-secret", "token-unknown-key", "basic-wrong-secret"],
)
def test_bad_credentials_are_401_authentication_error(api: Api, headers: dict[str, str]) -> None:
    """Wrong key or secret (either scheme): 401 ``{"exc_type": "AuthenticationError"}``, nothing sent."""
    answer = post(api, "quickflow.sms.send", SEND_OK, headers)
    assert_error(answer, 401, {"exc_type": "AuthenticationError"})
    assert len(api.mock.env.outbox) == 0
    assert balance_of(api) == 100000.0


def test_missing_credentials_are_403_permission_error_as_guest(api: Api) -> None:
    """No Authorization header: the request runs as Guest, 403 PermissionError with Frappe's message."""
    answer = api.get(f"{BASE}/quickflow.sms.balance", params={"sender_id": SENDER})
    assert answer.status == 403
    # The wire form of _server_messages, written out once: a JSON list of JSON-encoded message objects.
    assert answer.json == {
        "exc_type": "PermissionError",
        "_server_messages": '["{\\"message\\": \\"You are not permitted to access this resource.\\", '
                            '\\"title\\": \\"Message\\", \\"indicator\\": \\"red\\", \\"raise_exception\\": 1}"]',
    }
    assert_error(answer, 403, frappe_error("PermissionError", "You are not permitted to access this resource."))


@pytest.mark.parametrize(
    "value",
    [
        "token your_api_key",
        f"token {KEY}:{SECRET}:extra",
        f"token :{SECRET}",
        f"token {KEY}:",
        "Bearer abcdef",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
    ],
    ids=["no-secret", "three-parts", "empty-key", "empty-secret", "bearer", "basic-no-colon"],
)
def test_malformed_credentials_are_401_authentication_error(api: Api, value: str) -> None:
    """Two space-separated parts that are neither ``token k:s`` nor ``Basic`` of ``k:s``: 401, no message.

    (Not two parts is no credentials at all, and a Basic token that is not base64 is 400: see
    test_quickflow_platform.py.)
    """
    answer = get(api, "quickflow.sms.balance", {"Authorization": value}, sender_id=SENDER)
    assert_error(answer, 401, {"exc_type": "AuthenticationError"})


@pytest.mark.parametrize(
    ("verb", "method", "args", "text"),
    [
        ("POST", "quickflow.sms.send", {"recipient": "254700000000", "sender_id": SENDER},
         "Missing required argument: message"),
        ("POST", "quickflow.sms.campaign", {"sender_id": SENDER, "message": "Hi"},
         "Missing required argument: contact_list_id"),
        ("GET", "quickflow.sms.get", {}, "Missing required argument: uid"),
        ("GET", "quickflow.contact.search_contact", {"sender_id": SENDER, "group_id": "GRP-0001"},
         "Missing required argument: uid"),
    ],
    ids=["send-message", "campaign-contact_list_id", "get-uid", "search_contact-uid"],
)
def test_a_missing_required_argument_is_417_validation_error(
    api: Api, verb: str, method: str, args: dict[str, str], text: str
) -> None:
    """A required argument left out: 417 ValidationError naming it, nothing sent."""
    answer = post(api, method, args) if verb == "POST" else get(api, method, **args)
    assert_error(answer, 417, frappe_error("ValidationError", text))
    assert len(api.mock.env.outbox) == 0


def test_every_missing_required_argument_is_named_once_in_the_answer(api: Api) -> None:
    """An empty JSON body: 417 ValidationError naming each missing argument once, in the schema's order."""
    answer = post(api, "quickflow.sms.send", {})
    assert_error(answer, 417, frappe_error(
        "ValidationError",
        "Missing required argument: recipient; Missing required argument: sender_id; "
        "Missing required argument: message"))
    assert len(api.mock.env.outbox) == 0


@pytest.mark.parametrize(
    ("method", "body", "text"),
    [
        pytest.param("quickflow.sms.send", {**SEND_OK, "recipient": 254700000000},
                     "Invalid value for recipient: must be of type string, got 254700000000",
                     id="type-recipient-number"),
        pytest.param("quickflow.sms.send", {**SEND_OK, "message": ["Hi"]},
                     "Invalid value for message: must be of type string, got ['Hi']", id="type-message-list"),
        pytest.param("quickflow.sms.send", {**SEND_OK, "recipient": "+254-700-000-000"},
                     r"Invalid value for recipient: must match ^ *\+?[0-9]+ *(, *\+?[0-9]+ *)*$, "
                     "got '+254-700-000-000'",
                     id="pattern-recipient"),
        pytest.param("quickflow.sms.send", {**SEND_OK, "dlt_template_id": "1107-1612"},
                     "Invalid value for dlt_template_id: must match ^[0-9]{19}$, got '1107-1612'", id="pattern-dlt"),
        pytest.param("quickflow.sms.send", {**SEND_OK, "schedule_time": "2026-01-16T10:00:00Z"},
                     "Invalid value for schedule_time: "
                     "must match ^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$, "
                     "got '2026-01-16T10:00:00Z'", id="pattern-schedule_time"),
        pytest.param("quickflow.contact.store_contact",
                     {"sender_id": SENDER, "group_id": "GRP-0001", "phone": "2547000"},
                     "Invalid phone number: 2547000", id="not-a-kenyan-mobile"),
        pytest.param("quickflow.sms.send", {**SEND_OK, "recipient": "254700000000,12345"},
                     "Invalid phone number: 12345", id="one-bad-recipient"),
        pytest.param("quickflow.sms.send", {**SEND_OK, "schedule_time": "2026-02-30 10:00:00"},
                     "Invalid schedule time: 2026-02-30 10:00:00", id="impossible-date"),
    ],
)
def test_a_malformed_argument_is_417_validation_error(api: Api, method: str, body: dict[str, Any], text: str) -> None:
    """A wrong type, a pattern miss or an invalid number/date: 417 ValidationError naming it, nothing done.

    (No QuickFlow argument has an enum; Frappe arguments are free strings.)
    """
    answer = post(api, method, body)
    assert_error(answer, 417, frappe_error("ValidationError", text))
    assert len(api.mock.env.outbox) == 0
    assert balance_of(api) == 100000.0


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_an_empty_argument_is_refused_like_a_missing_one(api: Api, verb: str) -> None:
    """An empty required argument (query or body): 417 ValidationError "Missing required argument", nothing made."""
    if verb == "GET":
        answer = get(api, "quickflow.contact.all_groups", sender_id="")
        text = "Missing required argument: sender_id"
    else:
        answer = post(api, "quickflow.contact.store_group", {"sender_id": SENDER, "name": ""})
        text = "Missing required argument: name"
    assert_error(answer, 417, frappe_error("ValidationError", text))
    assert_ok(get(api, "quickflow.contact.all_groups", sender_id=SENDER), "1 contact group found",
              [group("GRP-0001", "Customers", 2)])


@pytest.mark.parametrize(
    ("verb", "method", "args", "text"),
    [
        ("GET", "quickflow.sms.get", {"uid": "SMS-9999"}, "SMS SMS-9999 not found"),
        ("GET", "quickflow.sms.balance", {"sender_id": "UNKNOWN_ID"}, "Sender ID UNKNOWN_ID not found"),
        ("GET", "quickflow.contact.show_group", {"sender_id": SENDER, "group_id": "GRP-9999"},
         "Contact Group GRP-9999 not found"),
        ("GET", "quickflow.contact.search_contact", {"sender_id": SENDER, "group_id": "GRP-0001", "uid": "CON-9999"},
         "Contact CON-9999 not found"),
        ("POST", "quickflow.contact.update_contact", {"sender_id": SENDER, "group_id": "GRP-0001", "uid": "CON-9999",
                                                      "first_name": "X"}, "Contact CON-9999 not found"),
        ("POST", "quickflow.sms.campaign", {"contact_list_id": "GRP-9999", "sender_id": SENDER, "message": "Hi"},
         "Contact Group GRP-9999 not found"),
        ("POST", "quickflow.sms.send", {**SEND_OK, "sender_id": "UNKNOWN_ID"}, "Sender ID UNKNOWN_ID not found"),
    ],
    ids=["sms", "sender_id", "group", "contact", "update-contact", "campaign-group", "send-sender_id"],
)
def test_an_unknown_id_is_404_does_not_exist_error(
    api: Api, verb: str, method: str, args: dict[str, str], text: str
) -> None:
    """A sender ID, group, contact or SMS uid the account does not hold: 404 DoesNotExistError naming it."""
    answer = post(api, method, args) if verb == "POST" else get(api, method, **args)
    assert_error(answer, 404, frappe_error("DoesNotExistError", text))
    assert len(api.mock.env.outbox) == 0


def test_another_accounts_records_are_404(api: Api) -> None:
    """An SMS uid or group of another account is answered as unknown, not revealed."""
    assert post(api, "quickflow.sms.send", SEND_OK).status == 200
    other = load_account(api, "other_key", "other_secret", SENDER, 10)
    assert_error(get(api, "quickflow.sms.get", other, uid="SMS-0001"), 404,
                 frappe_error("DoesNotExistError", "SMS SMS-0001 not found"))
    assert_error(get(api, "quickflow.contact.show_group", other, sender_id=SENDER, group_id="GRP-0001"), 404,
                 frappe_error("DoesNotExistError", "Contact Group GRP-0001 not found"))
    assert_ok(get(api, "quickflow.sms.list_all", other), "0 SMS found", [])


def test_insufficient_balance_is_417_and_charges_nothing(api: Api) -> None:
    """Credits over the balance: 417 ValidationError with both numbers, nothing charged; the exact balance is enough."""
    auth = load_account(api, "thrifty_key", "thrifty_secret", "THRIFTY", 2)
    body = {"recipient": "254700000000,254711000000,254722000000", "sender_id": "THRIFTY", "message": "Hi"}
    refused = post(api, "quickflow.sms.send", body, auth)
    assert_error(refused, 417, frappe_error("ValidationError", "Insufficient balance: 3 credits needed, 2 available"))
    assert len(api.mock.env.outbox) == 0
    assert balance_of(api, "THRIFTY", auth) == 2.0

    # Exactly the balance: accepted, down to 0.
    exact = post(api, "quickflow.sms.send", {**body, "recipient": "254700000000", "message": PROMO}, auth)
    assert_ok(exact, "SMS queued for 1 recipient", {
        "messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "queued"}],
        "total_recipients": 1, "encoding": "GSM-7", "segments": 2, "credits": 2, "balance": 0.0,
    })
    assert post(api, "quickflow.contact.store_group", {"sender_id": "THRIFTY", "name": "Few"}, auth).status == 200
    assert post(api, "quickflow.contact.store_contact",
                {"sender_id": "THRIFTY", "group_id": "GRP-0002", "phone": "254700000000"}, auth).status == 200
    refused = post(api, "quickflow.sms.campaign",
                   {"contact_list_id": "GRP-0002", "sender_id": "THRIFTY", "message": PROMO}, auth)
    assert_error(refused, 417, frappe_error("ValidationError", "Insufficient balance: 2 credits needed, 0 available"))
    assert len(api.mock.env.outbox) == 1


def test_rate_limit_is_429_with_retry_after_until_the_window_resets(api: Api) -> None:
    """Over the limit: 429 TooManyRequestsError with Retry-After counting down; the next window accepts again."""
    api.mock.set_limit("quickflow", 2, 60)
    for _ in range(2):
        assert_ok(get(api, "quickflow.sms.balance", sender_id=SENDER), "Balance retrieved",
                  {"sender_id": SENDER, "balance": 100000.0})
    limited = get(api, "quickflow.sms.balance", sender_id=SENDER)
    assert_error(limited, 429, {"exc_type": "TooManyRequestsError"})
    assert limited.headers["Retry-After"] == "60"

    # The limit is per account: another account still gets through.
    other = load_account(api, "other_key", "other_secret", "OTHER", 5)
    assert_ok(get(api, "quickflow.sms.balance", other, sender_id="OTHER"), "Balance retrieved",
              {"sender_id": "OTHER", "balance": 5.0})

    api.mock.env.clock.advance(59)
    limited = post(api, "quickflow.sms.send", SEND_OK)
    assert_error(limited, 429, {"exc_type": "TooManyRequestsError"})
    assert limited.headers["Retry-After"] == "1"
    assert len(api.mock.env.outbox) == 0

    api.mock.env.clock.advance(1)
    # A fresh window: two more requests, then refused again.
    for _ in range(2):
        accepted = get(api, "quickflow.sms.balance", sender_id=SENDER)
        assert_ok(accepted, "Balance retrieved", {"sender_id": SENDER, "balance": 100000.0})
        assert "Retry-After" not in accepted.headers
    assert_error(get(api, "quickflow.sms.balance", sender_id=SENDER), 429, {"exc_type": "TooManyRequestsError"})


@pytest.mark.parametrize(
    ("verb", "method"),
    [("PATCH", "quickflow.sms.send"), ("PATCH", "quickflow.sms.get"), ("TRACE", "quickflow.contact.delete_group"),
     ("PROPFIND", "quickflow.contact.update_group")],
)
def test_a_wrong_http_verb_is_403_permission_error(api: Api, verb: str, method: str) -> None:
    """A verb @frappe.whitelist() does not take (not GET, POST, PUT, DELETE): 403 PermissionError "Not permitted"."""
    answer = api.request(verb, f"{BASE}/{method}", headers=TOKEN)
    assert_error(answer, 403, frappe_error("PermissionError", "Not permitted"))
    assert len(api.mock.env.outbox) == 0


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("quickflow.sms.resend", "module 'quickflow.sms' has no attribute 'resend'"),
        ("quickflow.contact.all_contacts_v2", "module 'quickflow.contact' has no attribute 'all_contacts_v2'"),
        ("quickflow.billing.invoices", "No module named 'quickflow.billing'"),
        ("erpnext.selling.get_items", "App erpnext is not installed"),
        ("send_sms", "'send_sms'"),
    ],
)
def test_an_unknown_method_under_the_base_path_is_417_validation_error(api: Api, command: str, reason: str) -> None:
    """A method name that resolves to nothing: 417 ValidationError "Failed to get method for command ..."."""
    answer = api.post(f"{BASE}/{command}", headers=TOKEN, json=SEND_OK)
    text = f"Failed to get method for command {command} with {reason}"
    assert_error(answer, 417, frappe_error("ValidationError", text))
    assert api.last()["outcome"] == "unmatched"
    assert len(api.mock.env.outbox) == 0


@pytest.mark.parametrize(("verb", "method"), [("PATCH", "quickflow.sms.send"), ("POST", "quickflow.sms.resend")],
                         ids=["wrong-verb", "unknown-method"])
def test_bad_credentials_are_refused_before_routing(api: Api, verb: str, method: str) -> None:
    """Wrong credentials are 401 AuthenticationError even on a wrong verb or an unknown method."""
    answer = api.request(verb, f"{BASE}/{method}", headers={"Authorization": f"token {KEY}:wrong_secret"})
    assert_error(answer, 401, {"exc_type": "AuthenticationError"})


@pytest.mark.parametrize(
    ("verb", "args", "violation"),
    [
        ("GET", {"sender_id": SENDER, "page": "2"}, {
            "location": "query", "name": "page", "keyword": "unknown",
            "message": "is not documented for get_balance", "pointer": "",
            "expected": None, "received": "2", "ignored": True,
            "text": "query parameter 'page' is not documented for get_balance",
        }),
        ("POST", {**SEND_OK, "priority": "high"}, {
            "location": "body", "name": "priority", "keyword": "unknown",
            "message": "is not documented for send_sms", "pointer": "",
            "expected": None, "received": "high", "ignored": True,
            "text": "body field 'priority' is not documented for send_sms",
        }),
    ],
    ids=["query", "json-body"],
)
def test_an_unknown_argument_is_ignored_and_journaled(api: Api, verb: str, args: dict[str, str],
                                                      violation: dict[str, Any]) -> None:
    """An undocumented argument changes nothing in the answer; the journal records it with ignored=True."""
    if verb == "GET":
        answer = get(api, "quickflow.sms.balance", **args)
        assert_ok(answer, "Balance retrieved", {"sender_id": SENDER, "balance": 100000.0})
    else:
        answer = post(api, "quickflow.sms.send", args)
        assert_ok(answer, "SMS queued for 1 recipient", {
            "messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "queued"}],
            "total_recipients": 1, "encoding": "GSM-7", "segments": 1, "credits": 1, "balance": 99999.0,
        })
        assert "priority" not in api.last()["args"]
    entry = api.last()
    assert (entry["outcome"], entry["violations"]) == ("ok", [violation])


CONTENT_TYPE_VIOLATION = {
    "location": "content-type", "name": "", "keyword": "content-type",
    "message": "text/plain is not accepted, so the body is not read "
               "(send application/json or application/x-www-form-urlencoded or multipart/form-data)",
    "pointer": "", "expected": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    "received": "text/plain", "ignored": True,
    "text": "content-type text/plain is not accepted, so the body is not read "
            "(send application/json or application/x-www-form-urlencoded or multipart/form-data)",
}


def send_as_text_plain(api: Api) -> Answer:
    """store_group with a JSON text sent as ``Content-Type: text/plain``."""
    return api.post(f"{BASE}/quickflow.contact.store_group", headers={**TOKEN, "Content-Type": "text/plain"},
                    data=json.dumps({"sender_id": SENDER, "name": "VIP"}))


def test_a_wrong_content_type_body_is_not_read(api: Api) -> None:
    """A body sent as text/plain is not read: 417 naming what it held, nothing created, the content type journaled."""
    answer = send_as_text_plain(api)
    assert_error(answer, 417, frappe_error(
        "ValidationError", "Missing required argument: sender_id; Missing required argument: name"))
    entry = api.last()
    assert (entry["content_type"], entry["violations"][0]) == ("text/plain", CONTENT_TYPE_VIOLATION)
    assert_ok(get(api, "quickflow.contact.all_groups", sender_id=SENDER), "1 contact group found",
              [group("GRP-0001", "Customers", 2)])


def missing(name: str) -> dict[str, Any]:
    """The journal's violation for a required body field left out."""
    return {"location": "body", "name": name, "keyword": "required", "message": "is required but missing",
            "pointer": "", "expected": None, "received": None, "ignored": False,
            "text": f"body field '{name}' is required but missing"}


@pytest.mark.parametrize("request_kind", ["empty-json-body", "text-plain-body"])
def test_the_journal_names_each_missing_body_field_once(api: Api, request_kind: str) -> None:
    """The journal records one violation per missing body field."""
    if request_kind == "empty-json-body":
        assert post(api, "quickflow.sms.send", {}).status == 417
        expected = [missing("recipient"), missing("sender_id"), missing("message")]
    else:
        assert send_as_text_plain(api).status == 417
        expected = [CONTENT_TYPE_VIOLATION, missing("sender_id"), missing("name")]
    assert api.last()["violations"] == expected


def test_query_string_and_form_fields_are_merged_form_winning(api: Api) -> None:
    """A non-JSON POST takes its arguments from the query string and the form, the form winning."""
    answer = api.post(f"{BASE}/quickflow.contact.store_group?name=FromQuery&sender_id={SENDER}", headers=TOKEN,
                      data={"name": "FromForm"})
    assert_ok(answer, "Contact group created", group("GRP-0002", "FromForm", 0))
    answer = api.post(f"{BASE}/quickflow.contact.store_group?name=OnlyQuery", headers=TOKEN, data={"sender_id": SENDER})
    assert_ok(answer, "Contact group created", group("GRP-0003", "OnlyQuery", 0))


def test_a_campaign_to_an_empty_group_is_417(api: Api) -> None:
    """A campaign to a group without contacts: 417 ValidationError, nothing charged."""
    assert post(api, "quickflow.contact.store_group", {"sender_id": SENDER, "name": "Empty"}).status == 200
    answer = post(api, "quickflow.sms.campaign", {"contact_list_id": "GRP-0002", "sender_id": SENDER, "message": "Hi"})
    assert_error(answer, 417, frappe_error("ValidationError", "Contact group GRP-0002 has no contacts"))
    assert balance_of(api) == 100000.0
