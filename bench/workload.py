"""A mixed stream of requests driven straight through the WSGI app (no socket): reads, writes, refusals.

Shared by bench/memory.py (200,000 requests) and tests/test_memory.py (a smaller run). Every write that
creates a record is paired with its delete, except sends: their messages are what the outbox cap bounds.
"""
from __future__ import annotations

import io
import json
from typing import Any, Callable
from urllib.parse import urlencode

from flask import Flask
from werkzeug.test import EnvironBuilder

QF = {"Authorization": "token your_api_key:your_api_secret"}
SF = {"Authorization": "Bearer YOUR_API_KEY"}
QC = {"app_key": "YOUR_KEY", "app_secret": "YOUR_SECRET"}
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def _environ(method: str, path: str, query: dict[str, str] | None = None, headers: dict[str, str] | None = None,
             body: bytes = b"", content_type: str | None = None) -> dict[str, Any]:
    builder = EnvironBuilder(path=path, method=method, query_string=urlencode(query or {}), headers=headers or {},
                             data=body or None, content_type=content_type)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    environ["smsmock.body"] = body
    return environ


def _qf(method: str, name: str, **args: Any) -> dict[str, Any]:
    if method == "GET":
        return _environ("GET", f"/api/method/{name}", args, QF)
    return _environ("POST", f"/api/method/{name}", None, QF, json.dumps(args).encode(), JSON)


# One cycle of the mix: (label, environ template, expected status). Ids are those of the default seed:
# group GRP-0001 (QuickFlow), contact 1 (SMSFlow); created records are deleted later in the same cycle.
def cycle() -> list[tuple[str, dict[str, Any], int]]:
    """The requests of one cycle, in order."""
    sender = {"sender_id": "YOUR_SENDER_ID"}
    send = {"dlt_template_id": "1507162019748109480", "route_type": "1", "v1": "4821", "v2": "5", **QC}
    return [
        ("quickflow read", _qf("GET", "quickflow.sms.balance", **sender), 200),
        ("quickflow list", _qf("GET", "quickflow.contact.all_groups", **sender), 200),
        ("quickflow send", _qf("POST", "quickflow.sms.send", recipient="254700000001,254711000002", message="Hello", **sender), 200),
        ("quickflow bad argument", _qf("POST", "quickflow.sms.send", recipient="12", message="Hi", **sender), 417),
        ("quickflow wrong token", _environ("GET", "/api/method/quickflow.sms.list_all", None, {"Authorization": "token a:b"}), 401),
        ("quickcom read", _environ("GET", "/api/v1/check-balance", QC), 200),
        ("quickcom send", _environ("GET", "/api/v1/send-message", {**send, "mobile_numbers": "9876543210"}), 200),
        ("quickcom unknown template", _environ("GET", "/api/v1/send-message", {**send, "mobile_numbers": "9876543210", "dlt_template_id": "1507162019748100000"}), 404),
        ("smsflow read", _environ("GET", "/api/contacts/1", None, SF), 200),
        ("smsflow create", _environ("POST", "/api/contacts", None, SF, urlencode({"phone_number": "+447700900123"}).encode(), FORM), 201),
        ("smsflow delete", _environ("DELETE", "/api/contacts/{created}", None, SF), 200),
        ("smsflow unknown id", _environ("GET", "/api/contacts/999999999", None, SF), 404),
        ("unknown path", _environ("GET", "/nowhere", None, {}), 404),
    ]


class Driver:
    """Sends the cycle's requests through an app's WSGI callable, round after round."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.cycle = cycle()
        self.sent = 0
        self.unexpected: list[tuple[str, str]] = []
        self._created: str | None = None

    def _call(self, label: str, template: dict[str, Any], expected: int) -> None:
        environ = dict(template)
        body = environ["smsmock.body"]
        environ["wsgi.input"] = io.BytesIO(body)
        if self._created is not None and "{created}" in environ["PATH_INFO"]:
            environ["PATH_INFO"] = environ["PATH_INFO"].replace("{created}", self._created)
        status: list[str] = []

        def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            status.append(line)
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            text = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        self.sent += 1
        code = int(status[0].split()[0])
        if label == "smsflow create" and code == 201:
            self._created = str(json.loads(text)["data"]["id"])
        if code != expected and len(self.unexpected) < 10:
            self.unexpected.append((label, f"{status[0]}: {text[:200]!r}"))

    def run(self, requests: int) -> None:
        """Send ``requests`` requests (whole cycles, rounded up)."""
        for _ in range(-(-requests // len(self.cycle))):
            for label, template, expected in self.cycle:
                self._call(label, template, expected)
