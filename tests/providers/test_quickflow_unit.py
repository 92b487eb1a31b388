"""QuickFlow's behaviour, driven directly (no HTTP); every rendered body is checked against the spec."""
from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

import smsmock
from smsmock.errors import Kind, ProviderError
from smsmock.providers.base import Provider, RateLimit, Reply
from smsmock.providers.quickflow import QuickFlowProvider
from smsmock.spec import load_bundled, pointer_join
from smsmock.state import Clock, Ids, Message, Outbox, SharedState

UTC = timezone.utc
SPEC = load_bundled()["quickflow"]
SEED = yaml.safe_load((Path(smsmock.__file__).parent / "seed.yaml").read_text(encoding="utf-8"))["quickflow"]
ACCOUNT, SECRET, SENDER = "your_api_key", "your_api_secret", "YOUR_SENDER_ID"
NO_CACHE = "no-store,no-cache,must-revalidate,max-age=0"
START = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # state.DEFAULT_START
MESSAGES_SCHEMA = "#/components/schemas/ServerMessages/contentSchema"


# -- helpers -----------------------------------------------------------------


def make(seed: dict[str, Any] | None = None, start: datetime | None = None, **limits: RateLimit) -> QuickFlowProvider:
    """A provider on a fresh SharedState, loaded with the default seed (or another)."""
    env = SharedState(clock=Clock(start or START), ids=Ids(0), outbox=Outbox(), limits=dict(limits))
    provider = QuickFlowProvider(SPEC, env)
    provider.load(copy.deepcopy(SEED if seed is None else seed))
    return provider


@pytest.fixture
def qf() -> QuickFlowProvider:
    return make()


def schema_errors(schema_pointer: str, body: Any) -> list[str]:
    errors = SPEC.validator(schema_pointer).iter_errors(body)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def response_schema(op_id: str, status: int) -> str:
    found = SPEC.response(SPEC.by_id[op_id], status)
    assert found is not None, f"{op_id} declares no {status} response"
    _, pointer = found
    return pointer_join(pointer, "content", "application/json", "schema")


def server_messages(body: dict[str, Any]) -> list[str]:
    """The texts of ``_server_messages``, after checking both layers of JSON against the spec's contentSchema."""
    if "_server_messages" not in body:
        return []
    outer = json.loads(body["_server_messages"])
    assert schema_errors(MESSAGES_SCHEMA, outer) == []
    entries = [json.loads(entry) for entry in outer]
    for entry in entries:
        assert schema_errors(pointer_join(MESSAGES_SCHEMA, "items", "contentSchema"), entry) == []
        assert entry["title"] == "Message" and entry["indicator"] == "red" and entry["raise_exception"] == 1
    return [entry["message"] for entry in entries]


def call(provider: QuickFlowProvider, op_id: str, args: dict[str, Any], account: str = ACCOUNT) -> dict[str, Any]:
    """Run an operation, render it, check the body against the spec's 200 schema; the Frappe ``message``."""
    operation = SPEC.by_id[op_id]
    body = provider.render(operation, provider.handler(operation)(account, copy.deepcopy(args)))
    assert schema_errors(response_schema(op_id, 200), body) == []
    return body["message"]


def data(provider: QuickFlowProvider, op_id: str, args: dict[str, Any], account: str = ACCOUNT) -> Any:
    return call(provider, op_id, args, account)["data"]


def check_reply(reply: Reply, schema_pointer: str) -> None:
    assert schema_errors(schema_pointer, reply.body) == []
    assert reply.headers["Cache-Control"] == NO_CACHE
    server_messages(reply.body)


def refuse(
    provider: QuickFlowProvider, op_id: str, args: dict[str, Any], account: str = ACCOUNT
) -> tuple[ProviderError, Reply]:
    """Run an operation that must fail; render the error and check it against the spec's schema for its status."""
    operation = SPEC.by_id[op_id]
    with pytest.raises(ProviderError) as caught:
        provider.handler(operation)(account, copy.deepcopy(args))
    reply = provider.render_error(caught.value)
    check_reply(reply, response_schema(op_id, reply.status))
    return caught.value, reply


def response_example(op_id: str, status: int, name: str) -> Any:
    response, _ = SPEC.response(SPEC.by_id[op_id], status)
    example, _ = SPEC.deref(response["content"]["application/json"]["examples"][name], "")
    return example["value"]


def request_example(name: str) -> dict[str, Any]:
    return copy.deepcopy(SPEC.at(f"#/components/examples/{name}")["value"])


def move_to(provider: QuickFlowProvider, when: datetime) -> None:
    provider.env.clock.advance((when - provider.now).total_seconds())


def sms_args(**extra: Any) -> dict[str, Any]:
    """Send SMS arguments as the engine passes them (``type`` default filled in)."""
    args = {"recipient": "254700000000", "sender_id": SENDER, "message": "Hello from QuickFlow!", "type": "plain"}
    return {**args, **extra}


def seed_with(balance: float = 1000, **account: Any) -> dict[str, Any]:
    return {"accounts": [{"api_key": ACCOUNT, "api_secret": SECRET, "sender_ids": {SENDER: balance}, **account}]}


TWO_ACCOUNTS = {
    "failing_numbers": ["254700000666"],
    "accounts": [
        {
            "api_key": ACCOUNT,
            "api_secret": SECRET,
            "sender_ids": {SENDER: 100, "OTHER_ID": 50},
            "groups": [
                {"name": "Customers", "sender_id": SENDER, "contacts": [{"phone": "254700000001"}]},
                {"name": "Others", "sender_id": "OTHER_ID", "contacts": [{"phone": "254700000002"}]},
            ],
        },
        {
            "api_key": "second_key",
            "api_secret": "second_secret",
            "sender_ids": {SENDER: 10},
            "groups": [{"name": "Theirs", "sender_id": SENDER, "contacts": [{"phone": "254700000003"}]}],
        },
    ],
}

