"""The spec examples that show the default seed's records are what the mock answers (issue 15).

Each case sends an example's request (after the requests its description says came first) to the strict app
in-process, fresh from the default seed (mockserver/seed.yaml) at the mock's start, 2026-01-15 09:30:00 UTC,
on the host of the spec's server URL, and compares the status and the whole JSON answer with the example. The
only fields left out of a comparison are the ones its case names: the times an example keeps from the provider
document (the mock writes its own clock there) and the version-1 UUIDs the mock makes from its clock and a
random node. Ids the mock numbers from the seed (groups, contacts, campaigns) are compared.

QuickFlow's examples are also replayed as one session, body for body and with their times, against the
provider itself in tests/providers/test_quickflow_unit.py; here its reads go over HTTP.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask

from smsmock.app import get_mock

from conftest import SPECS

QUICKFLOW_AUTH = {"Authorization": "token your_api_key:your_api_secret", "Accept": "application/json"}
QUICKCOM_AUTH = {"app_key": "YOUR_KEY", "app_secret": "YOUR_SECRET"}
SMSFLOW_AUTH = {"Authorization": "Bearer YOUR_API_KEY"}

# The fields a case leaves out of its comparison, each for the reason named.
ENVELOPE_TIMES = ("intime", "outtime")  # QuickCom's envelope: the mock's clock; the examples keep the document's
SEND_TIME = "campaign_send_date_time"  # an unscheduled send: the mock's clock; the example keeps the document's
UUID = "uuid"  # a version-1 UUID: the mock's clock and a random node


@dataclass(frozen=True)
class Step:
    """One request: an operation of the case's provider, its arguments, and when (minutes after the start)."""

    operation: str
    arguments: dict[str, Any] = field(default_factory=dict)
    minutes: int = 0


@dataclass(frozen=True)
class Case:
    provider: str
    example: str  # the name of the example of the last step's success answer
    steps: tuple[Step, ...]
    ignored: tuple[str, ...] = ()


def _spec_example(provider: str, pointer: str) -> Any:
    spec = SPECS[provider]
    found, _ = spec.deref(spec.at(pointer), "")
    return copy.deepcopy(found["value"])


def request_example(provider: str, name: str) -> dict[str, Any]:
    """A named request example of the spec's components."""
    return _spec_example(provider, f"#/components/examples/{name}")


def documented_query(provider: str, operation: str) -> dict[str, Any]:
    """An operation's query as its parameters' `documented` examples give it (an object parameter exploded,
    as QuickCom's template variables travel: `v1=...&v2=...`)."""
    query: dict[str, Any] = {}
    for parameter in SPECS[provider].by_id[operation].parameters_in("query"):
        examples = SPECS[provider].at(parameter.pointer).get("examples") or {}
        if "documented" in examples:
            value = examples["documented"]["value"]
            query.update(value if isinstance(value, dict) else {parameter.name: value})
    return query


def response_example(provider: str, operation: str, name: str) -> tuple[int, Any]:
    """The status and body of a named example of an operation's success answer."""
    spec = SPECS[provider]
    op = spec.by_id[operation]
    found = spec.response(op, str(op.success_status))
    assert found is not None
    return op.success_status, _spec_example(provider, f"{found[1]}/content/application~1json/examples/{name}")


QUICKCOM_SCHEDULED = {
    # The request the `scheduled` example of send_message describes.
    "dlt_template_id": "1507162019748109481", "v1": "QC12346", "v2": "2499",
    "mobile_numbers": "9876543210,8765432109,12345", "route_type": 1, "schedule_date": "2026-01-16 10:00:00",
}
QUICKFLOW_GROUP = {"sender_id": "YOUR_SENDER_ID", "group_id": "GRP-0001"}

