"""QuickFlow as Frappe's own code answers where the document is silent: verbs, OPTIONS, the Authorization header,
``/api/method`` alone, ``application/*+json`` and repeated arguments, and the fields a public integration reads.

Exact requests over both transports against the strict app, fresh from the default seed (docs/platforms.md,
QuickFlow). Each undocumented verb is answered as the platform answers it and journaled as a contract
violation.
"""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from conftest import Answer, Api
from test_quickflow_http import frappe_error

pytest_plugins = ["pytester"]

BASE = "/api/method"
SENDER = "YOUR_SENDER_ID"
KEY, SECRET = "your_api_key", "your_api_secret"
TOKEN = {"Authorization": f"token {KEY}:{SECRET}"}
NO_CACHE = "no-store,no-cache,must-revalidate,max-age=0"
BALANCE = {"message": {"status": "success", "message": "Balance retrieved",
                       "data": {"sender_id": SENDER, "balance": 100000.0}, "running_balance": 100000.0}}
GUEST = "You are not permitted to access this resource."


def assert_answer(answer: Answer, status: int, body: Any) -> None:
    """Status, whole JSON body, and the headers every QuickFlow JSON answer carries."""
    assert (answer.status, answer.json) == (status, body)
    assert answer.headers["Cache-Control"] == NO_CACHE
    assert answer.headers["Content-Type"] == "application/json"


def verb_violation(verb: str, operation: str, documented: str) -> dict[str, Any]:
    """The journal's record of an undocumented verb the platform took."""
    message = f"{verb} is not the documented verb of {operation} ({documented}); the platform answers it as {documented}"
    return {"location": "method", "name": "", "keyword": "method", "message": message, "pointer": "",
            "expected": documented, "received": verb, "ignored": True, "text": f"method {message}"}


# -- verbs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "request_args"),
    [
        ("POST", {"json": {"sender_id": SENDER}}),
        ("POST", {"data": {"sender_id": SENDER}}),
        ("PUT", {"params": {"sender_id": SENDER}}),
        ("DELETE", {"params": {"sender_id": SENDER}}),
        ("POST", {"data": json.dumps({"sender_id": SENDER}), "headers": {"Content-Type": "application/vnd.api+json"}}),
    ],
    ids=["post-json", "post-form", "put-query", "delete-query", "post-vnd+json"],
)
def test_a_get_method_called_with_another_whitelisted_verb_answers_as_documented(
    api: Api, verb: str, request_args: dict[str, Any]
) -> None:
    """@frappe.whitelist() takes GET, POST, PUT and DELETE; the arguments come from Frappe's form_dict wherever
    they were sent (the public integration POSTs JSON to sms.balance). The verb is a contract violation."""
    sent = {**request_args, "headers": {**TOKEN, **request_args.get("headers", {})}}
    answer = api.request(verb, f"{BASE}/quickflow.sms.balance", **sent)
    assert_answer(answer, 200, BALANCE)
    entry = api.last()
    assert (entry["operation"], entry["outcome"], entry["method"]) == ("get_balance", "ok", verb)
    assert entry["violations"] == [verb_violation(verb, "get_balance", "GET")]


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE"])
def test_a_post_method_called_with_another_whitelisted_verb_sends(api: Api, verb: str) -> None:
    """sms.send by GET with query arguments (or PUT, DELETE): the message is sent, the verb journaled."""
    params = {"recipient": "254700000000", "sender_id": SENDER, "message": "Hi"}
    answer = api.request(verb, f"{BASE}/quickflow.sms.send", headers=TOKEN, params=params)
    data = {"messages": [{"uid": "SMS-0001", "recipient": "254700000000", "status": "queued"}], "total_recipients": 1,
            "encoding": "GSM-7", "segments": 1, "credits": 1, "balance": 99999.0}
    assert_answer(answer, 200, {"message": {"status": "success", "message": "SMS queued for 1 recipient", "data": data}})
    assert [m.recipient for m in api.mock.env.outbox] == ["254700000000"]
    assert api.last()["violations"] == [verb_violation(verb, "send_sms", "POST")]


