"""QuickFlow's wire format: Frappe's success envelope, error bodies and statuses, the words of both, headers."""
from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from ...errors import Kind, ProviderError
from ...incoming import Incoming
from ...spec import Operation
from ...state import Message
from ...timestamps import datetime_text
from ..base import Ok, Provider, Reply, Window
from .records import Account, Answer, Campaign, Contact, Group

__all__ = [
    "GUEST_MESSAGE",
    "INVALID_TOKEN",
    "NO_CACHE",
    "QuickFlowEnvelope",
    "account_payload",
    "campaign_payload",
    "contact_payload",
    "field_error",
    "group_payload",
    "plural",
    "server_messages",
    "sms_payload",
    "stamp",
    "TOKEN_NOT_BASE64",
    "wants_json",
    "whole",
]

# frappe.app.NO_CACHE_HEADERS, on every answer, success and error alike (docs/platforms.md, QuickFlow: no-cache).
NO_CACHE = {"Cache-Control": "no-store,no-cache,must-revalidate,max-age=0"}
# Frappe's texts for a Guest request to a method not open to guests, and for a verb the method is not
# whitelisted for (docs/platforms.md, QuickFlow: guest requests); the spec's PermissionError examples.
GUEST_MESSAGE = "You are not permitted to access this resource."
WRONG_VERB_MESSAGE = "Not permitted"
# A Basic token that is not base64: frappe.auth's InvalidAuthorizationToken, a CSRFTokenError (400), with
# this text (docs/platforms.md, QuickFlow: token and Basic authorization).
INVALID_TOKEN = "InvalidAuthorizationToken"
TOKEN_NOT_BASE64 = "Failed to decode token, please provide a valid base64-encoded token."

# frappe.app.handle_exception's HTML error pages by status (ErrorPage's title and message); any other status
# gets "Server Error", and a 429 the rate limiter's plain-text answer (docs/platforms.md, QuickFlow: error
# bodies follow Accept).
_PAGES = {
    401: ("Session Expired", "Your session has expired, please login again to continue."),
    403: ("Not Permitted", "You do not have enough permissions to complete the action"),
    404: ("Not Found", "The resource you are looking for is not available"),
}
_SERVER_ERROR_PAGE = ("Server Error", "Uncaught Exception")
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<div class="page-card">
<h4 class="page-card-head"><span class="indicator red">{title}</span></h4>
<p>{message}</p>
</div>
</body>
</html>
"""

# Kind -> (the spec's component response, Frappe's exception class). The status comes from the spec, which
# gives each class Frappe's (docs/platforms.md, QuickFlow: error statuses).
_ERRORS: dict[Kind, tuple[str, str]] = {
    Kind.AUTH_MISSING: ("PermissionError", "PermissionError"),
    Kind.AUTH_INVALID: ("AuthenticationError", "AuthenticationError"),
    Kind.VALIDATION: ("ValidationError", "ValidationError"),
    Kind.NOT_FOUND: ("DoesNotExistError", "DoesNotExistError"),
    Kind.CONFLICT: ("ValidationError", "LinkExistsError"),
    Kind.INSUFFICIENT_BALANCE: ("ValidationError", "ValidationError"),
    Kind.RATE_LIMITED: ("TooManyRequests", "TooManyRequestsError"),
    Kind.NO_ROUTE: ("ValidationError", "ValidationError"),
    Kind.WRONG_METHOD: ("PermissionError", "PermissionError"),
    Kind.TOO_LARGE: ("RequestEntityTooLarge", "RequestEntityTooLarge"),
}
# Frappe sends these without a message: AuthenticationError from validate_auth, the rate limiter's
# rejection, and Werkzeug's RequestEntityTooLarge (the spec's examples).
_SILENT = frozenset({Kind.AUTH_INVALID, Kind.RATE_LIMITED, Kind.TOO_LARGE})


def stamp(moment: datetime | None) -> str | None:
    """A datetime as Frappe writes it (``YYYY-MM-DD HH:MM:SS``, UTC; docs/platforms.md, QuickFlow: datetimes)."""
    return None if moment is None else datetime_text(moment)


def whole(value: float) -> str:
    """A balance in a message: ``12`` rather than ``12.0``."""
    return str(int(value)) if float(value).is_integer() else str(value)


def plural(count: int, noun: str, plurals: str | None = None) -> str:
    """``1 recipient``, ``2 recipients`` (``plurals``: the plural when it is not ``noun + "s"``)."""
    return f"{count} {noun if count == 1 else plurals or noun + 's'}"


def server_messages(texts: list[str]) -> str:
    """Frappe's ``_server_messages``: a JSON list of JSON-encoded messages (docs/platforms.md, QuickFlow: error bodies)."""
    entries = [{"message": text, "title": "Message", "indicator": "red", "raise_exception": 1} for text in texts]
    return json.dumps([json.dumps(entry) for entry in entries])


