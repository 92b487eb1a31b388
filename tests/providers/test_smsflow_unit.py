"""SMSFlow's behaviour, driven directly (no HTTP); every rendered body is checked against the spec."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import smsmock
from smsmock.errors import Kind, ProviderError
from smsmock.providers.base import Ok, RateLimit
from smsmock.providers.smsflow import SMSFlowProvider
from smsmock.providers.smsflow.records import CONTINENTS, KEY_MAX, VALUE_MAX
from smsmock.spec import Spec, load_bundled, pointer_join
from smsmock.state import Clock, Ids, Outbox, SharedState

KEY = "YOUR_API_KEY"
OTHER = "OTHER_KEY"
SEED = yaml.safe_load((Path(smsmock.__file__).parent / "seed.yaml").read_text(encoding="utf-8"))["smsflow"]
BASE = "https://smsflow.su/api/contacts"


@pytest.fixture
def spec() -> Spec:
    return load_bundled()["smsflow"]


@pytest.fixture
def env() -> SharedState:
    return SharedState(clock=Clock(), ids=Ids(0), outbox=Outbox())


@pytest.fixture
def provider(spec: Spec, env: SharedState) -> SMSFlowProvider:
    provider = SMSFlowProvider(spec, env)
    provider.load(copy.deepcopy(SEED))
    return provider


@pytest.fixture
def two(provider: SMSFlowProvider) -> SMSFlowProvider:
    """The default seed plus a second account (user 2) with one contact."""
    provider.load({"accounts": [{"api_key": OTHER, "user_id": 2, "contacts": [{"phone_number": "+254700000001"}]}]})
    return provider


# -- helpers ------------------------------------------------------------------------------------------------


def schema_errors(spec: Spec, operation_id: str, status: int, body: Any) -> list[str]:
    """What is wrong with a body for an operation's response of a status (empty: it matches)."""
    found = spec.response(spec.by_id[operation_id], status)
    assert found is not None, f"{operation_id} declares no {status}"
    response, pointer = found
    if body is None:
        return [] if "content" not in response else [f"{operation_id} {status} declares a body"]
    validator = spec.validator(pointer_join(pointer, "content", "application/json", "schema"))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


def call(provider: SMSFlowProvider, operation_id: str, account: str = KEY, **args: Any) -> Any:
    """Run a handler and render its result, checking the body against the operation's success schema."""
    spec = provider.spec
    operation = spec.by_id[operation_id]
    body = provider.render(operation, provider.handler(operation)(account, args))
    status = int(next(s for s in operation.responses if s.startswith("2")))
    assert schema_errors(spec, operation_id, status, body) == []
    return body


def refusal(provider: SMSFlowProvider, operation_id: str, account: str = KEY, **args: Any) -> ProviderError:
    """Run a handler that must refuse; its rendered error must match the operation's declared response."""
    operation = provider.spec.by_id[operation_id]
    with pytest.raises(ProviderError) as caught:
        provider.handler(operation)(account, args)
    reply = provider.render_error(caught.value)
    assert schema_errors(provider.spec, operation_id, reply.status, reply.body) == []
    return caught.value


def contact(provider: SMSFlowProvider, contact_id: int, account: str = KEY) -> dict[str, Any]:
    return call(provider, "get_contact", account, contact_id=contact_id)["data"]


def ids(body: dict[str, Any]) -> list[int]:
    return [row["id"] for row in body["data"]]


def example_title(spec: Spec, response: str, example: str) -> Any:
    return spec.at(f"#/components/responses/{response}/content/application~1json/examples/{example}/value")[
        "errors"
    ][0]


# -- the interface ----------------------------------------------------------------------------------------------


def test_every_operation_has_a_handler_and_every_handler_an_operation(provider: SMSFlowProvider) -> None:
    operations = set(provider.spec.by_id)
    assert operations == {"list_contacts", "get_contact", "create_contact", "update_contact", "delete_contact"}
    assert all(callable(getattr(provider, name, None)) for name in operations)
    assert provider.name == "smsflow" == provider.spec.provider
    assert provider.default_limit == RateLimit(60, 60)


