"""QuickCom as Laravel answers where the document is silent: its validator's booleans and `in`, its throttle.

Each test sends the exact request and asserts the exact status, body and headers (docs/platforms.md, QuickCom),
over both transports, against the strict app fresh from the default seed (clock frozen at 2026-01-15
09:30:00 UTC).
"""
from __future__ import annotations

import pytest

from conftest import Api
from test_quickcom_http import AUTH, BASE, failed, limits, send


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "false", "on", "yes", ""])
def test_a_query_boolean_other_than_0_or_1_is_refused(api: Api, value: str) -> None:
    """`validateBoolean` compares strictly with true, false, 0, 1, "0", "1": a query string passes only as 0 or 1."""
    answer = send(api, "9876543210", is_flash=value)
    message = "The is flash field must be true or false."
    assert (answer.status, answer.json) == (422, failed("09:30:00", message, {"is_flash": [message]}, "VALIDATION_ERROR"))
    assert limits(answer) == ("100000", "99999")
    assert answer.headers["Content-Type"] == "application/json"
    assert len(api.mock.env.outbox) == 0


@pytest.mark.parametrize(("value", "flash"), [("1", 1), ("0", 0)])
def test_a_query_boolean_of_0_or_1_is_taken(api: Api, value: str, flash: int) -> None:
    answer = send(api, "9876543210", is_flash=value)
    assert (answer.status, answer.json["data"]["is_flash"]) == (200, flash)
    assert next(api.mock.env.outbox.newest()).extra["is_flash"] is bool(flash)


@pytest.mark.parametrize("value", ["+1", "01", "1.0"])
def test_route_type_is_compared_as_the_string_sent(api: Api, value: str) -> None:
    """`in:0,1,2` compares `(string) $value` with each member: "+1" reads as an integer but is no member."""
    answer = send(api, "9876543210", route_type=value)
    message = "The selected route type is invalid."
    expected = failed("09:30:00", message, {"route_type": [message]}, "VALIDATION_ERROR")
    if value == "1.0":  # not an integer either (FILTER_VALIDATE_INT): Laravel's `integer` rule speaks first
        integer = "The route type field must be an integer."
        expected = failed("09:30:00", f"{integer} (and 1 more error)", {"route_type": [integer, message]}, "VALIDATION_ERROR")
    assert (answer.status, answer.json) == (422, expected)
    assert limits(answer) == ("100000", "99999")
    violation = api.last()["violations"][0]
    assert (violation["location"], violation["name"], violation["received"]) == ("query", "route_type", value)


def test_the_throttle_counts_refused_credentials_and_answers_429_with_reset(api: Api) -> None:
    """ThrottleRequests runs before the credentials are read: a 401 counts, and the 429 carries Retry-After
    (seconds) and X-RateLimit-Reset (Unix time) beside Limit and Remaining 0."""
    api.mock.set_limit("quickcom", 2, 60)
    wrong = {"app_key": AUTH["app_key"], "app_secret": "wrong"}
    first = api.get(f"{BASE}/check-balance", params=wrong)
    assert (first.status, first.json["error_code"], limits(first)) == (401, "INVALID_CREDENTIALS", ("2", "1"))
    second = api.get(f"{BASE}/check-balance", params=AUTH)
    assert (second.status, limits(second)) == (200, ("2", "0"))
    api.mock.env.clock.advance(20)
    third = api.get(f"{BASE}/check-balance", params=AUTH)
    assert third.status == 429
    assert third.json == failed("09:30:20", "Too Many Attempts.", {}, "RATE_LIMIT_EXCEEDED")
    headers = {name: third.headers.get(name) for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After", "X-RateLimit-Reset")}
    # 09:30:20 + 40 s = 2026-01-15 09:31:00 UTC = 1768469460.
    assert headers == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0", "Retry-After": "40", "X-RateLimit-Reset": "1768469460"}
    # No credentials at all: counted in a window of their own, refused as missing.
    missing = api.get(f"{BASE}/check-balance")
    assert (missing.status, missing.json["error_code"], limits(missing)) == (401, "INVALID_CREDENTIALS", ("2", "1"))