# Valid arguments for every operation against the default seed (after one send_sms).
ARGS: dict[str, dict[str, Any]] = {
    "send_sms": sms_args(),
    "send_campaign": {"contact_list_id": "GRP-0001", "sender_id": SENDER, "message": "Hi", "type": "plain"},
    "get_sms": {"uid": "SMS-0001"},
    "list_sms": {},
    "get_balance": {"sender_id": SENDER},
    "create_contact": {"sender_id": SENDER, "group_id": "GRP-0001", "phone": "254722000003"},
    "get_contact": {"sender_id": SENDER, "group_id": "GRP-0001", "uid": "CON-0001"},
    "update_contact": {"sender_id": SENDER, "group_id": "GRP-0001", "uid": "CON-0001", "last_name": "Otieno"},
    "delete_contact": {"sender_id": SENDER, "group_id": "GRP-0001", "uid": "CON-0002"},
    "list_contacts": {"sender_id": SENDER, "group_id": "GRP-0001"},
    "create_group": {"sender_id": SENDER, "name": "VIP"},
    "get_group": {"sender_id": SENDER, "group_id": "GRP-0001"},
    "update_group": {"sender_id": SENDER, "group_id": "GRP-0001", "name": "Renamed"},
    "delete_group": {"sender_id": SENDER, "group_id": "GRP-0002"},
    "list_groups": {"sender_id": SENDER},
}
WITH_SENDER = sorted(op for op, args in ARGS.items() if "sender_id" in args)
WITH_GROUP = sorted(op for op, args in ARGS.items() if "group_id" in args and op != "delete_group")
WITH_CONTACT = sorted(op for op, args in ARGS.items() if "uid" in args and op != "get_sms")


# -- structure ---------------------------------------------------------------


def test_one_handler_per_operation_and_no_other():
    own = {
        name
        for name in vars(QuickFlowProvider)
        if not name.startswith("_") and callable(getattr(QuickFlowProvider, name)) and not hasattr(Provider, name)
    }
    assert own - {"common_headers"} == set(SPEC.by_id)
    assert QuickFlowProvider.name == "quickflow" == SPEC.provider
    assert QuickFlowProvider.default_limit == RateLimit(None, 60)


def test_every_operation_renders_a_body_the_spec_accepts(qf):
    call(qf, "create_group", ARGS["create_group"])  # GRP-0002, empty, for delete_group
    for op_id in ("send_sms", *sorted(set(ARGS) - {"send_sms", "create_group"})):
        assert call(qf, op_id, ARGS[op_id])["status"] == "success"


def test_common_headers_are_frappes_no_cache(qf):
    assert qf.common_headers() == {"Cache-Control": NO_CACHE}


# -- seed, snapshot, reset ---------------------------------------------------


def test_default_seed_loads_into_the_snapshot(qf):
    stamp = "2026-01-15 09:30:00"
    assert qf.snapshot() == {
        "failing_numbers": ["254700000666"],
        "accounts": [
            {
                "api_key": ACCOUNT,
                "api_secret": SECRET,
                "sender_ids": {SENDER: 100000.0},
                "groups": [
                    {
                        "group_id": "GRP-0001",
                        "name": "Customers",
                        "sender_id": SENDER,
                        "contacts_count": 2,
                        "created_at": stamp,
                        "modified_at": stamp,
                        "contacts": [
                            {"uid": "CON-0001", "group_id": "GRP-0001", "phone": "254700000001", "first_name": "Amina",
                             "last_name": "Odhiambo", "created_at": stamp, "modified_at": stamp},
                            {"uid": "CON-0002", "group_id": "GRP-0001", "phone": "254711000002", "first_name": "Brian",
                             "last_name": "Kamau", "created_at": stamp, "modified_at": stamp},
                        ],
                    }
                ],
            }
        ],
        "messages": [],
        "campaigns": [],
    }


def test_seed_phones_are_normalised_and_names_optional():
    provider = make(seed_with(groups=[{"name": "G", "sender_id": SENDER, "contacts": [{"phone": "+254711000001"}]}]))
    contact = data(provider, "get_contact", {"sender_id": SENDER, "group_id": "GRP-0001", "uid": "CON-0001"})
    assert (contact["phone"], contact["first_name"], contact["last_name"]) == ("254711000001", None, None)


def test_snapshot_is_json_with_messages_and_campaigns(qf):
    call(qf, "send_campaign", ARGS["send_campaign"])
    snapshot = json.loads(json.dumps(qf.snapshot()))
    assert [m["uid"] for m in snapshot["messages"]] == ["SMS-0001", "SMS-0002"]
    assert snapshot["messages"][0]["account"] == ACCOUNT
    assert snapshot["campaigns"] == [
        {"campaign_id": "CMP-0001", "account": ACCOUNT, "sender_id": SENDER, "group_id": "GRP-0001",
         "uids": ["SMS-0001", "SMS-0002"], "created_at": "2026-01-15 09:30:00"}
    ]
    assert snapshot["accounts"][0]["sender_ids"] == {SENDER: 99998.0}


def test_reset_forgets_everything(qf):
    call(qf, "send_sms", sms_args())
    qf.reset()
    assert qf.snapshot() == {"failing_numbers": [], "accounts": [], "messages": [], "campaigns": []}
    with pytest.raises(ProviderError) as caught:
        qf.authenticate({"tokenAuth": f"token {ACCOUNT}:{SECRET}"}, SPEC.by_id["list_sms"])
    assert caught.value.kind is Kind.AUTH_INVALID


def one_account(**changes: Any) -> dict[str, Any]:
    """A seed section with one account, its keys changed (None: removed)."""
    account = {"api_key": "k", "api_secret": "s", "sender_ids": {"S": 1}, **changes}
    return {"accounts": [{key: value for key, value in account.items() if value is not None}]}


def one_group(**changes: Any) -> dict[str, Any]:
    return one_account(groups=[{"name": "G", "sender_id": "S", **changes}])


@pytest.mark.parametrize(
    ("seed", "reason"),
    [
        ([], "expected a mapping"),
        ({"accounts": {}}, "accounts: expected a list, got dict"),
        ({"failing_numbers": "254700000666"}, "failing_numbers: expected a list"),
        ({"failing_numbers": ["12345"]}, r"failing_numbers\[0\]: '12345' is not a Kenyan mobile"),
        ({"account": []}, "unknown key"),
        (one_account(api_secret=None), r"accounts\[0\]: missing key\(s\) \['api_secret'\]"),
        (one_account(api_key=""), "api_key: expected a non-empty"),
        (one_account(sender_ids={"S": -1}), r"sender_ids.S: expected a balance >= 0"),
        (one_account(sender_ids={"S": True}), "expected a balance"),
        (one_account(sender_ids={}), "non-empty mapping of sender ID"),
        (one_account(sender_id="S"), "unknown key"),
        (one_account(groups={}), r"accounts\[0\].groups: expected a list"),
        (one_group(sender_id="T"), r"groups\[0\].sender_id: 'T' is not one of \['S'\]"),
        (one_group(contacts=[{"phone": "0800"}]), r"groups\[0\].contacts\[0\].phone: '0800' is not a Kenyan mobile"),
        (one_group(contacts=[{"phone": "0700000000", "email": "x"}]), "unknown key"),
        ({"accounts": one_account()["accounts"] * 2}, r"api_key \['k'\] given more than once"),
    ],
)
def test_a_bad_seed_is_refused_with_a_clear_message(seed, reason):
    provider = make(seed_with())
    before = provider.snapshot()
    with pytest.raises(ValueError, match=reason):
        provider.load(seed)
    assert provider.snapshot() == before  # nothing half-loaded