def test_the_seed_loads_with_derived_codes_and_the_clock_time(provider: SMSFlowProvider) -> None:
    snapshot = provider.snapshot()
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot == {
        "accounts": [
            {
                "api_key": KEY,
                "user_id": 1,
                "contacts": [
                    {
                        "id": 1,
                        "user_id": 1,
                        "name": "John Doe",
                        "phone_number": "+393331234567",
                        "custom_parameters": {"age": "18"},
                        "continent_code": "EU",
                        "country_code": "IT",
                        "has_opted_out": False,
                        "total_sent_sms": 0,
                        "total_pending_sms": 0,
                        "total_failed_sms": 0,
                        "total_received_sms": 0,
                        "last_sent_datetime": None,
                        "last_received_datetime": None,
                        "last_datetime": None,
                        "datetime": "2026-01-15 09:30:00",
                    }
                ],
            }
        ]
    }


def test_reset_forgets_accounts_and_contacts(provider: SMSFlowProvider) -> None:
    provider.reset()
    assert provider.snapshot() == {"accounts": []}
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"bearerAuth": f"Bearer {KEY}"}, provider.spec.by_id["list_contacts"])
    assert caught.value.kind is Kind.AUTH_INVALID


def test_a_seed_may_set_every_stored_field(spec: Spec, env: SharedState) -> None:
    provider = SMSFlowProvider(spec, env)
    provider.load(
        yaml.safe_load(
            """
            accounts:
              - api_key: K
                user_id: 7
                contacts:
                  - phone_number: "+123 123 123"
                    has_opted_out: true
                    total_sent_sms: 10
                    total_pending_sms: 5
                    total_received_sms: 20
                    last_sent_datetime: 2026-02-28 23:07:07
                    last_received_datetime: "2026-02-28 23:07:07"
                    datetime: "2026-02-28 23:07:07"
                    custom_parameters: {age: 18}
            """
        )
    )
    assert contact(provider, 1, "K") == {
        "id": 1,
        "user_id": 7,
        "name": "",  # none given: stored as "", as the platform's create stores it
        "phone_number": "+123 123 123",
        "custom_parameters": {"age": 18},
        "continent_code": "NA",  # +1 with too few digits: not valid, so the country code's main region, US
        "country_code": "US",
        "has_opted_out": True,
        "total_sent_sms": 10,
        "total_pending_sms": 5,
        "total_failed_sms": 0,
        "total_received_sms": 20,
        "last_sent_datetime": "2026-02-28 23:07:07",
        "last_received_datetime": "2026-02-28 23:07:07",
        "last_datetime": None,
        "datetime": "2026-02-28 23:07:07",
    }


def with_contact(**fields: Any) -> dict[str, Any]:
    """A seed section with one new account holding one contact."""
    return {"accounts": [{"api_key": "K", "user_id": 3, "contacts": [fields]}]}


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ([], "must be a mapping"),
        ({"accounts": {}}, "`accounts` must be a list"),
        ({"failing_numbers": []}, "unknown key(s) failing_numbers"),
        ({"accounts": ["x"]}, "accounts[0]: must be a mapping"),
        ({"accounts": [{"user_id": 3}]}, "accounts[0]: api_key must be"),
        ({"accounts": [{"api_key": "K", "user_id": 0}]}, "user_id must be an integer of at least 1"),
        ({"accounts": [{"api_key": "K", "user_id": True}]}, "user_id must be an integer"),
        ({"accounts": [{"api_key": KEY, "user_id": 3}]}, "already used"),
        ({"accounts": [{"api_key": "K", "user_id": 1}]}, "already used"),
        ({"accounts": [{"api_key": "K", "user_id": 3, "contacts": {}}]}, "contacts must be a list"),
        (with_contact(), "contacts[0]: phone_number must be"),
        (with_contact(phone_number=393331234567), "quote it"),
        (with_contact(phone_number="1", id=9), "unknown key(s) id"),
        (with_contact(phone_number="1", name=5), "name must be a string"),
        (with_contact(phone_number="1", has_opted_out=1), "has_opted_out"),
        (with_contact(phone_number="1", total_sent_sms=-1), "total_sent_sms"),
        (with_contact(phone_number="1", datetime="today"), "datetime must be `YYYY-MM-DD HH:MM:SS`"),
        (with_contact(phone_number="1", datetime="2026-02-30 00:00:00"), "day is out of range"),
        (with_contact(phone_number="1", custom_parameters={"k" * 65: "v"}), f"at most {KEY_MAX}"),
        (with_contact(phone_number="1", custom_parameters={"k": [1]}), "custom parameter 'k'"),
        (with_contact(phone_number="1", custom_parameters={"k": "v" * 513}), f"at most {VALUE_MAX}"),
    ],
)
def test_a_bad_seed_is_refused_with_a_clear_message_and_changes_nothing(
    provider: SMSFlowProvider, seed: Any, message: str
) -> None:
    before = provider.snapshot()
    with pytest.raises(ValueError) as caught:
        provider.load(seed)
    assert message in str(caught.value)
    assert str(caught.value).startswith("smsflow seed")
    assert provider.snapshot() == before


