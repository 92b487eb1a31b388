"""QuickCom behaviour, driven directly (no HTTP); every rendered body is checked against the spec."""
from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

import smsmock
from smsmock.errors import Kind, ProviderError
from smsmock.providers.base import Ok, RateLimit, Reply
from smsmock.providers.quickcom import QuickComProvider
from smsmock.spec import Spec, pointer_join
from smsmock.state import Clock, Ids, Outbox, SharedState

UTC = timezone.utc
SEED_PATH = Path(smsmock.__file__).with_name("seed.yaml")
KEY, SECRET = "YOUR_KEY", "YOUR_SECRET"
OTP_ID, ORDER_ID = "1507162019748109480", "1507162019748109481"
START = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # 15:00 IST
QUERY_CREDENTIALS = {"appKey": KEY, "appSecret": SECRET}


# ---------------------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> Spec:
    return smsmock.load_bundled()["quickcom"]


def default_seed() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(SEED_PATH.read_text(encoding="utf-8"))["quickcom"])


def make(spec: Spec, seed: dict[str, Any] | None = None, *, start: datetime = START, limit: RateLimit | None = None):
    limits = {"quickcom": limit} if limit else {}
    env = SharedState(clock=Clock(start), ids=Ids(0), outbox=Outbox(), limits=limits)
    provider = QuickComProvider(spec, env)
    provider.load(default_seed() if seed is None else seed)
    return provider


@pytest.fixture
def qc(spec: Spec) -> QuickComProvider:
    return make(spec)


def second_account_seed() -> dict[str, Any]:
    """The default seed plus a poor second account with a long GSM template and an unapproved one."""
    seed = default_seed()
    seed["accounts"].append(
        {
            "app_key": "OTHER",
            "app_secret": "s3-cr-et",  # a secret with dashes: the header splits on the first "-" only
            "profile": {"user_number": 17, "name": "Asha Rao", "email": "asha@example.com", "mobile": "9123456780"},
            "transaction_balance": 3,
            "promotional_balance": 0,
            "sender_ids": ["LONGTX"],
            "templates": [
                {
                    "template_name": "Long",
                    "sender_id": "LONGTX",
                    "entity_id": "1234567890123456789",
                    "dlt_header_id": "1234567890123456791",
                    "dlt_message_template": "A" * 150 + " {#var#}",
                    "dlt_template_id": "1507162019748109490",
                },
                {
                    "template_name": "Pending approval",
                    "sender_id": "LONGTX",
                    "entity_id": "1234567890123456789",
                    "dlt_header_id": "1234567890123456791",
                    "is_for_unicode": 0,
                    "dlt_message_template": "Hello {#var#}",
                    "dlt_template_id": "1507162019748109491",
                    "status": 0,
                },
            ],
        }
    )
    return seed


def send_args(**overrides: Any) -> dict[str, Any]:
    """The document's send example, as the engine hands it over (coerced, defaults filled)."""
    args = {
        "dlt_template_id": ORDER_ID,
        "mobile_numbers": "9876543210,8765432109",
        "route_type": 1,
        "template_variables": {"v1": "QC12345", "v2": "2499"},
        "country_code": "91",
    }
    args.update(overrides)
    return args


def assert_valid(spec: Spec, pointer: str, body: Any) -> None:
    schema = pointer_join(pointer, "content", "application/json", "schema")
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in spec.validator(schema).iter_errors(body)]
    assert not problems, f"{pointer}: {problems}\n{json.dumps(body, indent=1, ensure_ascii=False)}"


def assert_success(spec: Spec, qc: QuickComProvider, operation_id: str, result: Ok) -> dict[str, Any]:
    operation = spec.by_id[operation_id]
    body = qc.render(operation, result)
    _, pointer = spec.response(operation, 200)
    assert_valid(spec, pointer, body)
    return body


def assert_error(spec: Spec, qc: QuickComProvider, operation_id: str, error: ProviderError) -> Reply:
    reply = qc.render_error(error)
    _, pointer = spec.response(spec.by_id[operation_id], reply.status)
    assert_valid(spec, pointer, reply.body)
    return reply


