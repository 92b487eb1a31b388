"""QuickCom over HTTP: whole flows and every error path, exact statuses, bodies and headers.

Each test runs twice (Flask test client and a real socket) against the strict app, fresh from the default
seed: account YOUR_KEY / YOUR_SECRET with 114830 transactional and 50000 promotional credits, the
document's OTP template (1507162019748109480, GSM-7, sender QCOMM) and a Unicode order template
(1507162019748109481, sender ALERTS); 9000000666 always fails delivery. The clock is frozen at
2026-01-15 09:30:00 UTC (15:00 IST) until a test moves it.
"""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from conftest import Answer, Api

BASE = "/api/v1"
KEY, SECRET = "YOUR_KEY", "YOUR_SECRET"
AUTH = {"app_key": KEY, "app_secret": SECRET}
OTP_TEMPLATE, ORDER_TEMPLATE = "1507162019748109480", "1507162019748109481"
# The document's send-message request example, without the numbers.
DOCUMENT_SEND = {"dlt_template_id": OTP_TEMPLATE, "route_type": "1", "v1": "QC12345", "v2": "2499", "country_code": "91"}
OTP_TEXT = "Your OTP is QC12345. Valid for 2499 minutes."  # 44 GSM-7 characters: one segment
ORDER_TEXT = "Your order QC12345 confirmed. Amount: ₹2499"  # 43 characters, UCS-2 (₹): one segment
RETRIEVED = "Information successfully retrieved."
PROCESSED = "Campaign successfully processed"


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def call(api: Api, operation: str, auth: dict[str, str] | None = None, **params: str) -> Answer:
    """GET one operation with query parameters; the demo account's query credentials unless told."""
    return api.get(f"{BASE}/{operation}", params={**(AUTH if auth is None else auth), **params})


def send(api: Api, numbers: str, auth: dict[str, str] | None = None, **params: str) -> Answer:
    """send-message with the document's parameters, overridden by ``params``."""
    return call(api, "send-message", auth, **{"mobile_numbers": numbers, **DOCUMENT_SEND, **params})


def stamps(at: str) -> dict[str, str]:
    """intime/outtime for a clock time on 2026-01-15 (UTC); outtime is always 5 ms later."""
    return {"intime": f"2026-01-15T{at}.000000Z", "outtime": f"2026-01-15T{at}.005000Z"}


def ok(at: str, message: str, data: Any) -> dict[str, Any]:
    """The documented success envelope."""
    return {"status": True, **stamps(at), "message": message, "data": data, "errors": {}, "error_code": None}


def failed(at: str, message: str, errors: dict[str, list[str]], code: str) -> dict[str, Any]:
    """The inferred Laravel-style failure envelope."""
    return {"status": False, **stamps(at), "message": message, "data": None, "errors": errors, "error_code": code}


def limits(answer: Answer) -> tuple[str | None, str | None]:
    """(X-RateLimit-Limit, X-RateLimit-Remaining) as sent."""
    return answer.headers.get("X-RateLimit-Limit"), answer.headers.get("X-RateLimit-Remaining")


def balance(transaction: int, promotional: int, **profile: Any) -> dict[str, Any]:
    """check-balance data: the seed's profile (the document's defaults) with these balances."""
    return {
        "user_number": 16, "name": "John Doe", "email": "john@example.com", "mobile": "9876543210", "status": "1",
        **profile,
        "transaction_balance": transaction, "promotional_balance": promotional, "two_waysms_balance": 0,
        "voice_sms_balance": 0, "whatsapp_credit": "0.0000", "country": 99, "is_enabled_api_ip_security": 0, "ut": 2,
    }


def campaign(number: int, sender: str, route: int, text: str, contacts: int, delivered: int, failures: int,
             stage: str, unicode: bool = False) -> dict[str, Any]:
    """One campaign-list row."""
    return {
        "id": number, "campaign_name": "API", "sender_id": sender, "sms_type": str(route), "message": text,
        "message_type": "2" if unicode else "1", "total_contacts": contacts, "currently_delivered": delivered,
        "currently_failed": failures, "campaign_current_stage": stage,
    }


def page(rows: list[dict[str, Any]], total: int, current: str, per_page: str, last: int) -> dict[str, Any]:
    return {"data": rows, "total": total, "current_page": current, "per_page_record": per_page, "last_page": last}


def outbox(api: Api) -> list[tuple[str, str, str]]:
    """(id, recipient, status now) of every message the mock holds, oldest first."""
    now = api.mock.env.clock.now()
    return [(m.id, m.recipient, m.status(now)) for m in api.mock.env.outbox]