# -- authentication -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [f"Bearer {KEY}", f"  Bearer {KEY} ", f"Bearer {KEY} extra", f"Bearer\t{KEY}"])
def test_a_known_bearer_key_is_the_account(provider: SMSFlowProvider, header: str) -> None:
    operation = provider.spec.by_id["get_contact"]
    assert provider.authenticate({"bearerAuth": header}, operation) == KEY


@pytest.mark.parametrize(
    "credentials",
    [{}, {"bearerAuth": ""}, {"bearerAuth": "Bearer"}, {"bearerAuth": f"Basic {KEY}"}, {"bearerAuth": KEY},
     {"bearerAuth": f"bearer {KEY}"}, {"bearerAuth": f"Bearer   {KEY}"}, {"bearerAuth": f"BEARER {KEY}"}],
)
def test_a_missing_or_unreadable_bearer_header_is_auth_missing(
    provider: SMSFlowProvider, credentials: dict[str, str]
) -> None:
    with pytest.raises(ProviderError) as caught:
        provider.authenticate(credentials, provider.spec.by_id["list_contacts"])
    assert caught.value.kind is Kind.AUTH_MISSING


def test_an_unknown_key_is_auth_invalid(provider: SMSFlowProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"bearerAuth": "Bearer nope"}, provider.spec.by_id["list_contacts"])
    assert caught.value.kind is Kind.AUTH_INVALID


# -- get, create, update, delete --------------------------------------------------------------------------------


def test_create_returns_the_new_id_and_stores_the_contact(provider: SMSFlowProvider, env: SharedState) -> None:
    env.clock.advance(3661)
    body = call(provider, "create_contact", phone_number="+1231231231", name="Example name")
    assert body == {"data": {"id": 2}}
    assert contact(provider, 2) == {
        "id": 2,
        "user_id": 1,
        "name": "Example name",
        "phone_number": "+1231231231",
        "custom_parameters": [],  # PHP's json_encode of an empty array
        "continent_code": "NA",
        "country_code": "US",
        "has_opted_out": False,
        "total_sent_sms": 0,
        "total_pending_sms": 0,
        "total_failed_sms": 0,
        "total_received_sms": 0,
        "last_sent_datetime": None,
        "last_received_datetime": None,
        "last_datetime": None,
        "datetime": "2026-01-15 10:31:01",
    }
    assert len(env.outbox) == 0  # contacts only: SMSFlow sends nothing


def test_create_without_a_name_stores_an_empty_name_and_keeps_the_number_as_given(provider: SMSFlowProvider) -> None:
    call(provider, "create_contact", phone_number=" 0039 333 1234567")
    stored = contact(provider, 2)
    # input_clean($_POST['name'] ?? '', 256): a missing name is stored as "".
    assert (stored["name"], stored["phone_number"]) == ("", " 0039 333 1234567")
    assert (stored["continent_code"], stored["country_code"]) == (None, None)  # no leading +


@pytest.mark.parametrize("args", [{}, {"phone_number": ""}, {"phone_number": "   "}, {"name": "No number"}])
def test_create_without_a_phone_number_is_a_validation_error(provider: SMSFlowProvider, args: dict) -> None:
    error = refusal(provider, "create_contact", **args)
    assert error.kind is Kind.VALIDATION
    assert error.fields == {"phone_number": ["This field is required."]}
    assert provider.render_error(error).body == {
        "errors": [{"title": "You must fill all the required fields.", "status": 401}]
    }
    assert [c["id"] for c in provider.snapshot()["accounts"][0]["contacts"]] == [1]