def refused(call, *args: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        call(*args)
    return caught.value


# ---------------------------------------------------------------------------------------------------------
# The seed and the state
# ---------------------------------------------------------------------------------------------------------


def test_every_operation_has_a_handler(spec: Spec, qc: QuickComProvider) -> None:
    assert QuickComProvider.name == spec.provider == "quickcom"
    for operation in spec.operations:
        assert callable(qc.handler(operation)), operation.operation_id


def test_default_limit_is_the_documented_daily_limit() -> None:
    assert QuickComProvider.default_limit == RateLimit(100_000, 86_400)


def test_snapshot_is_json_and_reset_forgets(qc: QuickComProvider) -> None:
    qc.send_message(KEY, send_args())
    state = json.loads(json.dumps(qc.snapshot()))
    account = state["accounts"][0]
    assert account["app_key"] == KEY
    assert account["transaction_balance"] == 114828
    assert [t["dlt_template_id"] for t in account["templates"]] == [OTP_ID, ORDER_ID]
    assert account["campaigns"][0]["id"] == 1234567
    assert account["campaigns"][0]["message_ids"] == [f"{account['campaigns'][0]['uuid']}-{i}" for i in (1, 2)]
    assert state["failing_numbers"] == ["919000000666"]
    qc.reset()
    assert qc.snapshot() == {"accounts": [], "failing_numbers": []}


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda s: s["accounts"][0].pop("app_key"), "accounts[0].app_key"),
        (lambda s: s["accounts"].append(copy.deepcopy(s["accounts"][0])), "used twice"),
        (lambda s: s["accounts"][0].update(balance=5), "unknown keys ['balance']"),
        (lambda s: s["accounts"][0].update(transaction_balance=-1), "transaction_balance must be an integer >= 0"),
        (lambda s: s["accounts"][0].update(promotional_balance="5"), "promotional_balance must be an integer"),
        (lambda s: s["accounts"][0]["profile"].update(user_number="16"), "profile.user_number must be an integer"),
        (lambda s: s["accounts"][0]["templates"][0].update(dlt_template_id=1507162019748109480), "19 digits"),
        (lambda s: s["accounts"][0]["templates"][0].update(sender_id="NOPE"), "not one of the account's"),
        (lambda s: s["accounts"][0]["templates"][1].update(dlt_template_id=OTP_ID), "twice"),
        (lambda s: s["accounts"][0]["templates"][0].pop("dlt_message_template"), "lacks ['dlt_message_template']"),
        (lambda s: s["accounts"][0]["templates"][0].pop("entity_id"), "lacks ['entity_id']"),
        (lambda s: s["accounts"][0]["profile"].update(email="nobody"), "email must be an email address"),
        (lambda s: s["accounts"][0].update(active="yes"), "active must be true or false"),
        (lambda s: s["accounts"][0]["templates"][0].update(is_for_unicode=2), "is_for_unicode must be 0 or 1"),
        (lambda s: s.update(accounts={"app_key": "x"}), "accounts must be a list"),
        (lambda s: s.update(extra=1), "unknown keys ['extra']"),
    ],
)
def test_bad_seed_is_refused_with_a_clear_message(spec: Spec, mutate, words: str) -> None:
    seed = default_seed()
    mutate(seed)
    with pytest.raises(ValueError, match="quickcom seed") as caught:
        make(spec, seed)
    assert words in str(caught.value)


def test_a_bad_seed_changes_nothing(spec: Spec, qc: QuickComProvider) -> None:
    before = qc.snapshot()
    seed = second_account_seed()
    seed["accounts"][0]["app_key"] = "FRESH"
    seed["accounts"][1]["templates"][0]["dlt_template_id"] = "123"
    seed["failing_numbers"] = ["9000000777"]
    with pytest.raises(ValueError, match=r"accounts\[1\]\.templates\[0\]\.dlt_template_id"):
        qc.load(seed)
    assert qc.snapshot() == before


def test_load_adds_to_what_is_there(spec: Spec, qc: QuickComProvider) -> None:
    qc.load({"accounts": [{"app_key": "k", "app_secret": "s"}], "failing_numbers": ["+447911000666"]})
    assert sorted(qc.accounts) == ["YOUR_KEY", "k"]
    assert qc.snapshot()["failing_numbers"] == ["447911000666", "919000000666"]
    with pytest.raises(ValueError, match="used twice"):
        qc.load({"accounts": [{"app_key": "k", "app_secret": "t"}]})


def test_minimal_account_gets_document_defaults(spec: Spec) -> None:
    qc = make(spec, {"accounts": [{"app_key": "k", "app_secret": "s"}]})
    data = qc.check_balance("k", {}).data
    assert data["name"] == "John Doe" and data["transaction_balance"] == 0 and data["whatsapp_credit"] == "0.0000"
    assert qc.list_templates("k", {}).data == [] and qc.list_sender_ids("k", {}).data == []


# ---------------------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------------------


def test_query_pair_authenticates(spec: Spec, qc: QuickComProvider) -> None:
    assert qc.authenticate(QUERY_CREDENTIALS, spec.by_id["check_balance"]) == KEY


def test_header_authenticates_splitting_on_the_first_dash(spec: Spec) -> None:
    qc = make(spec, second_account_seed())
    operation = spec.by_id["check_balance"]
    assert qc.authenticate({"keySecretHeader": f"{KEY}-{SECRET}"}, operation) == KEY
    assert qc.authenticate({"keySecretHeader": "OTHER-s3-cr-et"}, operation) == "OTHER"


def test_nothing_sent_is_auth_missing(spec: Spec, qc: QuickComProvider) -> None:
    error = refused(qc.authenticate, {}, spec.by_id["list_templates"])
    assert error.kind is Kind.AUTH_MISSING
    assert error.fields == {
        "app_key": ["The app key field is required."],
        "app_secret": ["The app secret field is required."],
    }
    assert refused(qc.authenticate, {"appKey": "", "keySecretHeader": " "}, spec.by_id["list_templates"]).kind is (
        Kind.AUTH_MISSING
    )
    reply = assert_error(spec, qc, "list_templates", error)
    assert reply.status == 401
    assert reply.body["message"] == "API credentials are missing."
    assert reply.body["error_code"] == "INVALID_CREDENTIALS"
    assert reply.body["errors"] == error.fields


