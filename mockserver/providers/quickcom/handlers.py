"""QuickComProvider: authentication and the six operations (ok-go.in/api/v1) over QuickCom's records.

The mock's own choices where the document is silent:

- Each valid number of a send is one outbox message, its id the campaign uuid plus its 1-based position
  (``<uuid>-1``, ``<uuid>-2``, ...). A number given twice is sent (and charged) twice, as two messages.
- Recipients are stored as E.164 digits without ``+``: ``91`` and the 10-digit national number for India;
  for another ``country_code`` the number as given (6-15 digits, ``+`` dropped), not checked further.
- Campaign ids are integers counting up from 1234567 (the document's example id is 1234568).
"""
from __future__ import annotations

import itertools
import math
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from ... import sms
from ...errors import Kind, ProviderError
from ...spec import Operation
from ...state import Message
from ...timestamps import DATETIME_FORMAT, UTC
from ..base import Ok, RateLimit, Window
from .envelope import (
    IST,
    PROCESSED,
    RETRIEVED,
    QuickComEnvelope,
    account_payload,
    balance_payload,
    campaign_payload,
    credentials_required,
    required_variables,
    send_payload,
    template_payload,
    validation_error,
)
from .records import APPROVED, Account, Campaign, Template
from .seed import read_section

__all__ = ["QuickComProvider"]

CAMPAIGN_ID_BASE = 1234566  # the first campaign gets 1234567