def test_custom_parameters_pair_by_index_skip_blank_keys_and_are_cut(provider: SMSFlowProvider) -> None:
    call(
        provider,
        "create_contact",
        phone_number="+442079460958",
        **{
            "custom_parameter_key[10]": "plan",
            "custom_parameter_value[10]": "gold",
            "custom_parameter_key[2]": "email",
            "custom_parameter_value[2]": "john@example.com",
            "custom_parameter_key[3]": "   ",
            "custom_parameter_value[3]": "blank key: skipped",
            "custom_parameter_value[4]": "no key: skipped",
            "custom_parameter_key[5]": "no_value",
            "custom_parameter_key[6]": "k" * 70,
            "custom_parameter_value[6]": "v" * 600,
        },
    )
    stored = contact(provider, 2)
    assert stored["custom_parameters"] == {
        "email": "john@example.com",
        "no_value": "",
        "k" * KEY_MAX: "v" * VALUE_MAX,
        "plan": "gold",
    }
    assert list(stored["custom_parameters"]) == ["email", "no_value", "k" * KEY_MAX, "plan"]  # by index
    assert (stored["continent_code"], stored["country_code"]) == ("EU", "GB")


def test_get_returns_the_contact_as_the_document_shapes_it(provider: SMSFlowProvider) -> None:
    body = call(provider, "get_contact", contact_id=1)
    assert list(body["data"]) == [
        "id", "user_id", "name", "phone_number", "custom_parameters", "continent_code", "country_code",
        "has_opted_out", "total_sent_sms", "total_pending_sms", "total_failed_sms", "total_received_sms",
        "last_sent_datetime", "last_received_datetime", "last_datetime", "datetime",
    ]
    assert body["data"]["custom_parameters"] == {"age": "18"}


@pytest.mark.parametrize("operation_id", ["get_contact", "update_contact", "delete_contact"])
def test_an_unknown_or_foreign_id_is_not_found(two: SMSFlowProvider, operation_id: str) -> None:
    for contact_id, account in ((99, KEY), (2, KEY), (1, OTHER)):
        error = refusal(two, operation_id, account, contact_id=contact_id, name="x")
        assert error.kind is Kind.NOT_FOUND
        assert error.fields == {"contact_id": [f"No contact {contact_id}."]}
    assert contact(two, 2, OTHER)["user_id"] == 2  # untouched by the refused calls


def test_update_changes_only_the_fields_sent(provider: SMSFlowProvider, env: SharedState) -> None:
    before = contact(provider, 1)
    env.clock.advance(60)
    assert call(provider, "update_contact", contact_id=1, name="Jane Doe") == {"data": {"id": 1}}
    assert contact(provider, 1) == {**before, "name": "Jane Doe"}  # datetime is the creation time


def test_update_of_the_number_derives_the_codes_again(provider: SMSFlowProvider) -> None:
    call(provider, "update_contact", contact_id=1, phone_number="+254700000001")
    stored = contact(provider, 1)
    assert (stored["phone_number"], stored["continent_code"], stored["country_code"]) == ("+254700000001", "AF", "KE")
    call(provider, "update_contact", contact_id=1, phone_number="0700000001")
    stored = contact(provider, 1)
    assert (stored["phone_number"], stored["continent_code"], stored["country_code"]) == ("0700000001", None, None)


def test_update_with_a_blank_number_is_refused_and_changes_nothing(provider: SMSFlowProvider) -> None:
    before = contact(provider, 1)
    error = refusal(provider, "update_contact", contact_id=1, phone_number="  ", name="Changed")
    assert (error.kind, error.fields) == (Kind.VALIDATION, {"phone_number": ["This field is required."]})
    assert contact(provider, 1) == before


