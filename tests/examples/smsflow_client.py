"""A small SMSFlow contacts client (Bearer auth, form bodies), as an application would write it."""
from __future__ import annotations

from typing import Any

import requests

BASE_URL = "https://smsflow.su/api"


class SMSFlowError(Exception):
    """SMSFlow refused a request; ``title`` is the first error's title."""

    def __init__(self, status: int, title: str) -> None:
        super().__init__(f"{status}: {title}")
        self.status = status
        self.title = title


class SMSFlowClient:
    """Create, read, list and delete contacts."""

    def __init__(self, api_key: str, base_url: str = BASE_URL, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"
        self.timeout = timeout

    def _call(self, verb: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(verb, f"{self.base_url}/{path}", timeout=self.timeout, **kwargs)
        body = response.json() if response.content else None
        if not response.ok:
            errors = (body or {}).get("errors") or [{}]
            raise SMSFlowError(response.status_code, errors[0].get("title", response.reason))
        return body

    def create_contact(self, phone_number: str, name: str | None = None, **custom: str) -> int:
        """A new contact's id; ``custom`` becomes its custom parameters."""
        form: dict[str, str] = {"phone_number": phone_number, **({"name": name} if name else {})}
        for i, (key, value) in enumerate(custom.items()):
            form[f"custom_parameter_key[{i}]"] = key
            form[f"custom_parameter_value[{i}]"] = value
        return self._call("POST", "contacts", data=form)["data"]["id"]

    def contact(self, contact_id: int) -> dict[str, Any]:
        """One contact, as SMSFlow shows it."""
        return self._call("GET", f"contacts/{contact_id}")["data"]

    def find(self, name: str) -> list[dict[str, Any]]:
        """Contacts whose name contains ``name``."""
        return self._call("GET", "contacts/", params={"search": name, "search_by": "name"})["data"]

    def delete_contact(self, contact_id: int) -> None:
        """Delete a contact (an unknown id is an SMSFlowError 404)."""
        self._call("DELETE", f"contacts/{contact_id}")
