"""A small QuickCom client, as an application would write it (the README's example)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

BASE_URL = "https://ok-go.in/api/v1"


class QuickComError(Exception):
    """QuickCom refused a request (or answered something that is not its envelope)."""

    def __init__(self, status: int, error_code: str | None, message: str) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code


@dataclass(frozen=True)
class Campaign:
    """What send-message reports about the campaign it created."""

    uuid: str
    text: str
    credits: int
    invalid_numbers: int


class QuickComClient:
    """send-message and check-balance, with the key and secret as query parameters."""

    def __init__(self, app_key: str, app_secret: str, base_url: str = BASE_URL, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = {"app_key": app_key, "app_secret": app_secret}
        self.timeout = timeout

    def _get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(f"{self.base_url}/{path}", params={**self.auth, **params}, timeout=self.timeout)

    def send_otp(self, template_id: str, to: list[str], *variables: str) -> Campaign:
        """Send a templated OTP; ``variables`` fill the template's {#var#} placeholders in order."""
        data = _data(self._get("send-message", **_send_params(template_id, to, variables)))
        if not isinstance(data, dict):
            raise QuickComError(200, None, f"unexpected data: {data!r}")
        return Campaign(data["uuid"], data["message"], data["total_credit_deduct"], data["total_invalid_number"])

    def balance(self) -> int:
        """Credits left for the OTP and transactional routes."""
        return int(_data(self._get("check-balance"))["transaction_balance"])


def _data(response: requests.Response) -> Any:
    """The envelope's ``data`` of a successful answer; a QuickComError for anything else."""
    try:
        body = response.json()
    except ValueError:
        raise QuickComError(response.status_code, None, "answer is not JSON") from None
    if not isinstance(body, dict) or body.get("status") is not True or not response.ok:
        error = body if isinstance(body, dict) else {}
        raise QuickComError(response.status_code, error.get("error_code"), str(error.get("message", "")))
    return body.get("data")


def _send_params(template_id: str, to: list[str], variables: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {"dlt_template_id": template_id, "mobile_numbers": ",".join(to), "route_type": 0}
    return params | {f"v{i}": value for i, value in enumerate(variables, start=1)}


class FragileQuickComClient(QuickComClient):
    """The same client written carelessly: it trusts ``data`` to be the campaign, even on an error."""

    def send_otp(self, template_id: str, to: list[str], *variables: str) -> Campaign:
        data = self._get("send-message", **_send_params(template_id, to, variables)).json()["data"]
        return Campaign(data["uuid"], data["message"], data["total_credit_deduct"], data["total_invalid_number"])