def test_update_with_custom_parameters_replaces_the_whole_set(provider: SMSFlowProvider) -> None:
    call(provider, "update_contact", contact_id=1, **{
        "custom_parameter_key[0]": "name", "custom_parameter_value[0]": "john@example.com",
    })
    assert contact(provider, 1)["custom_parameters"] == {"name": "john@example.com"}
    call(provider, "update_contact", contact_id=1, **{"custom_parameter_value[0]": "a value without key"})
    assert contact(provider, 1)["custom_parameters"] == {"name": "john@example.com"}
    call(provider, "update_contact", contact_id=1, phone_number="+393331234567")
    assert contact(provider, 1)["custom_parameters"] == {"name": "john@example.com"}
    call(provider, "update_contact", contact_id=1, **{"custom_parameter_key[0]": ""})
    assert contact(provider, 1)["custom_parameters"] == []


def test_delete_has_an_empty_body_and_the_contact_is_gone(provider: SMSFlowProvider) -> None:
    operation = provider.spec.by_id["delete_contact"]
    response, _ = provider.spec.response(operation, 200)
    assert "content" not in response
    assert call(provider, "delete_contact", contact_id=1) is None
    assert refusal(provider, "get_contact", contact_id=1).kind is Kind.NOT_FOUND
    assert refusal(provider, "delete_contact", contact_id=1).kind is Kind.NOT_FOUND


def test_ids_come_from_one_counter_for_every_account_and_are_never_reused(two: SMSFlowProvider) -> None:
    assert call(two, "create_contact", OTHER, phone_number="+1") == {"data": {"id": 3}}
    call(two, "delete_contact", contact_id=3, account=OTHER)
    assert call(two, "create_contact", KEY, phone_number="+1") == {"data": {"id": 4}}
    assert contact(two, 4)["user_id"] == 1


# -- country and continent ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "continent", "country"),
    [
        ("+393331234567", "EU", "IT"),
        ("+44 20 7946 0958", "EU", "GB"),
        ("+254700000001", "AF", "KE"),
        ("+77012345678", "AS", "KZ"),  # valid: the number's own region, not +7's main one (RU)
        ("+1 684 733 1234", "OC", "AS"),  # American Samoa, under +1
        ("+1231231231", "NA", "US"),  # not a valid number: +1's main region
        ("+3906698", "EU", "IT"),  # not valid: the country code's region, not the guessed VA
        ("+80012345678", None, None),  # non-geographic (region 001)
        ("+999123", None, None),  # no such country code
        ("+", None, None),
        ("393331234567", None, None),  # no leading +
        ("", None, None),
    ],
)
def test_codes_are_derived_from_a_number_with_a_plus(
    provider: SMSFlowProvider, number: str, continent: str | None, country: str | None
) -> None:
    assert provider._codes(number) == (continent, country)


def test_the_continent_table_covers_exactly_the_spec_country_codes(spec: Spec) -> None:
    countries = spec.at("#/components/schemas/CountryCode")["enum"]
    continents = set(spec.at("#/components/schemas/ContinentCode")["enum"])
    assert list(CONTINENTS) == countries
    assert set(CONTINENTS.values()) == continents
    assert (CONTINENTS["NO"], CONTINENTS["NA"], CONTINENTS["AQ"], CONTINENTS["BR"]) == ("EU", "AF", "AN", "SA")


# -- list ---------------------------------------------------------------------------------------------------------


def make_contacts(provider: SMSFlowProvider, count: int) -> None:
    for n in range(count):
        call(provider, "create_contact", phone_number=f"+3933312345{n:02d}", name=f"Person {n:02d}")


def test_the_list_defaults_to_25_newest_first_with_links(provider: SMSFlowProvider) -> None:
    make_contacts(provider, 30)  # ids 2..31
    body = call(provider, "list_contacts")
    assert ids(body) == list(range(31, 6, -1))
    assert body["meta"] == {"page": 1, "results_per_page": 25, "total": 31, "total_pages": 2}
    assert body["links"] == {
        "first": f"{BASE}?page=1",
        "last": f"{BASE}?page=2",
        "next": f"{BASE}?page=2",
        "prev": None,
        "self": f"{BASE}?page=1",
    }


def test_the_seeded_list_matches_the_document_example_shape(provider: SMSFlowProvider) -> None:
    body = call(provider, "list_contacts", order_by="contact_id", order_type="DESC", page=1, results_per_page=25)
    assert ids(body) == [1]
    assert body["meta"] == {"page": 1, "results_per_page": 25, "total": 1, "total_pages": 1}
    assert body["links"] == {
        "first": f"{BASE}?page=1", "last": f"{BASE}?page=1", "next": None, "prev": None, "self": f"{BASE}?page=1",
    }