OTP_TEMPLATE_SEED = {
    "template_name": "OTP", "sender_id": "QCOMM", "entity_id": "1234567890123456789",
    "dlt_header_id": "1234567890123456789", "is_for_unicode": 0,
    "dlt_message_template": "Your OTP is {#var#}. Valid for {#var#} minutes.", "dlt_template_id": OTP_TEMPLATE,
}


def load_account(api: Api, key: str, secret: str, transaction: int, promotional: int, **extra: Any) -> None:
    """Add a second account (Asha Rao) with the document's OTP template and these balances."""
    account = {
        "app_key": key, "app_secret": secret,
        "profile": {"user_number": 17, "name": "Asha Rao", "email": "asha@example.com", "mobile": "9123456780"},
        "transaction_balance": transaction, "promotional_balance": promotional, "sender_ids": ["QCOMM"],
        "templates": [OTP_TEMPLATE_SEED], **extra,
    }
    api.mock.load({"quickcom": {"accounts": [account]}})


# ---------------------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------------------


def test_scenario_send_charge_promote_and_list(api: Api) -> None:
    """A full flow: balance, a transactional send with one invalid number, the charge, a promotional send, paging."""
    answer = call(api, "check-balance")
    assert answer.status == 200
    assert answer.json == ok("09:30:00", RETRIEVED, balance(114830, 50000))
    assert limits(answer) == ("100000", "99999")
    assert answer.headers["Content-Type"] == "application/json"

    # The document's request, to three numbers of which 12345 is not an Indian mobile.
    answer = send(api, "9876543210,12345,9000000666")
    assert answer.status == 200
    sent = answer.json["data"]
    assert answer.json == ok("09:30:00", PROCESSED, {
        "campaign": "API", "sender_id": "QCOMM", "route_type": 1, "sms_type": 1, "message": OTP_TEXT,
        "is_flash": 0, "campaign_send_date_time": "2026-01-15 15:00:00",  # now, in IST
        "message_count": 44, "message_credit_size": 1, "total_contacts": 2, "total_credit_deduct": 2,
        "status": "Ready-to-complete", "uuid": "c3561c01-f1f4-11f0-b60b-c309629f6fbe", "total_invalid_number": 1,
    })
    assert uuid.UUID(sent["uuid"]).version == 1
    assert limits(answer) == ("100000", "99998")
    assert outbox(api) == [
        (f"{sent['uuid']}-1", "919876543210", "queued"),
        (f"{sent['uuid']}-2", "919000000666", "queued"),
    ]

    # Route 1 drew segments x valid contacts = 1 x 2 on the transactional balance, nothing else.
    assert call(api, "check-balance").json["data"] == balance(114830 - 2, 50000)

    # A promotional send (route 2) of the Unicode template draws on the promotional balance.
    answer = send(api, "+919876543210", dlt_template_id=ORDER_TEMPLATE, route_type="2")
    assert answer.status == 200
    promo = answer.json["data"]
    assert promo == {
        "campaign": "API", "sender_id": "ALERTS", "route_type": 2, "sms_type": 2, "message": ORDER_TEXT,
        "is_flash": 0, "campaign_send_date_time": "2026-01-15 15:00:00", "message_count": 43,
        "message_credit_size": 1, "total_contacts": 1, "total_credit_deduct": 1, "status": "Ready-to-complete",
        "uuid": promo["uuid"], "total_invalid_number": 0,
    }
    assert uuid.UUID(promo["uuid"]).version == 1 and promo["uuid"] != sent["uuid"]
    assert call(api, "check-balance").json["data"] == balance(114828, 50000 - 1)

    # Both campaigns, newest first; paging echoes the request's numbers as strings.
    otp_row = campaign(1234567, "QCOMM", 1, OTP_TEXT, 2, 0, 0, "Pending")
    order_row = campaign(1234568, "ALERTS", 2, ORDER_TEXT, 1, 0, 0, "Pending", unicode=True)
    answer = call(api, "campaign-list")
    assert answer.json == ok("09:30:00", RETRIEVED, page([order_row, otp_row], 2, "1", "20", 1))
    answer = call(api, "campaign-list", per_page_record="1", page_number="2")
    assert answer.status == 200
    assert answer.json == ok("09:30:00", RETRIEVED, page([otp_row], 2, "2", "1", 2))
    assert call(api, "campaign-list", per_page_record="1", page_number="1").json["data"] == page(
        [order_row], 2, "1", "1", 2
    )
    assert call(api, "campaign-list", per_page_record="1", page_number="3").json["data"] == page([], 2, "3", "1", 2)
    assert limits(api.get(f"{BASE}/campaign-list", params=AUTH)) == ("100000", "99990")


