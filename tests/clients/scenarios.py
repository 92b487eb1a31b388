"""Per provider: a request that changes state, the same request misspelt, and how to count what it changed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["SCENARIOS", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    provider: str
    operation: str
    method: str
    path: str
    request: Callable[[Any], dict[str, Any]]  # the client's keyword arguments, from the handle
    misspelt: Callable[[Any], dict[str, Any]]
    violations: list[tuple[str, str, str, str]]  # provider, operation, location, name of the misspelt request
    refused: int  # the status the platform answers the misspelt request with
    changed: Callable[[Any], int]  # how many records the request's kind of change made so far


def _quickcom(handle: Any, mobile: str = "mobile_numbers") -> dict[str, Any]:
    return {
        "params": {
            **handle.quickcom.credentials,
            "dlt_template_id": "1507162019748109480",
            mobile: "9876543210",
            "route_type": 1,
            "v1": "482913",
            "v2": "10",
        }
    }


def _quickflow(handle: Any, recipient: str = "recipient") -> dict[str, Any]:
    credentials = handle.quickflow.credentials
    return {
        "json": {recipient: "0712345678", "sender_id": "YOUR_SENDER_ID", "message": "Your code is 550142"},
        "headers": {"Authorization": f"token {credentials['api_key']}:{credentials['api_secret']}"},
    }


def _smsflow(handle: Any, phone: str = "phone_number") -> dict[str, Any]:
    return {"data": {phone: "+14155550100"}, "headers": {"Authorization": "Bearer YOUR_API_KEY"}}


def _contacts(handle: Any) -> int:
    # SMSFlow sends nothing: its change is a stored contact (read from its records, not through a request,
    # so that the journal holds only the client's requests).
    provider = handle.mock.providers["smsflow"]
    return sum(len(account.contacts) for account in provider._accounts.values())


SCENARIOS = {
    "quickcom": Scenario(
        "quickcom", "send_message", "GET", "/send-message", _quickcom, lambda h: _quickcom(h, "mobile_number"),
        [("quickcom", "send_message", "query", "mobile_numbers"), ("quickcom", "send_message", "query", "mobile_number")],
        422,
        lambda h: len(h.quickcom.outbox),
    ),
    "quickflow": Scenario(
        "quickflow", "send_sms", "POST", "/quickflow.sms.send", _quickflow, lambda h: _quickflow(h, "recipients"),
        [("quickflow", "send_sms", "body", "recipient"), ("quickflow", "send_sms", "body", "recipients")],
        417,
        lambda h: len(h.quickflow.outbox),
    ),
    "smsflow": Scenario(
        "smsflow", "create_contact", "POST", "/contacts", _smsflow, lambda h: _smsflow(h, "phone"),
        [("smsflow", "create_contact", "body", "phone"), ("smsflow", "create_contact", "body", "phone_number")],
        401,  # SMSFlow refuses a missing required field with 401 (docs/platforms.md)
        _contacts,
    ),
}
