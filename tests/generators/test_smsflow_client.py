"""SMSFlow's spec as SDK generators read it: openapi-python-client builds a client without a warning (the
contact models included), every operation called with valid data and then provoked into each documented
error comes back parsed into its model, and datamodel-code-generator's models of the components parse every
example of the spec.

The mock starts from the default seed (mockserver/seed.yaml): key YOUR_API_KEY (user 1) holding contact 1,
John Doe.
"""
from __future__ import annotations

from typing import Any, Callable

import pydantic
import pytest

from generators.conftest import GeneratedApi, spec_examples
from generators.test_quickcom_client import assert_parses, documented_errors

PROVIDER = "smsflow"
TOKEN = "Bearer YOUR_API_KEY"
ERRORS = documented_errors(PROVIDER)


@pytest.fixture
def client(generated_client: Callable[[str], GeneratedApi]) -> GeneratedApi:
    return generated_client(PROVIDER)


def valid(client: GeneratedApi, operation_id: str) -> dict[str, Any]:
    """Valid arguments of an operation on the default seed, as the generated functions take them."""
    form = client.model("UpdateContactForm")
    return {
        "list_contacts": {"search": "john", "search_by": client.model("ListContactsSearchBy")("name"),
                          "results_per_page": client.model("ResultsPerPage")(10)},
        "get_contact": {"contact_id": 1},
        "create_contact": {"body": form(phone_number="+447700900123", name="Ada Lovelace")},
        "update_contact": {"contact_id": 1, "body": form(name="John Q. Doe")},
        "delete_contact": {"contact_id": 1},
    }[operation_id]


def send(client: GeneratedApi, operation_id: str, arguments: dict[str, Any], authorization: str = TOKEN) -> Any:
    """The generated request, sent as a multipart form where it has a body, then parsed by the generated code.

    openapi-generators/openapi-python-client#1276: for a body in two media types with one schema, both
    branches of the generated ``_get_kwargs`` match, so it sets multipart ``files`` and urlencoded ``data``
    together under the urlencoded Content-Type; the documented multipart form is kept (httpx writes its header).
    """
    module = client.module(operation_id)
    kwargs = module._get_kwargs(**arguments)
    if "files" in kwargs:
        kwargs.pop("data", None)
        kwargs["headers"] = {k: v for k, v in kwargs.get("headers", {}).items() if k.lower() != "content-type"}
    http = client.client(authorization)
    return module._build_response(client=http, response=http.get_httpx_client().request(**kwargs))


def test_the_client_generates_without_a_warning(client: GeneratedApi) -> None:
    """openapi-python-client's whole output: the folder it generated, nothing dropped, nothing warned."""
    assert client.output.strip().splitlines()[0].startswith("Generating ")
    assert len(client.output.strip().splitlines()) == 1, client.output
    assert client.model("Contact") and client.model("ContactList") and client.model("ContactResponse")


def test_every_operation_answers_with_valid_data_into_its_model(client: GeneratedApi) -> None:
    """One session over every operation, each success parsed into its model (delete has no body)."""
    page = client.check("list_contacts", send(client, "list_contacts", valid(client, "list_contacts")), 200)
    assert [(c.id, c.name) for c in page.data] == [(1, "John Doe")]
    assert page.links.self_.startswith(f"{client.spec.base_url}/contacts?search=john&search_by=name")
    contact = client.check("get_contact", send(client, "get_contact", valid(client, "get_contact")), 200)
    assert (contact.data.phone_number, contact.data.custom_parameters.to_dict()) == ("+393331234567", {"age": "18"})
    created = client.check("create_contact", send(client, "create_contact", valid(client, "create_contact")), 201)
    assert created.data.id == 2
    updated = client.check("update_contact", send(client, "update_contact", valid(client, "update_contact")), 200)
    assert updated.data.id == 1
    new = client.check("get_contact", send(client, "get_contact", {"contact_id": 2}), 200)
    assert (new.data.name, new.data.custom_parameters) == ("Ada Lovelace", [])
    deleted = send(client, "delete_contact", valid(client, "delete_contact"))
    assert (deleted.status_code, deleted.content, deleted.parsed) == (200, b"", None)


@pytest.mark.parametrize(("operation_id", "status"), ERRORS, ids=[f"{o}-{s}" for o, s in ERRORS])
def test_every_documented_error_answer_parses_into_its_model(client: GeneratedApi, operation_id: str, status: int) -> None:
    """Each error status an operation documents, provoked as the platform gives it, parsed whole."""
    arguments = valid(client, operation_id)
    authorization = TOKEN
    if status == 401:
        authorization = "Bearer WRONG_KEY"
    elif status == 404:
        arguments["contact_id"] = 999
    elif status == 413:
        arguments["body"].name = "x" * (client.mock.max_body + 1)
    elif status == 429:
        client.mock.set_limit(PROVIDER, 0, 60)
    else:
        pytest.fail(f"no way to provoke {status} for {operation_id}")
    parsed = client.check(operation_id, send(client, operation_id, arguments, authorization), status)
    assert parsed.errors[0].status in (status, str(status))


EXAMPLES = spec_examples(PROVIDER)


@pytest.mark.parametrize(("where", "schema", "value"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES])
def test_the_component_models_parse_every_example(component_models: Callable[[str], Any], where: str, schema: str,
                                                  value: Any) -> None:
    """datamodel-code-generator's model of the example's component schema validates it and gives it back."""
    assert_parses(component_models(PROVIDER), schema, value)


def test_the_form_model_admits_the_custom_parameters_and_no_other_field(component_models: Callable[[str], Any]) -> None:
    """The form's model is as exact as the spec: indexed custom parameters (strings) yes, any other field no."""
    form = component_models(PROVIDER).UpdateContactForm
    fields = {"name": "Ada", "custom_parameter_key[12]": "city", "custom_parameter_value[12]": "Rome"}
    assert form.model_validate(fields).model_dump(exclude_unset=True) == fields
    for wrong in ({"nickname": "Ada"}, {"custom_parameter_key[x]": "city"}, {"custom_parameter_value[0]": 18}):
        with pytest.raises(pydantic.ValidationError):
            form.model_validate(wrong)