def test_loading_an_existing_api_key_again_is_refused(qf):
    with pytest.raises(ValueError, match="given more than once"):
        qf.load(copy.deepcopy(SEED))


# -- authentication ----------------------------------------------------------


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "header",
    [
        f"token {ACCOUNT}:{SECRET}",
        f"Token {ACCOUNT}:{SECRET}",
        basic(f"{ACCOUNT}:{SECRET}"),
        "BASIC " + basic(f"{ACCOUNT}:{SECRET}").split()[1],
    ],
)
def test_token_and_basic_credentials_authenticate(qf, header):
    assert qf.authenticate({"tokenAuth": header, "basicAuth": header}, SPEC.by_id["send_sms"]) == ACCOUNT


@pytest.mark.parametrize("credentials", [{}, {"tokenAuth": ""}, {"tokenAuth": "  ", "basicAuth": "  "}])
def test_no_authorization_header_runs_as_guest_and_is_refused_403(qf, credentials):
    with pytest.raises(ProviderError) as caught:
        qf.authenticate(credentials, SPEC.by_id["send_sms"])
    assert caught.value.kind is Kind.AUTH_MISSING
    reply = qf.render_error(caught.value)
    check_reply(reply, response_schema("send_sms", 403))
    assert reply.status == 403
    assert reply.body == response_example("send_sms", 403, "no_credentials")
    assert server_messages(reply.body) == ["You are not permitted to access this resource."]


@pytest.mark.parametrize(
    "header",
    [
        f"token {ACCOUNT}:wrong",
        f"token nobody:{SECRET}",
        basic(f"{ACCOUNT}:wrong"),
        f"token {ACCOUNT}{SECRET}",  # no colon
        f"token {ACCOUNT}:{SECRET}:extra",  # Frappe unpacks exactly two parts
        f"token :{SECRET}",
        basic(f"{ACCOUNT}{SECRET}"),
        basic(f"{ACCOUNT}:{SECRET}:extra"),
        "Basic " + base64.b64encode(b"\xff\xfe:\xfd").decode(),  # not UTF-8: frappe.safe_decode keeps bytes
        f"Bearer {ACCOUNT}:{SECRET}",
        f"Digest {ACCOUNT}:{SECRET}",
        " ",  # two empty parts: checked, and neither token nor Basic
    ],
)
def test_wrong_or_malformed_credentials_are_refused_401_without_a_message(qf, header):
    with pytest.raises(ProviderError) as caught:
        qf.authenticate({"tokenAuth": header, "basicAuth": header}, SPEC.by_id["list_sms"])
    assert caught.value.kind is Kind.AUTH_INVALID
    reply = qf.render_error(caught.value)
    check_reply(reply, response_schema("list_sms", 401))
    assert (reply.status, reply.body) == (401, {"exc_type": "AuthenticationError"})
    assert reply.body == response_example("list_sms", 401, "bad_credentials")


@pytest.mark.parametrize(
    "header",
    ["", "token", f"{ACCOUNT}:{SECRET}", f"token  {ACCOUNT}:{SECRET}", f"token {ACCOUNT}:{SECRET} ",
     f" token {ACCOUNT}:{SECRET}", f"token\t{ACCOUNT}:{SECRET}", f"Basic {ACCOUNT} {SECRET}"],
    ids=["empty", "scheme-only", "no-scheme", "two-spaces", "trailing-space", "leading-space", "tab",
         "three-parts"],
)
def test_a_header_not_of_exactly_two_space_separated_parts_is_no_credentials(qf, header):
    """frappe.auth.validate_auth checks only ``split(" ")`` of exactly two parts: anything else is Guest, 403."""
    with pytest.raises(ProviderError) as caught:
        qf.authenticate({"tokenAuth": header, "basicAuth": header}, SPEC.by_id["list_sms"])
    assert caught.value.kind is Kind.AUTH_MISSING
    reply = qf.render_error(caught.value)
    check_reply(reply, response_schema("list_sms", 403))
    assert (reply.status, reply.body) == (403, response_example("list_sms", 403, "no_credentials"))


@pytest.mark.parametrize("token", ["!!!not-base64!!!", "abc", "a", "YWJjZA"], ids=["symbols", "3-chars", "1-char", "unpadded"])
def test_a_basic_token_that_is_not_base64_is_400_invalid_authorization_token(qf, token):
    """base64.b64decode as Frappe calls it (non-alphabet characters dropped); a binascii.Error is 400 with Frappe's text."""
    with pytest.raises(ProviderError) as caught:
        qf.authenticate({"tokenAuth": f"Basic {token}", "basicAuth": f"Basic {token}"}, SPEC.by_id["list_sms"])
    reply = qf.render_error(caught.value)
    check_reply(reply, response_schema("list_sms", 400))
    assert (reply.status, reply.body) == (400, response_example("list_sms", 400, "not_base64"))
    assert server_messages(reply.body) == ["Failed to decode token, please provide a valid base64-encoded token."]


def test_each_account_authenticates_with_its_own_secret():
    provider = make(TWO_ACCOUNTS)
    op = SPEC.by_id["list_sms"]
    assert provider.authenticate({"tokenAuth": "token second_key:second_secret"}, op) == "second_key"
    with pytest.raises(ProviderError):
        provider.authenticate({"tokenAuth": f"token second_key:{SECRET}"}, op)


# -- Send SMS ----------------------------------------------------------------