def test_paging_through_and_past_the_end(provider: SMSFlowProvider) -> None:
    make_contacts(provider, 24)  # 25 contacts, ids 1..25
    middle = call(provider, "list_contacts", page=2, results_per_page=10, order_by="contact_id", order_type="ASC")
    assert ids(middle) == list(range(11, 21))
    assert middle["meta"] == {"page": 2, "results_per_page": 10, "total": 25, "total_pages": 3}
    assert (middle["links"]["prev"], middle["links"]["next"]) == (f"{BASE}?page=1", f"{BASE}?page=3")
    last = call(provider, "list_contacts", page=3, results_per_page=10, order_by="contact_id", order_type="ASC")
    assert ids(last) == list(range(21, 26))
    assert (last["links"]["next"], last["links"]["last"]) == (None, f"{BASE}?page=3")
    past = call(provider, "list_contacts", page=9, results_per_page=10)
    assert past["data"] == []
    assert past["meta"] == {"page": 9, "results_per_page": 10, "total": 25, "total_pages": 3}
    assert (past["links"]["prev"], past["links"]["next"], past["links"]["self"]) == (
        f"{BASE}?page=8", None, f"{BASE}?page=9",
    )


def test_an_empty_list_has_no_pages(two: SMSFlowProvider) -> None:
    call(two, "delete_contact", contact_id=2, account=OTHER)
    body = call(two, "list_contacts", OTHER)
    assert body["data"] == []
    assert body["meta"] == {"page": 1, "results_per_page": 25, "total": 0, "total_pages": 0}
    assert body["links"] == {
        "first": f"{BASE}?page=1", "last": f"{BASE}?page=1", "next": None, "prev": None, "self": f"{BASE}?page=1",
    }


def test_the_list_shows_only_the_account_s_own_contacts(two: SMSFlowProvider) -> None:
    assert ids(call(two, "list_contacts", KEY)) == [1]
    assert ids(call(two, "list_contacts", OTHER)) == [2]


def test_search_is_a_case_insensitive_substring_of_the_named_field(provider: SMSFlowProvider) -> None:
    call(provider, "create_contact", phone_number="+254700000001", name="JOHANNA")  # 2
    call(provider, "create_contact", phone_number="+254711000002")  # 3, no name
    assert ids(call(provider, "list_contacts", search="joh", search_by="name")) == [2, 1]
    assert ids(call(provider, "list_contacts", search="2547", search_by="phone_number")) == [3, 2]
    assert ids(call(provider, "list_contacts", search="zzz", search_by="name")) == []
    # without a valid search_by the search is not applied
    assert ids(call(provider, "list_contacts", search="joh")) == [3, 2, 1]
    assert ids(call(provider, "list_contacts", search="joh", search_by="email")) == [3, 2, 1]


def test_filters_by_continent_country_and_opt_out(spec: Spec, env: SharedState) -> None:
    provider = SMSFlowProvider(spec, env)
    provider.load(
        {
            "accounts": [
                {
                    "api_key": KEY,
                    "user_id": 1,
                    "contacts": [
                        {"phone_number": "+393331234567"},
                        {"phone_number": "+442079460958", "has_opted_out": True},
                        {"phone_number": "+254700000001"},
                        {"phone_number": "0700000001"},
                    ],
                }
            ]
        }
    )
    assert ids(call(provider, "list_contacts", continent_code="EU")) == [2, 1]
    assert ids(call(provider, "list_contacts", country_code="KE")) == [3]
    assert ids(call(provider, "list_contacts", has_opted_out=True)) == [2]
    assert ids(call(provider, "list_contacts", has_opted_out=False)) == [4, 3, 1]
    assert ids(call(provider, "list_contacts", continent_code="EU", has_opted_out=False)) == [1]


