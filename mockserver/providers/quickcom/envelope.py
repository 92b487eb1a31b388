"""QuickCom's wire format: the ``{status, intime, outtime, ...}`` envelope, Laravel's error bodies and words, headers.

The document shows only successes; the failures follow Laravel (docs/platforms.md, QuickCom), and the
mock's own choices are said where they are made.
"""
from __future__ import annotations

import math
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from typing import Any

from ...errors import Kind, ProviderError
from ...incoming import Incoming
from ...spec import Operation
from ...timestamps import datetime_text, iso_utc
from ..base import Ok, Provider, Reply, Window
from .records import Account, Campaign, Template

__all__ = [
    "IST",
    "PROCESSED",
    "RETRIEVED",
    "QuickComEnvelope",
    "account_payload",
    "balance_payload",
    "campaign_payload",
    "credentials_required",
    "local_time",
    "required_variables",
    "send_payload",
    "template_payload",
    "validation_error",
]

# India Standard Time: the platform's clock, and DLT's (docs/platforms.md, QuickCom: local times).
IST = timezone(timedelta(hours=5, minutes=30), "IST")
# intime is the clock's now and outtime a fixed 5 ms later, so answers are reproducible.
PROCESSING_TIME = timedelta(milliseconds=5)
RETRIEVED = "Information successfully retrieved."
PROCESSED = "Campaign successfully processed"

# Kind -> (status, error_code, fixed message or None), wording from the spec's components/responses.
# The spec declares no 413 (every route is GET), so TOO_LARGE is a validation failure, as is CONFLICT.
_ERRORS: dict[Kind, tuple[int, str, str | None]] = {
    Kind.AUTH_MISSING: (401, "INVALID_CREDENTIALS", "API credentials are missing."),
    Kind.AUTH_INVALID: (401, "INVALID_CREDENTIALS", "Invalid app_key or app_secret."),
    Kind.INSUFFICIENT_BALANCE: (402, "INSUFFICIENT_BALANCE", "Insufficient balance."),
    Kind.NOT_FOUND: (404, "TEMPLATE_NOT_FOUND", "Template not found or not approved."),
    Kind.NO_ROUTE: (404, "ROUTE_NOT_FOUND", None),
    Kind.WRONG_METHOD: (405, "METHOD_NOT_ALLOWED", None),
    Kind.VALIDATION: (422, "VALIDATION_ERROR", None),
    Kind.CONFLICT: (422, "VALIDATION_ERROR", None),
    Kind.TOO_LARGE: (422, "VALIDATION_ERROR", None),
    Kind.RATE_LIMITED: (429, "RATE_LIMIT_EXCEEDED", "Too Many Attempts."),
    # Laravel's words for an uncaught exception outside debug mode (docs/platforms.md, QuickCom: internal errors).
    Kind.INTERNAL: (500, "SERVER_ERROR", "Server Error"),
}
_FIELD_REQUIRED = {Kind.VALIDATION, Kind.CONFLICT, Kind.TOO_LARGE}  # the spec wants a field in `errors`


