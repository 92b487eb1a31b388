"""QuickCom's spec as SDK generators read it: openapi-python-client builds a client without a warning, every
operation called with valid data and then provoked into each documented error comes back parsed into its
model, and datamodel-code-generator's models of the components parse every example of the spec.

The mock starts from the default seed (mockserver/seed.yaml): account YOUR_KEY / YOUR_SECRET with 114830
transactional and 50000 promotional credits and the document's OTP template 1507162019748109480.
"""
from __future__ import annotations

from typing import Any, Callable

import pydantic
import pytest

from generators.conftest import SPECS, GeneratedApi, spec_examples

PROVIDER = "quickcom"
HEADER = "YOUR_KEY-YOUR_SECRET"  # the document's second method, `Authorization: KEY-SECRET`
OTP = "1507162019748109480"
OPERATIONS = [op.operation_id for op in SPECS[PROVIDER].operations]


def documented_errors(provider: str) -> list[tuple[str, int]]:
    """(operationId, status) of every error answer a provider's spec documents."""
    return [
        (op.operation_id, int(status))
        for op in SPECS[provider].operations
        for status in op.responses
        if status.isdigit() and not status.startswith("2")
    ]


def assert_parses(models: Any, schema: str, value: Any) -> None:
    """datamodel-code-generator's model of a component schema validates a value and gives it back (an enum,
    such as RouteType, is a plain Enum: pydantic's TypeAdapter reads it)."""
    model = getattr(models, schema)
    if hasattr(model, "model_validate"):
        assert model.model_validate(value).model_dump(mode="json", by_alias=True, exclude_unset=True) == value
    else:
        adapter = pydantic.TypeAdapter(model)
        assert adapter.dump_python(adapter.validate_python(value), mode="json") == value


ERRORS = documented_errors(PROVIDER)


@pytest.fixture
def client(generated_client: Callable[[str], GeneratedApi]) -> GeneratedApi:
    return generated_client(PROVIDER)


def valid(client: GeneratedApi, operation_id: str) -> dict[str, Any]:
    """Valid arguments of an operation on the default seed, as the generated functions take them."""
    if operation_id == "send_message":
        variables = client.model("SendMessageTemplateVariables").from_dict({"v1": "QC12345", "v2": "2499"})
        return {"dlt_template_id": OTP, "mobile_numbers": "9876543210,8765432109",
                "route_type": client.model("RouteType")(1), "template_variables": variables}
    if operation_id == "list_campaigns":
        return {"per_page_record": 5, "page_number": 1}
    return {}


def send(client: GeneratedApi, operation_id: str, arguments: dict[str, Any], *, authorization: str = HEADER,
         method: str | None = None, prefix: str = "", prefer: str | None = None) -> Any:
    """The generated request, changed where the test needs what the generated function cannot send (another
    verb, a path that is no route, a Prefer header), then parsed by the generated code."""
    module = client.module(operation_id)
    kwargs = module._get_kwargs(**arguments)
    kwargs["url"] = prefix + kwargs["url"]
    if method is not None:
        kwargs["method"] = method
    if prefer is not None:
        kwargs["headers"] = {**kwargs.get("headers", {}), "Prefer": prefer}
    http = client.client(authorization)
    return module._build_response(client=http, response=http.get_httpx_client().request(**kwargs))


def test_the_client_generates_without_a_warning(client: GeneratedApi) -> None:
    """openapi-python-client's whole output: the folder it generated, nothing dropped, nothing warned."""
    assert client.output.strip().splitlines()[0].startswith("Generating ")
    assert len(client.output.strip().splitlines()) == 1, client.output


def test_every_operation_answers_with_valid_data_into_its_model(client: GeneratedApi) -> None:
    """One session over every operation: each 200 parsed into its `<Name>Answer` model."""
    for operation_id in OPERATIONS:
        parsed = client.check(operation_id, client.call(operation_id, HEADER, valid(client, operation_id)), 200)
        assert parsed.status is True, operation_id
    sent = client.check("send_message", client.call("send_message", HEADER, valid(client, "send_message")), 200)
    assert (sent.data.message, sent.data.total_contacts) == ("Your OTP is QC12345. Valid for 2499 minutes.", 2)
    page = client.check("list_campaigns", client.call("list_campaigns", HEADER, valid(client, "list_campaigns")), 200)
    assert (page.data.total, page.data.current_page) == (2, "1")


@pytest.mark.parametrize(("operation_id", "status"), ERRORS, ids=[f"{o}-{s}" for o, s in ERRORS])
def test_every_documented_error_answer_parses_into_its_model(client: GeneratedApi, operation_id: str, status: int) -> None:
    """Each error status an operation documents, provoked as the platform gives it, parsed whole. Three
    operations take no argument, so nothing a client sends makes them fail validation: their 422 is the
    spec's example, asked for with `Prefer`."""
    arguments = valid(client, operation_id)
    options: dict[str, Any] = {}
    if status == 401:
        options["authorization"] = "YOUR_KEY-wrong"
    elif status == 402:
        client.mock.providers[PROVIDER].accounts["YOUR_KEY"].transaction_balance = 1  # two numbers cost two
    elif status == 404 and operation_id == "send_message":
        arguments["dlt_template_id"] = "1507162019748109499"  # no such template
    elif status == 404:
        options["prefix"] = "/v0"  # /api/v1/v0/...: no route
    elif status == 405:
        options["method"] = "post"
    elif status == 422 and operation_id == "send_message":
        arguments["mobile_numbers"] = "12345"  # digits, but no valid Indian mobile
    elif status == 422 and operation_id == "list_campaigns":
        arguments["per_page_record"] = 0
    elif status == 422:
        options["prefer"] = "code=422"
    elif status == 429:
        client.mock.set_limit(PROVIDER, 0, 60)
    else:
        pytest.fail(f"no way to provoke {status} for {operation_id}")
    parsed = client.check(operation_id, send(client, operation_id, arguments, **options), status)
    assert parsed.status is False


def test_a_generated_client_cannot_send_is_flash_as_the_platform_reads_it(client: GeneratedApi) -> None:
    """The document types is_flash as a boolean, so the generated client sends `true`, which Laravel's
    `boolean` rule refuses on a query string (docs/platforms.md, QuickCom: booleans and `in` rules)."""
    arguments = {**valid(client, "send_message"), "is_flash": True}
    parsed = client.check("send_message", client.call("send_message", HEADER, arguments), 422)
    assert parsed.errors.to_dict() == {"is_flash": ["The is flash field must be true or false."]}


EXAMPLES = spec_examples(PROVIDER)


@pytest.mark.parametrize(("where", "schema", "value"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES])
def test_the_component_models_parse_every_example(component_models: Callable[[str], Any], where: str, schema: str,
                                                  value: Any) -> None:
    """datamodel-code-generator's model of the example's component schema validates it and gives it back."""
    assert_parses(component_models(PROVIDER), schema, value)