def test_send_sms_queues_one_message_and_charges_one_credit(qf):
    result = call(qf, "send_sms", sms_args())
    assert result == {
        "status": "success",
        "message": "SMS queued for 1 recipient",
        "data": {
            "messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "queued"}],
            "total_recipients": 1,
            "encoding": "GSM-7",
            "segments": 1,
            "credits": 1,
            "balance": 99999.0,
        },
    }
    assert data(qf, "get_balance", {"sender_id": SENDER}) == {"sender_id": SENDER, "balance": 99999.0}
    assert list(qf.env.outbox) == [
        Message(
            id="SMS-0001", provider="quickflow", account=ACCOUNT, sender=SENDER, recipient="254700000000",
            text="Hello from QuickFlow!", encoding="GSM-7", segments=1, credits=1, created_at=START, send_at=START,
            scheduled=False, fails=False, campaign=None, operation="send_sms",
            extra={"type": "plain", "dlt_template_id": None, "schedule_time": None},
        )
    ]


def test_recipients_are_split_trimmed_normalised_and_deduplicated(qf):
    result = call(qf, "send_sms", sms_args(recipient=" 254700000010 , +254711000011,,0722000012, 0700000010 "))
    assert result["message"] == "SMS queued for 3 recipients (1 duplicate number ignored)"
    assert [(m["uid"], m["recipient"]) for m in result["data"]["messages"]] == [
        ("SMS-0001", "254700000010"), ("SMS-0002", "254711000011"), ("SMS-0003", "254722000012"),
    ]
    assert (result["data"]["total_recipients"], result["data"]["credits"], result["data"]["balance"]) == (3, 3, 99997.0)
    assert [m.recipient for m in qf.env.outbox] == ["254700000010", "254711000011", "254722000012"]


def test_invalid_recipients_are_named_and_nothing_is_charged_or_sent(qf):
    error, reply = refuse(qf, "send_sms", sms_args(recipient="254700000000,2547000,0800123456"))
    assert error.kind is Kind.VALIDATION
    assert error.fields == {"recipient": ["Invalid phone number: 2547000", "Invalid phone number: 0800123456"]}
    assert reply.status == 417 and reply.body["exc_type"] == "ValidationError"
    assert server_messages(reply.body) == ["Invalid phone numbers: 2547000, 0800123456"]
    assert data(qf, "get_balance", {"sender_id": SENDER})["balance"] == 100000.0
    assert len(qf.env.outbox) == 0
    assert data(qf, "send_sms", sms_args())["messages"][0]["uid"] == "SMS-0001"  # no id was spent


def test_one_invalid_recipient_matches_the_spec_example(qf):
    _, reply = refuse(qf, "send_sms", sms_args(recipient="2547000"))
    assert reply.body == response_example("send_sms", 417, "invalid_recipient")


def test_a_list_of_only_commas_is_a_missing_recipient(qf):
    error, reply = refuse(qf, "send_sms", sms_args(recipient=" , ,"))
    assert (error.kind, error.fields) == (Kind.VALIDATION, {"recipient": ["Missing required argument: recipient"]})
    assert reply.body == response_example("send_sms", 417, "missing_argument")


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("{" * 80, "GSM-7", 1),  # extension characters count two
        ("€" * 81, "GSM-7", 2),
        ("Habari 😀" + "a" * 61, "UCS-2", 1),  # 70 UTF-16 units
        ("ü" + "ж" * 70, "UCS-2", 2),
        ("ж" * 135, "UCS-2", 3),
    ],
)
def test_credits_are_segments_times_recipients(qf, text, encoding, segments):
    result = data(qf, "send_sms", sms_args(recipient="254700000001,254700000002", message=text))
    assert (result["encoding"], result["segments"], result["credits"]) == (encoding, segments, 2 * segments)
    assert result["balance"] == 100000.0 - 2 * segments
    message = data(qf, "get_sms", {"uid": "SMS-0002"})
    assert (message["encoding"], message["segments"], message["credits"]) == (encoding, segments, segments)


def test_a_balance_that_cannot_cover_the_credits_is_refused_and_nothing_is_charged():
    provider = make(seed_with(balance=1))
    error, reply = refuse(provider, "send_sms", sms_args(recipient="254700000001,254700000002"))
    assert (error.kind, reply.status) == (Kind.INSUFFICIENT_BALANCE, 417)
    assert error.fields == {"sender_id": ["Insufficient balance: 2 credits needed, 1 available"]}
    assert reply.body == response_example("send_sms", 417, "insufficient_balance")
    assert data(provider, "get_balance", {"sender_id": SENDER})["balance"] == 1.0
    assert len(provider.env.outbox) == 0


def test_the_whole_balance_can_be_spent():
    provider = make(seed_with(balance=2))
    assert data(provider, "send_sms", sms_args(recipient="254700000001,254700000002"))["balance"] == 0.0
    error, _ = refuse(provider, "send_sms", sms_args())
    assert error.message == "Insufficient balance: 1 credits needed, 0 available"


def test_a_fractional_balance_is_written_as_is():
    provider = make(seed_with(balance=0.5))
    error, _ = refuse(provider, "send_sms", sms_args())
    assert error.message == "Insufficient balance: 1 credits needed, 0.5 available"


def test_type_and_dlt_template_id_are_stored(qf):
    call(qf, "send_sms", sms_args(type="unicode", dlt_template_id="1107161234567890123"))
    message = data(qf, "get_sms", {"uid": "SMS-0001"})
    assert (message["type"], message["dlt_template_id"]) == ("unicode", "1107161234567890123")
    assert qf.env.outbox.get("SMS-0001").extra["dlt_template_id"] == "1107161234567890123"


def test_status_follows_the_clock(qf):
    call(qf, "send_sms", sms_args())
    seen = []
    for step in (0, 0.5, 0.5, 1, 1):
        qf.env.clock.advance(step)
        message = data(qf, "get_sms", {"uid": "SMS-0001"})
        seen.append((message["status"], message["sent_at"], message["delivered_at"]))
    assert seen == [
        ("queued", None, None),
        ("queued", None, None),
        ("sent", "2026-01-15 09:30:01", None),
        ("sent", "2026-01-15 09:30:01", None),
        ("delivered", "2026-01-15 09:30:01", "2026-01-15 09:30:03"),
    ]


