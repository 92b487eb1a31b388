"""QuickCom (ok-go.in/api/v1): accounts, DLT templates, campaigns; a Laravel application's envelopes.

What the document leaves open follows PROVIDERS.md ("QuickCom"); the mock's own choices are said where
they are made:

- Each valid number of a send is one outbox message, its id the campaign uuid plus its 1-based position
  (``<uuid>-1``, ``<uuid>-2``, ...). A number given twice is sent (and charged) twice, as two messages.
- Recipients are stored as E.164 digits without ``+``: ``91`` and the 10-digit national number for India;
  for another ``country_code`` the number as given (6-15 digits, ``+`` dropped), not checked further.
- Campaign ids are integers counting up from 1234567 (the document's example id is 1234568).
- ``message_type`` in the campaign list is "1" for a GSM-7 text and "2" for a Unicode (UCS-2) one;
  ``sms_type`` is the route type, as in the document's send example (route_type 1, sms_type 1).
- ``intime`` is the clock's now and ``outtime`` a fixed 5 ms later, so answers are reproducible.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar

from .. import sms
from ..errors import Kind, ProviderError
from ..spec import Operation
from ..state import Message
from .base import Ok, Provider, RateLimit, Reply

__all__ = ["QuickComProvider"]

UTC = timezone.utc
IST = timezone(timedelta(hours=5, minutes=30), "IST")
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
PROCESSING_TIME = timedelta(milliseconds=5)
CAMPAIGN_ID_BASE = 1234566  # the first campaign gets 1234567
APPROVED = 1
SETTLED = ("delivered", "failed")
_DLT_ID = re.compile(r"^[0-9]{19}$")
_PLACEHOLDER = "{#var#}"

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
}
_FIELD_REQUIRED = {Kind.VALIDATION, Kind.CONFLICT, Kind.TOO_LARGE}  # the spec wants a field in `errors`


# ---------------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Profile:
    """The account fields Check Balance shows besides the two SMS balances (defaults: the document's)."""

    user_number: int = 16
    name: str = "John Doe"
    email: str = "john@example.com"
    mobile: str = "9876543210"
    status: str = "1"
    two_waysms_balance: int = 0
    voice_sms_balance: int = 0
    whatsapp_credit: str = "0.0000"
    country: int = 99
    is_enabled_api_ip_security: int = 0
    ut: int = 2


@dataclass
class Template:
    """A DLT template; ``sender_id`` (its DLT header) is the mock's link to the sender, not in the payload."""

    template_name: str
    sender_id: str
    entity_id: str
    dlt_header_id: str
    is_for_unicode: int
    dlt_message_template: str
    dlt_template_id: str
    status: int = APPROVED

    def payload(self) -> dict[str, Any]:
        """The template as Get Templates lists it."""
        data = dict(vars(self))  # flat fields: a shallow copy (asdict deep-copies, on every listing)
        del data["sender_id"]
        return data

    def fill(self, variables: dict[str, str]) -> str:
        """The text with each ``{#var#}`` replaced by v1, v2, ... in order; VALIDATION naming any missing."""
        parts = self.dlt_message_template.split(_PLACEHOLDER)
        # Laravel's `required` treats an empty string as absent.
        missing = [f"v{i}" for i in range(1, len(parts)) if not variables.get(f"v{i}")]
        if missing:
            raise ProviderError(
                Kind.VALIDATION,
                f"The {missing[0]} field is required.",
                fields={name: [f"The {name} field is required."] for name in missing},
            )
        text = parts[0]
        for index, part in enumerate(parts[1:], start=1):
            text += variables[f"v{index}"] + part
        return text


@dataclass
class Campaign:
    """One send-message call: the filled text and the outbox messages it became."""

    id: int
    uuid: str
    sender_id: str
    route_type: int
    message: str
    encoding: str
    is_flash: bool
    created_at: datetime
    send_at: datetime
    scheduled: bool
    total_invalid_number: int
    credits: int
    messages: list[Message] = field(default_factory=list)

    def stage(self, now: datetime) -> str:
        """Scheduled (not yet due), Pending (queued), Processing (some out, not all settled), Completed."""
        statuses = {m.status(now) for m in self.messages}
        if statuses <= set(SETTLED):
            return "Completed"
        if statuses == {"scheduled"}:
            return "Scheduled"
        if "sent" in statuses or statuses & set(SETTLED):
            return "Processing"
        return "Pending"

    def count(self, status: str, now: datetime) -> int:
        """How many of its messages have a status now."""
        return sum(1 for m in self.messages if m.status(now) == status)

    def payload(self, now: datetime) -> dict[str, Any]:
        """The campaign as Campaign List shows it, its statistics as of now."""
        return {
            "id": self.id,
            "campaign_name": "API",
            "sender_id": self.sender_id,
            "sms_type": str(self.route_type),
            "message": self.message,
            "message_type": "2" if self.encoding == "UCS-2" else "1",
            "total_contacts": len(self.messages),
            "currently_delivered": self.count("delivered", now),
            "currently_failed": self.count("failed", now),
            "campaign_current_stage": self.stage(now),
        }

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The campaign for the admin state."""
        return {
            **self.payload(now),
            "uuid": self.uuid,
            "route_type": self.route_type,
            "is_flash": self.is_flash,
            "created_at": self.created_at.isoformat(),
            "send_at": self.send_at.isoformat(),
            "scheduled": self.scheduled,
            "total_invalid_number": self.total_invalid_number,
            "credits": self.credits,
            "message_ids": [m.id for m in self.messages],
        }


@dataclass
class Account:
    """A QuickCom account: credentials, profile, balances, sender IDs, templates and campaigns."""

    app_key: str
    app_secret: str
    profile: Profile
    transaction_balance: int = 0
    promotional_balance: int = 0
    active: bool = True
    sender_ids: list[str] = field(default_factory=list)
    templates: dict[str, Template] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)  # by uuid, oldest first: forgotten in O(1)

    def balance_field(self, route_type: int) -> str:
        """The balance a route draws on: OTP (0) and Transactional (1) share one, Promotional (2) its own."""
        return "promotional_balance" if route_type == 2 else "transaction_balance"

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The account for the admin state."""
        return {
            "app_key": self.app_key,
            "app_secret": self.app_secret,
            "active": self.active,
            "profile": asdict(self.profile),
            "transaction_balance": self.transaction_balance,
            "promotional_balance": self.promotional_balance,
            "sender_ids": list(self.sender_ids),
            "templates": [asdict(t) for t in self.templates.values()],
            "campaigns": [c.to_json(now) for c in self.campaigns.values()],
        }


# ---------------------------------------------------------------------------------------------------------
# Time and numbers
# ---------------------------------------------------------------------------------------------------------


# Formatted with %, not strftime: its %Y does not pad years below 1000 on Linux, and it is slower (every
# answer carries two timestamps).


def _timestamp(at: datetime) -> str:
    """``2025-02-28T11:31:50.814219Z``: the envelope's intime/outtime."""
    u = at.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond)