def test_scenario_delivery_progress_and_scheduling(api: Api) -> None:
    """Delivery counts and stage follow the clock (the seed's failing number fails); a future schedule_date schedules."""
    sent = send(api, "9876543210,9000000666").json["data"]
    assert sent["total_contacts"] == 2 and sent["total_credit_deduct"] == 2

    def rows() -> list[dict[str, Any]]:
        return call(api, "campaign-list").json["data"]["data"]

    assert rows() == [campaign(1234567, "QCOMM", 1, OTP_TEXT, 2, 0, 0, "Pending")]
    api.mock.env.clock.advance(1)  # out of the queue, not yet settled
    assert rows() == [campaign(1234567, "QCOMM", 1, OTP_TEXT, 2, 0, 0, "Processing")]
    assert [status for _, _, status in outbox(api)] == ["sent", "sent"]
    api.mock.env.clock.advance(2)  # settled: 9000000666 fails, the other is delivered
    answer = call(api, "campaign-list")
    assert answer.json == ok("09:30:03", RETRIEVED, page(
        [campaign(1234567, "QCOMM", 1, OTP_TEXT, 2, 1, 1, "Completed")], 1, "1", "20", 1
    ))
    assert outbox(api) == [
        (f"{sent['uuid']}-1", "919876543210", "delivered"),
        (f"{sent['uuid']}-2", "919000000666", "failed"),
    ]

    # 16:00:00 IST is 10:30 UTC, an hour ahead of the clock (09:30:03 UTC).
    answer = send(api, "8765432109", schedule_date="2026-01-15 16:00:00")
    assert answer.status == 200
    scheduled = answer.json["data"]
    assert (scheduled["status"], scheduled["campaign_send_date_time"]) == ("Scheduled", "2026-01-15 16:00:00")
    assert (scheduled["total_contacts"], scheduled["total_credit_deduct"]) == (1, 1)
    assert call(api, "check-balance").json["data"]["transaction_balance"] == 114830 - 3  # charged when accepted
    assert rows()[0] == campaign(1234568, "QCOMM", 1, OTP_TEXT, 1, 0, 0, "Scheduled")
    api.mock.env.clock.advance(3596)  # 10:29:59 UTC: still waiting
    assert rows()[0]["campaign_current_stage"] == "Scheduled"
    api.mock.env.clock.advance(1 + 3)  # its time came, and the message settled
    assert rows()[0] == campaign(1234568, "QCOMM", 1, OTP_TEXT, 1, 1, 0, "Completed")


def test_credits_are_segments_times_valid_contacts(api: Api) -> None:
    """A 92-character Unicode message is 2 segments (67 per part): 2 numbers cost 4 credits."""
    answer = send(api, "9876543210,08765432109", dlt_template_id=ORDER_TEMPLATE, v1="A" * 30, v2="9" * 30)
    assert answer.status == 200
    data = answer.json["data"]
    assert (data["message"], data["message_count"]) == (f"Your order {'A' * 30} confirmed. Amount: ₹{'9' * 30}", 92)
    assert (data["message_credit_size"], data["total_contacts"], data["total_credit_deduct"]) == (2, 2, 4)
    assert call(api, "check-balance").json["data"]["transaction_balance"] == 114830 - 4


def test_both_authentication_forms_work(api: Api) -> None:
    """Query app_key/app_secret and ``Authorization: KEY-SECRET`` (split on the first dash) reach the same account."""
    status = ok("09:30:00", "Account is in active status.", {"is_account_activated": True})
    by_query = call(api, "account-status")
    by_header = api.get(f"{BASE}/account-status", headers={"Authorization": f"{KEY}-{SECRET}"})
    assert (by_query.status, by_query.json) == (200, status)
    assert (by_header.status, by_header.json) == (200, status)
    assert limits(by_header) == ("100000", "99998")  # one account, one counter

    load_account(api, "TINY", "T-SE-CRET", 5, 0)
    answer = api.get(f"{BASE}/check-balance", headers={"Authorization": "TINY-T-SE-CRET"})
    assert answer.status == 200
    assert answer.json["data"] == balance(5, 0, user_number=17, name="Asha Rao", email="asha@example.com",
                                          mobile="9123456780")
    answer = api.get(f"{BASE}/send-message", headers={"Authorization": "TINY-T-SE-CRET"},
                     params={"mobile_numbers": "9876543210", **DOCUMENT_SEND})
    assert (answer.status, answer.json["data"]["total_credit_deduct"]) == (200, 1)
    assert api.last()["account"] == "TINY"