def test_a_json_body_is_the_only_source_of_arguments_on_another_verb(api: Api) -> None:
    """make_form_dict: with a JSON body the query string is not read, so a sender_id only there is missing."""
    answer = api.request("PUT", f"{BASE}/quickflow.sms.balance", headers=TOKEN, params={"sender_id": SENDER},
                         json={"other": "1"})
    assert_answer(answer, 417, frappe_error("ValidationError", "Missing required argument: sender_id"))


def test_a_repeated_argument_on_another_verb_takes_the_first_value(api: Api) -> None:
    """make_form_dict updates a dict from Werkzeug's MultiDict: the first of repeated values wins, query then form."""
    answer = api.request("PUT", f"{BASE}/quickflow.sms.balance?sender_id={SENDER}&sender_id=UNKNOWN", headers=TOKEN)
    assert_answer(answer, 200, BALANCE)
    answer = api.request("POST", f"{BASE}/quickflow.sms.balance?sender_id={SENDER}", headers=TOKEN,
                         data={"sender_id": "UNKNOWN"})
    assert_answer(answer, 200, BALANCE)


def test_a_verb_the_whitelist_does_not_take_is_403_and_journaled_unmatched(api: Api) -> None:
    """PATCH is not among @frappe.whitelist()'s default verbs: 403 "Not permitted", nothing sent."""
    answer = api.request("PATCH", f"{BASE}/quickflow.sms.send", headers=TOKEN,
                         json={"recipient": "254700000000", "sender_id": SENDER, "message": "Hi"})
    assert_answer(answer, 403, frappe_error("PermissionError", "Not permitted"))
    assert api.last()["outcome"] == "unmatched"
    assert len(api.mock.env.outbox) == 0


@pytest.mark.parametrize("path", ["quickflow.sms.send", "quickflow.sms.balance", "quickflow.sms.resend", "anything"])
def test_options_is_an_empty_200_on_any_path(api: Api, path: str) -> None:
    """frappe.app answers OPTIONS with an empty Response() before routing: known method or not."""
    answer = api.request("OPTIONS", f"{BASE}/{path}", headers=TOKEN)
    assert (answer.status, answer.text) == (200, "")
    assert answer.headers["Cache-Control"] == NO_CACHE
    assert "Allow" not in answer.headers
    assert len(api.mock.env.outbox) == 0


def test_options_without_credentials_is_200_and_with_wrong_ones_401(api: Api) -> None:
    """validate_auth runs before the OPTIONS answer: no header is Guest (fine), a wrong pair is 401."""
    assert api.request("OPTIONS", f"{BASE}/quickflow.sms.send").status == 200
    answer = api.request("OPTIONS", f"{BASE}/quickflow.sms.send", headers={"Authorization": f"token {KEY}:wrong"})
    assert_answer(answer, 401, {"exc_type": "AuthenticationError"})


# -- the Authorization header -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [f"token  {KEY}:{SECRET}", f"token {KEY}:{SECRET} x", "token", f"{KEY}:{SECRET}", f"Basic {KEY} {SECRET}"],
    ids=["two-spaces", "three-parts", "scheme-only", "no-scheme", "basic-three-parts"],
)
def test_a_header_not_of_two_space_separated_parts_is_guest_403(api: Api, value: str) -> None:
    """validate_auth splits on single spaces and checks only two parts: ``token  k:s`` is Guest, 403."""
    answer = api.get(f"{BASE}/quickflow.sms.balance", headers={"Authorization": value}, params={"sender_id": SENDER})
    assert_answer(answer, 403, frappe_error("PermissionError", GUEST))
    assert api.last()["outcome"] == "rejected"