def local_time(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in IST, as the platform writes its own times."""
    return datetime_text(moment, IST)


# -- Laravel's words ----------------------------------------------------------


def credentials_required() -> dict[str, list[str]]:
    """Laravel's `required` messages for the two query credentials."""
    return {name: [f"The {name.replace('_', ' ')} field is required."] for name in ("app_key", "app_secret")}


def validation_error(name: str, message: str) -> ProviderError:
    """A refused argument, its message in Laravel's words."""
    return ProviderError(Kind.VALIDATION, message, fields={name: [message]})


def required_variables(missing: list[str]) -> ProviderError:
    """Laravel's `required` failure for template variables not given (v1, v2, ...)."""
    return ProviderError(
        Kind.VALIDATION,
        f"The {missing[0]} field is required.",
        fields={name: [f"The {name} field is required."] for name in missing},
    )


def _laravel_message(errors: dict[str, list[str]]) -> str:
    """The first message, then "(and N more errors)" (docs/platforms.md, QuickCom: validation wording)."""
    messages = [m for found in errors.values() for m in found]
    more = len(messages) - 1
    if more == 0:
        return messages[0]
    return f"{messages[0]} (and {more} more error{'s' if more > 1 else ''})"


def _describe(violation: Any) -> str:
    """Laravel's wording of one refused argument (docs/platforms.md, QuickCom: validation wording)."""
    words = (violation.name or violation.location).replace("_", " ")
    keyword, wanted = violation.keyword, violation.expected
    if keyword == "required":
        return f"The {words} field is required."
    if keyword in ("enum", "const"):
        return f"The selected {words} is invalid."
    if keyword == "type":
        kinds = wanted if isinstance(wanted, list) else [wanted]
        noun = {"integer": "an integer", "number": "a number", "boolean": "true or false", "string": "a string"}
        return f"The {words} field must be {noun.get(kinds[0], 'valid')}."
    if keyword == "minimum":
        return f"The {words} field must be at least {wanted}."
    if keyword == "maximum":
        return f"The {words} field must not be greater than {wanted}."
    if keyword == "minLength":
        return f"The {words} field must be at least {wanted} characters."
    if keyword == "maxLength":
        return f"The {words} field must not be greater than {wanted} characters."
    if keyword == "pattern":
        return f"The {words} field format is invalid."
    return f"The {words} field is invalid."


def _allow(error: ProviderError) -> str:
    """The route's verbs; a Laravel GET route answers HEAD too (docs/platforms.md, QuickCom: error statuses)."""
    allowed = [m.upper() for m in error.detail.get("allowed") or ["GET"]]
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return ", ".join(allowed)


# -- payloads: the records as the document shows them -------------------------


def template_payload(template: Template) -> dict[str, Any]:
    """The template as Get Templates lists it."""
    data = dict(vars(template))  # flat fields: a shallow copy (asdict deep-copies, on every listing)
    del data["sender_id"]
    return data


def balance_payload(account: Account) -> dict[str, Any]:
    """The profile and balances as Check Balance shows them, fields in the document's order and JSON types."""
    profile = vars(account.profile)  # flat fields, read only
    data = {key: profile[key] for key in ("user_number", "name", "email", "mobile", "status")}
    data["transaction_balance"] = account.transaction_balance
    data["promotional_balance"] = account.promotional_balance
    data.update((key, value) for key, value in profile.items() if key not in data)
    return data


def campaign_payload(campaign: Campaign, now: datetime) -> dict[str, Any]:
    """The campaign as Campaign List shows it, its statistics as of now.

    ``message_type`` is "1" for a GSM-7 text and "2" for a Unicode (UCS-2) one; ``sms_type`` is the route
    type, as in the document's send example (route_type 1, sms_type 1).
    """
    return {
        "id": campaign.id,
        "campaign_name": "API",
        "sender_id": campaign.sender_id,
        "sms_type": str(campaign.route_type),
        "message": campaign.message,
        "message_type": "2" if campaign.encoding == "UCS-2" else "1",
        "total_contacts": len(campaign.messages),
        "currently_delivered": campaign.count("delivered", now),
        "currently_failed": campaign.count("failed", now),
        "campaign_current_stage": campaign.stage(now),
    }


def send_payload(campaign: Campaign, at: datetime, segments: int) -> dict[str, Any]:
    """The answer to send-message; ``campaign_send_date_time`` is the requested time, not DLT's hold."""
    return {
        "campaign": "API",
        "sender_id": campaign.sender_id,
        "route_type": campaign.route_type,
        "sms_type": campaign.route_type,
        "message": campaign.message,
        "is_flash": int(campaign.is_flash),
        "campaign_send_date_time": local_time(at),
        # The real length: the document's 55 does not match its own 43-character message.
        "message_count": len(campaign.message),
        "message_credit_size": segments,
        "total_contacts": len(campaign.messages),
        "total_credit_deduct": campaign.credits,
        "status": "Scheduled" if campaign.scheduled else "Ready-to-complete",
        "uuid": campaign.uuid,
        "total_invalid_number": campaign.total_invalid_number,
    }


def account_payload(account: Account, now: datetime) -> dict[str, Any]:
    """The account, its templates and campaigns (statistics as of now), for the admin state."""
    campaigns = [
        {
            **campaign_payload(c, now),
            "uuid": c.uuid,
            "route_type": c.route_type,
            "is_flash": c.is_flash,
            "created_at": c.created_at.isoformat(),
            "send_at": c.send_at.isoformat(),
            "scheduled": c.scheduled,
            "total_invalid_number": c.total_invalid_number,
            "credits": c.credits,
            "message_ids": [m.id for m in c.messages],
        }
        for c in account.campaigns.values()
    ]
    return {
        "app_key": account.app_key,
        "app_secret": account.app_secret,
        "active": account.active,
        "profile": asdict(account.profile),
        "transaction_balance": account.transaction_balance,
        "promotional_balance": account.promotional_balance,
        "sender_ids": list(account.sender_ids),
        "templates": [asdict(t) for t in account.templates.values()],
        "campaigns": campaigns,
    }


class QuickComEnvelope(Provider):
    """How QuickCom answers: the documented envelope, Laravel's failures, its throttle headers."""

    def rate_headers(self, window: Window) -> dict[str, str]:
        """Limit and Remaining on every answer (the document); the 429 adds Retry-After, the seconds left,
        and X-RateLimit-Reset, the Unix time the window reopens, as ``ThrottleRequests::getHeaders`` does.

        docs/platforms.md, QuickCom: throttle headers.
        """
        headers = {"X-RateLimit-Limit": str(window.limit), "X-RateLimit-Remaining": str(window.remaining)}
        if window.exceeded:
            headers["Retry-After"] = str(window.reset)
            # Laravel's availableAt: now plus the delay, as a whole Unix time (Carbon's getTimestamp floors).
            headers["X-RateLimit-Reset"] = str(math.floor(self.now.timestamp()) + window.reset)
        return headers

    def render(self, operation: Operation, result: Ok, incoming: Incoming | None = None) -> Any:
        """The documented success envelope around a payload."""
        return self._envelope(True, result.message or RETRIEVED, result.data, {}, None)

    def describe_violation(self, violation: Any) -> str:
        """Laravel's wording of a refused argument."""
        return _describe(violation)

    def error_reply(self, error: ProviderError) -> Reply:
        """The inferred Laravel-style failure: ``status`` false, ``data`` null, ``errors`` by field."""
        status, code, fixed = _ERRORS[error.kind]
        errors = {name: list(messages) for name, messages in error.fields.items() if messages}
        if error.kind is Kind.AUTH_MISSING and not errors:
            errors = credentials_required()
        if error.kind in _FIELD_REQUIRED:
            errors = errors or {"request": [error.message]}
            message = _laravel_message(errors)
        elif error.kind is Kind.AUTH_INVALID and errors:
            # Half a query pair: Laravel's `required` message for the missing one, matching `errors`,
            # not "Invalid app_key or app_secret." beside an error that says the secret was not sent.
            message = _laravel_message(errors)
        else:
            message = fixed or self._routing_message(error)
        headers = {"Allow": _allow(error)} if error.kind is Kind.WRONG_METHOD else {}
        return Reply(status, self._envelope(False, message, None, errors, code), headers)

    def _envelope(
        self, ok: bool, message: str, data: Any, errors: dict[str, list[str]], code: str | None
    ) -> dict[str, Any]:
        intime = self.now
        return {
            "status": ok,
            "intime": iso_utc(intime),
            "outtime": iso_utc(intime + PROCESSING_TIME),
            "message": message,
            "data": data,
            "errors": errors,
            "error_code": code,
        }

    def _routing_message(self, error: ProviderError) -> str:
        """Laravel's wording for an unknown route or a wrong verb, when the engine says which route."""
        command, method = error.detail.get("command"), error.detail.get("method")
        route = "/".join(p for p in (self.spec.base_path.strip("/"), command) if p)
        if command is not None and error.kind is Kind.NO_ROUTE:
            return f"The route {route} could not be found."
        if command is not None and method and error.kind is Kind.WRONG_METHOD:
            return f"The {method} method is not supported for route {route}. Supported methods: {_allow(error)}."
        return error.message