class QuickComProvider(QuickComEnvelope):
    """QuickCom: six GET operations answering in the ``{status, intime, outtime, ...}`` envelope."""

    name: ClassVar[str] = "quickcom"
    default_limit: ClassVar[RateLimit] = RateLimit(100_000, 86_400)  # "100,000 requests per day"

    # -- state ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget all accounts, campaigns and failing numbers."""
        super().reset()
        self._counted: tuple[Window | None] | None = None  # the window authenticate counted this request in
        self.accounts: dict[str, Account] = {}
        self.failing_numbers: set[str] = set()

    def load(self, seed: dict[str, Any]) -> None:
        """Add the accounts (profile, balances, sender IDs, templates) and failing numbers of a seed.

        All or nothing: a bad seed raises ValueError and leaves the state as it was.
        """
        section = read_section(seed, self.accounts)
        self.failing_numbers |= section.failing_numbers
        self.accounts.update(section.accounts)

    def snapshot(self) -> dict[str, Any]:
        """Accounts with their balances, templates and campaigns (statuses as of now), and failing numbers."""
        now = self.now
        return {
            "accounts": [account_payload(a, now) for a in self.accounts.values()],
            "failing_numbers": sorted(self.failing_numbers),
        }

    def forget(self, message: Message) -> None:
        """A campaign leaves campaign-list when the outbox drops its last message (oldest campaigns first)."""
        record = self.accounts.get(message.account)
        if record is None:
            return
        campaign = record.campaigns.get(message.campaign or "")
        if campaign is not None and campaign.messages and campaign.messages[-1] is message:
            del record.campaigns[campaign.uuid]

    # -- the request ----------------------------------------------------------

    def authenticate(self, credentials: dict[str, str], operation: Operation) -> str:
        """The app_key of the account, from the query pair if either is sent, else the header.

        Laravel's throttle runs before the credentials are checked, so the request is counted first and a
        refused one counts too (docs/platforms.md, QuickCom: throttle headers); ``rate_limit`` then reports
        the window this counted instead of counting the request again.
        """
        key, secret = _pair(credentials)
        window = self.limiter.hit(key)  # over the limit: RATE_LIMITED, whatever the credentials
        try:
            account = self._account(credentials, key, secret)
        except ProviderError as error:
            error.detail.setdefault("window", window)
            raise
        self._counted = (window,)
        return account

    def rate_limit(self, account: str) -> dict[str, str]:
        """The headers of the window ``authenticate`` counted this request in; counts one when it did not."""
        counted, self._counted = self._counted, None
        if counted is None:
            return super().rate_limit(account)
        return {} if counted[0] is None else self.rate_headers(counted[0])

    def _account(self, credentials: dict[str, str], key: str, secret: str) -> str:
        """The account the credentials name, or raise AUTH_MISSING / AUTH_INVALID."""
        header = (credentials.get("keySecretHeader") or "").strip()
        if credentials.get("appKey") or credentials.get("appSecret"):  # the query pair, which wins
            if not (key and secret):
                name = "app_secret" if key else "app_key"
                required = f"The {name.replace('_', ' ')} field is required."
                raise ProviderError(Kind.AUTH_INVALID, required, fields={name: [required]})
        elif not header:
            raise ProviderError(Kind.AUTH_MISSING, "API credentials are missing.", fields=credentials_required())
        account = self.accounts.get(key)
        if account is None or not secret or account.app_secret != secret:
            raise ProviderError(Kind.AUTH_INVALID, "Invalid app_key or app_secret.")
        return account.app_key

    # -- operations -----------------------------------------------------------

    def get_account_status(self, account: str, args: dict[str, Any]) -> Ok:
        """Whether the account is active."""
        active = self.accounts[account].active
        state = "active" if active else "inactive"
        return Ok(data={"is_account_activated": active}, message=f"Account is in {state} status.")

    def check_balance(self, account: str, args: dict[str, Any]) -> Ok:
        """The profile and balances."""
        return Ok(data=balance_payload(self.accounts[account]), message=RETRIEVED)

    def list_sender_ids(self, account: str, args: dict[str, Any]) -> Ok:
        """The approved sender IDs."""
        return Ok(data=[{"sender_id": s} for s in self.accounts[account].sender_ids], message=RETRIEVED)

    def list_templates(self, account: str, args: dict[str, Any]) -> Ok:
        """The approved DLT templates (status 1)."""
        templates = self.accounts[account].templates.values()
        return Ok(data=[template_payload(t) for t in templates if t.status == APPROVED], message=RETRIEVED)

    def send_message(self, account: str, args: dict[str, Any]) -> Ok:
        """Fill an approved template, charge segments x valid numbers, queue (or schedule) one message each.

        A promotional send (route_type 2) that falls outside 09:00-21:00 IST is accepted and charged, but
        its messages stay queued until 09:00 IST next (docs/platforms.md, SMS and DLT facts: the
        promotional window; the hold is inferred).
        """
        record = self.accounts[account]
        template = self._template(record, args["dlt_template_id"])
        variables = args.get("template_variables") or {}
        missing = template.missing(variables)
        if missing:
            raise required_variables(missing)
        text = template.fill(variables)
        recipients, invalid = self._recipients(args["mobile_numbers"], args.get("country_code") or "91")
        now = self.now
        at, scheduled = self._schedule(args.get("schedule_date"), now)
        route_type = args["route_type"]
        size = sms.segments(text)
        self._charge(record, route_type, size.count * len(recipients))
        campaign = Campaign(
            id=CAMPAIGN_ID_BASE + self.env.ids.next("quickcom.campaign"),
            uuid=self.env.ids.uuid1(now),
            sender_id=template.sender_id,
            route_type=route_type,
            message=text,
            encoding=size.encoding,
            is_flash=bool(args.get("is_flash")),
            created_at=now,
            send_at=_dlt_window(at) if route_type == 2 else at,
            scheduled=scheduled,
            total_invalid_number=invalid,
            credits=size.count * len(recipients),
        )
        campaign.messages = [self._queue(account, campaign, i, r, size) for i, r in enumerate(recipients, 1)]
        record.campaigns[campaign.uuid] = campaign
        return Ok(data=send_payload(campaign, at, size.count), message=PROCESSED)

    def list_campaigns(self, account: str, args: dict[str, Any]) -> Ok:
        """The account's campaigns, newest first, one page; the page fields echo the request as strings."""
        per_page, page = args.get("per_page_record") or 20, args.get("page_number") or 1
        campaigns = self.accounts[account].campaigns
        now = self.now
        # A page of the newest first, without copying every campaign (bounded: islice takes no index past sys.maxsize).
        start = min((page - 1) * per_page, len(campaigns))
        stop = min(start + per_page, len(campaigns))
        chunk = list(itertools.islice(reversed(campaigns.values()), start, stop))
        return Ok(
            data={
                "data": [campaign_payload(c, now) for c in chunk],
                "total": len(campaigns),
                "current_page": str(page),
                "per_page_record": str(per_page),
                "last_page": max(1, math.ceil(len(campaigns) / per_page)),
            },
            message=RETRIEVED,
        )

    # -- helpers --------------------------------------------------------------

    def _template(self, record: Account, template_id: str) -> Template:
        """The account's approved template, else 404 (docs/platforms.md, QuickCom: an unknown template)."""
        template = record.templates.get(template_id)
        if template is None or template.status != APPROVED:
            raise ProviderError(
                Kind.NOT_FOUND,
                "Template not found or not approved.",
                fields={"dlt_template_id": ["The selected dlt template id is invalid."]},
            )
        return template

    def _recipients(self, raw: str, country_code: str) -> tuple[list[str], int]:
        """Valid numbers in the order given (duplicates kept) and how many were invalid."""
        valid, invalid = [], 0
        for item in (part.strip() for part in raw.split(",")):
            if not item:
                continue
            number = _recipient(item, country_code.removeprefix("+"))
            if number is None:
                invalid += 1
            else:
                valid.append(number)
        if not valid:
            raise validation_error(
                "mobile_numbers", "The mobile numbers field must contain at least one valid mobile number."
            )
        return valid, invalid

    def _schedule(self, raw: str | None, now: datetime) -> tuple[datetime, bool]:
        """The send time and whether it is scheduled: schedule_date (IST) when in the future, else now."""
        if not raw:
            return now, False
        try:
            local = datetime.strptime(raw, DATETIME_FORMAT).replace(tzinfo=IST)
        except ValueError:
            raise validation_error("schedule_date", "The schedule date field must match the format Y-m-d H:i:s.")
        if local.replace(tzinfo=None) - datetime.min < IST.utcoffset(None):
            return now, False  # 0001-01-01 before 05:30 IST is before the first UTC instant: long past
        at = local.astimezone(UTC)
        return (at, True) if at > now else (now, False)

    def _charge(self, record: Account, route_type: int, cost: int) -> None:
        """Take the credits from the route's balance, or refuse with nothing charged."""
        name = record.balance_field(route_type)
        balance = getattr(record, name)
        if cost > balance:
            raise ProviderError(
                Kind.INSUFFICIENT_BALANCE,
                "Insufficient balance.",
                fields={name: [f"The campaign needs {cost} credits but only {balance} are available."]},
            )
        setattr(record, name, balance - cost)

    def _queue(self, account: str, campaign: Campaign, index: int, recipient: str, size: sms.Segments) -> Message:
        """One outbox message of a campaign: id ``<uuid>-<index>``."""
        return self.env.outbox.add(
            Message(
                id=f"{campaign.uuid}-{index}",
                provider=self.name,
                account=account,
                sender=campaign.sender_id,
                recipient=recipient,
                text=campaign.message,
                encoding=size.encoding,
                segments=size.count,
                credits=size.count,
                created_at=campaign.created_at,
                send_at=campaign.send_at,
                scheduled=campaign.scheduled,
                fails=recipient in self.failing_numbers,
                campaign=campaign.uuid,
                operation="send_message",
                extra={
                    "campaign_id": campaign.id,
                    "route_type": campaign.route_type,
                    "is_flash": campaign.is_flash,
                },
            )
        )