@pytest.mark.parametrize("token", ["%%%not-base64%%%", "abc", "YWJjZA"])
def test_a_basic_token_that_is_not_base64_is_400_invalid_authorization_token(api: Api, token: str) -> None:
    """binascii.Error in validate_auth_via_api_keys: 400 InvalidAuthorizationToken with Frappe's words."""
    answer = api.get(f"{BASE}/quickflow.sms.balance", headers={"Authorization": f"Basic {token}"},
                     params={"sender_id": SENDER})
    text = "Failed to decode token, please provide a valid base64-encoded token."
    assert_answer(answer, 400, frappe_error("InvalidAuthorizationToken", text))


def test_a_bad_basic_token_is_400_before_routing(api: Api) -> None:
    """validate_auth runs before the method is looked up: an unknown method with it is 400 too."""
    answer = api.post(f"{BASE}/quickflow.sms.resend", headers={"Authorization": "Basic abc"}, json={})
    text = "Failed to decode token, please provide a valid base64-encoded token."
    assert_answer(answer, 400, frappe_error("InvalidAuthorizationToken", text))


def test_basic_with_a_capitalised_scheme_and_dropped_characters_authenticates(api: Api) -> None:
    """b64decode drops characters outside the alphabet, as Frappe calls it; the scheme is case-insensitive."""
    token = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    answer = api.get(f"{BASE}/quickflow.sms.balance", headers={"Authorization": f"BASIC {token[:4]}!{token[4:]}"},
                     params={"sender_id": SENDER})
    assert_answer(answer, 200, BALANCE)


# -- paths, bodies and the fields a public integration reads ----------------------------------------------


@pytest.mark.parametrize("path", [BASE, f"{BASE}/"])
def test_api_method_with_no_method_is_404_does_not_exist(api: Api, path: str) -> None:
    """frappe.api.handle turns the URL map's NotFound into DoesNotExistError: 404, no message."""
    assert_answer(api.post(path, headers=TOKEN, json={}), 404, {"exc_type": "DoesNotExistError"})


def test_send_and_campaign_answer_status_success_and_balance_running_balance(api: Api) -> None:
    """What the public integration reads: ``message.status`` of sends, ``message.running_balance`` of a balance."""
    send = api.post(f"{BASE}/quickflow.sms.send", headers=TOKEN,
                    json={"recipient": "254700000000", "sender_id": SENDER, "message": "Hi"})
    campaign = api.post(f"{BASE}/quickflow.sms.campaign", headers=TOKEN,
                        json={"contact_list_id": "GRP-0001", "sender_id": SENDER, "message": "Hi"})
    assert (send.status, send.json["message"]["status"]) == (200, "success")
    assert (campaign.status, campaign.json["message"]["status"]) == (200, "success")
    balance = api.post(f"{BASE}/quickflow.sms.balance", headers=TOKEN, json={"sender_id": SENDER})
    body = {"message": {"status": "success", "message": "Balance retrieved",
                        "data": {"sender_id": SENDER, "balance": 99997.0}, "running_balance": 99997.0}}
    assert_answer(balance, 200, body)


def test_head_is_not_a_whitelisted_verb_403(api: Api) -> None:
    """HEAD is not among @frappe.whitelist()'s verbs: 403 PermissionError (its body never reaches the wire)."""
    answer = api.request("HEAD", f"{BASE}/quickflow.sms.balance", headers=TOKEN, params={"sender_id": SENDER})
    assert (answer.status, answer.text) == (403, "")
    assert answer.headers["Cache-Control"] == NO_CACHE
    entry = api.last()
    assert (entry["outcome"], entry["reply"]["body"]) == ("unmatched", frappe_error("PermissionError", "Not permitted"))