# ---------------------------------------------------------------------------------------------------------
# Authentication errors
# ---------------------------------------------------------------------------------------------------------


def test_wrong_credentials_are_401(api: Api) -> None:
    """A wrong secret, an unknown key or a wrong header secret: 401 INVALID_CREDENTIALS, errors empty."""
    expected = failed("09:30:00", "Invalid app_key or app_secret.", {}, "INVALID_CREDENTIALS")
    answers = (
        call(api, "check-balance", {"app_key": KEY, "app_secret": "wrong"}),
        call(api, "check-balance", {"app_key": "nobody", "app_secret": SECRET}),
        api.get(f"{BASE}/check-balance", headers={"Authorization": f"{KEY}-wrong"}),
        # The query pair, when sent, is what counts, even beside a good header.
        api.get(f"{BASE}/check-balance", params={"app_key": KEY, "app_secret": "x"},
                headers={"Authorization": f"{KEY}-{SECRET}"}),
    )
    # Laravel's throttle counts before the credentials are read: each refusal counts against the key sent.
    for answer, remaining in zip(answers, ("99999", "99999", "99998", "99997")):
        assert (answer.status, answer.json) == (401, expected)
        assert limits(answer) == ("100000", remaining)
    assert api.last()["outcome"] == "rejected"


def test_missing_credentials_are_401_naming_both(api: Api) -> None:
    """No query pair and no Authorization header: 401 with both credentials required."""
    answer = api.get(f"{BASE}/send-message", params={"mobile_numbers": "9876543210", **DOCUMENT_SEND})
    assert answer.status == 401
    assert answer.json == failed("09:30:00", "API credentials are missing.", {
        "app_key": ["The app key field is required."],
        "app_secret": ["The app secret field is required."],
    }, "INVALID_CREDENTIALS")
    assert limits(answer) == ("100000", "99999")  # counted, as every matched request is
    assert len(api.mock.env.outbox) == 0


def test_half_a_query_pair_is_401_naming_the_missing_one(api: Api) -> None:
    """app_key without app_secret: 401 whose message and errors both say the secret is required."""
    answer = call(api, "check-balance", {"app_key": KEY})
    assert answer.status == 401
    message = "The app secret field is required."
    assert answer.json == failed("09:30:00", message, {"app_secret": [message]}, "INVALID_CREDENTIALS")
    answer = call(api, "check-balance", {"app_secret": SECRET})
    message = "The app key field is required."
    assert answer.json == failed("09:30:00", message, {"app_key": [message]}, "INVALID_CREDENTIALS")


@pytest.mark.parametrize("header", [f"{KEY}{SECRET}", f"{KEY}-", f"-{SECRET}", f"Bearer {KEY}-{SECRET}"])
def test_malformed_authorization_header_is_401(api: Api, header: str) -> None:
    """A header that is not KEY-SECRET (no dash, an empty half, a scheme prefix): 401 invalid credentials."""
    answer = api.get(f"{BASE}/templates", headers={"Authorization": header})
    assert answer.status == 401
    assert answer.json == failed("09:30:00", "Invalid app_key or app_secret.", {}, "INVALID_CREDENTIALS")


# ---------------------------------------------------------------------------------------------------------
# Parameter errors
# ---------------------------------------------------------------------------------------------------------
# The 422 messages of schema violations are in Laravel's words (QuickComProvider.describe_violation), as the
# spec's ValidationError examples give them.


def test_missing_required_parameter_is_422(api: Api) -> None:
    """send-message without mobile_numbers: 422 VALIDATION_ERROR naming it; nothing charged or sent."""
    answer = call(api, "send-message", **DOCUMENT_SEND)
    assert answer.status == 422
    message = "The mobile numbers field is required."
    assert answer.json == failed("09:30:00", message, {"mobile_numbers": [message]}, "VALIDATION_ERROR")
    assert limits(answer) == ("100000", "99999")  # authenticated, so counted
    assert len(api.mock.env.outbox) == 0

    answer = call(api, "send-message")
    assert answer.json == failed("09:30:00", "The dlt template id field is required. (and 2 more errors)", {
        "dlt_template_id": ["The dlt template id field is required."],
        "mobile_numbers": ["The mobile numbers field is required."],
        "route_type": ["The route type field is required."],
    }, "VALIDATION_ERROR")