def test_a_future_schedule_time_schedules_the_messages_in_utc(qf):
    result = call(qf, "send_sms", sms_args(recipient="254700000001,254711000002", schedule_time="2026-01-15 10:00:00"))
    assert result["message"] == "SMS scheduled for 2 recipients"
    assert [m["status"] for m in result["data"]["messages"]] == ["scheduled", "scheduled"]
    assert qf.env.outbox.get("SMS-0001").send_at == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    assert qf.env.outbox.get("SMS-0001").scheduled is True
    statuses = []
    for moment in ("09:59:59", "10:00:00", "10:00:01", "10:00:03"):
        move_to(qf, datetime.fromisoformat(f"2026-01-15T{moment}+00:00"))
        message = data(qf, "get_sms", {"uid": "SMS-0002"})
        statuses.append((message["status"], message["schedule_time"], message["sent_at"], message["delivered_at"]))
    assert statuses == [
        ("scheduled", "2026-01-15 10:00:00", None, None),
        ("queued", "2026-01-15 10:00:00", None, None),
        ("sent", "2026-01-15 10:00:00", "2026-01-15 10:00:01", None),
        ("delivered", "2026-01-15 10:00:00", "2026-01-15 10:00:01", "2026-01-15 10:00:03"),
    ]


@pytest.mark.parametrize("when", ["2026-01-15 09:30:00", "2020-01-01 00:00:00"])
def test_a_schedule_time_not_in_the_future_sends_now(qf, when):
    result = call(qf, "send_sms", sms_args(schedule_time=when))
    assert result["message"] == "SMS queued for 1 recipient"
    message = qf.env.outbox.get("SMS-0001")
    assert (message.send_at, message.scheduled) == (START, False)
    assert data(qf, "get_sms", {"uid": "SMS-0001"})["schedule_time"] == when


def test_an_impossible_schedule_time_is_refused(qf):
    error, reply = refuse(qf, "send_sms", sms_args(schedule_time="2026-13-40 25:00:00"))
    assert error.fields == {"schedule_time": ["Invalid schedule time: 2026-13-40 25:00:00"]}
    assert reply.status == 417 and len(qf.env.outbox) == 0


def test_a_failing_number_is_charged_and_then_fails(qf):
    result = data(qf, "send_sms", sms_args(recipient="254700000666,0700000001"))
    assert result["credits"] == 2
    assert [m.fails for m in qf.env.outbox] == [True, False]
    qf.env.clock.advance(3)
    failed, delivered = data(qf, "get_sms", {"uid": "SMS-0001"}), data(qf, "get_sms", {"uid": "SMS-0002"})
    assert (failed["status"], failed["sent_at"], failed["delivered_at"]) == ("failed", "2026-01-15 09:30:01", None)
    assert (delivered["status"], delivered["delivered_at"]) == ("delivered", "2026-01-15 09:30:03")


def test_settling_the_outbox_delivers_at_once(qf):
    call(qf, "send_sms", sms_args(schedule_time="2026-02-01 00:00:00"))
    qf.env.outbox.settle(qf.now)
    message = data(qf, "get_sms", {"uid": "SMS-0001"})
    assert (message["status"], message["delivered_at"]) == ("delivered", "2026-01-15 09:30:00")


def test_get_sms_of_an_unknown_uid_matches_the_spec_example(qf):
    error, reply = refuse(qf, "get_sms", {"uid": "SMS-9999"})
    assert (error.kind, error.fields) == (Kind.NOT_FOUND, {"uid": ["SMS SMS-9999 not found"]})
    assert reply.status == 404
    assert reply.body == response_example("get_sms", 404, "unknown_sms")


def test_list_sms_is_the_accounts_messages_newest_first():
    provider = make(TWO_ACCOUNTS)
    call(provider, "send_sms", sms_args(recipient="254700000001,254700000002"))
    call(provider, "send_sms", sms_args(), account="second_key")
    provider.env.clock.advance(60)
    call(provider, "send_sms", sms_args(sender_id="OTHER_ID", message="Later"))
    result = call(provider, "list_sms", {})
    assert result["message"] == "3 SMS found"
    assert [(m["uid"], m["sender_id"], m["created_at"]) for m in result["data"]] == [
        ("SMS-0004", "OTHER_ID", "2026-01-15 09:31:00"),
        ("SMS-0002", SENDER, "2026-01-15 09:30:00"),
        ("SMS-0001", SENDER, "2026-01-15 09:30:00"),
    ]
    assert call(provider, "list_sms", {}, account="second_key")["message"] == "1 SMS found"
    assert make(seed_with()).list_sms(ACCOUNT, {}).message == "0 SMS found"


# -- Send Campaign -----------------------------------------------------------


def test_a_campaign_sends_to_every_contact_of_the_group(qf):
    result = call(qf, "send_campaign", ARGS["send_campaign"])
    assert result == {
        "status": "success",
        "message": "Campaign queued for 2 recipients",
        "data": {
            "campaign_id": "CMP-0001", "group_id": "GRP-0001", "total_recipients": 2, "encoding": "GSM-7",
            "segments": 1, "credits": 2, "balance": 99998.0, "status": "queued",
        },
    }
    assert [(m.id, m.recipient, m.campaign, m.operation) for m in qf.env.outbox] == [
        ("SMS-0001", "254700000001", "CMP-0001", "send_campaign"),
        ("SMS-0002", "254711000002", "CMP-0001", "send_campaign"),
    ]
    assert data(qf, "get_sms", {"uid": "SMS-0002"})["campaign_id"] == "CMP-0001"


def test_a_scheduled_campaign(qf):
    args = {**ARGS["send_campaign"], "message": "ж" * 71, "schedule_time": "2026-01-16 08:00:00"}
    result = call(qf, "send_campaign", args)
    assert result["message"] == "Campaign scheduled for 2 recipients"
    assert {k: result["data"][k] for k in ("encoding", "segments", "credits", "status")} == {
        "encoding": "UCS-2", "segments": 2, "credits": 4, "status": "scheduled",
    }
    assert {m.send_at for m in qf.env.outbox} == {datetime(2026, 1, 16, 8, tzinfo=UTC)}


def test_a_campaign_to_an_empty_group_is_refused(qf):
    call(qf, "create_group", ARGS["create_group"])
    error, reply = refuse(qf, "send_campaign", {**ARGS["send_campaign"], "contact_list_id": "GRP-0002"})
    assert error.fields == {"contact_list_id": ["Contact group GRP-0002 has no contacts"]}
    assert reply.body == response_example("send_campaign", 417, "empty_group")