def test_a_guest_calling_with_a_verb_the_whitelist_does_not_take_gets_the_guest_message(api: Api) -> None:
    """execute_cmd checks is_whitelisted (no method is open to guests) before is_valid_http_method."""
    answer = api.request("PATCH", f"{BASE}/quickflow.sms.send", json={"recipient": "254700000000"})
    assert_answer(answer, 403, frappe_error("PermissionError", GUEST))


def test_options_is_text_plain_as_werkzeug_response(api: Api) -> None:
    """Frappe answers OPTIONS with Werkzeug's bare Response(): an empty text/plain body."""
    answer = api.request("OPTIONS", f"{BASE}/quickflow.sms.send", headers=TOKEN)
    assert (answer.status, answer.text, answer.headers["Content-Type"]) == (200, "", "text/plain; charset=utf-8")


# -- arguments on the documented verb -----------------------------------------------------------------------


def test_a_repeated_query_argument_takes_the_first_value_and_is_journaled(api: Api) -> None:
    """make_form_dict copies request.args with a plain dict.update: the first of repeated values wins."""
    answer = api.get(f"{BASE}/quickflow.sms.balance?sender_id={SENDER}&sender_id=UNKNOWN", headers=TOKEN)
    assert_answer(answer, 200, BALANCE)
    [violation] = api.last()["violations"]
    assert (violation["keyword"], violation["message"], violation["received"]) == (
        "repeated", "sent 2 times; the first value is used", [SENDER, "UNKNOWN"])
    answer = api.get(f"{BASE}/quickflow.sms.balance?sender_id=UNKNOWN&sender_id={SENDER}", headers=TOKEN)
    assert (answer.status, answer.json["exc_type"]) == (404, "DoesNotExistError")  # the unknown sender came first


def test_a_repeated_form_field_takes_the_first_value_and_the_form_wins_over_the_query(api: Api) -> None:
    """``args.update(request.args); args.update(request.form)``: form over query, first value of each."""
    answer = api.post(f"{BASE}/quickflow.sms.send?message=from%20the%20query",
                      headers={**TOKEN, "Content-Type": "application/x-www-form-urlencoded"},
                      data=f"recipient=254700000000&sender_id={SENDER}&message=first&message=second")
    assert answer.status == 200
    [message] = list(api.mock.env.outbox)
    assert message.text == "first"


def test_an_application_plus_json_body_on_the_documented_verb_is_read_as_json(api: Api) -> None:
    """Werkzeug's is_json takes any application/*+json: the send goes out, the journal names the type."""
    answer = api.post(f"{BASE}/quickflow.sms.send", headers={**TOKEN, "Content-Type": "application/vnd.api+json"},
                      data=json.dumps({"recipient": "254700000000", "sender_id": SENDER, "message": "Hi"}))
    assert (answer.status, answer.json["message"]["status"]) == (200, "success")
    assert len(api.mock.env.outbox) == 1
    [violation] = api.last()["violations"]
    assert (violation["location"], violation["received"], violation["ignored"]) == (
        "content-type", "application/vnd.api+json", True)


# -- error bodies follow Accept -----------------------------------------------------------------------------

JAVA_ACCEPT = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"  # HttpURLConnection's default


def assert_page(answer: Answer, status: int, title: str, message: str) -> None:
    """Frappe's HTML error page (ErrorPage's title and message) with the error's own status."""
    assert answer.status == status
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == NO_CACHE
    assert f"<title>{title}</title>" in answer.text and f"<p>{message}</p>" in answer.text