def test_missing_template_variable_is_422_naming_it(api: Api) -> None:
    """The template has two {#var#}: without v2 (or with it empty) the answer is 422 naming v2, nothing charged."""
    message = "The v2 field is required."
    expected = failed("09:30:00", message, {"v2": [message]}, "VALIDATION_ERROR")
    without_v2 = {name: value for name, value in DOCUMENT_SEND.items() if name != "v2"}
    for answer in (call(api, "send-message", mobile_numbers="9876543210", **without_v2), send(api, "9876543210", v2="")):
        assert (answer.status, answer.json) == (422, expected)
    assert call(api, "check-balance").json["data"]["transaction_balance"] == 114830
    assert len(api.mock.env.outbox) == 0


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"route_type": "5"}, {"route_type": ["The selected route type is invalid."]}),
        ({"route_type": "x"}, {"route_type": [
            "The route type field must be an integer.",
            "The selected route type is invalid.",
        ]}),
        ({"dlt_template_id": "123"}, {"dlt_template_id": ["The dlt template id field format is invalid."]}),
        ({"is_flash": "maybe"}, {"is_flash": ["The is flash field must be true or false."]}),
        ({"mobile_numbers": "98765-43210"}, {"mobile_numbers": [
            "The mobile numbers field format is invalid."
        ]}),
        ({"schedule_date": "2026-01-16"}, {"schedule_date": [
            "The schedule date field format is invalid."
        ]}),
        # The pattern passes, the calendar does not: the provider's own check.
        ({"schedule_date": "2026-13-45 10:00:00"}, {"schedule_date": ["The schedule date field must match the format Y-m-d H:i:s."]}),
        # Digits, but no valid Indian mobile among them.
        ({"mobile_numbers": "12345,5876543210"}, {"mobile_numbers": [
            "The mobile numbers field must contain at least one valid mobile number."
        ]}),
    ],
    ids=["enum", "type", "pattern", "boolean", "numbers-pattern", "date-pattern", "date-calendar", "no-valid-number"],
)
def test_malformed_parameter_is_422(api: Api, params: dict[str, str], errors: dict[str, list[str]]) -> None:
    """A wrong type, pattern or enum value: 422 VALIDATION_ERROR, errors by field, message the first (+ count)."""
    answer = send(api, "9876543210", **params)
    assert answer.status == 422
    messages = [m for found in errors.values() for m in found]
    message = messages[0] + (f" (and {len(messages) - 1} more error)" if len(messages) == 2 else "")
    assert answer.json == failed("09:30:00", message, errors, "VALIDATION_ERROR")
    assert limits(answer) == ("100000", "99999")
    assert len(api.mock.env.outbox) == 0
    assert call(api, "check-balance").json["data"]["transaction_balance"] == 114830


def test_campaign_list_paging_below_one_is_422(api: Api) -> None:
    """per_page_record=0 or a non-integer page: 422 naming the parameter."""
    answer = call(api, "campaign-list", per_page_record="0")
    message = "The per page record field must be at least 1."
    assert (answer.status, answer.json) == (422, failed("09:30:00", message, {"per_page_record": [message]}, "VALIDATION_ERROR"))
    answer = call(api, "campaign-list", page_number="two")
    message = "The page number field must be an integer."
    assert (answer.status, answer.json) == (422, failed("09:30:00", message, {"page_number": [message]}, "VALIDATION_ERROR"))


def test_template_variable_too_long_is_422_naming_the_variable(api: Api) -> None:
    """v1 of 31 characters (DLT allows 30): 422 whose errors name v1, the parameter the client sent."""
    answer = send(api, "9876543210", v1="x" * 31)
    assert answer.status == 422
    assert answer.json["error_code"] == "VALIDATION_ERROR"
    assert list(answer.json["errors"]) == ["v1"]


def test_unknown_template_is_404(api: Api) -> None:
    """A dlt_template_id the account does not have, or one not approved: 404 TEMPLATE_NOT_FOUND, nothing charged."""
    expected = failed("09:30:00", "Template not found or not approved.",
                      {"dlt_template_id": ["The selected dlt template id is invalid."]}, "TEMPLATE_NOT_FOUND")
    answer = send(api, "9876543210", dlt_template_id="1507162019748109499")
    assert (answer.status, answer.json) == (404, expected)
    assert limits(answer) == ("100000", "99999")

    pending = {**OTP_TEMPLATE_SEED, "dlt_template_id": "1507162019748109482", "status": 0}
    load_account(api, "PENDING", "P", 100, 0, templates=[OTP_TEMPLATE_SEED, pending])
    answer = send(api, "9876543210", {"app_key": "PENDING", "app_secret": "P"}, dlt_template_id="1507162019748109482")
    assert (answer.status, answer.json) == (404, expected)
    # Another account's template is unknown too: YOUR_KEY's order template, asked for by PENDING.
    answer = send(api, "9876543210", {"app_key": "PENDING", "app_secret": "P"}, dlt_template_id=ORDER_TEMPLATE)
    assert (answer.status, answer.json) == (404, expected)
    assert len(api.mock.env.outbox) == 0
    assert call(api, "check-balance", {"app_key": "PENDING", "app_secret": "P"}).json["data"]["transaction_balance"] == 100


