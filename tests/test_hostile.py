"""Hostile input: every request in tests/data/hostile.yaml is refused in its provider's own format and changes nothing.

Each runs through both transports (the ``api`` fixture: strict app, so an answer outside the spec is an
error). Checked per request: the expected 4xx, the provider's error envelope naming the expected error, a
body and required headers the spec declares for that status, no traceback, and state, outbox and balances
exactly as before (the journal aside).
"""
from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Answer, Api
from smsmock.validation import validate_response

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "hostile.yaml").read_text(encoding="utf-8"))
REQUESTS: list[dict[str, Any]] = CORPUS["requests"]
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "exc_info", '"exception"', '"exc"')


def build(value: Any) -> str | bytes:
    """A string (or bytes) from the corpus's notation: text, {base64}, {repeat}, {format}, or a list of parts."""
    if isinstance(value, list):
        parts = [build(part) for part in value]
        return b"".join(p.encode() if isinstance(p, str) else p for p in parts) if any(isinstance(p, bytes) for p in parts) else "".join(parts)  # type: ignore[arg-type]
    if isinstance(value, dict):
        if "base64" in value:
            return base64.b64decode(value["base64"])
        if "format" in value:
            return value.get("join", "").join(value["format"].format(i) for i in range(value["count"]))
        return value.get("before", "") + value["repeat"] * value["times"] + value.get("after", "")
    return str(value)


def as_request(entry: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(method, path, keyword arguments for Api.request) of a corpus entry."""
    credentials = CORPUS["credentials"][entry["provider"]] if entry.get("auth", True) else {}
    headers = {**credentials.get("headers", {}), **{k: build(v) for k, v in (entry.get("headers") or {}).items()}}
    own = [(name, build(value)) for name, value in entry.get("query") or []]
    overridden = {name for name, _ in own}
    query = [(n, v) for n, v in credentials.get("query", []) if n not in overridden] + own
    path = str(build(entry["path"]))
    kwargs: dict[str, Any] = {"headers": headers}
    if entry.get("raw_query"):
        path += "?" + entry["raw_query"]
    elif query:
        kwargs["params"] = query
    if "body" in entry:
        body = build(entry["body"])
        kwargs["data"] = body.encode("utf-8") if isinstance(body, str) else body
    return entry["method"], path, kwargs


def error_name(provider: str, body: Any) -> str | None:
    """The provider's name for the error: Frappe's exc_type, QuickCom's error_code, AltumCode's first title."""
    assert isinstance(body, dict), f"not a JSON object: {body!r}"
    if provider == "quickflow":
        assert "message" not in body, "a Frappe error never uses the `message` envelope"
        return body.get("exc_type")
    if provider == "quickcom":
        assert body.get("status") is False and body.get("data") is None, body
        return body.get("error_code")
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, body
    return errors[0].get("title")


def spec_problems(api: Api, journal: dict[str, Any], answer: Answer) -> list[str]:
    """Where the answer breaks the spec's response for its status: body schema and required headers."""
    provider = api.mock.providers[journal["provider"]]
    spec = provider.spec
    if journal.get("operation"):
        pointer = spec.by_id[journal["operation"]].responses.get(str(answer.status))
        if pointer is None:
            return [f"{journal['operation']} documents no {answer.status} answer"]
        candidates = [pointer]
    else:  # unmatched: one of the answers the spec gives requests that match no operation
        candidates = list((spec.document.get("x-smsmock-routing") or {}).values())
    found: list[str] = []
    for pointer in candidates:
        problems = validate_response(spec, pointer, "application/json", answer.json)
        response, _ = spec.deref(spec.at(pointer), pointer)
        for name, header in (response.get("headers") or {}).items():
            header, _ = spec.deref(header, pointer)
            if header.get("required") and name not in answer.headers:
                problems.append(f"required header {name} is missing")
        if not problems:
            return []
        found += [f"{pointer}: {p}" for p in problems]
    return found


def observe(api: Api) -> dict[str, Any]:
    """Everything a request could change, read through the same transport: state, outbox, balances."""
    state = api.get("/__smsmock/api/state").json
    state.pop("journal")
    outbox = api.get("/__smsmock/api/outbox").json
    return {"state": state, "outbox": outbox}


@pytest.mark.parametrize("entry", REQUESTS, ids=[entry["id"] for entry in REQUESTS])
def test_hostile_request_is_refused_in_the_providers_format_and_changes_nothing(api: Api, entry: dict[str, Any]) -> None:
    """A 4xx in the provider's own envelope, within the spec, no traceback, and no state change."""
    expect = entry["expect"]
    method, path, kwargs = as_request(entry)
    before = observe(api)
    seen = api.mock.journal.total
    answer = api.request(method, path, **kwargs)
    if api.transport == "socket" and "over_a_socket" in entry:
        # The HTTP server refused it before the app: its own 4xx in plain text saying why, and the mock never saw it.
        status = entry["over_a_socket"]["status"]
        assert answer.status == status, answer.text[:500]
        assert answer.text.startswith(f"{status} ") and answer.headers["Content-Type"].startswith("text/plain")
        assert not any(marker in answer.text for marker in TRACEBACK_MARKERS), answer.text[:500]
        assert api.mock.journal.total == seen
        assert observe(api) == before
        return
    journal = api.last()
    assert answer.status == expect["status"], f"{entry['id']}: {answer.status} {answer.text[:500]}"
    assert 400 <= answer.status < 500
    assert answer.headers.get("Content-Type", "").startswith("application/json")
    assert error_name(entry["provider"], answer.json) == expect["error"], answer.text[:500]
    if "message" in expect:
        assert expect["message"] in answer.text, answer.text[:500]
    assert not any(marker in answer.text for marker in TRACEBACK_MARKERS), answer.text[:500]
    assert "Set-Cookie" not in answer.headers
    assert journal.get("provider") == entry["provider"]
    assert not journal.get("response_problems")
    assert spec_problems(api, journal, answer) == []
    assert observe(api) == before


def test_the_corpus_is_large_and_covers_every_provider() -> None:
    """At least 100 requests, every provider, unique ids, every expected status a 4xx."""
    assert len(REQUESTS) >= 100
    assert {entry["provider"] for entry in REQUESTS} == {"quickflow", "quickcom", "smsflow"}
    assert len({entry["id"] for entry in REQUESTS}) == len(REQUESTS)
    assert all(400 <= entry["expect"]["status"] < 500 for entry in REQUESTS)


def test_an_unanswerable_prefer_is_ignored_and_recorded_where_the_operation_documents_no_refusal(api: Api) -> None:
    """QuickFlow's list_sms takes no argument, so it documents no 417: a bad Prefer cannot be refused there.

    It is ignored, as the platform ignores what it does not know, and recorded as a contract violation.
    """
    headers = {**CORPUS["credentials"]["quickflow"]["headers"], "Prefer": "code=500"}
    answer = api.get("/api/method/quickflow.sms.list_all", headers=headers)
    assert answer.status == 200
    assert answer.json["message"]["message"] == "0 SMS found"
    [violation] = api.last()["violations"]
    assert (violation["name"], violation["ignored"]) == ("Prefer", True)
    assert "list_sms documents no 500 response" in violation["message"]