@pytest.mark.parametrize(
    "credentials",
    [
        {"appKey": KEY, "appSecret": "wrong"},
        {"appKey": "nobody", "appSecret": SECRET},
        {"keySecretHeader": f"{KEY}-wrong"},
        {"keySecretHeader": f"{KEY}{SECRET}"},  # no dash: malformed
        {"keySecretHeader": f"{KEY}-"},
        {"keySecretHeader": f"-{SECRET}"},
        {"keySecretHeader": f"Bearer {KEY}-{SECRET}"},
        # The query pair, when present, is what counts (even beside a good header).
        {"appKey": KEY, "appSecret": "wrong", "keySecretHeader": f"{KEY}-{SECRET}"},
    ],
)
def test_wrong_or_malformed_credentials_are_auth_invalid(spec: Spec, qc: QuickComProvider, credentials) -> None:
    error = refused(qc.authenticate, credentials, spec.by_id["send_message"])
    assert error.kind is Kind.AUTH_INVALID
    reply = assert_error(spec, qc, "send_message", error)
    assert (reply.status, reply.body["message"], reply.body["errors"]) == (401, "Invalid app_key or app_secret.", {})


def test_half_a_query_pair_is_auth_invalid_naming_the_other(spec: Spec, qc: QuickComProvider) -> None:
    error = refused(qc.authenticate, {"appKey": KEY, "keySecretHeader": f"{KEY}-{SECRET}"}, spec.by_id["send_message"])
    assert error.kind is Kind.AUTH_INVALID
    assert error.fields == {"app_secret": ["The app secret field is required."]}
    assert assert_error(spec, qc, "send_message", error).status == 401


# ---------------------------------------------------------------------------------------------------------
# Account operations
# ---------------------------------------------------------------------------------------------------------


def test_account_status(spec: Spec, qc: QuickComProvider) -> None:
    body = assert_success(spec, qc, "get_account_status", qc.get_account_status(KEY, {}))
    assert body == {
        "status": True,
        "intime": "2026-01-15T09:30:00.000000Z",
        "outtime": "2026-01-15T09:30:00.005000Z",
        "message": "Account is in active status.",
        "data": {"is_account_activated": True},
        "errors": {},
        "error_code": None,
    }


def test_inactive_account_status(spec: Spec) -> None:
    qc = make(spec, {"accounts": [{"app_key": "k", "app_secret": "s", "active": False}]})
    body = assert_success(spec, qc, "get_account_status", qc.get_account_status("k", {}))
    assert body["data"] == {"is_account_activated": False}
    assert body["message"] == "Account is in inactive status."


def test_check_balance_has_the_documented_fields_and_types(spec: Spec, qc: QuickComProvider) -> None:
    body = assert_success(spec, qc, "check_balance", qc.check_balance(KEY, {}))
    assert body["message"] == "Information successfully retrieved."
    assert body["data"] == {
        "user_number": 16,
        "name": "John Doe",
        "email": "john@example.com",
        "mobile": "9876543210",
        "status": "1",
        "transaction_balance": 114830,
        "promotional_balance": 50000,
        "two_waysms_balance": 0,
        "voice_sms_balance": 0,
        "whatsapp_credit": "0.0000",
        "country": 99,
        "is_enabled_api_ip_security": 0,
        "ut": 2,
    }
    assert list(body["data"]) == list(spec.resolve_schema("#/components/schemas/Balance")["properties"])


def test_sender_ids(spec: Spec, qc: QuickComProvider) -> None:
    body = assert_success(spec, qc, "list_sender_ids", qc.list_sender_ids(KEY, {}))
    assert body["data"] == [{"sender_id": "QCOMM"}, {"sender_id": "ALERTS"}]


def test_templates_are_the_approved_ones_without_sender_id(spec: Spec) -> None:
    qc = make(spec, second_account_seed())
    body = assert_success(spec, qc, "list_templates", qc.list_templates(KEY, {}))
    assert body["data"][0] == {
        "template_name": "OTP",
        "entity_id": "1234567890123456789",
        "dlt_header_id": "1234567890123456789",
        "is_for_unicode": 0,
        "dlt_message_template": "Your OTP is {#var#}. Valid for {#var#} minutes.",
        "dlt_template_id": OTP_ID,
        "status": 1,
    }
    assert [t["dlt_template_id"] for t in body["data"]] == [OTP_ID, ORDER_ID]
    other = assert_success(spec, qc, "list_templates", qc.list_templates("OTHER", {}))
    assert [t["dlt_template_id"] for t in other["data"]] == ["1507162019748109490"]  # status 0 left out
    assert other["data"][0]["is_for_unicode"] == 0  # derived from the text when the seed omits it