def test_insufficient_balance_is_402_and_charges_nothing(api: Api) -> None:
    """A cost above the route's balance: 402 INSUFFICIENT_BALANCE naming that balance; balance, list, outbox unchanged."""
    load_account(api, "TINY", "T", 1, 0)
    tiny = {"app_key": "TINY", "app_secret": "T"}
    answer = send(api, "9876543210,8765432109", tiny)
    assert answer.status == 402
    assert answer.json == failed("09:30:00", "Insufficient balance.", {
        "transaction_balance": ["The campaign needs 2 credits but only 1 are available."],
    }, "INSUFFICIENT_BALANCE")
    assert limits(answer) == ("100000", "99999")
    answer = send(api, "9876543210", tiny, route_type="2")  # promotional: its own, empty balance
    assert answer.status == 402
    assert answer.json == failed("09:30:00", "Insufficient balance.", {
        "promotional_balance": ["The campaign needs 1 credits but only 0 are available."],
    }, "INSUFFICIENT_BALANCE")

    assert call(api, "check-balance", tiny).json["data"]["transaction_balance"] == 1
    assert call(api, "campaign-list", tiny).json["data"] == page([], 0, "1", "20", 1)
    assert len(api.mock.env.outbox) == 0
    # Exactly the balance is enough.
    answer = send(api, "9876543210", tiny)
    assert (answer.status, answer.json["data"]["total_credit_deduct"]) == (200, 1)
    assert call(api, "check-balance", tiny).json["data"]["transaction_balance"] == 0


def test_rate_limit_is_429_with_retry_after_and_resets_with_the_window(api: Api) -> None:
    """Over the limit: 429 RATE_LIMIT_EXCEEDED with Retry-After and Remaining 0, nothing sent; a new window serves again."""
    api.mock.set_limit("quickcom", 2, 3600)
    assert limits(call(api, "check-balance")) == ("2", "1")
    api.mock.env.clock.advance(600)
    assert limits(call(api, "approved-senderids")) == ("2", "0")
    answer = send(api, "9876543210")
    assert answer.status == 429
    assert answer.json == failed("09:40:00", "Too Many Attempts.", {}, "RATE_LIMIT_EXCEEDED")
    assert limits(answer) == ("2", "0")
    assert answer.headers["Retry-After"] == "3000"
    # ThrottleRequests::getHeaders: the Unix time the window reopens (09:30 + 3600 s, 2026-01-15 10:30:00 UTC).
    assert answer.headers["X-RateLimit-Reset"] == "1768473000"
    assert len(api.mock.env.outbox) == 0
    # The throttle runs before the credentials are read: a wrong secret for the key is refused with 429 too.
    refused = call(api, "check-balance", {"app_key": KEY, "app_secret": "x"})
    assert (refused.status, refused.json["error_code"], refused.headers["Retry-After"]) == (429, "RATE_LIMIT_EXCEEDED", "3000")

    api.mock.env.clock.advance(2999)
    assert call(api, "check-balance").headers["Retry-After"] == "1"
    api.mock.env.clock.advance(1)  # the window is over
    answer = send(api, "9876543210")
    assert answer.status == 200
    assert limits(answer) == ("2", "1")
    assert "Retry-After" not in answer.headers
    assert answer.json["data"]["total_credit_deduct"] == 1


# ---------------------------------------------------------------------------------------------------------
# Routing, unknown parameters, bodies
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_wrong_verb_is_405_with_allow(api: Api, method: str) -> None:
    """Every QuickCom route is GET: another verb gets 405 METHOD_NOT_ALLOWED and ``Allow: GET, HEAD``."""
    answer = api.request(method, f"{BASE}/send-message", params={"mobile_numbers": "9876543210", **AUTH, **DOCUMENT_SEND})
    assert answer.status == 405
    message = f"The {method} method is not supported for route api/v1/send-message. Supported methods: GET, HEAD."
    assert answer.json == failed("09:30:00", message, {}, "METHOD_NOT_ALLOWED")
    assert answer.headers["Allow"] == "GET, HEAD"
    assert limits(answer) == ("100000", "100000")
    assert len(api.mock.env.outbox) == 0