def test_a_campaign_the_balance_cannot_cover_spends_no_campaign_id():
    contacts = [{"phone": "0700000001"}, {"phone": "0700000002"}]
    provider = make(seed_with(balance=1, groups=[{"name": "G", "sender_id": SENDER, "contacts": contacts}]))
    error, _ = refuse(provider, "send_campaign", ARGS["send_campaign"])
    assert error.kind is Kind.INSUFFICIENT_BALANCE
    group = {"name": "G", "sender_id": SENDER, "contacts": contacts[:1]}
    provider.load({"accounts": [{"api_key": "rich", "api_secret": "s", "sender_ids": {SENDER: 9}, "groups": [group]}]})
    result = data(provider, "send_campaign", {**ARGS["send_campaign"], "contact_list_id": "GRP-0002"}, "rich")
    assert result["campaign_id"] == "CMP-0001"


@pytest.mark.parametrize(("group_id", "account"), [("GRP-0002", ACCOUNT), ("GRP-0003", ACCOUNT), ("GRP-9999", ACCOUNT)])
def test_a_campaign_to_a_group_of_another_sender_id_or_account_is_not_found(group_id, account):
    provider = make(TWO_ACCOUNTS)
    error, reply = refuse(provider, "send_campaign", {**ARGS["send_campaign"], "contact_list_id": group_id}, account)
    assert (error.kind, error.fields) == (Kind.NOT_FOUND, {"contact_list_id": [f"Contact Group {group_id} not found"]})
    assert reply.status == 404


# -- groups and contacts -----------------------------------------------------


def test_group_lifecycle(qf):
    created = call(qf, "create_group", {"sender_id": SENDER, "name": "VIP"})
    assert created == {
        "status": "success",
        "message": "Contact group created",
        "data": {"group_id": "GRP-0002", "name": "VIP", "sender_id": SENDER, "contacts_count": 0,
                 "created_at": "2026-01-15 09:30:00", "modified_at": "2026-01-15 09:30:00"},
    }
    qf.env.clock.advance(90)
    renamed = call(qf, "update_group", {"sender_id": SENDER, "group_id": "GRP-0002", "name": "Gold"})
    assert renamed["message"] == "Contact group updated"
    assert (renamed["data"]["name"], renamed["data"]["modified_at"]) == ("Gold", "2026-01-15 09:31:30")
    assert data(qf, "get_group", {"sender_id": SENDER, "group_id": "GRP-0002"}) == renamed["data"]
    listed = call(qf, "list_groups", {"sender_id": SENDER})
    assert listed["message"] == "2 contact groups found"
    assert [(g["group_id"], g["contacts_count"]) for g in listed["data"]] == [("GRP-0002", 0), ("GRP-0001", 2)]
    assert call(qf, "delete_group", {"sender_id": SENDER, "group_id": "GRP-0002"}) == {
        "status": "success", "message": "Contact group deleted", "data": {"group_id": "GRP-0002"},
    }
    assert call(qf, "list_groups", {"sender_id": SENDER})["message"] == "1 contact group found"
    error, _ = refuse(qf, "get_group", {"sender_id": SENDER, "group_id": "GRP-0002"})
    assert error.kind is Kind.NOT_FOUND


def test_a_group_with_contacts_cannot_be_deleted_until_they_are(qf):
    args = {"sender_id": SENDER, "group_id": "GRP-0001"}
    error, reply = refuse(qf, "delete_group", args)
    assert (error.kind, reply.status, reply.body["exc_type"]) == (Kind.CONFLICT, 417, "LinkExistsError")
    linked = "Cannot delete or cancel because Contact Group GRP-0001 is linked with Contact CON-0001"
    assert error.fields == {"group_id": [linked]}
    assert reply.body == response_example("delete_group", 417, "group_has_contacts")
    call(qf, "delete_contact", {**args, "uid": "CON-0001"})
    _, reply = refuse(qf, "delete_group", args)
    assert "linked with Contact CON-0002" in server_messages(reply.body)[0]
    call(qf, "delete_contact", {**args, "uid": "CON-0002"})
    assert data(qf, "delete_group", args) == {"group_id": "GRP-0001"}


def test_contact_lifecycle(qf):
    group = {"sender_id": SENDER, "group_id": "GRP-0001"}
    qf.env.clock.advance(60)
    created = call(qf, "create_contact", {**group, "phone": "+254712345678", "first_name": "Jane"})
    assert created == {
        "status": "success",
        "message": "Contact created",
        "data": {"uid": "CON-0003", "group_id": "GRP-0001", "phone": "254712345678", "first_name": "Jane",
                 "last_name": None, "created_at": "2026-01-15 09:31:00", "modified_at": "2026-01-15 09:31:00"},
    }
    qf.env.clock.advance(60)
    updated = call(qf, "update_contact", {**group, "uid": "CON-0003", "last_name": "Wanjiru", "phone": "0112345678"})
    assert updated["message"] == "Contact updated"
    assert updated["data"] == {**created["data"], "phone": "254112345678", "last_name": "Wanjiru",
                               "modified_at": "2026-01-15 09:32:00"}
    assert call(qf, "get_contact", {**group, "uid": "CON-0003"}) == {**updated, "message": "Contact retrieved"}
    listed = call(qf, "list_contacts", group)
    assert listed["message"] == "3 contacts found"
    assert [c["uid"] for c in listed["data"]] == ["CON-0003", "CON-0002", "CON-0001"]
    assert data(qf, "get_group", group)["contacts_count"] == 3
    assert call(qf, "delete_contact", {**group, "uid": "CON-0003"}) == {
        "status": "success", "message": "Contact deleted", "data": {"uid": "CON-0003"},
    }
    error, _ = refuse(qf, "get_contact", {**group, "uid": "CON-0003"})
    assert error.kind is Kind.NOT_FOUND


def test_update_contact_changes_only_the_fields_given(qf):
    before = data(qf, "get_contact", ARGS["get_contact"])
    after = data(qf, "update_contact", {**ARGS["get_contact"], "first_name": ""})
    assert after == {**before, "first_name": ""}


@pytest.mark.parametrize("op_id", ["create_contact", "update_contact"])
def test_an_invalid_contact_phone_is_refused_and_nothing_changes(qf, op_id):
    before = qf.snapshot()
    error, reply = refuse(qf, op_id, {**ARGS[op_id], "phone": "2547000"})
    assert (error.kind, error.fields) == (Kind.VALIDATION, {"phone": ["Invalid phone number: 2547000"]})
    assert reply.body == response_example(op_id, 417, "invalid_recipient")
    assert qf.snapshot() == before