CASES = {
    "quickcom-get_account_status": Case("quickcom", "documented", (Step("get_account_status"),), ENVELOPE_TIMES),
    "quickcom-check_balance": Case("quickcom", "documented", (Step("check_balance"),), ENVELOPE_TIMES),
    "quickcom-list_sender_ids": Case("quickcom", "documented", (Step("list_sender_ids"),), ENVELOPE_TIMES),
    "quickcom-list_templates": Case("quickcom", "documented", (Step("list_templates"),), ENVELOPE_TIMES),
    "quickcom-send_message-documented": Case(
        "quickcom", "documented", (Step("send_message", documented_query("quickcom", "send_message")),),
        (*ENVELOPE_TIMES, SEND_TIME, UUID),
    ),
    "quickcom-send_message-scheduled": Case(
        "quickcom", "scheduled", (Step("send_message", QUICKCOM_SCHEDULED),), (*ENVELOPE_TIMES, UUID)
    ),
    "quickcom-list_campaigns": Case(
        "quickcom", "documented",
        (
            Step("send_message", documented_query("quickcom", "send_message")),
            Step("send_message", QUICKCOM_SCHEDULED),
            Step("list_campaigns", documented_query("quickcom", "list_campaigns"), minutes=1),
        ),
        ENVELOPE_TIMES,
    ),
    "smsflow-list_contacts": Case("smsflow", "documented", (Step("list_contacts"),)),
    "smsflow-get_contact": Case("smsflow", "documented", (Step("get_contact", {"contact_id": 1}),)),
    "quickflow-get_group": Case("quickflow", "found", (Step("get_group", QUICKFLOW_GROUP),)),
    "quickflow-list_contacts": Case("quickflow", "two_contacts", (Step("list_contacts", QUICKFLOW_GROUP),)),
    "quickflow-get_contact": Case("quickflow", "found", (Step("get_contact", {**QUICKFLOW_GROUP, "uid": "CON-0001"}),)),
    "quickflow-list_groups": Case(
        "quickflow", "two_groups",
        (
            Step("create_group", request_example("quickflow", "CreateGroup"), minutes=5),
            Step("list_groups", {"sender_id": "YOUR_SENDER_ID"}, minutes=5),
        ),
    ),
    "quickflow-delete_group": Case(
        "quickflow", "deleted",
        (
            Step("create_group", request_example("quickflow", "CreateGroup"), minutes=5),
            Step("delete_group", request_example("quickflow", "DeleteGroup"), minutes=70),
        ),
    ),
}


def send(app: Flask, provider: str, step: Step) -> tuple[int, Any]:
    """The step's request as the provider's documents send it, on the spec's own host."""
    spec = SPECS[provider]
    op = spec.by_id[step.operation]
    arguments = dict(step.arguments)
    path = op.route
    for parameter in op.parameters_in("path"):
        path = path.replace("{" + parameter.name + "}", str(arguments.pop(parameter.name)))
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(spec.base_url))
    client = app.test_client()
    if provider == "quickcom":
        answer = client.open(f"{origin}{path}?{urlencode({**QUICKCOM_AUTH, **arguments})}", method=op.method)
    elif provider == "smsflow":
        answer = client.open(f"{origin}{path}", method=op.method, headers=SMSFLOW_AUTH, query_string=arguments)
    elif op.method == "GET":
        answer = client.open(f"{origin}{path}", method="GET", headers=QUICKFLOW_AUTH, query_string=arguments)
    else:
        answer = client.open(f"{origin}{path}", method=op.method, headers=QUICKFLOW_AUTH, json=arguments)
    return answer.status_code, answer.get_json()


def without(value: Any, names: tuple[str, ...]) -> Any:
    """The value with the named fields removed at any depth."""
    if isinstance(value, dict):
        return {k: without(v, names) for k, v in value.items() if k not in names}
    if isinstance(value, list):
        return [without(v, names) for v in value]
    return value


@pytest.mark.parametrize("name", list(CASES))
def test_the_example_is_what_the_mock_answers_from_the_default_seed(strict_app: Flask, name: str) -> None:
    case = CASES[name]
    mock = get_mock(strict_app)
    mock.reset()
    start = mock.env.clock.now()
    for step in case.steps:
        mock.env.clock.advance(step.minutes * 60 - (mock.env.clock.now() - start).total_seconds())
        status, body = send(strict_app, case.provider, step)
    expected_status, expected = response_example(case.provider, case.steps[-1].operation, case.example)
    assert status == expected_status, body
    assert without(body, case.ignored) == without(expected, case.ignored)
    assert not [e for e in mock.journal.entries() if e.get("violations") or e.get("response_problems")]