def test_order_by_a_field_puts_nulls_first_ascending_and_breaks_ties_by_id(provider: SMSFlowProvider) -> None:
    call(provider, "create_contact", phone_number="+2", name="alice")  # 2
    call(provider, "create_contact", phone_number="+3")  # 3, no name
    call(provider, "create_contact", phone_number="+4", name="Bob")  # 4
    call(provider, "create_contact", phone_number="+1", name="bob")  # 5
    assert ids(call(provider, "list_contacts", order_by="name", order_type="ASC")) == [3, 2, 4, 5, 1]
    assert ids(call(provider, "list_contacts", order_by="name", order_type="DESC")) == [1, 5, 4, 2, 3]
    assert ids(call(provider, "list_contacts", order_by="phone_number", order_type="ASC")) == [5, 2, 3, 1, 4]


def test_order_by_counters_and_times(spec: Spec, env: SharedState) -> None:
    provider = SMSFlowProvider(spec, env)
    contacts = [
        {"phone_number": "+1", "total_sent_sms": 5, "last_sent_datetime": "2026-01-01 00:00:00"},
        {"phone_number": "+2", "total_sent_sms": 50},
        {"phone_number": "+3", "total_sent_sms": 7, "last_sent_datetime": "2025-12-31 23:59:59"},
    ]
    provider.load({"accounts": [{"api_key": KEY, "user_id": 1, "contacts": contacts}]})
    # A valid order_by without order_type sorts ascending (AltumCode's Filters).
    assert ids(call(provider, "list_contacts", order_by="total_sent_sms")) == [1, 3, 2]
    assert ids(call(provider, "list_contacts", order_by="total_sent_sms", order_type="DESC")) == [2, 3, 1]
    assert ids(call(provider, "list_contacts", order_by="last_sent_datetime", order_type="ASC")) == [2, 3, 1]


@pytest.mark.parametrize(
    "args",
    [
        {"order_by": "email", "order_type": "sideways", "results_per_page": 7, "page": 0},
        {"order_by": None, "order_type": None, "results_per_page": None, "page": None},
        {"order_by": 3, "order_type": True, "results_per_page": "25", "page": -2},
        {"results_per_page": True, "page": True},
    ],
)
def test_invalid_list_values_fall_back_to_the_defaults(provider: SMSFlowProvider, args: dict) -> None:
    make_contacts(provider, 29)  # 30 contacts
    body = call(provider, "list_contacts", **args)
    assert ids(body) == list(range(30, 5, -1))
    assert body["meta"] == {"page": 1, "results_per_page": 25, "total": 30, "total_pages": 2}


# -- errors and rate limits ----------------------------------------------------------------------------------------

# Each kind: its status, title and body `status` field. CONFLICT and INSUFFICIENT_BALANCE take the error's message.
RENDERED = [
    (Kind.AUTH_MISSING, 401, "The request is missing the Bearer Authentication header.", "401"),
    (Kind.AUTH_INVALID, 401, "You do not have access to the API.", 401),
    (Kind.VALIDATION, 401, "You must fill all the required fields.", 401),
    (Kind.NOT_FOUND, 404, "The resource you are looking for does not exist.", 404),
    (Kind.NO_ROUTE, 404, "The resource you are looking for does not exist.", 404),
    (Kind.WRONG_METHOD, 404, "The resource you are looking for does not exist.", 404),
    (Kind.RATE_LIMITED, 429, "You reached the limit of requests in one minute, please wait.", 429),
    (Kind.TOO_LARGE, 413, "The request body is too large.", 413),
    (Kind.CONFLICT, 401, "Some conflict.", 401),
    (Kind.INSUFFICIENT_BALANCE, 401, "Some conflict.", 401),
    (Kind.INTERNAL, 500, "Internal Server Error", 500),
]
# The kinds no operation declares: answered with the response x-smsmock-routing names.
ROUTED = {Kind.NO_ROUTE: "not_found", Kind.WRONG_METHOD: "method_not_allowed", Kind.INTERNAL: "internal_error"}


def test_every_kind_has_a_rendering() -> None:
    assert {row[0] for row in RENDERED} == set(Kind)


