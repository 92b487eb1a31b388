"""A small QuickFlow client (a Frappe app: ``/api/method/<method>``, token auth), as an application would write it."""
from __future__ import annotations

import json
from typing import Any

import requests

BASE_URL = "http://127.0.0.1:8017/api/method"


class QuickFlowError(Exception):
    """QuickFlow refused a request; ``exc_type`` is Frappe's exception class name."""

    def __init__(self, status: int, exc_type: str | None, messages: list[str]) -> None:
        super().__init__(f"{status} {exc_type}: {'; '.join(messages)}")
        self.status = status
        self.exc_type = exc_type
        self.messages = messages


class QuickFlowClient:
    """Send SMS and follow their delivery."""

    def __init__(self, api_key: str, api_secret: str, base_url: str = BASE_URL, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"token {api_key}:{api_secret}", "Accept": "application/json"})
        self.timeout = timeout

    def _call(self, verb: str, method: str, **kwargs: Any) -> Any:
        response = self.session.request(verb, f"{self.base_url}/{method}", timeout=self.timeout, **kwargs)
        body = response.json() if response.content else {}
        if not response.ok:
            raise QuickFlowError(response.status_code, body.get("exc_type"), _server_messages(body))
        return body.get("message", {}).get("data")

    def send_sms(self, sender_id: str, recipients: list[str], message: str) -> list[str]:
        """Send one text to some numbers; the uid of each message."""
        payload = {"sender_id": sender_id, "recipient": ",".join(recipients), "message": message}
        data = self._call("POST", "quickflow.sms.send", json=payload)
        return [sms["uid"] for sms in data["messages"]]

    def status(self, uid: str) -> str:
        """queued, sent, delivered or failed."""
        return self._call("GET", "quickflow.sms.get", params={"uid": uid})["status"]

    def balance(self, sender_id: str) -> float:
        """Credits left for a sender ID."""
        return self._call("GET", "quickflow.sms.balance", params={"sender_id": sender_id})["balance"]


def _server_messages(body: dict[str, Any]) -> list[str]:
    """Frappe's ``_server_messages``: a JSON string holding a list of JSON strings, each an object."""
    return [json.loads(item).get("message", "") for item in json.loads(body.get("_server_messages") or "[]")]