# ---------------------------------------------------------------------------------------------------------
# send-message
# ---------------------------------------------------------------------------------------------------------


def test_send_the_documents_example(spec: Spec, qc: QuickComProvider) -> None:
    expected_uuid = Ids(0).uuid1(START)
    body = assert_success(spec, qc, "send_message", qc.send_message(KEY, send_args()))
    assert body["message"] == "Campaign successfully processed"
    assert body["data"] == {
        "campaign": "API",
        "sender_id": "ALERTS",
        "route_type": 1,
        "sms_type": 1,
        "message": "Your order QC12345 confirmed. Amount: ₹2499",
        "is_flash": 0,
        "campaign_send_date_time": "2026-01-15 15:00:00",
        "message_count": 43,  # the real length, not the document's 55
        "message_credit_size": 1,
        "total_contacts": 2,
        "total_credit_deduct": 2,
        "status": "Ready-to-complete",
        "uuid": expected_uuid,
        "total_invalid_number": 0,
    }
    assert uuid.UUID(expected_uuid).version == 1
    assert qc.check_balance(KEY, {}).data["transaction_balance"] == 114828
    assert qc.check_balance(KEY, {}).data["promotional_balance"] == 50000


def test_send_puts_one_outbox_message_per_number(qc: QuickComProvider) -> None:
    data = qc.send_message(KEY, send_args()).data
    messages = list(qc.env.outbox)
    assert [m.id for m in messages] == [f"{data['uuid']}-1", f"{data['uuid']}-2"]
    first = messages[0]
    assert (first.provider, first.account, first.sender, first.recipient) == ("quickcom", KEY, "ALERTS", "919876543210")
    assert messages[1].recipient == "918765432109"
    assert (first.text, first.encoding, first.segments, first.credits) == (data["message"], "UCS-2", 1, 1)
    assert (first.created_at, first.send_at, first.scheduled, first.fails) == (START, START, False, False)
    assert (first.campaign, first.operation) == (data["uuid"], "send_message")
    assert first.extra == {"campaign_id": 1234567, "route_type": 1, "is_flash": False}
    assert first.status(START) == "queued"


def test_otp_template_gsm_fill_and_flash(spec: Spec, qc: QuickComProvider) -> None:
    args = send_args(dlt_template_id=OTP_ID, route_type=0, is_flash=True, mobile_numbers="9876543210",
                     template_variables={"v1": "482913", "v2": "10", "v3": "ignored"})
    body = assert_success(spec, qc, "send_message", qc.send_message(KEY, args))
    data = body["data"]
    assert data["message"] == "Your OTP is 482913. Valid for 10 minutes."
    assert (data["sender_id"], data["route_type"], data["sms_type"], data["is_flash"]) == ("QCOMM", 0, 0, 1)
    assert (data["message_count"], data["message_credit_size"], data["total_credit_deduct"]) == (41, 1, 1)
    assert next(iter(qc.env.outbox)).encoding == "GSM-7"
    assert qc.check_balance(KEY, {}).data["transaction_balance"] == 114829


def test_numbers_in_every_indian_form_duplicates_kept_invalid_counted(spec: Spec, qc: QuickComProvider) -> None:
    numbers = "9876543210, +919876543211 ,09876543212,00919876543213,919876543214,12345,5876543210,9876543210"
    body = assert_success(spec, qc, "send_message", qc.send_message(KEY, send_args(mobile_numbers=numbers)))
    assert (body["data"]["total_contacts"], body["data"]["total_invalid_number"]) == (6, 2)
    assert body["data"]["total_credit_deduct"] == 6
    assert [m.recipient for m in qc.env.outbox] == [
        "919876543210", "919876543211", "919876543212", "919876543213", "919876543214", "919876543210",
    ]


def test_other_country_codes_accept_6_to_15_digits(qc: QuickComProvider) -> None:
    data = qc.send_message(KEY, send_args(country_code="+44", mobile_numbers="447911123456,12345,+4479111")).data
    assert (data["total_contacts"], data["total_invalid_number"]) == (2, 1)
    assert [m.recipient for m in qc.env.outbox] == ["447911123456", "4479111"]


def test_no_valid_number_is_a_validation_error(spec: Spec, qc: QuickComProvider) -> None:
    error = refused(qc.send_message, KEY, send_args(mobile_numbers="12345,5876543210"))
    assert error.kind is Kind.VALIDATION
    message = "The mobile numbers field must contain at least one valid mobile number."
    assert error.fields == {"mobile_numbers": [message]}
    reply = assert_error(spec, qc, "send_message", error)
    assert (reply.status, reply.body["message"], reply.body["error_code"]) == (422, message, "VALIDATION_ERROR")
    assert len(qc.env.outbox) == 0 and qc.check_balance(KEY, {}).data["transaction_balance"] == 114830