def test_list_contacts_of_an_empty_group(qf):
    call(qf, "create_group", ARGS["create_group"])
    assert call(qf, "list_contacts", {"sender_id": SENDER, "group_id": "GRP-0002"})["data"] == []


def test_list_groups_is_per_sender_id():
    provider = make(TWO_ACCOUNTS)
    assert [g["group_id"] for g in data(provider, "list_groups", {"sender_id": SENDER})] == ["GRP-0001"]
    assert [g["group_id"] for g in data(provider, "list_groups", {"sender_id": "OTHER_ID"})] == ["GRP-0002"]
    assert [g["group_id"] for g in data(provider, "list_groups", {"sender_id": SENDER}, "second_key")] == ["GRP-0003"]


# -- not found ---------------------------------------------------------------


@pytest.mark.parametrize("op_id", WITH_SENDER)
def test_an_unknown_sender_id_is_not_found(qf, op_id):
    error, reply = refuse(qf, op_id, {**ARGS[op_id], "sender_id": "UNKNOWN_ID"})
    assert (error.kind, error.fields) == (Kind.NOT_FOUND, {"sender_id": ["Sender ID UNKNOWN_ID not found"]})
    assert reply.status == 404
    assert reply.body == response_example(op_id, 404, "unknown_sender_id")


@pytest.mark.parametrize("op_id", [*WITH_GROUP, "delete_group"])
def test_an_unknown_group_is_not_found(qf, op_id):
    error, reply = refuse(qf, op_id, {**ARGS[op_id], "group_id": "GRP-9999"})
    assert error.fields == {"group_id": ["Contact Group GRP-9999 not found"]}
    assert reply.body == response_example(op_id, 404, "unknown_group")


@pytest.mark.parametrize("op_id", WITH_CONTACT)
def test_an_unknown_contact_is_not_found(qf, op_id):
    error, reply = refuse(qf, op_id, {**ARGS[op_id], "uid": "CON-9999"})
    assert error.fields == {"uid": ["Contact CON-9999 not found"]}
    assert reply.body == response_example(op_id, 404, "unknown_contact")


@pytest.mark.parametrize("op_id", WITH_GROUP)
def test_a_group_of_another_sender_id_is_not_found(op_id):
    provider = make(TWO_ACCOUNTS)  # GRP-0002 belongs to OTHER_ID
    error, _ = refuse(provider, op_id, {**ARGS[op_id], "group_id": "GRP-0002", "uid": "CON-0002"})
    assert error.fields == {"group_id": ["Contact Group GRP-0002 not found"]}


@pytest.mark.parametrize("op_id", [*WITH_GROUP, "delete_group"])
def test_another_accounts_group_is_not_found_never_forbidden(op_id):
    provider = make(TWO_ACCOUNTS)  # GRP-0003 and CON-0003 belong to second_key
    error, reply = refuse(provider, op_id, {**ARGS[op_id], "group_id": "GRP-0003", "uid": "CON-0003"})
    assert (error.kind, reply.status) == (Kind.NOT_FOUND, 404)
    assert data(provider, "get_group", {"sender_id": SENDER, "group_id": "GRP-0003"}, "second_key")["name"] == "Theirs"


@pytest.mark.parametrize("op_id", WITH_CONTACT)
def test_a_contact_of_another_group_is_not_found(op_id):
    provider = make(TWO_ACCOUNTS)  # CON-0002 is in GRP-0002
    error, _ = refuse(provider, op_id, {**ARGS[op_id], "group_id": "GRP-0001", "uid": "CON-0002"})
    assert error.fields == {"uid": ["Contact CON-0002 not found"]}


def test_another_accounts_message_is_not_found():
    provider = make(TWO_ACCOUNTS)
    call(provider, "send_sms", sms_args(), account="second_key")
    error, _ = refuse(provider, "get_sms", {"uid": "SMS-0001"})
    assert error.fields == {"uid": ["SMS SMS-0001 not found"]}
    assert data(provider, "get_sms", {"uid": "SMS-0001"}, "second_key")["uid"] == "SMS-0001"


def test_balances_are_per_sender_id_and_per_account():
    provider = make(TWO_ACCOUNTS)
    call(provider, "send_sms", sms_args(sender_id="OTHER_ID"))
    assert data(provider, "get_balance", {"sender_id": "OTHER_ID"})["balance"] == 49.0
    assert data(provider, "get_balance", {"sender_id": SENDER})["balance"] == 100.0
    assert data(provider, "get_balance", {"sender_id": SENDER}, "second_key")["balance"] == 10.0


# -- errors the engine raises ------------------------------------------------

ROUTING = SPEC.document["x-smsmock-routing"]


def component_schema(pointer: str) -> str:
    return pointer_join(pointer, "content", "application/json", "schema")


def test_an_unknown_method_is_a_validation_error_naming_the_command(qf):
    reply = qf.render_error(ProviderError(Kind.NO_ROUTE, "no route", detail={"command": "quickflow.sms.resend"}))
    check_reply(reply, component_schema(ROUTING["not_found"]))
    assert reply.status == 417
    assert reply.body == response_example("send_sms", 417, "unknown_method")


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("quickflow.contact.nope", "module 'quickflow.contact' has no attribute 'nope'"),
        ("quickflow.nope", "module 'quickflow' has no attribute 'nope'"),
        ("quickflow.billing.pay", "No module named 'quickflow.billing'"),
        ("quickflow.a.b.c", "No module named 'quickflow.a'"),
        ("erpnext.stock.get", "App erpnext is not installed"),
        ("ping", "'ping'"),
    ],
)
def test_unknown_method_messages_follow_frappes_lookup(qf, command, reason):
    reply = qf.render_error(ProviderError(Kind.NO_ROUTE, "no route", detail={"command": command}))
    check_reply(reply, component_schema(ROUTING["not_found"]))
    assert reply.status == 417
    assert server_messages(reply.body) == [f"Failed to get method for command {command} with {reason}"]