def field_error(kind: Kind, message: str, field_name: str) -> ProviderError:
    """An error of one argument: its message is the text Frappe shows."""
    return ProviderError(kind, message, fields={field_name: [message]})


# -- payloads: the records as the spec's schemas show them -------------------


def contact_payload(contact: Contact) -> dict[str, Any]:
    """The contact as the spec's ``Contact``."""
    return {
        "uid": contact.uid,
        "group_id": contact.group_id,
        "phone": contact.phone,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "created_at": stamp(contact.created_at),
        "modified_at": stamp(contact.modified_at),
    }


def group_payload(group: Group) -> dict[str, Any]:
    """The group as the spec's ``Group``."""
    return {
        "group_id": group.group_id,
        "name": group.name,
        "sender_id": group.sender_id,
        "contacts_count": len(group.contacts),
        "created_at": stamp(group.created_at),
        "modified_at": stamp(group.modified_at),
    }


def sms_payload(message: Message, now: datetime) -> dict[str, Any]:
    """A message as the spec's ``Sms``, its status as of now."""
    delivered = message.done_at(now) if not message.fails else None
    return {
        "uid": message.id,
        "sender_id": message.sender,
        "recipient": message.recipient,
        "message": message.text,
        "type": message.extra.get("type", "plain"),
        "dlt_template_id": message.extra.get("dlt_template_id"),
        "encoding": message.encoding,
        "segments": message.segments,
        "credits": message.credits,
        "status": message.status(now),
        "schedule_time": message.extra.get("schedule_time"),
        "created_at": stamp(message.created_at),
        "sent_at": stamp(message.sent_at(now)),
        "delivered_at": stamp(delivered),
        "campaign_id": message.campaign,
    }


def campaign_payload(campaign: Campaign) -> dict[str, Any]:
    """The campaign for the admin state."""
    return {
        "campaign_id": campaign.campaign_id,
        "account": campaign.account,
        "sender_id": campaign.sender_id,
        "group_id": campaign.group_id,
        "uids": list(campaign.uids),
        "created_at": stamp(campaign.created_at),
    }


def account_payload(account: Account, groups: list[Group]) -> dict[str, Any]:
    """The account with its balances, groups and contacts, for the admin state."""
    return {
        "api_key": account.api_key,
        "api_secret": account.api_secret,
        "sender_ids": dict(account.balances),
        "groups": [{**group_payload(g), "contacts": [contact_payload(c) for c in g.contacts.values()]} for g in groups],
    }


def wants_json(incoming: Incoming) -> bool:
    """Whether Frappe answers an error to this request in JSON (``handle_exception``'s ``respond_as_json``)."""
    accept = incoming.header("accept") or ""
    ajax = incoming.header("x-requested-with") == "XMLHttpRequest"
    return bool(accept and (ajax or "application/json" in accept)) or (
        incoming.path.startswith("/api/") and not accept.startswith("text")
    )