def test_long_gsm_text_costs_segments_times_numbers(spec: Spec) -> None:
    qc = make(spec, second_account_seed())
    qc.accounts["OTHER"].transaction_balance = 10
    args = send_args(dlt_template_id="1507162019748109490", mobile_numbers="9876543210,9876543211",
                     template_variables={"v1": "0123456789AB"})
    data = qc.send_message("OTHER", args).data
    assert (data["message_count"], data["message_credit_size"], data["total_credit_deduct"]) == (163, 2, 4)
    assert qc.accounts["OTHER"].transaction_balance == 6
    assert {(m.segments, m.credits) for m in qc.env.outbox} == {(2, 2)}


def test_unicode_over_70_characters_takes_two_segments(qc: QuickComProvider) -> None:
    data = qc.send_message(KEY, send_args(template_variables={"v1": "X" * 30, "v2": "9" * 30})).data
    assert data["message_count"] == 92 and data["message_credit_size"] == 2 and data["total_credit_deduct"] == 4


@pytest.mark.parametrize("template_id", ["1507162019748109499", "1507162019748109491", "1507162019748109490"])
def test_unknown_unapproved_or_foreign_template_is_not_found(spec: Spec, template_id: str) -> None:
    qc = make(spec, second_account_seed())
    account = "OTHER" if template_id == "1507162019748109491" else KEY
    error = refused(qc.send_message, account, send_args(dlt_template_id=template_id))
    assert error.kind is Kind.NOT_FOUND
    assert error.fields == {"dlt_template_id": ["The selected dlt template id is invalid."]}
    reply = assert_error(spec, qc, "send_message", error)
    assert (reply.status, reply.body["error_code"]) == (404, "TEMPLATE_NOT_FOUND")
    assert reply.body["message"] == "Template not found or not approved."


@pytest.mark.parametrize(
    ("variables", "fields", "message"),
    [
        ({"v1": "QC12345"}, {"v2": ["The v2 field is required."]}, "The v2 field is required."),
        ({"v1": "QC12345", "v2": ""}, {"v2": ["The v2 field is required."]}, "The v2 field is required."),
        (
            {"v3": "x"},
            {"v1": ["The v1 field is required."], "v2": ["The v2 field is required."]},
            "The v1 field is required. (and 1 more error)",
        ),
    ],
)
def test_missing_template_variable_is_named(spec: Spec, qc: QuickComProvider, variables, fields, message) -> None:
    error = refused(qc.send_message, KEY, send_args(template_variables=variables))
    assert (error.kind, error.fields) == (Kind.VALIDATION, fields)
    reply = assert_error(spec, qc, "send_message", error)
    assert (reply.status, reply.body["message"], reply.body["errors"]) == (422, message, fields)


def test_absent_template_variables_on_a_template_that_needs_them(qc: QuickComProvider) -> None:
    args = send_args()
    del args["template_variables"]
    assert refused(qc.send_message, KEY, args).fields == {
        "v1": ["The v1 field is required."], "v2": ["The v2 field is required."],
    }


def test_insufficient_balance_charges_nothing(spec: Spec) -> None:
    qc = make(spec, second_account_seed())
    args = send_args(dlt_template_id="1507162019748109490", mobile_numbers="9876543210,9876543211",
                     template_variables={"v1": "x"})  # 152 characters, one segment, 2 credits of 3
    qc.send_message("OTHER", args)
    error = refused(qc.send_message, "OTHER", args)
    assert error.kind is Kind.INSUFFICIENT_BALANCE
    assert error.fields == {"transaction_balance": ["The campaign needs 2 credits but only 1 are available."]}
    reply = assert_error(spec, qc, "send_message", error)
    assert (reply.status, reply.body["error_code"], reply.body["message"]) == (
        402, "INSUFFICIENT_BALANCE", "Insufficient balance.",
    )
    assert qc.accounts["OTHER"].transaction_balance == 1
    assert len(qc.env.outbox) == 2 and len(qc.accounts["OTHER"].campaigns) == 1


def test_promotional_route_draws_on_the_promotional_balance(spec: Spec, qc: QuickComProvider) -> None:
    qc.accounts[KEY].promotional_balance = 1
    error = refused(qc.send_message, KEY, send_args(route_type=2))
    assert error.fields == {"promotional_balance": ["The campaign needs 2 credits but only 1 are available."]}
    qc.send_message(KEY, send_args(route_type=2, mobile_numbers="9876543210"))
    balance = qc.check_balance(KEY, {}).data
    assert (balance["transaction_balance"], balance["promotional_balance"]) == (114830, 0)


def test_future_schedule_date_schedules_the_campaign(spec: Spec, qc: QuickComProvider) -> None:
    body = assert_success(spec, qc, "send_message", qc.send_message(KEY, send_args(schedule_date="2026-01-15 16:00:00")))
    assert body["data"]["status"] == "Scheduled"
    assert body["data"]["campaign_send_date_time"] == "2026-01-15 16:00:00"
    at = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)  # 16:00 IST
    assert {(m.send_at, m.scheduled, m.status(qc.now)) for m in qc.env.outbox} == {(at, True, "scheduled")}
    assert qc.check_balance(KEY, {}).data["transaction_balance"] == 114828  # charged when accepted