@pytest.mark.parametrize("detail", [{}, {"command": ""}], ids=["no-command", "empty-command"])
def test_no_route_without_a_command_is_not_found_without_a_message(qf, detail):
    """A path under /api naming no method, /api/method itself included: 404 DoesNotExistError (frappe.api)."""
    reply = qf.render_error(ProviderError(Kind.NO_ROUTE, "no route", detail=detail))
    check_reply(reply, component_schema("#/components/responses/DoesNotExistError"))
    assert (reply.status, reply.body) == (404, {"exc_type": "DoesNotExistError"})
    assert reply.body == response_example("send_sms", 404, "unknown_path")


def test_a_wrong_http_verb_is_a_permission_error(qf):
    reply = qf.render_error(ProviderError(Kind.WRONG_METHOD, "Method Not Allowed"))
    check_reply(reply, component_schema(ROUTING["method_not_allowed"]))
    assert reply.status == 403
    assert reply.body == response_example("send_sms", 403, "wrong_http_method")


def test_a_body_too_large(qf):
    reply = qf.render_error(ProviderError(Kind.TOO_LARGE, "too large"))
    check_reply(reply, response_schema("send_sms", 413))
    assert (reply.status, reply.body) == (413, response_example("send_sms", 413, "too_large"))


def test_an_engine_validation_error_renders_its_message_or_its_fields(qf):
    reply = qf.render_error(ProviderError(Kind.VALIDATION, "Missing required argument: recipient"))
    check_reply(reply, response_schema("send_sms", 417))
    assert reply.body == response_example("send_sms", 417, "missing_argument")
    reply = qf.render_error(ProviderError(Kind.VALIDATION, "", fields={"a": ["x"], "b": ["y"]}))
    check_reply(reply, response_schema("send_sms", 417))
    assert server_messages(reply.body) == ["x", "y"]


def test_error_headers_are_kept(qf):
    reply = qf.render_error(ProviderError(Kind.NOT_FOUND, "gone", headers={"X-Extra": "1"}))
    assert reply.headers == {"Cache-Control": NO_CACHE, "X-Extra": "1"}


@pytest.mark.parametrize(("reset", "retry_after"), [(42, "42"), (0, "1")])
def test_rate_limited_renders_429_with_retry_after(qf, reset, retry_after):
    error = ProviderError(Kind.RATE_LIMITED, "Too many requests", detail={"limit": 5, "remaining": 0, "reset": reset})
    reply = qf.render_error(error)
    check_reply(reply, response_schema("send_sms", 429))
    assert (reply.status, reply.body) == (429, response_example("send_sms", 429, "rate_limited"))
    assert reply.headers == {"Cache-Control": NO_CACHE, "Retry-After": retry_after}
    assert schema_errors("#/components/headers/RetryAfter/schema", int(reply.headers["Retry-After"])) == []


def test_every_kind_renders_a_status_the_spec_declares(qf):
    for kind in Kind:
        reply = qf.render_error(ProviderError(kind, "message", detail={"reset": 5, "command": "quickflow.x.y"}))
        assert reply.headers["Cache-Control"] == NO_CACHE
        if kind is Kind.INTERNAL:  # no operation declares a 500: x-smsmock-routing names its response
            pointer = SPEC.document["x-smsmock-routing"]["internal_error"]
            assert schema_errors(pointer_join(pointer, "content", "application/json", "schema"), reply.body) == []
            assert (reply.status, reply.body) == (500, {"exc_type": "Exception"})
            continue
        declaring = [op.operation_id for op in SPEC.operations if str(reply.status) in op.responses]
        assert declaring, kind
        assert schema_errors(response_schema(declaring[0], reply.status), reply.body) == [], kind


def test_an_internal_error_names_the_exception_class_as_frappe_report_error_does(qf):
    reply = qf.render_error(ProviderError(Kind.INTERNAL, "boom", detail={"exc_type": "KeyError"}))
    assert (reply.status, reply.body, reply.headers) == (500, {"exc_type": "KeyError"}, {"Cache-Control": NO_CACHE})


def test_no_rate_limit_by_default(qf):
    assert [qf.rate_limit(ACCOUNT) for _ in range(100)] == [{}] * 100


def test_a_configured_rate_limit_refuses_then_recovers():
    provider = make(quickflow=RateLimit(2, 60))
    assert provider.rate_limit(ACCOUNT) == {} and provider.rate_limit(ACCOUNT) == {}
    with pytest.raises(ProviderError) as caught:
        provider.rate_limit(ACCOUNT)
    reply = provider.render_error(caught.value)
    assert (reply.status, reply.headers["Retry-After"]) == (429, "60")
    provider.env.clock.advance(60)
    assert provider.rate_limit(ACCOUNT) == {}


# -- the spec's own examples, replayed ---------------------------------------


# One session from the default seed (mockserver/seed.yaml) at the default start, 2026-01-15 09:30:00 UTC.
EXAMPLE_SESSION: list[tuple[int, str, dict[str, Any] | str, str]] = [
    (0, "get_group", {"sender_id": SENDER, "group_id": "GRP-0001"}, "found"),
    (0, "list_contacts", {"sender_id": SENDER, "group_id": "GRP-0001"}, "two_contacts"),
    (0, "get_contact", {"sender_id": SENDER, "group_id": "GRP-0001", "uid": "CON-0001"}, "found"),
    (5, "create_group", "CreateGroup", "created"),
    (5, "list_groups", {"sender_id": SENDER}, "two_groups"),
    (15, "send_sms", "SendSmsDocumented", "queued"),
    (15, "get_balance", {"sender_id": SENDER}, "balance"),
    (16, "get_sms", {"uid": "SMS-0001"}, "delivered"),
    (17, "send_sms", "SendSmsBulkScheduled", "scheduled"),
    (17, "list_sms", {}, "history"),
    (17, "send_campaign", "SendCampaign", "queued"),
    (20, "create_contact", "CreateContact", "created"),
    (60, "update_contact", "UpdateContact", "updated"),
    (70, "update_group", "UpdateGroup", "renamed"),
    (70, "delete_group", "DeleteGroup", "deleted"),
    (70, "delete_contact", "DeleteContact", "deleted"),
]


def test_the_spec_examples_are_what_the_mock_answers():
    """The spec's success examples, body for body, as one session from the default seed."""
    provider = make(SEED)
    for minutes, op_id, args, example in EXAMPLE_SESSION:
        move_to(provider, START + timedelta(minutes=minutes))
        args = request_example(args) if isinstance(args, str) else args
        args = {"type": "plain", **args} if op_id.startswith("send") else args
        assert call(provider, op_id, args) == response_example(op_id, 200, example)["message"], (op_id, example)