def _local(at: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in IST, the platform's time zone."""
    t = at.astimezone(IST)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (t.year, t.month, t.day, t.hour, t.minute, t.second)


def _dlt_window(at: datetime) -> datetime:
    """When DLT lets a promotional message out: ``at`` itself within 09:00-21:00 IST, else 09:00 IST next.

    PROVIDERS.md ("SMS facts"): promotional messages are delivered only 09:00-21:00 IST. The platform
    accepts (and charges) such a send at any hour; the mock holds its messages until the window opens
    (inferred). 21:00:00 itself is outside the window.
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
    """E.164 digits (no ``+``) of one number, or None when it is not a valid number for the country."""
    if country_code == "91":
        national = sms.india_mobile(raw)
        return f"91{national}" if national else None
    digits = raw.strip().removeprefix("+")
    # Outside India the mock does not know the numbering plan (inferred): any 6-15 digits pass.
    return digits if digits.isdigit() and 6 <= len(digits) <= 15 else None


def _credentials_required() -> dict[str, list[str]]:
    """Laravel's `required` messages for the two query credentials."""
    return {name: [f"The {name.replace('_', ' ')} field is required."] for name in ("app_key", "app_secret")}


def _validation(name: str, message: str) -> ProviderError:
    return ProviderError(Kind.VALIDATION, message, fields={name: [message]})


# ---------------------------------------------------------------------------------------------------------
# The seed
# ---------------------------------------------------------------------------------------------------------

_ACCOUNT_KEYS = {
    "app_key", "app_secret", "profile", "transaction_balance", "promotional_balance", "active",
    "sender_ids", "templates",
}
_TEMPLATE_KEYS = {f.name for f in fields(Template)}


def _text(value: Any, where: str, *, digits: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise ValueError(f"quickcom seed: {where} must be a non-empty string, got {value!r}")
    if digits and not (isinstance(value, str) and _DLT_ID.match(value)):
        raise ValueError(f"quickcom seed: {where} must be a quoted string of 19 digits, got {value!r}")
    return str(value)


def _integer(value: Any, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        at_least = f" >= {minimum}" if minimum is not None else ""
        raise ValueError(f"quickcom seed: {where} must be an integer{at_least}, got {value!r}")
    return value


def _mapping(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"quickcom seed: {where} must be a mapping, got {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ValueError(f"quickcom seed: {where} has unknown keys {unknown}; allowed: {sorted(allowed)}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"quickcom seed: {where} must be a list, got {type(value).__name__}")
    return value


def _profile(raw: Any, where: str) -> Profile:
    data = _mapping(raw if raw is not None else {}, where, {f.name for f in fields(Profile)})
    profile = Profile()
    for key, value in data.items():
        if key == "whatsapp_credit" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = f"{value:.4f}"
        if isinstance(getattr(profile, key), int):
            value = _integer(value, f"{where}.{key}")
        else:
            value = _text(value, f"{where}.{key}")
        setattr(profile, key, value)
    if "@" not in profile.email:
        raise ValueError(f"quickcom seed: {where}.email must be an email address, got {profile.email!r}")
    if not re.match(r"^[0-9]+\.[0-9]{4}$", profile.whatsapp_credit):
        raise ValueError(f"quickcom seed: {where}.whatsapp_credit must look like '0.0000'")
    if profile.is_enabled_api_ip_security not in (0, 1):
        raise ValueError(f"quickcom seed: {where}.is_enabled_api_ip_security must be 0 or 1")
    return profile


def _template(raw: Any, where: str, sender_ids: list[str]) -> Template:
    data = _mapping(raw, where, _TEMPLATE_KEYS)
    missing = sorted(_TEMPLATE_KEYS - {"is_for_unicode", "status"} - set(data))
    if missing:
        raise ValueError(f"quickcom seed: {where} lacks {missing}")
    sender = _text(data["sender_id"], f"{where}.sender_id")
    if sender not in sender_ids:
        raise ValueError(f"quickcom seed: {where}.sender_id {sender!r} is not one of the account's {sender_ids}")
    text = _text(data["dlt_message_template"], f"{where}.dlt_message_template")
    unicode_flag = data.get("is_for_unicode", 0 if sms.segments(text).encoding == "GSM-7" else 1)
    if unicode_flag not in (0, 1) or isinstance(unicode_flag, bool):
        raise ValueError(f"quickcom seed: {where}.is_for_unicode must be 0 or 1, got {unicode_flag!r}")
    template_id = _text(data["dlt_template_id"], f"{where}.dlt_template_id", digits=True)
    return Template(
        template_name=_text(data["template_name"], f"{where}.template_name"),
        sender_id=sender,
        entity_id=_text(data["entity_id"], f"{where}.entity_id", digits=True),
        dlt_header_id=_text(data["dlt_header_id"], f"{where}.dlt_header_id", digits=True),
        is_for_unicode=unicode_flag,
        dlt_message_template=text,
        dlt_template_id=template_id,
        status=_integer(data.get("status", APPROVED), f"{where}.status"),
    )


def _account(raw: Any, where: str) -> Account:
    data = _mapping(raw, where, _ACCOUNT_KEYS)
    raw_senders = _list(data.get("sender_ids", []), f"{where}.sender_ids")
    sender_ids = [_text(s, f"{where}.sender_ids[{i}]") for i, s in enumerate(raw_senders)]
    active = data.get("active", True)
    if not isinstance(active, bool):
        raise ValueError(f"quickcom seed: {where}.active must be true or false, got {active!r}")
    account = Account(
        app_key=_text(data.get("app_key"), f"{where}.app_key"),
        app_secret=_text(data.get("app_secret"), f"{where}.app_secret"),
        profile=_profile(data.get("profile"), f"{where}.profile"),
        transaction_balance=_integer(data.get("transaction_balance", 0), f"{where}.transaction_balance", 0),
        promotional_balance=_integer(data.get("promotional_balance", 0), f"{where}.promotional_balance", 0),
        active=active,
        sender_ids=sender_ids,
    )
    for index, item in enumerate(_list(data.get("templates", []), f"{where}.templates")):
        template = _template(item, f"{where}.templates[{index}]", sender_ids)
        if template.dlt_template_id in account.templates:
            raise ValueError(f"quickcom seed: {where} has dlt_template_id {template.dlt_template_id} twice")
        account.templates[template.dlt_template_id] = template
    return account


# ---------------------------------------------------------------------------------------------------------
# The provider
# ---------------------------------------------------------------------------------------------------------


class QuickComProvider(Provider):
    """QuickCom: six GET operations answering in the ``{status, intime, outtime, ...}`` envelope."""

    name: ClassVar[str] = "quickcom"
    default_limit: ClassVar[RateLimit] = RateLimit(100_000, 86_400)  # "100,000 requests per day"

    # -- state ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget all accounts, campaigns and failing numbers."""
        super().reset()
        self.accounts: dict[str, Account] = {}
        self.failing_numbers: set[str] = set()

    def load(self, seed: dict[str, Any]) -> None:
        """Add the accounts (profile, balances, sender IDs, templates) and failing numbers of a seed.

        All or nothing: a bad seed raises ValueError and leaves the state as it was.
        """
        section = _mapping(seed or {}, "the quickcom section", {"accounts", "failing_numbers"})
        failing = set()
        for index, raw in enumerate(_list(section.get("failing_numbers", []), "failing_numbers")):
            number = _text(raw, f"failing_numbers[{index}]")
            national = sms.india_mobile(number)
            failing.add(f"91{national}" if national else number.removeprefix("+"))
        accounts: dict[str, Account] = {}
        for index, raw in enumerate(_list(section.get("accounts", []), "accounts")):
            account = _account(raw, f"accounts[{index}]")
            if account.app_key in self.accounts or account.app_key in accounts:
                raise ValueError(f"quickcom seed: accounts[{index}].app_key {account.app_key!r} is used twice")
            accounts[account.app_key] = account
        self.failing_numbers |= failing
        self.accounts.update(accounts)

    def snapshot(self) -> dict[str, Any]:
        """Accounts with their balances, templates and campaigns (statuses as of now), and failing numbers."""
        now = self.now
        return {
            "accounts": [a.to_json(now) for a in self.accounts.values()],
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
        """The app_key of the account, from the query pair if either is sent, else the header."""
        key, secret = credentials.get("appKey") or "", credentials.get("appSecret") or ""
        header = (credentials.get("keySecretHeader") or "").strip()
        if key or secret:
            if not (key and secret):
                name = "app_secret" if key else "app_key"
                required = f"The {name.replace('_', ' ')} field is required."
                raise ProviderError(Kind.AUTH_INVALID, required, fields={name: [required]})
        elif header:
            # "Authorization: YOUR_KEY-YOUR_SECRET": the key ends at the first "-" (PROVIDERS.md).
            key, _, secret = header.partition("-")
        else:
            raise ProviderError(Kind.AUTH_MISSING, "API credentials are missing.", fields=_credentials_required())
        account = self.accounts.get(key)
        if account is None or not secret or account.app_secret != secret:
            raise ProviderError(Kind.AUTH_INVALID, "Invalid app_key or app_secret.")
        return account.app_key

    def rate_headers(self, limit: int, remaining: int, reset: int) -> dict[str, str]:
        """``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` (the document: on every response)."""
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}

    def render(self, operation: Operation, result: Ok) -> Any:
        """The documented success envelope around a payload."""
        return self._envelope(True, result.message or RETRIEVED, result.data, {}, None)

    def describe_violation(self, violation: Any) -> str:
        """Laravel's wording of a refused argument."""
        return _laravel(violation)

    def render_error(self, error: ProviderError) -> Reply:
        """The inferred Laravel-style failure: ``status`` false, ``data`` null, ``errors`` by field."""
        status, code, fixed = _ERRORS[error.kind]
        errors = {name: list(messages) for name, messages in error.fields.items() if messages}
        if error.kind is Kind.AUTH_MISSING and not errors:
            errors = _credentials_required()
        if error.kind in _FIELD_REQUIRED:
            errors = errors or {"request": [error.message]}
            message = self._laravel_message(errors)
        elif error.kind is Kind.AUTH_INVALID and errors:
            # Half a query pair: Laravel's `required` message for the missing one, matching `errors`,
            # not "Invalid app_key or app_secret." beside an error that says the secret was not sent.
            message = self._laravel_message(errors)
        else:
            message = fixed or self._routing_message(error)
        headers = self._error_headers(error)
        if error.kind is Kind.WRONG_METHOD:
            headers.setdefault("Allow", self._allow(error))
        return Reply(status, self._envelope(False, message, None, errors, code), headers)

    # -- operations -----------------------------------------------------------

    def get_account_status(self, account: str, args: dict[str, Any]) -> Ok:
        """Whether the account is active."""
        active = self.accounts[account].active
        state = "active" if active else "inactive"
        return Ok(data={"is_account_activated": active}, message=f"Account is in {state} status.")

    def check_balance(self, account: str, args: dict[str, Any]) -> Ok:
        """The profile and balances, fields in the document's order and JSON types."""
        record = self.accounts[account]
        profile = vars(record.profile)  # flat fields, read only
        data = {key: profile[key] for key in ("user_number", "name", "email", "mobile", "status")}
        data["transaction_balance"] = record.transaction_balance
        data["promotional_balance"] = record.promotional_balance
        data.update((key, value) for key, value in profile.items() if key not in data)
        return Ok(data=data, message=RETRIEVED)

    def list_sender_ids(self, account: str, args: dict[str, Any]) -> Ok:
        """The approved sender IDs."""
        return Ok(data=[{"sender_id": s} for s in self.accounts[account].sender_ids], message=RETRIEVED)

    def list_templates(self, account: str, args: dict[str, Any]) -> Ok:
        """The approved DLT templates (status 1)."""
        templates = self.accounts[account].templates.values()
        return Ok(data=[t.payload() for t in templates if t.status == APPROVED], message=RETRIEVED)

    def send_message(self, account: str, args: dict[str, Any]) -> Ok:
        """Fill an approved template, charge segments x valid numbers, queue (or schedule) one message each.

        A promotional send (route_type 2) that falls outside 09:00-21:00 IST is accepted and charged, but
        its messages stay queued until 09:00 IST next (DLT's window, PROVIDERS.md; the hold is inferred).
        """
        record = self.accounts[account]
        template = self._template(record, args["dlt_template_id"])
        text = template.fill(args.get("template_variables") or {})
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
        return Ok(data=self._send_result(campaign, at, size.count), message=PROCESSED)

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
                "data": [c.payload(now) for c in chunk],
                "total": len(campaigns),
                "current_page": str(page),
                "per_page_record": str(per_page),
                "last_page": max(1, math.ceil(len(campaigns) / per_page)),
            },
            message=RETRIEVED,
        )

    # -- helpers --------------------------------------------------------------

    def _template(self, record: Account, template_id: str) -> Template:
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
            raise _validation(
                "mobile_numbers", "The mobile numbers field must contain at least one valid mobile number."
            )
        return valid, invalid

    def _schedule(self, raw: str | None, now: datetime) -> tuple[datetime, bool]:
        """The send time and whether it is scheduled: schedule_date (IST) when in the future, else now."""
        if not raw:
            return now, False
        try:
            local = datetime.strptime(raw, LOCAL_FORMAT).replace(tzinfo=IST)
        except ValueError:
            raise _validation("schedule_date", "The schedule date field must match the format Y-m-d H:i:s.")
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

    def _send_result(self, campaign: Campaign, at: datetime, segments: int) -> dict[str, Any]:
        """The answer to send-message; ``campaign_send_date_time`` is the requested time, not DLT's hold."""
        return {
            "campaign": "API",
            "sender_id": campaign.sender_id,
            "route_type": campaign.route_type,
            "sms_type": campaign.route_type,
            "message": campaign.message,
            "is_flash": int(campaign.is_flash),
            "campaign_send_date_time": _local(at),
            # The real length: the document's 55 does not match its own 43-character message.
            "message_count": len(campaign.message),
            "message_credit_size": segments,
            "total_contacts": len(campaign.messages),
            "total_credit_deduct": campaign.credits,
            "status": "Scheduled" if campaign.scheduled else "Ready-to-complete",
            "uuid": campaign.uuid,
            "total_invalid_number": campaign.total_invalid_number,
        }

    def _envelope(
        self, ok: bool, message: str, data: Any, errors: dict[str, list[str]], code: str | None
    ) -> dict[str, Any]:
        intime = self.now
        return {
            "status": ok,
            "intime": _timestamp(intime),
            "outtime": _timestamp(intime + PROCESSING_TIME),
            "message": message,
            "data": data,
            "errors": errors,
            "error_code": code,
        }

    def _error_headers(self, error: ProviderError) -> dict[str, str]:
        """Rate-limit headers (the document: on every response) plus any the error carries.

        Outside a 429 the account is not known here: Remaining is the full limit, and the engine puts
        the account's own count (from ``rate_limit``) over it once the request was authenticated.
        """
        limit = self.limiter.rule.limit
        headers: dict[str, str] = {}
        if limit is not None:
            detail = error.detail if error.kind is Kind.RATE_LIMITED else {}
            headers = self.rate_headers(detail.get("limit", limit), detail.get("remaining", limit), 0)
        if error.kind is Kind.RATE_LIMITED:
            headers["Retry-After"] = str(error.detail.get("reset", self.limiter.rule.window))
        headers.update(error.headers)
        return headers

    @staticmethod
    def _laravel_message(errors: dict[str, list[str]]) -> str:
        """The first message, then "(and N more errors)" as Laravel's ValidationException writes it."""
        messages = [m for found in errors.values() for m in found]
        more = len(messages) - 1
        if more == 0:
            return messages[0]
        return f"{messages[0]} (and {more} more error{'s' if more > 1 else ''})"

    def _routing_message(self, error: ProviderError) -> str:
        """Laravel's wording for an unknown route or a wrong verb, when the engine says which route."""
        command, method = error.detail.get("command"), error.detail.get("method")
        route = "/".join(p for p in (self.spec.base_path.strip("/"), command) if p)
        if command is not None and error.kind is Kind.NO_ROUTE:
            return f"The route {route} could not be found."
        if command is not None and method and error.kind is Kind.WRONG_METHOD:
            allowed = self._allow(error)
            return f"The {method} method is not supported for route {route}. Supported methods: {allowed}."
        return error.message

    @staticmethod
    def _allow(error: ProviderError) -> str:
        """The route's verbs; Laravel's GET routes answer HEAD too (and every QuickCom route is GET)."""
        allowed = [m.upper() for m in error.detail.get("allowed") or ["GET"]]
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.insert(allowed.index("GET") + 1, "HEAD")
        return ", ".join(allowed)


def _laravel(violation: Any) -> str:
    """Laravel's validation wording for one refused argument ("The mobile numbers field is required.")."""
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
