"""SMSFlow's wire format: AltumCode's ``{"data": ...}`` envelope, its error bodies, statuses and titles, headers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import Kind, ProviderError
from ...incoming import Incoming
from ...spec import Operation
from ..base import Ok, Provider, Reply, Window
from .records import Contact

__all__ = ["NOT_FOUND", "Page", "SMSFlowEnvelope", "contact_payload"]

NOT_FOUND = "The resource you are looking for does not exist."
# Kind -> (status, title). The titles are the platform's own (docs/platforms.md, SMSFlow: error titles and
# statuses); None: the error's message. AltumCode answers validation failures with 401, and unknown ids and
# unsupported verbs with 404, never 405. CONFLICT and INSUFFICIENT_BALANCE never happen on this contacts-only
# API; they render as 401, the one error status every operation of the spec declares, as AltumCode refuses
# other API requests (plan limits) with 401.
_ERRORS: dict[Kind, tuple[int, str | None]] = {
    Kind.AUTH_MISSING: (401, "The request is missing the Bearer Authentication header."),
    Kind.AUTH_INVALID: (401, "You do not have access to the API."),
    Kind.VALIDATION: (401, "You must fill all the required fields."),
    Kind.NOT_FOUND: (404, NOT_FOUND),
    Kind.NO_ROUTE: (404, NOT_FOUND),
    Kind.WRONG_METHOD: (404, NOT_FOUND),
    Kind.RATE_LIMITED: (429, "You reached the limit of requests in one minute, please wait."),
    Kind.TOO_LARGE: (413, "The request body is too large."),
    Kind.CONFLICT: (401, None),
    Kind.INSUFFICIENT_BALANCE: (401, None),
}


@dataclass
class Page:
    """One page of a list: the items and the envelope's `meta` and `links`."""

    items: list[dict[str, Any]]
    meta: dict[str, int]
    links: dict[str, str | None]


def contact_payload(contact: Contact) -> dict[str, Any]:
    """The contact as the API shows it, in the order of the document's example."""
    return {
        "id": contact.id,
        "user_id": contact.user_id,
        "name": contact.name,
        "phone_number": contact.phone_number,
        # PHP's json_encode of an empty array is `[]`, not `{}` (docs/platforms.md, SMSFlow: empty objects).
        "custom_parameters": dict(contact.custom_parameters) or [],
        "continent_code": contact.continent_code,
        "country_code": contact.country_code,
        "has_opted_out": contact.has_opted_out,
        "total_sent_sms": contact.total_sent_sms,
        "total_pending_sms": contact.total_pending_sms,
        "total_failed_sms": contact.total_failed_sms,
        "total_received_sms": contact.total_received_sms,
        "last_sent_datetime": contact.last_sent_datetime,
        "last_received_datetime": contact.last_received_datetime,
        "last_datetime": contact.last_datetime,
        "datetime": contact.datetime,
    }


class SMSFlowEnvelope(Provider):
    """How SMSFlow answers, as an AltumCode product's API does: envelopes, titles, statuses, limit headers."""

    def rate_headers(self, window: Window) -> dict[str, str]:
        """Limit and Remaining once the key was accepted; the 429 adds X-RateLimit-Reset, no Retry-After.

        docs/platforms.md, SMSFlow: rate-limit headers. A request refused before its key was known has none.
        """
        if window.anonymous:
            return {}
        headers = {"X-RateLimit-Limit": str(window.limit), "X-RateLimit-Remaining": str(window.remaining)}
        if window.exceeded:
            headers["X-RateLimit-Reset"] = str(window.reset)  # the seconds left in the window
        return headers

    def render(self, operation: Operation, result: Ok, incoming: Incoming | None = None) -> Any:
        """`{"data": ...}`; a list adds `meta` and `links`; a delete has an empty body."""
        if isinstance(result.data, Page):
            return {"data": result.data.items, "meta": result.data.meta, "links": result.data.links}
        return None if result.data is None else {"data": result.data}

    def error_reply(self, error: ProviderError) -> Reply:
        """`{"errors": [{"title", "status"}]}` with the platform's status and title for the kind."""
        status, title = _ERRORS[error.kind]
        # The missing-Bearer answer is the one that sends `status` as a string (docs/platforms.md, SMSFlow:
        # error titles and statuses).
        body_status: int | str = str(status) if error.kind is Kind.AUTH_MISSING else status
        return Reply(status, {"errors": [{"title": title or error.message, "status": body_status}]})