@pytest.mark.parametrize(("kind", "status", "title", "status_field"), RENDERED)
def test_every_kind_renders_the_platform_envelope_the_spec_declares(
    provider: SMSFlowProvider, kind: Kind, status: int, title: str, status_field: int | str
) -> None:
    detail = {"limit": 60, "remaining": 0, "reset": 42} if kind is Kind.RATE_LIMITED else {}
    reply = provider.render_error(ProviderError(kind, "Some conflict.", detail=detail))
    assert reply.status == status
    assert reply.body == {"errors": [{"title": title, "status": status_field}]}
    declaring = [op for op in provider.spec.by_id if str(status) in provider.spec.by_id[op].responses]
    assert declaring or kind in ROUTED, f"no operation declares {status}"
    for operation_id in declaring:
        assert schema_errors(provider.spec, operation_id, status, reply.body) == []
    if kind in ROUTED:
        pointer = provider.spec.document["x-smsmock-routing"][ROUTED[kind]]
        schema = provider.spec.validator(pointer_join(pointer, "content", "application/json", "schema"))
        assert list(schema.iter_errors(reply.body)) == []


def test_the_titles_are_the_spec_examples(provider: SMSFlowProvider) -> None:
    spec = provider.spec
    examples = {
        Kind.AUTH_MISSING: ("Unauthorized", "missingBearer"),
        Kind.AUTH_INVALID: ("Unauthorized", "invalidKey"),
        Kind.VALIDATION: ("Unauthorized", "requiredFields"),
        Kind.NOT_FOUND: ("NotFound", "notFound"),
        Kind.RATE_LIMITED: ("TooManyRequests", "rateLimited"),
        Kind.TOO_LARGE: ("PayloadTooLarge", "tooLarge"),
        Kind.INTERNAL: ("ServerError", "serverError"),
    }
    for kind, (response, example) in examples.items():
        detail = {"limit": 60, "remaining": 0, "reset": 1} if kind is Kind.RATE_LIMITED else {}
        body = provider.render_error(ProviderError(kind, "x", detail=detail)).body
        assert body["errors"][0] == example_title(spec, response, example)


def test_errors_keep_headers_set_on_them(provider: SMSFlowProvider) -> None:
    reply = provider.render_error(ProviderError(Kind.NOT_FOUND, "x", headers={"X-RateLimit-Limit": "60"}))
    assert reply.headers == {"X-RateLimit-Limit": "60"}


def header_ok(spec: Spec, name: str, value: str) -> bool:
    return spec.validator(f"#/components/headers/{name}/schema").is_valid(int(value))


def test_sixty_requests_a_minute_then_429_with_reset_and_no_retry_after(provider: SMSFlowProvider, env: SharedState) -> None:
    spec = provider.spec
    for used in range(1, 61):
        headers = provider.rate_limit(KEY)
        assert headers == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(60 - used)}
        assert header_ok(spec, "XRateLimitLimit", headers["X-RateLimit-Limit"])
        assert header_ok(spec, "XRateLimitRemaining", headers["X-RateLimit-Remaining"])
        env.clock.advance(0.5)
    with pytest.raises(ProviderError) as caught:
        provider.rate_limit(KEY)
    reply = provider.render_error(caught.value)
    assert reply.status == 429
    assert reply.headers == {"X-RateLimit-Limit": "60", "X-RateLimit-Reset": "30"}  # no Remaining on the 429
    assert all(header_ok(spec, name.replace("-", ""), value) for name, value in reply.headers.items())
    assert schema_errors(spec, "list_contacts", 429, reply.body) == []
    assert provider.rate_limit(OTHER) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}  # per key
    env.clock.advance(30)
    assert provider.rate_limit(KEY) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}


def test_the_limit_is_configurable(spec: Spec) -> None:
    env = SharedState(clock=Clock(), ids=Ids(0), outbox=Outbox(), limits={"smsflow": RateLimit(2, 10)})
    provider = SMSFlowProvider(spec, env)
    provider.load(copy.deepcopy(SEED))
    assert provider.rate_limit(KEY) == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1"}
    assert provider.rate_limit(KEY) == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0"}
    with pytest.raises(ProviderError) as caught:
        provider.rate_limit(KEY)
    assert provider.render_error(caught.value).headers["X-RateLimit-Reset"] == "10"


def test_render_wraps_payloads_in_data(provider: SMSFlowProvider) -> None:
    operation = provider.spec.by_id["create_contact"]
    assert provider.render(operation, Ok({"id": 5})) == {"data": {"id": 5}}
    assert provider.render(provider.spec.by_id["delete_contact"], Ok(None)) is None