# The headers a socket adds to every answer (the in-process client sees none of them).
TRANSPORT_HEADERS = {"date", "server"}
OPTIONS_ANSWER = {"allow": "GET,HEAD", "content-type": "text/html; charset=UTF-8", "content-length": "0"}


def sent_headers(answer: Answer) -> dict[str, str]:
    """Every header of the answer but those the transport adds (names in lower case: HTTP's are case-insensitive)."""
    return {name.lower(): value for name, value in answer.headers.items() if name.lower() not in TRANSPORT_HEADERS}


@pytest.mark.parametrize("operation", [
    "account-status", "check-balance", "approved-senderids", "templates", "send-message", "campaign-list",
    "send-message/",  # Laravel ignores the trailing slash
])
def test_options_on_a_route_is_an_empty_200_with_allow(api: Api, operation: str) -> None:
    """Laravel's router answers OPTIONS on a route itself (getRouteForMethods): 200, empty body, Symfony's default
    Content-Type, ``Allow: GET,HEAD`` (no space); no middleware runs, so no rate-limit headers and no key check."""
    for params in ({}, AUTH, {"app_key": KEY, "app_secret": "wrong"}):
        answer = api.request("OPTIONS", f"{BASE}/{operation}", params=params)
        assert (answer.status, answer.text) == (200, "")
        assert sent_headers(answer) == OPTIONS_ANSWER
        assert (api.last()["outcome"], api.last()["provider"], api.last()["status"]) == ("unmatched", "quickcom", 200)
    # The throttle did not run: the next request is the key's first.
    assert limits(call(api, "check-balance")) == ("100000", "99999")
    assert len(api.mock.env.outbox) == 0


def test_options_is_answered_over_the_rate_limit_and_never_counted(api: Api) -> None:
    """The OPTIONS route has no throttle middleware: over the limit it is still the empty 200, and it spends nothing."""
    api.mock.set_limit("quickcom", 1, 3600)
    assert limits(call(api, "check-balance")) == ("1", "0")
    answer = api.request("OPTIONS", f"{BASE}/check-balance", params=AUTH)
    assert (answer.status, answer.text, sent_headers(answer)) == (200, "", OPTIONS_ANSWER)
    limited = call(api, "check-balance")
    assert (limited.status, limited.json["error_code"]) == (429, "RATE_LIMIT_EXCEEDED")
    api.mock.env.clock.advance(3600)  # a new window: the OPTIONS requests before it did not count
    assert api.request("OPTIONS", f"{BASE}/templates").status == 200
    assert limits(call(api, "check-balance")) == ("1", "0")


@pytest.mark.parametrize(("path", "route"), [
    ("/api/v1/send-sms", "api/v1/send-sms"),
    ("/api/v1/", "api/v1"),
])
def test_options_on_an_unknown_path_is_the_404(api: Api, path: str, route: str) -> None:
    """No route has the path, so there is no verb to list: OPTIONS gets the 404 ROUTE_NOT_FOUND like any verb."""
    answer = api.request("OPTIONS", path, params=AUTH)
    assert answer.status == 404
    assert answer.json == failed("09:30:00", f"The route {route} could not be found.", {}, "ROUTE_NOT_FOUND")
    assert limits(answer) == ("100000", "100000")
    assert answer.headers["Content-Type"] == "application/json"
    assert "Allow" not in answer.headers
    assert api.last()["outcome"] == "unmatched"


@pytest.mark.parametrize(("path", "route"), [
    ("/api/v1/send-sms", "api/v1/send-sms"),
    ("/api/v1/campaign-list/1234567", "api/v1/campaign-list/1234567"),
    ("/api/v1/", "api/v1"),
])
def test_unknown_path_is_404_route_not_found(api: Api, path: str, route: str) -> None:
    """A path under /api/v1 with no operation: 404 ROUTE_NOT_FOUND in Laravel's words."""
    answer = api.get(path, params=AUTH)
    assert answer.status == 404
    assert answer.json == failed("09:30:00", f"The route {route} could not be found.", {}, "ROUTE_NOT_FOUND")
    assert limits(answer) == ("100000", "100000")
    assert api.last()["outcome"] == "unmatched"


