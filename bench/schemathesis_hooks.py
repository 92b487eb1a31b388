"""Schemathesis checks for documented platform quirks, each as strict as the built-in check it stands in for.

Loaded through ``hooks`` in bench/schemathesis.toml. Each reads what it allows from the spec itself, so a
spec that drops a quirk makes its check as strict as the built-in one.
"""
from __future__ import annotations

from typing import Any

import jsonschema
import referencing
import schemathesis
from referencing.jsonschema import DRAFT202012
from schemathesis.generation.meta import CoverageScenario
from schemathesis.specs.openapi.checks import negative_data_rejection

_SPEC_URI = "urn:smsmock:spec"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _tolerated(case: Any) -> set[str]:
    """Parameters the spec marks ``x-on-invalid: ignore``: the platform uses the default for an invalid value."""
    return {p.name for p in case.operation.iter_parameters() if p.definition.get("x-on-invalid") == "ignore"}


def _mutated(case: Any) -> set[str] | None:
    """The parameters a negative case made invalid, or None when schemathesis does not say."""
    data = case.meta.phase.data if case.meta is not None else None
    if data is None:
        return None
    names = {m.parameter for m in getattr(data, "mutations", ()) or ()}
    if data.parameter:
        names.add(data.parameter)
    return None if not names or None in names else names


def _body_required(case: Any) -> bool:
    """Whether the operation's request body is required (an optional one may arrive empty)."""
    return bool((case.operation.definition.raw.get("requestBody") or {}).get("required"))


@schemathesis.check
def negative_data_rejection_as_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """negative_data_rejection, where bench/schemathesis.toml turns the built-in check off for an operation.

    Two kinds of "negative" request are accepted there, as on the platform, and the spec says why:
    - every invalid value is in an ``x-on-invalid: ignore`` parameter (AltumCode ignores ``search_by=AAA`` or
      ``page=0`` and answers 200 with its default);
    - a form body that is not an object at all (a bare string or number) reaches the server as no fields,
      which an operation with an optional body accepts (SMSFlow's update changes nothing).
    Anything else negative must be refused, exactly as the built-in check wants.
    """
    if ctx.config.negative_data_rejection.enabled:
        return None  # the built-in check judges this operation
    accepted = 200 <= response.status_code < 300
    mutated = _mutated(case)
    if accepted and mutated is not None and mutated <= _tolerated(case):
        return None
    if accepted and case.media_type in _FORMS and not isinstance(case.body, dict) and not _body_required(case):
        return None
    return negative_data_rejection(ctx, response, case)  # the built-in, with this operation's statuses


def _wrong_verb_answer(document: dict[str, Any]) -> tuple[str, str] | None:
    """(status, response pointer) of the answer the spec gives a wrong verb, when it is not a 405."""
    pointer = (document.get("x-smsmock-routing") or {}).get("method_not_allowed")
    if not pointer:
        return None
    for item in (document.get("paths") or {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if isinstance(response, dict) and response.get("$ref") == pointer and status != "405":
                    return status, pointer
    return None


def _body_problems(document: dict[str, Any], pointer: str, body: Any) -> list[str]:
    """Why a JSON body does not match the response the pointer names (its application/json schema)."""
    registry = referencing.Registry().with_resource(_SPEC_URI, DRAFT202012.create_resource(document))
    path = pointer.lstrip("#") + "/content/application~1json/schema"
    validator = jsonschema.Draft202012Validator({"$ref": f"{_SPEC_URI}#{path}"}, registry=registry)
    return [error.message for error in validator.iter_errors(body)]


def _slash_twin(path: str) -> str:
    return path[:-1] if path.endswith("/") else path + "/"


@schemathesis.check
def wrong_verb_as_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """unsupported_method for a platform whose router answers a verb a route lacks with another documented status.

    The spec's ``x-smsmock-routing.method_not_allowed`` names the response; the status is the one the spec's
    operations give that response (SMSFlow: 404 NotFound). The answer must have that status and body.
    Specs that answer 405 keep the built-in check alone (this one does nothing there).
    """
    data = case.meta.phase.data if case.meta is not None else None
    if getattr(data, "scenario", None) != CoverageScenario.UNSPECIFIED_HTTP_METHOD or response.request.method == "OPTIONS":
        return None
    document = case.operation.schema.raw_schema
    # The platforms' routers ignore a trailing slash (the specs say so on such paths): SMSFlow's
    # `GET /contacts` is `GET /contacts/`, a verb the resource has.
    twin = (document.get("paths") or {}).get(_slash_twin(case.operation.path)) or {}
    if str(response.request.method).lower() in twin:
        return None
    taken = {str(m).upper() for m in (document.get("x-smsmock-routing") or {}).get("methods") or ()}
    if str(response.request.method).upper() in taken:
        # The platform takes this verb at every path (Frappe's @frappe.whitelist(): GET, POST, PUT, DELETE)
        # and answers it as the documented operation: one of that operation's documented answers.
        declared = case.operation.definition.raw.get("responses") or {}
        if str(response.status_code) not in declared:
            raise AssertionError(
                f"{response.request.method} is a verb the platform takes (x-smsmock-routing.methods): the answer "
                f"must be one {case.operation.path} documents, got {response.status_code}"
            )
        pointer = declared[str(response.status_code)].get("$ref") or (
            f"#/paths/{case.operation.path.replace('~', '~0').replace('/', '~1')}/{case.operation.method.lower()}"
            f"/responses/{response.status_code}"
        )
        problems = _body_problems(document, pointer, response.json())
        if problems:
            raise AssertionError(f"{response.request.method} answered as documented does not match {pointer}: {'; '.join(problems)}")
        return None
    expected = _wrong_verb_answer(document)
    if expected is None:
        return None
    status, pointer = expected
    if str(response.status_code) != status:
        raise AssertionError(
            f"{response.request.method} is not a verb of {case.operation.path}: the spec's "
            f"x-smsmock-routing.method_not_allowed answer is {status}, got {response.status_code}"
        )
    problems = _body_problems(document, pointer, response.json())
    if problems:
        raise AssertionError(f"wrong-verb answer does not match {pointer}: {'; '.join(problems)}")
    return None