class QuickFlowEnvelope(Provider):
    """How QuickFlow answers, as Frappe serves a whitelisted method: envelopes, statuses, words and headers."""

    # Werkzeug's Response(), which Frappe answers OPTIONS with, is text/plain (docs/platforms.md, QuickFlow: verbs).
    empty_type = "text/plain; charset=utf-8"

    def common_headers(self) -> dict[str, str]:
        """Headers every QuickFlow answer carries."""
        return dict(NO_CACHE)

    def rate_headers(self, window: Window) -> dict[str, str]:
        """Only the 429 has one: Retry-After, at least a second (docs/platforms.md, QuickFlow: rate limiter)."""
        return {"Retry-After": str(max(1, int(window.reset)))} if window.exceeded else {}

    def render(self, operation: Operation, result: Ok, incoming: Incoming | None = None) -> Any:
        """Frappe's ``{"message": <return value>}`` around the platform's ``{status, message, data}``."""
        beside = result.beside if isinstance(result, Answer) else {}
        return {"message": {"status": "success", "message": result.message or "", "data": result.data, **beside}}

    def describe_violation(self, violation: Any) -> str:
        """The message a Frappe method raising ValidationError would give for a refused argument."""
        name = violation.name or violation.location
        # An empty value is refused like a missing one (the spec's NonEmpty), with the same words.
        if violation.keyword == "required" or (violation.keyword == "minLength" and violation.received == ""):
            return f"Missing required argument: {name}"
        return f"Invalid value for {name}: {violation.message}"

    def error_reply(self, error: ProviderError) -> Reply:
        """Frappe's error body ``{exc_type, _server_messages}`` with the status the spec gives it."""
        if error.kind is Kind.INTERNAL:
            # report_error(500): the uncaught exception's class name, no message, no traceback (docs/platforms.md,
            # QuickFlow: internal errors).
            return Reply(500, {"exc_type": str(error.detail.get("exc_type") or "Exception")}, dict(NO_CACHE))
        component, exc_type = _ERRORS[error.kind]
        texts = self._error_texts(error)
        if error.detail.get("exc_type") == INVALID_TOKEN:
            component, exc_type, texts = INVALID_TOKEN, INVALID_TOKEN, [error.message]
        elif error.kind is Kind.NO_ROUTE and not error.detail.get("command"):
            # A path under /api that names no method at all, /api/method included: 404, no message
            # (docs/platforms.md, QuickFlow: unknown methods).
            component, exc_type, texts = "DoesNotExistError", "DoesNotExistError", []
        body: dict[str, Any] = {"exc_type": exc_type}
        if texts:
            body["_server_messages"] = server_messages(texts)
        return Reply(self._statuses[component], body, dict(NO_CACHE))

    def present(self, reply: Reply, incoming: Incoming) -> Reply:
        """An error as HTML (or the rate limiter's text) when the request's Accept asks for no JSON."""
        if reply.status < 400 or wants_json(incoming):
            return reply
        if reply.status == 429:
            wire, media = b"Too Many Requests", "text/plain; charset=utf-8"
        else:
            title, message = _PAGES.get(reply.status, _SERVER_ERROR_PAGE)
            wire, media = _PAGE.format(title=title, message=message).encode(), "text/html; charset=utf-8"
        return Reply(reply.status, reply.body, {**reply.headers, "Content-Type": media}, wire)

    def _error_texts(self, error: ProviderError) -> list[str]:
        if error.kind in _SILENT:
            return []
        if error.kind is Kind.AUTH_MISSING:
            return [GUEST_MESSAGE]
        if error.kind is Kind.WRONG_METHOD:
            # execute_cmd runs is_whitelisted (a guest may call no QuickFlow method) before is_valid_http_method
            # (docs/platforms.md, QuickFlow: verbs).
            return [GUEST_MESSAGE if error.detail.get("guest") else WRONG_VERB_MESSAGE]
        if error.kind is Kind.NO_ROUTE:
            return [self._no_method(str(error.detail.get("command") or ""))]
        if error.message:
            return [error.message]
        return [text for texts in error.fields.values() for text in texts] or ["Invalid request"]

    @functools.cached_property
    def _statuses(self) -> dict[str, int]:
        """The status of each component response, as the spec's operations use it."""
        found: dict[str, int] = {}
        for operation in self.spec.operations:
            for status, pointer in operation.responses.items():
                ref = self.spec.at(pointer).get("$ref", "")
                if status.isdigit() and ref.startswith("#/components/responses/"):
                    found[ref.rsplit("/", 1)[1]] = int(status)
        missing = {component for component, _ in _ERRORS.values()} - set(found)
        if missing:
            raise ValueError(f"{self.spec.source}: no operation answers with {sorted(missing)}")
        return found

    @functools.cached_property
    def _modules(self) -> tuple[set[str], set[str]]:
        """The apps, and the modules with their parent packages, that hold the spec's methods."""
        parts = [op.path.strip("/").split(".")[:-1] for op in self.spec.operations]
        modules = {".".join(p[: i + 1]) for p in parts for i in range(len(p))}
        return {p[0] for p in parts if p}, modules

    def _no_method(self, command: str) -> str:
        """Frappe's text for a method name that resolves to nothing (docs/platforms.md, QuickFlow: unknown methods)."""
        apps, packages = self._modules
        module, _, attribute = command.rpartition(".")
        if not module:
            reason = f"'{command}'"  # the KeyError of get_attr's globals() lookup
        elif command.split(".")[0] not in apps:
            reason = f"App {command.split('.')[0]} is not installed"
        elif module in packages:
            reason = f"module '{module}' has no attribute '{attribute}'"
        else:
            names = module.split(".")
            prefixes = (".".join(names[: i + 1]) for i in range(len(names)))
            reason = f"No module named '{next(p for p in prefixes if p not in packages)}'"
        return f"Failed to get method for command {command} with {reason}"