@pytest.mark.parametrize("schedule", ["2026-01-15 15:00:00", "2026-01-15 14:59:59", "2025-12-31 10:00:00"])
def test_past_or_present_schedule_date_sends_now(qc: QuickComProvider, schedule: str) -> None:
    data = qc.send_message(KEY, send_args(schedule_date=schedule)).data
    assert (data["status"], data["campaign_send_date_time"]) == ("Ready-to-complete", "2026-01-15 15:00:00")
    assert {(m.send_at, m.scheduled) for m in qc.env.outbox} == {(START, False)}


def test_impossible_schedule_date_is_a_validation_error(spec: Spec, qc: QuickComProvider) -> None:
    error = refused(qc.send_message, KEY, send_args(schedule_date="2026-02-30 10:00:00"))
    assert error.fields == {"schedule_date": ["The schedule date field must match the format Y-m-d H:i:s."]}
    assert assert_error(spec, qc, "send_message", error).status == 422


def test_promotional_send_after_21_ist_is_held_until_9_next_day(spec: Spec) -> None:
    late = datetime(2026, 1, 15, 16, 0, tzinfo=UTC)  # 21:30 IST
    qc = make(spec, start=late)
    data = qc.send_message(KEY, send_args(route_type=2)).data
    assert (data["status"], data["campaign_send_date_time"]) == ("Ready-to-complete", "2026-01-15 21:30:00")
    opening = datetime(2026, 1, 16, 3, 30, tzinfo=UTC)  # 09:00 IST
    assert {(m.send_at, m.scheduled, m.status(late)) for m in qc.env.outbox} == {(opening, False, "queued")}
    assert qc.list_campaigns(KEY, {}).data["data"][0]["campaign_current_stage"] == "Pending"
    qc.env.clock.advance((opening - late).total_seconds() + 3)
    assert qc.list_campaigns(KEY, {}).data["data"][0]["campaign_current_stage"] == "Completed"


def test_promotional_before_9_ist_waits_for_the_same_morning_transactional_does_not(spec: Spec) -> None:
    early = datetime(2026, 1, 15, 1, 0, tzinfo=UTC)  # 06:30 IST
    qc = make(spec, start=early)
    qc.send_message(KEY, send_args(route_type=2, mobile_numbers="9876543210"))
    qc.send_message(KEY, send_args(route_type=1, mobile_numbers="9876543210"))
    promotional, transactional = list(qc.env.outbox)
    assert promotional.send_at == datetime(2026, 1, 15, 3, 30, tzinfo=UTC)
    assert transactional.send_at == early


def test_scheduled_promotional_outside_the_window_is_held_further(spec: Spec, qc: QuickComProvider) -> None:
    data = qc.send_message(KEY, send_args(route_type=2, schedule_date="2026-01-15 22:00:00")).data
    assert (data["status"], data["campaign_send_date_time"]) == ("Scheduled", "2026-01-15 22:00:00")
    assert {m.send_at for m in qc.env.outbox} == {datetime(2026, 1, 16, 3, 30, tzinfo=UTC)}


def test_failing_numbers_fail(qc: QuickComProvider) -> None:
    qc.send_message(KEY, send_args(mobile_numbers="9876543210,+919000000666"))
    ok_message, failing = list(qc.env.outbox)
    assert (ok_message.fails, failing.fails) == (False, True)
    qc.env.clock.advance(3)
    assert (ok_message.status(qc.now), failing.status(qc.now)) == ("delivered", "failed")


# ---------------------------------------------------------------------------------------------------------
# campaign-list
# ---------------------------------------------------------------------------------------------------------


def test_campaign_list_empty(spec: Spec, qc: QuickComProvider) -> None:
    body = assert_success(spec, qc, "list_campaigns", qc.list_campaigns(KEY, {"per_page_record": 20, "page_number": 1}))
    assert body["data"] == {"data": [], "total": 0, "current_page": "1", "per_page_record": "20", "last_page": 1}


def test_campaign_list_stages_and_counts_follow_the_clock(spec: Spec, qc: QuickComProvider) -> None:
    qc.send_message(KEY, send_args(mobile_numbers="9876543210,9000000666,12345"))

    def campaign() -> dict[str, Any]:
        body = assert_success(spec, qc, "list_campaigns", qc.list_campaigns(KEY, {}))
        return body["data"]["data"][0]

    assert campaign() == {
        "id": 1234567,
        "campaign_name": "API",
        "sender_id": "ALERTS",
        "sms_type": "1",
        "message": "Your order QC12345 confirmed. Amount: ₹2499",
        "message_type": "2",
        "total_contacts": 2,
        "currently_delivered": 0,
        "currently_failed": 0,
        "campaign_current_stage": "Pending",
    }
    qc.env.clock.advance(1)
    assert campaign()["campaign_current_stage"] == "Processing"
    qc.env.clock.advance(2)
    stats = campaign()
    assert (stats["campaign_current_stage"], stats["currently_delivered"], stats["currently_failed"]) == (
        "Completed", 1, 1,
    )


