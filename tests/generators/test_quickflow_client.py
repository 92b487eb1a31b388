"""QuickFlow's spec as SDK generators read it: openapi-python-client builds a client without a warning, and
every operation, called with valid data and then provoked into each documented error, comes back parsed
into its model; datamodel-code-generator's models of the components parse every example of the spec.

The mock starts from the default seed (mockserver/seed.yaml): account your_api_key / your_api_secret, sender
ID YOUR_SENDER_ID with 100000 credits, group GRP-0001 with CON-0001 and CON-0002.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest

from generators.conftest import SPECS, GeneratedApi, spec_examples

PROVIDER = "quickflow"
SENDER = "YOUR_SENDER_ID"
TOKEN = "token your_api_key:your_api_secret"
GROUP = {"sender_id": SENDER, "group_id": "GRP-0001"}
# Valid arguments of each operation on the default seed, in an order that works as one session.
VALID: dict[str, dict[str, Any]] = {
    "send_sms": {"body": {"recipient": "254700000000", "sender_id": SENDER, "message": "Hello from QuickFlow!"}},
    "get_sms": {"uid": "SMS-0001"},
    "list_sms": {},
    "get_balance": {"sender_id": SENDER},
    "send_campaign": {"body": {"contact_list_id": "GRP-0001", "sender_id": SENDER, "message": "Jambo!"}},
    "list_groups": {"sender_id": SENDER},
    "get_group": GROUP,
    "create_group": {"body": {"sender_id": SENDER, "name": "Mombasa Leads"}},
    "update_group": {"body": {**GROUP, "name": "Nairobi Customers"}},
    "delete_group": {"body": {"sender_id": SENDER, "group_id": "GRP-0002"}},
    "list_contacts": GROUP,
    "get_contact": {**GROUP, "uid": "CON-0001"},
    "create_contact": {"body": {**GROUP, "phone": "254722000003", "first_name": "Chebet"}},
    "update_contact": {"body": {**GROUP, "uid": "CON-0001", "last_name": "Otieno"}},
    "delete_contact": {"body": {**GROUP, "uid": "CON-0003"}},
}
ERRORS = [
    (op.operation_id, int(status))
    for op in SPECS[PROVIDER].operations
    for status in op.responses
    if status.isdigit() and not status.startswith("2")
]


@pytest.fixture
def client(generated_client: Callable[[str], GeneratedApi]) -> GeneratedApi:
    return generated_client(PROVIDER)


def _blank_first_required(arguments: dict[str, Any]) -> dict[str, Any]:
    """The same arguments with the first one emptied: Frappe's methods refuse an empty argument (417)."""
    if "body" in arguments:
        first = next(iter(arguments["body"]))
        return {"body": {**arguments["body"], first: ""}}
    first = next(iter(arguments))
    return {**arguments, first: ""}


def _unknown(arguments: dict[str, Any]) -> dict[str, Any]:
    """The same arguments naming a record the account does not have (404)."""
    def swap(values: dict[str, Any]) -> dict[str, Any]:
        key = "sender_id" if "sender_id" in values else "uid"
        return {**values, key: "UNKNOWN_ID"}

    return {"body": swap(arguments["body"])} if "body" in arguments else swap(arguments)


def test_the_client_generates_without_a_warning(client: GeneratedApi) -> None:
    """openapi-python-client's whole output: the folder it generated, nothing dropped, nothing warned."""
    assert client.output.strip().splitlines()[0].startswith("Generating ")
    assert len(client.output.strip().splitlines()) == 1, client.output
    assert sorted(m.operation_id for m in SPECS[PROVIDER].operations) == sorted(VALID)


def test_every_operation_answers_with_valid_data_into_its_model(client: GeneratedApi) -> None:
    """One session over every operation: each 200 parsed into its model, status "success" throughout."""
    for operation_id, arguments in VALID.items():
        parsed = client.check(operation_id, client.call(operation_id, TOKEN, arguments), 200)
        assert parsed.message.status == "success", operation_id
    balance = client.check("get_balance", client.call("get_balance", TOKEN, VALID["get_balance"]), 200)
    assert (balance.message.data.balance, balance.message.running_balance) == (99997.0, 99997.0)
    sms = client.check("get_sms", client.call("get_sms", TOKEN, VALID["get_sms"]), 200)
    assert (sms.message.data.uid, sms.message.data.recipient) == ("SMS-0001", "254700000000")


@pytest.mark.parametrize(("operation_id", "status"), ERRORS, ids=[f"{o}-{s}" for o, s in ERRORS])
def test_every_documented_error_answer_parses_into_its_model(client: GeneratedApi, operation_id: str, status: int) -> None:
    """Each error status an operation documents, provoked the way the platform gives it, parsed whole."""
    arguments: dict[str, Any] = VALID[operation_id]
    authorization: str | None = TOKEN
    if status == 400:
        authorization = "Basic abc"  # not base64: InvalidAuthorizationToken
    elif status == 401:
        authorization = "token your_api_key:wrong_secret"
    elif status == 403:
        authorization = None  # no credentials: Guest
    elif status == 404:
        arguments = _unknown(arguments)
    elif status == 413:
        first = next(iter(arguments["body"]))  # Werkzeug refuses the body before anything reads it
        arguments = {"body": {**arguments["body"], first: "x" * (client.mock.max_body + 1)}}
    elif status == 417:
        arguments = _blank_first_required(arguments)
    elif status == 429:
        client.mock.set_limit(PROVIDER, 0, 60)
    else:
        pytest.fail(f"no way to provoke {status} for {operation_id}")
    client.check(operation_id, client.call(operation_id, authorization, arguments), status)


EXAMPLES = spec_examples(PROVIDER)


@pytest.mark.parametrize(("where", "schema", "value"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES])
def test_the_component_models_parse_every_example(component_models: Callable[[str], Any], where: str, schema: str,
                                                  value: Any) -> None:
    """datamodel-code-generator's model of the example's component schema validates it and gives it back."""
    model = getattr(component_models(PROVIDER), schema)
    parsed = model.model_validate(value)
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == value