def test_unknown_parameter_is_ignored_and_journaled(api: Api) -> None:
    """An undocumented query parameter changes nothing; the journal records it as an ignored violation."""
    answer = call(api, "check-balance", currency="INR")
    assert (answer.status, answer.json) == (200, ok("09:30:00", RETRIEVED, balance(114830, 50000)))
    assert api.last()["violations"] == [{
        "location": "query", "name": "currency", "keyword": "unknown",
        "message": "is not documented for check_balance", "pointer": "",
        "expected": None, "received": "INR", "ignored": True,
        "text": "query parameter 'currency' is not documented for check_balance",
    }]
    answer = send(api, "9876543210", sender_id="OTHER")
    assert (answer.status, answer.json["data"]["sender_id"]) == (200, "QCOMM")  # the template's sender still
    [violation] = api.last()["violations"]
    assert (violation["name"], violation["keyword"], violation["ignored"]) == ("sender_id", "unknown", True)


def test_a_body_is_not_read_on_these_get_operations(api: Api) -> None:
    """No QuickCom operation takes a body: parameters sent as a form body are missing (422); any body is ignored."""
    answer = api.get(f"{BASE}/send-message", params=AUTH,
                     data={"mobile_numbers": "9876543210", **DOCUMENT_SEND})
    assert api.last()["content_type"] == "application/x-www-form-urlencoded"
    assert answer.status == 422
    assert answer.json == failed("09:30:00", "The dlt template id field is required. (and 2 more errors)", {
        "dlt_template_id": ["The dlt template id field is required."],
        "mobile_numbers": ["The mobile numbers field is required."],
        "route_type": ["The route type field is required."],
    }, "VALIDATION_ERROR")

    answer = api.get(f"{BASE}/check-balance", params=AUTH, data="hello", headers={"Content-Type": "text/plain"})
    assert (answer.status, answer.json) == (200, ok("09:30:00", RETRIEVED, balance(114830, 50000)))
    assert (api.last()["content_type"], api.last()["violations"]) == ("text/plain", [])


# ---------------------------------------------------------------------------------------------------------
# The spec's own error examples
# ---------------------------------------------------------------------------------------------------------


def _exceed_limit(api: Api) -> Answer:
    api.mock.set_limit("quickcom", 1, 86400)
    call(api, "account-status")
    return call(api, "account-status")


def _empty_balance(api: Api) -> Answer:
    load_account(api, "ZERO", "Z", 0, 0)
    return send(api, "9876543210,8765432109", {"app_key": "ZERO", "app_secret": "Z"})


# (response component, example name) -> the request that should produce it.
SPEC_EXAMPLES = {
    ("Unauthorized", "missing_credentials"): lambda api: api.get(f"{BASE}/check-balance"),
    ("Unauthorized", "wrong_credentials"): lambda api: call(api, "check-balance", {"app_key": KEY, "app_secret": "x"}),
    ("InsufficientBalance", "transactional"): _empty_balance,
    ("TemplateOrRouteNotFound", "unknown_template"): lambda api: send(api, "9876543210", dlt_template_id="1507162019748109499"),
    ("NotFound", "unknown_path"): lambda api: api.get(f"{BASE}/send-sms", params=AUTH),
    ("TemplateOrRouteNotFound", "unknown_path"): lambda api: api.get(f"{BASE}/send-sms", params=AUTH),
    ("MethodNotAllowed", "post_send_message"): lambda api: api.post(f"{BASE}/send-message", params=AUTH),
    ("ValidationError", "missing_mobile_numbers"): lambda api: call(api, "send-message", **DOCUMENT_SEND),
    ("ValidationError", "invalid_route_type"): lambda api: send(api, "9876543210", route_type="5"),
    ("ValidationError", "missing_template_variable"): lambda api: send(api, "9876543210", v2=""),
    ("ValidationError", "invalid_per_page_record"): lambda api: call(api, "campaign-list", per_page_record="0"),
    ("TooManyRequests", "daily_limit"): _exceed_limit,
}


@pytest.mark.parametrize(
    "key",
    list(SPEC_EXAMPLES),
    ids=lambda k: f"{k[0]}-{k[1]}",
)
def test_error_answers_are_the_specs_examples(api: Api, key: tuple[str, str]) -> None:
    """Each error example in specs/quickcom.yaml is, times aside, exactly what the mock answers in that situation."""
    component, name = key
    spec = api.mock.providers["quickcom"].spec
    response = spec.document["components"]["responses"][component]
    example, _ = spec.deref(response["content"]["application/json"]["examples"][name], "#")
    expected = dict(example["value"])
    answer = SPEC_EXAMPLES[key](api)
    body = answer.json
    assert (body.pop("intime"), body.pop("outtime")) == (stamps("09:30:00")["intime"], stamps("09:30:00")["outtime"])
    del expected["intime"], expected["outtime"]
    assert body == expected
    assert [h for h in response.get("headers", {}) if h not in answer.headers] == []