def test_scheduled_campaign_stage_then_deliver_now(qc: QuickComProvider) -> None:
    qc.send_message(KEY, send_args(schedule_date="2026-01-15 16:00:00"))
    assert qc.list_campaigns(KEY, {}).data["data"][0]["campaign_current_stage"] == "Scheduled"
    qc.env.outbox.settle(qc.now)  # the admin's "deliver now"
    stats = qc.list_campaigns(KEY, {}).data["data"][0]
    assert (stats["campaign_current_stage"], stats["currently_delivered"]) == ("Completed", 2)


def test_partly_settled_campaign_is_processing(qc: QuickComProvider) -> None:
    data = qc.send_message(KEY, send_args()).data
    qc.env.outbox.settle(qc.now, ids=[f"{data['uuid']}-1"])
    assert qc.list_campaigns(KEY, {}).data["data"][0]["campaign_current_stage"] == "Processing"


def test_campaign_list_newest_first_paged_with_strings(spec: Spec, qc: QuickComProvider) -> None:
    for number in ("9876543210", "9876543211", "9876543212"):
        qc.send_message(KEY, send_args(dlt_template_id=OTP_ID, mobile_numbers=number,
                                       template_variables={"v1": number[-4:], "v2": "5"}))
    first = assert_success(spec, qc, "list_campaigns", qc.list_campaigns(KEY, {"per_page_record": 2, "page_number": 1}))
    assert [c["id"] for c in first["data"]["data"]] == [1234569, 1234568]
    assert {c["message_type"] for c in first["data"]["data"]} == {"1"}
    assert {k: v for k, v in first["data"].items() if k != "data"} == {
        "total": 3, "current_page": "1", "per_page_record": "2", "last_page": 2,
    }
    second = qc.list_campaigns(KEY, {"per_page_record": 2, "page_number": 2}).data
    assert [c["id"] for c in second["data"]] == [1234567] and second["current_page"] == "2"
    beyond = assert_success(spec, qc, "list_campaigns", qc.list_campaigns(KEY, {"per_page_record": 2, "page_number": 9}))
    assert beyond["data"]["data"] == [] and beyond["data"]["last_page"] == 2
    assert qc.list_campaigns(KEY, {}).data["per_page_record"] == "20"
    # Pages and page sizes far past any index (schemathesis sent these): an empty page, or every campaign.
    far = qc.list_campaigns(KEY, {"per_page_record": 3411077252, "page_number": 310496341089320832}).data
    assert far["data"] == [] and far["total"] == 3 and far["last_page"] == 1
    whole = qc.list_campaigns(KEY, {"per_page_record": 10**30, "page_number": 1}).data
    assert [c["id"] for c in whole["data"]] == [1234569, 1234568, 1234567]


def test_each_account_sees_only_its_own_campaigns(spec: Spec) -> None:
    qc = make(spec, second_account_seed())
    qc.send_message(KEY, send_args())
    assert qc.list_campaigns("OTHER", {}).data["total"] == 0
    assert qc.list_campaigns(KEY, {}).data["total"] == 1


# ---------------------------------------------------------------------------------------------------------
# Envelopes, errors, rate limit
# ---------------------------------------------------------------------------------------------------------


def test_times_follow_the_clock(spec: Spec, qc: QuickComProvider) -> None:
    qc.env.clock.advance(1.234567)
    body = qc.render(spec.by_id["list_sender_ids"], qc.list_sender_ids(KEY, {}))
    assert (body["intime"], body["outtime"]) == ("2026-01-15T09:30:01.234567Z", "2026-01-15T09:30:01.239567Z")
    reply = qc.render_error(ProviderError(Kind.AUTH_INVALID, "x"))
    assert (reply.body["intime"], reply.body["outtime"]) == (body["intime"], body["outtime"])


ROUTING = {Kind.NO_ROUTE: "not_found", Kind.WRONG_METHOD: "method_not_allowed", Kind.INTERNAL: "internal_error"}
# Each Kind: (status, error_code, an operation that declares the status).
EXPECTED = {
    Kind.AUTH_MISSING: (401, "INVALID_CREDENTIALS", "check_balance"),
    Kind.AUTH_INVALID: (401, "INVALID_CREDENTIALS", "list_campaigns"),
    Kind.VALIDATION: (422, "VALIDATION_ERROR", "list_campaigns"),
    Kind.NOT_FOUND: (404, "TEMPLATE_NOT_FOUND", "send_message"),
    Kind.CONFLICT: (422, "VALIDATION_ERROR", "send_message"),
    Kind.INSUFFICIENT_BALANCE: (402, "INSUFFICIENT_BALANCE", "send_message"),
    Kind.RATE_LIMITED: (429, "RATE_LIMIT_EXCEEDED", "get_account_status"),
    Kind.NO_ROUTE: (404, "ROUTE_NOT_FOUND", None),
    Kind.WRONG_METHOD: (405, "METHOD_NOT_ALLOWED", None),
    Kind.TOO_LARGE: (422, "VALIDATION_ERROR", "send_message"),
    Kind.INTERNAL: (500, "SERVER_ERROR", None),
}


