"""SMSFlow's wire format: AltumCode's ``{"data": ...}`` envelope, its error bodies, statuses and titles, headers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

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
    # The error shape with HTTP's own words: the platform's text for a crash is not known (docs/platforms.md,
    # SMSFlow: internal errors).
    Kind.INTERNAL: (500, "Internal Server Error"),
}


@dataclass
class Page:
    """One page of a list: the items, the envelope's `meta`, and what its `links` are built from."""

    items: list[dict[str, Any]]
    meta: dict[str, Any]
    page: int  # the page served
    pages: int
    kept: tuple[str, ...] = ()  # the query parameters the platform took, which every link repeats


def _last(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Query pairs by name, the last of a repeated name winning (PHP's ``$_GET``)."""
    return dict(pairs)


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
        """Limit and Remaining once the key was accepted; the 429 has Limit and X-RateLimit-Reset instead.

        docs/platforms.md, SMSFlow: rate-limit headers. A request refused before its key was known has none.
        """
        if window.anonymous:
            return {}
        if window.exceeded:  # the 429: Limit and Reset (the seconds left in the window), no Remaining
            return {"X-RateLimit-Limit": str(window.limit), "X-RateLimit-Reset": str(window.reset)}
        return {"X-RateLimit-Limit": str(window.limit), "X-RateLimit-Remaining": str(window.remaining)}

    def render(self, operation: Operation, result: Ok, incoming: Incoming | None = None) -> Any:
        """`{"data": ...}`; a list adds `meta` and `links`; a delete has an empty body."""
        if isinstance(result.data, Page):
            page = result.data
            sent = _last(incoming.query if incoming else [])
            # `$_GET['page'] ?? 1`: meta.page is the page as the client wrote it (docs/platforms.md, SMSFlow:
            # the page and the links).
            meta = {**page.meta, "page": sent["page"]} if "page" in sent else page.meta
            return {"data": page.items, "meta": meta, "links": self._links(operation, page, sent, incoming)}
        return None if result.data is None else {"data": result.data}

    def _links(self, operation: Operation, page: Page, sent: dict[str, str], incoming: Incoming | None) -> dict[str, str | None]:
        """The list's links on the base URL the client used, repeating what the platform took from its query.

        AltumCode's paginator writes ``<collection>?<Filters::get_get()>&page=N``; without filters the link is
        the document's ``?page=N``. Values are URL-encoded (docs/platforms.md, SMSFlow: the page and the
        links).
        """
        origin = incoming.origin if incoming is not None and incoming.origin else None
        base = (origin + self.spec.base_path) if origin else self.spec.base_url
        collection = base + operation.path.rstrip("/")  # without the trailing slash, as the document's links
        kept = [(name, sent[name]) for name in page.kept if name in sent]

        def url(number: int) -> str:
            return f"{collection}?{urlencode([*kept, ('page', str(number))])}"

        return {
            "first": url(1),
            "last": url(max(page.pages, 1)),
            "next": url(page.page + 1) if page.page < page.pages else None,
            "prev": url(page.page - 1) if page.page > 1 else None,
            "self": url(page.page),
        }

    def error_reply(self, error: ProviderError) -> Reply:
        """`{"errors": [{"title", "status"}]}` with the platform's status and title for the kind."""
        status, title = _ERRORS[error.kind]
        # The missing-Bearer answer is the one that sends `status` as a string (docs/platforms.md, SMSFlow:
        # error titles and statuses).
        body_status: int | str = str(status) if error.kind is Kind.AUTH_MISSING else status
        return Reply(status, {"errors": [{"title": title or error.message, "status": body_status}]})