@pytest.mark.parametrize(
    ("headers", "path", "status", "title", "message"),
    [
        ({}, "quickflow.sms.balance", 403, "Not Permitted", "You do not have enough permissions to complete the action"),
        ({"Authorization": f"token {KEY}:wrong"}, "quickflow.sms.balance", 401, "Session Expired",
         "Your session has expired, please login again to continue."),
        (TOKEN, "", 404, "Not Found", "The resource you are looking for is not available"),
        (TOKEN, "quickflow.sms.balance", 417, "Server Error", "Uncaught Exception"),  # sender_id missing
        (TOKEN, "quickflow.sms.nothing", 417, "Server Error", "Uncaught Exception"),
        ({"Authorization": "Basic a"}, "quickflow.sms.balance", 400, "Server Error", "Uncaught Exception"),
    ],
    ids=["guest-403", "wrong-key-401", "no-method-404", "validation-417", "unknown-method-417", "bad-basic-400"],
)
def test_an_error_to_a_client_accepting_text_is_frappes_html_page(
    api: Api, headers: dict[str, str], path: str, status: int, title: str, message: str
) -> None:
    """handle_exception answers JSON only to Accept with application/json, an XHR, or /api/ with Accept not text."""
    answer = api.get(f"{BASE}/{path}".rstrip("/"), headers={**headers, "Accept": JAVA_ACCEPT})
    assert_page(answer, status, title, message)
    assert api.last()["reply"]["body"] == answer.text  # the journal keeps what was sent


@pytest.mark.parametrize(
    "accept",
    ["application/json", "text/html, application/json", "*/*", "", "application/xml"],
    ids=["json", "text-and-json", "any", "none", "xml"],
)
def test_an_error_is_json_unless_accept_starts_with_text_without_json(api: Api, accept: str) -> None:
    answer = api.get(f"{BASE}/quickflow.sms.balance", headers={"Accept": accept} if accept else {})
    assert_answer(answer, 403, frappe_error("PermissionError", GUEST))


def test_an_xhr_gets_json_whatever_it_accepts(api: Api) -> None:
    answer = api.get(f"{BASE}/quickflow.sms.balance", headers={"Accept": "text/html", "X-Requested-With": "XMLHttpRequest"})
    assert_answer(answer, 403, frappe_error("PermissionError", GUEST))


def test_a_success_is_json_whatever_the_client_accepts(api: Api) -> None:
    answer = api.get(f"{BASE}/quickflow.sms.balance", headers={**TOKEN, "Accept": JAVA_ACCEPT}, params={"sender_id": SENDER})
    assert_answer(answer, 200, BALANCE)


def test_a_429_to_a_client_accepting_text_is_the_rate_limiters_plain_text(api: Api) -> None:
    """Outside JSON, handle_exception hands a 429 to frappe.rate_limiter.respond(): "Too Many Requests"."""
    api.mock.set_limit("quickflow", 1, 60)
    headers = {**TOKEN, "Accept": JAVA_ACCEPT}
    assert api.get(f"{BASE}/quickflow.sms.balance", headers=headers, params={"sender_id": SENDER}).status == 200
    answer = api.get(f"{BASE}/quickflow.sms.balance", headers=headers, params={"sender_id": SENDER})
    assert (answer.status, answer.text, answer.headers["Content-Type"]) == (429, "Too Many Requests", "text/plain; charset=utf-8")
    assert int(answer.headers["Retry-After"]) >= 1


# -- the plugin still fails a client that deviates ----------------------------------------------------------

CLIENT_POSTING_BALANCE = """
    import requests

    def test_balance(smsmock):
        answer = requests.post(smsmock.quickflow.base_url + "/quickflow.sms.balance",
                               headers={"Authorization": "token your_api_key:your_api_secret"},
                               json={"sender_id": "YOUR_SENDER_ID"})
        assert answer.json()["message"]["running_balance"] == 100000.0
"""


def test_the_plugin_fails_a_test_whose_client_posts_to_a_get_method(pytester: pytest.Pytester) -> None:
    """The platform answers the POST (the test's own assertion passes) and the contract check fails the test."""
    pytester.makepyfile(CLIENT_POSTING_BALANCE)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "smsmock: 1 request broke the provider contract:",
        "  POST /api/method/quickflow.sms.balance  [[]quickflow get_balance[]] answered 200",
        "    - *POST is not the documented verb of get_balance (GET); the platform answers it as GET*",
    ])