def test_every_kind_is_covered() -> None:
    assert set(EXPECTED) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind), ids=lambda k: k.name)
def test_every_kind_renders_to_the_spec(spec: Spec, qc: QuickComProvider, kind: Kind) -> None:
    detail = {"limit": 100000, "remaining": 0, "reset": 3600} if kind is Kind.RATE_LIMITED else {}
    reply = qc.render_error(ProviderError(kind, "Something went wrong.", detail=detail))
    status, code, operation_id = EXPECTED[kind]
    if operation_id is None:
        ref = spec.document["x-smsmock-routing"][ROUTING[kind]]
        _, pointer = spec.deref(spec.at(ref), ref)
    else:
        _, pointer = spec.response(spec.by_id[operation_id], status)
    assert_valid(spec, pointer, reply.body)
    assert (reply.status, reply.body["status"], reply.body["data"], reply.body["error_code"]) == (
        status, False, None, code,
    )
    assert reply.headers["X-RateLimit-Limit"] == "100000"
    assert reply.headers["X-RateLimit-Remaining"] == ("0" if kind is Kind.RATE_LIMITED else "100000")
    declared, _ = spec.deref(spec.at(pointer), pointer)
    for name in declared.get("headers", {}):
        assert name in reply.headers, f"{kind.name}: header {name} missing"


def test_wrong_method_and_no_route_in_laravels_words(qc: QuickComProvider) -> None:
    detail = {"command": "send-message", "allowed": ["GET"], "method": "POST"}
    reply = qc.render_error(ProviderError(Kind.WRONG_METHOD, "POST is not allowed here", detail=detail))
    message = "The POST method is not supported for route api/v1/send-message. Supported methods: GET, HEAD."
    assert (reply.status, reply.body["message"], reply.headers["Allow"]) == (405, message, "GET, HEAD")
    route = qc.render_error(ProviderError(Kind.NO_ROUTE, "no operation", detail={"command": "send-sms"}))
    assert (route.body["message"], route.body["errors"]) == ("The route api/v1/send-sms could not be found.", {})


def test_routing_errors_without_detail_keep_the_engines_message(qc: QuickComProvider) -> None:
    reply = qc.render_error(ProviderError(Kind.WRONG_METHOD, "POST is not allowed here", detail={"command": "x"}))
    assert (reply.body["message"], reply.headers["Allow"]) == ("POST is not allowed here", "GET, HEAD")
    assert qc.render_error(ProviderError(Kind.NO_ROUTE, "no operation")).body["message"] == "no operation"


def test_auth_missing_from_the_engine_names_both_credentials(spec: Spec, qc: QuickComProvider) -> None:
    reply = assert_error(spec, qc, "send_message", ProviderError(Kind.AUTH_MISSING, "no credentials"))
    assert reply.body["errors"] == {
        "app_key": ["The app key field is required."],
        "app_secret": ["The app secret field is required."],
    }
    assert reply.body["message"] == "API credentials are missing."


def test_error_headers_carry_the_accounts_count_when_the_engine_gives_it(qc: QuickComProvider) -> None:
    headers = {"X-RateLimit-Limit": "100000", "X-RateLimit-Remaining": "99990"}
    reply = qc.render_error(ProviderError(Kind.NOT_FOUND, "x", headers=headers))
    assert reply.headers == headers


def test_too_large_and_engine_validation_name_a_field(spec: Spec, qc: QuickComProvider) -> None:
    too_large = qc.render_error(ProviderError(Kind.TOO_LARGE, "The request is too large."))
    assert too_large.body["errors"] == {"request": ["The request is too large."]}
    engine = ProviderError(
        Kind.VALIDATION,
        "invalid",
        fields={"route_type": ["The selected route type is invalid."], "mobile_numbers": ["a", "b"]},
    )
    reply = assert_error(spec, qc, "send_message", engine)
    assert reply.body["message"] == "The selected route type is invalid. (and 2 more errors)"
    assert reply.body["errors"] == engine.fields


def test_rate_limit_headers_and_429(spec: Spec) -> None:
    qc = make(spec, limit=RateLimit(2, 86400))
    assert qc.rate_limit(KEY) == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1"}
    qc.env.clock.advance(3600)
    assert qc.rate_limit(KEY) == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0"}
    error = refused(qc.rate_limit, KEY)
    assert error.kind is Kind.RATE_LIMITED
    reply = assert_error(spec, qc, "send_message", error)
    assert reply.status == 429 and reply.body["message"] == "Too Many Attempts."
    # 2026-01-15 10:30:00 UTC plus the 82,800 seconds left: the Unix time the window reopens.
    assert reply.headers == {
        "X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0", "Retry-After": "82800", "X-RateLimit-Reset": "1768555800",
    }
    assert qc.rate_limit("OTHER") == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1"}  # per account
    qc.env.clock.advance(82800)
    assert qc.rate_limit(KEY)["X-RateLimit-Remaining"] == "1"  # a new day