def _pair(credentials: dict[str, str]) -> tuple[str, str]:
    """(app_key, app_secret) as sent: the query pair if either half is there, else the header's two parts.

    "Authorization: YOUR_KEY-YOUR_SECRET": the key ends at the first "-" (docs/platforms.md, QuickCom: the
    KEY-SECRET header). The key, even an unknown one, is also what the throttle counts by.
    """
    key, secret = credentials.get("appKey") or "", credentials.get("appSecret") or ""
    if key or secret:
        return key, secret
    key, _, secret = (credentials.get("keySecretHeader") or "").strip().partition("-")
    return key, secret


def _dlt_window(at: datetime) -> datetime:
    """When DLT lets a promotional message out: ``at`` itself within 09:00-21:00 IST, else 09:00 IST next.

    Promotional messages are delivered only 09:00-21:00 IST (docs/platforms.md, SMS and DLT facts: the
    promotional window). The platform accepts (and charges) such a send at any hour; the mock holds its
    messages until the window opens (inferred). 21:00:00 itself is outside the window.
    """
    local = at.astimezone(IST)
    if 9 <= local.hour < 21:
        return at
    opening = local.replace(hour=9, minute=0, second=0, microsecond=0)
    if local.hour >= 21:
        if opening.date() == date.max:  # 9999-12-31 after 21:00 IST: the calendar has no next morning
            return at
        opening += timedelta(days=1)
    return opening.astimezone(UTC)


def _recipient(raw: str, country_code: str) -> str | None:
    """E.164 digits (no ``+``) of one number, or None when it is not a valid number for the country.

    India's forms: docs/platforms.md, SMS and DLT facts: phone numbers.
    """
    if country_code == "91":
        national = sms.india_mobile(raw)
        return f"91{national}" if national else None
    digits = raw.strip().removeprefix("+")
    # Outside India the mock does not know the numbering plan (inferred): any 6-15 digits pass.
    return digits if digits.isdigit() and 6 <= len(digits) <= 15 else None
