"""QuickFlow: a Frappe application's SMS, contact and contact-group methods (``/api/method/quickflow.*``)."""
from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .. import sms
from ..errors import Kind, ProviderError
from ..spec import Operation
from ..state import Message
from .base import Ok, Provider, RateLimit, Reply

__all__ = ["QuickFlowProvider"]

UTC = timezone.utc
# Frappe's datetime format; the mock's system time zone is UTC.
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# frappe.app.NO_CACHE_HEADERS: Frappe sets it on every response, success and error alike (PROVIDERS.md).
NO_CACHE = {"Cache-Control": "no-store,no-cache,must-revalidate,max-age=0"}
# Frappe's texts for a Guest request to a method not open to guests, and for a verb the method is not
# whitelisted for (frappe.handler); the spec's PermissionError examples.
GUEST_MESSAGE = "You are not permitted to access this resource."
WRONG_VERB_MESSAGE = "Not permitted"

# Kind -> (the spec's component response, Frappe's exception class). The status comes from the spec.
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


def _stamp(moment: datetime | None) -> str | None:
    """A datetime as Frappe writes it (``YYYY-MM-DD HH:MM:SS``, UTC).

    Not strftime: its ``%Y`` does not pad years below 1000 on Linux (``1-01-01``), which the spec's
    Datetime pattern refuses; a schedule_time of ``0001-01-01 00:00:00`` is valid and echoed back.
    """
    if moment is None:
        return None
    at = moment.astimezone(UTC)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (at.year, at.month, at.day, at.hour, at.minute, at.second)


def _number(value: float) -> str:
    """A balance in a message: ``12`` rather than ``12.0``."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _server_messages(texts: list[str]) -> str:
    """Frappe's ``_server_messages``: a JSON list of JSON-encoded message objects."""
    entries = [{"message": text, "title": "Message", "indicator": "red", "raise_exception": 1} for text in texts]
    return json.dumps([json.dumps(entry) for entry in entries])


def _refuse(kind: Kind, message: str, field_name: str) -> ProviderError:
    return ProviderError(kind, message, fields={field_name: [message]})


# -- records -----------------------------------------------------------------


@dataclass
class Account:
    """An API key pair and its sender IDs, each with a credit balance."""

    api_key: str
    api_secret: str
    balances: dict[str, float]


@dataclass
class Contact:
    """One contact of a contact group."""

    uid: str
    group_id: str
    phone: str
    first_name: str | None
    last_name: str | None
    created_at: datetime
    modified_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The contact as the spec's ``Contact``."""
        return {
            "uid": self.uid,
            "group_id": self.group_id,
            "phone": self.phone,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "created_at": _stamp(self.created_at),
            "modified_at": _stamp(self.modified_at),
        }


@dataclass
class Group:
    """A contact group of one sender ID of one account; its contacts in creation order."""

    group_id: str
    account: str
    sender_id: str
    name: str
    created_at: datetime
    modified_at: datetime
    contacts: dict[str, Contact] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The group as the spec's ``Group``."""
        return {
            "group_id": self.group_id,
            "name": self.name,
            "sender_id": self.sender_id,
            "contacts_count": len(self.contacts),
            "created_at": _stamp(self.created_at),
            "modified_at": _stamp(self.modified_at),
        }


@dataclass
class Campaign:
    """One Send Campaign request: the group it went to and the messages it made."""

    campaign_id: str
    account: str
    sender_id: str
    group_id: str
    uids: list[str]
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The campaign for the admin state."""
        return {
            "campaign_id": self.campaign_id,
            "account": self.account,
            "sender_id": self.sender_id,
            "group_id": self.group_id,
            "uids": list(self.uids),
            "created_at": _stamp(self.created_at),
        }


@dataclass(frozen=True)
class _Dispatch:
    """What one send created: the messages, their segments and the balance left."""

    messages: list[Message]
    segments: sms.Segments
    credits: int
    balance: float
    scheduled: bool
    campaign_id: str | None = None


# -- the seed ----------------------------------------------------------------

_ACCOUNT_KEYS = {"api_key", "api_secret", "sender_ids", "groups"}
_GROUP_KEYS = {"name", "sender_id", "contacts"}
_CONTACT_KEYS = {"phone", "first_name", "last_name"}


def _mapping(raw: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(raw).__name__}")
    unknown, missing = set(raw) - allowed, required - set(raw)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    if missing:
        raise ValueError(f"{where}: missing key(s) {sorted(missing)}")
    return raw


def _text(raw: Any, where: str, optional: bool = False) -> str | None:
    if optional and raw is None:
        return None
    if not isinstance(raw, str) or (not optional and not raw):
        raise ValueError(f"{where}: expected a {'string' if optional else 'non-empty string'}, got {raw!r}")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list, got {type(raw).__name__}")
    return raw


def _seed_phone(raw: Any, where: str) -> str:
    phone = sms.kenya_mobile(raw) if isinstance(raw, str) else None
    if phone is None:
        raise ValueError(f"{where}: {raw!r} is not a Kenyan mobile number (254/+254/07/01 forms)")
    return phone


def _seed_balances(raw: Any, where: str) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{where}: expected a non-empty mapping of sender ID -> credit balance")
    balances = {}
    for sender_id, balance in raw.items():
        _text(sender_id, f"{where}.{sender_id!r}")
        if isinstance(balance, bool) or not isinstance(balance, (int, float)) or balance < 0:
            raise ValueError(f"{where}.{sender_id}: expected a balance >= 0, got {balance!r}")
        balances[sender_id] = float(balance)
    return balances


@dataclass
class _SeedAccount:
    """One account of a seed, checked, before any id is issued."""

    account: Account
    groups: list[tuple[str, str, list[tuple[str, str | None, str | None]]]]


def _seed_account(raw: Any, where: str) -> _SeedAccount:
    raw = _mapping(raw, where, _ACCOUNT_KEYS, {"api_key", "api_secret", "sender_ids"})
    account = Account(
        api_key=_text(raw["api_key"], f"{where}.api_key"),
        api_secret=_text(raw["api_secret"], f"{where}.api_secret"),
        balances=_seed_balances(raw["sender_ids"], f"{where}.sender_ids"),
    )
    groups = []
    for index, group in enumerate(_list(raw.get("groups"), f"{where}.groups")):
        here = f"{where}.groups[{index}]"
        group = _mapping(group, here, _GROUP_KEYS, {"name", "sender_id"})
        sender_id = _text(group["sender_id"], f"{here}.sender_id")
        if sender_id not in account.balances:
            raise ValueError(f"{here}.sender_id: {sender_id!r} is not one of {sorted(account.balances)}")
        contacts = []
        for number, contact in enumerate(_list(group.get("contacts"), f"{here}.contacts")):
            there = f"{here}.contacts[{number}]"
            contact = _mapping(contact, there, _CONTACT_KEYS, {"phone"})
            contacts.append(
                (
                    _seed_phone(contact["phone"], f"{there}.phone"),
                    _text(contact.get("first_name"), f"{there}.first_name", optional=True),
                    _text(contact.get("last_name"), f"{there}.last_name", optional=True),
                )
            )
        groups.append((_text(group["name"], f"{here}.name"), sender_id, contacts))
    return _SeedAccount(account, groups)


# -- the provider ------------------------------------------------------------


class QuickFlowProvider(Provider):
    """QuickFlow's accounts, sender IDs, contact groups, contacts and messages, as Frappe serves them."""

    name = "quickflow"
    # Frappe's rate limiter is off unless the site configures one (PROVIDERS.md); configurable per SharedState.
    default_limit = RateLimit(None, 60)

    # -- state ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget all accounts, groups, contacts, messages and campaigns."""
        super().reset()
        self._accounts: dict[str, Account] = {}
        self._groups: dict[str, Group] = {}
        self._sms: dict[str, Message] = {}
        self._campaigns: dict[str, Campaign] = {}
        self._failing: set[str] = set()

    def load(self, seed: dict[str, Any]) -> None:
        """Add the accounts, sender IDs, groups and contacts of the seed's ``quickflow`` section."""
        seed = _mapping(seed, "quickflow", {"failing_numbers", "accounts"}, set())
        failing = _list(seed.get("failing_numbers"), "quickflow.failing_numbers")
        numbers = {_seed_phone(raw, f"quickflow.failing_numbers[{i}]") for i, raw in enumerate(failing)}
        accounts = _list(seed.get("accounts"), "quickflow.accounts")
        parsed = [_seed_account(raw, f"quickflow.accounts[{i}]") for i, raw in enumerate(accounts)]
        keys = [p.account.api_key for p in parsed] + list(self._accounts)
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"quickflow.accounts: api_key {duplicates} given more than once")
        self._failing |= numbers
        for entry in parsed:
            self._add_seed_account(entry)

    def _add_seed_account(self, entry: _SeedAccount) -> None:
        account = entry.account
        self._accounts[account.api_key] = account
        for name, sender_id, contacts in entry.groups:
            group = self._new_group(account.api_key, sender_id, name)
            for phone, first_name, last_name in contacts:
                self._new_contact(group, phone, first_name, last_name)

    def snapshot(self) -> dict[str, Any]:
        """Accounts (with balances, groups and contacts), messages and campaigns, as JSON."""
        return {
            "failing_numbers": sorted(self._failing),
            "accounts": [self._account_json(account) for account in self._accounts.values()],
            "messages": [{"account": m.account, **self._sms_json(m)} for m in self._sms.values()],
            "campaigns": [campaign.to_json() for campaign in self._campaigns.values()],
        }

    def forget(self, message: Message) -> None:
        """A message the outbox dropped is no longer found (sms.get: 404), nor, with its last one, its campaign."""
        if self._sms.pop(message.id, None) is None or not message.campaign:
            return
        campaign = self._campaigns.get(message.campaign)
        if campaign is not None and campaign.uids[-1] == message.id:  # messages leave the outbox oldest first
            del self._campaigns[message.campaign]

    def _account_json(self, account: Account) -> dict[str, Any]:
        groups = [g for g in self._groups.values() if g.account == account.api_key]
        return {
            "api_key": account.api_key,
            "api_secret": account.api_secret,
            "sender_ids": dict(account.balances),
            "groups": [{**g.to_json(), "contacts": [c.to_json() for c in g.contacts.values()]} for g in groups],
        }

    # -- the request ----------------------------------------------------------

    def authenticate(self, credentials: dict[str, str], operation: Operation) -> str:
        """The api_key of a ``token key:secret`` or ``Basic base64(key:secret)`` Authorization header."""
        raw = next((value for value in credentials.values() if value and value.strip()), None)
        if raw is None:
            # No header: Frappe runs the request as Guest, and the methods are not open to guests.
            raise ProviderError(Kind.AUTH_MISSING, GUEST_MESSAGE)
        api_key, api_secret = _key_pair(raw)
        account = self._accounts.get(api_key)
        if account is None or not hmac.compare_digest(account.api_secret.encode(), api_secret.encode()):
            raise ProviderError(Kind.AUTH_INVALID, "Invalid API key or secret")
        return api_key

    def common_headers(self) -> dict[str, str]:
        """Headers every QuickFlow answer carries."""
        return dict(NO_CACHE)

    def render(self, operation: Operation, result: Ok) -> Any:
        """Frappe's ``{"message": <return value>}`` around the platform's ``{status, message, data}``."""
        return {"message": {"status": "success", "message": result.message or "", "data": result.data}}

    def describe_violation(self, violation: Any) -> str:
        """The message a Frappe method raising ValidationError would give for a refused argument."""
        name = violation.name or violation.location
        # An empty value is refused like a missing one (the spec's NonEmpty), with the same words.
        if violation.keyword == "required" or (violation.keyword == "minLength" and violation.received == ""):
            return f"Missing required argument: {name}"
        return f"Invalid value for {name}: {violation.message}"

    def render_error(self, error: ProviderError) -> Reply:
        """Frappe's error body ``{exc_type, _server_messages}`` with the status the spec gives it."""
        component, exc_type = _ERRORS[error.kind]
        texts = self._error_texts(error)
        if error.kind is Kind.NO_ROUTE and "command" not in error.detail:
            # A path under /api that names no method at all: 404, no message (frappe.api).
            component, exc_type, texts = "DoesNotExistError", "DoesNotExistError", []
        body: dict[str, Any] = {"exc_type": exc_type}
        if texts:
            body["_server_messages"] = _server_messages(texts)
        headers = {**NO_CACHE, **error.headers}
        if error.kind is Kind.RATE_LIMITED:
            headers["Retry-After"] = str(max(1, int(error.detail.get("reset") or 1)))
        return Reply(self._statuses[component], body, headers)

    def _error_texts(self, error: ProviderError) -> list[str]:
        if error.kind in _SILENT:
            return []
        if error.kind is Kind.AUTH_MISSING:
            return [GUEST_MESSAGE]
        if error.kind is Kind.WRONG_METHOD:
            return [WRONG_VERB_MESSAGE]
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
        """Frappe's text for a method name that resolves to nothing (frappe.handler.execute_cmd)."""
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

    # -- lookups --------------------------------------------------------------

    def _balance_of(self, account: str, sender_id: str) -> float:
        """The sender ID's balance; an ID the account does not hold is not found."""
        balances = self._accounts[account].balances
        if sender_id not in balances:
            raise _refuse(Kind.NOT_FOUND, f"Sender ID {sender_id} not found", "sender_id")
        return balances[sender_id]

    def _group(self, account: str, sender_id: str, group_id: str, field_name: str = "group_id") -> Group:
        """A group of this account and sender ID; any other is not found."""
        self._balance_of(account, sender_id)
        group = self._groups.get(group_id)
        if group is None or group.account != account or group.sender_id != sender_id:
            raise _refuse(Kind.NOT_FOUND, f"Contact Group {group_id} not found", field_name)
        return group

    def _contact(self, group: Group, uid: str) -> Contact:
        contact = group.contacts.get(uid)
        if contact is None:
            raise _refuse(Kind.NOT_FOUND, f"Contact {uid} not found", "uid")
        return contact

    def _new_group(self, account: str, sender_id: str, name: str) -> Group:
        now = self.now
        group = Group(self.env.ids.label("GRP"), account, sender_id, name, now, now)
        self._groups[group.group_id] = group
        return group

    def _new_contact(self, group: Group, phone: str, first_name: str | None, last_name: str | None) -> Contact:
        now = self.now
        contact = Contact(self.env.ids.label("CON"), group.group_id, phone, first_name, last_name, now, now)
        group.contacts[contact.uid] = contact
        return contact

    # -- SMS ------------------------------------------------------------------

    def send_sms(self, account: str, args: dict[str, Any]) -> Ok:
        """Send one text to each recipient of a comma-separated list."""
        self._balance_of(account, args["sender_id"])
        recipients, duplicates = _recipients(args["recipient"])
        sent = self._dispatch(account, args, recipients, "send_sms")
        now = self.now
        data = {
            "messages": [{"uid": m.id, "recipient": m.recipient, "status": m.status(now)} for m in sent.messages],
            "total_recipients": len(recipients),
            "encoding": sent.segments.encoding,
            "segments": sent.segments.count,
            "credits": sent.credits,
            "balance": sent.balance,
        }
        text = f"SMS {'scheduled' if sent.scheduled else 'queued'} for {_plural(len(recipients), 'recipient')}"
        if duplicates:
            text += f" ({_plural(duplicates, 'duplicate number')} ignored)"
        return Ok(data=data, message=text)

    def send_campaign(self, account: str, args: dict[str, Any]) -> Ok:
        """Send one text to every contact of a group of the sender ID."""
        group = self._group(account, args["sender_id"], args["contact_list_id"], "contact_list_id")
        if not group.contacts:
            raise _refuse(Kind.VALIDATION, f"Contact group {group.group_id} has no contacts", "contact_list_id")
        recipients = [contact.phone for contact in group.contacts.values()]
        sent = self._dispatch(account, args, recipients, "send_campaign", campaign=True)
        campaign_id = str(sent.campaign_id)
        uids = [m.id for m in sent.messages]
        self._campaigns[campaign_id] = Campaign(campaign_id, account, args["sender_id"], group.group_id, uids, self.now)
        status = "scheduled" if sent.scheduled else "queued"
        data = {
            "campaign_id": campaign_id,
            "group_id": group.group_id,
            "total_recipients": len(recipients),
            "encoding": sent.segments.encoding,
            "segments": sent.segments.count,
            "credits": sent.credits,
            "balance": sent.balance,
            "status": status,
        }
        return Ok(data=data, message=f"Campaign {status} for {_plural(len(recipients), 'recipient')}")

    def _dispatch(
        self, account: str, args: dict[str, Any], recipients: list[str], operation: str, campaign: bool = False
    ) -> _Dispatch:
        """Charge the sender ID for the text to every recipient, then queue (or schedule) one message each."""
        sender_id, text = args["sender_id"], args["message"]
        requested = _schedule_time(args.get("schedule_time"))
        now = self.now
        scheduled = requested is not None and requested > now
        # The outbox follows a message for seconds after its send time, so a schedule at the very end of
        # the calendar (9999-12-31 23:59:59, which the pattern allows) is held from a day before: no clock
        # gets there, and nothing overflows. schedule_time is still echoed as given.
        send_at = min(requested, _LAST_SEND) if requested is not None and scheduled else now
        parts = sms.segments(text)
        credits = parts.count * len(recipients)
        balance = self._balance_of(account, sender_id)
        if credits > balance:
            message = f"Insufficient balance: {credits} credits needed, {_number(balance)} available"
            raise _refuse(Kind.INSUFFICIENT_BALANCE, message, "sender_id")
        self._accounts[account].balances[sender_id] = balance - credits
        campaign_id = self.env.ids.label("CMP") if campaign else None
        extra = {
            "type": args.get("type", "plain"),
            "dlt_template_id": args.get("dlt_template_id"),
            "schedule_time": _stamp(requested),
        }
        messages = [
            self._message(account, sender_id, recipient, text, parts, send_at, scheduled, campaign_id, operation, extra)
            for recipient in recipients
        ]
        return _Dispatch(messages, parts, credits, balance - credits, scheduled, campaign_id)

    def _message(
        self,
        account: str,
        sender_id: str,
        recipient: str,
        text: str,
        parts: sms.Segments,
        send_at: datetime,
        scheduled: bool,
        campaign: str | None,
        operation: str,
        extra: dict[str, Any],
    ) -> Message:
        message = Message(
            id=self.env.ids.label("SMS"),
            provider=self.name,
            account=account,
            sender=sender_id,
            recipient=recipient,
            text=text,
            encoding=parts.encoding,
            segments=parts.count,
            credits=parts.count,
            created_at=self.now,
            send_at=send_at,
            scheduled=scheduled,
            fails=recipient in self._failing,
            campaign=campaign,
            operation=operation,
            extra=dict(extra),
        )
        self._sms[message.id] = message
        return self.env.outbox.add(message)

    def get_sms(self, account: str, args: dict[str, Any]) -> Ok:
        """One message of the account, its status as of now."""
        message = self._sms.get(args["uid"])
        if message is None or message.account != account:
            raise _refuse(Kind.NOT_FOUND, f"SMS {args['uid']} not found", "uid")
        return Ok(data=self._sms_json(message), message="SMS retrieved")

    def list_sms(self, account: str, args: dict[str, Any]) -> Ok:
        """Every message of the account, newest first (Frappe's ``creation desc``)."""
        found = [self._sms_json(m) for m in reversed(self._sms.values()) if m.account == account]
        return Ok(data=found, message=f"{_plural(len(found), 'SMS', 'SMS')} found")

    def get_balance(self, account: str, args: dict[str, Any]) -> Ok:
        """The credit balance of one sender ID."""
        balance = self._balance_of(account, args["sender_id"])
        return Ok(data={"sender_id": args["sender_id"], "balance": balance}, message="Balance retrieved")

    def _sms_json(self, message: Message) -> dict[str, Any]:
        """A message as the spec's ``Sms``."""
        now = self.now
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
            "created_at": _stamp(message.created_at),
            "sent_at": _stamp(message.sent_at(now)),
            "delivered_at": _stamp(delivered),
            "campaign_id": message.campaign,
        }

    # -- contacts -------------------------------------------------------------

    def create_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Add a contact (its phone stored as ``254XXXXXXXXX``) to a group."""
        group = self._group(account, args["sender_id"], args["group_id"])
        phone = _phone(args["phone"], "phone")
        contact = self._new_contact(group, phone, args.get("first_name"), args.get("last_name"))
        return Ok(data=contact.to_json(), message="Contact created")

    def get_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """One contact of a group."""
        contact = self._contact(self._group(account, args["sender_id"], args["group_id"]), args["uid"])
        return Ok(data=contact.to_json(), message="Contact retrieved")

    def update_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Change the fields given (phone, first_name, last_name) of a contact."""
        contact = self._contact(self._group(account, args["sender_id"], args["group_id"]), args["uid"])
        changes = {name: args[name] for name in ("first_name", "last_name") if name in args}
        if "phone" in args:
            changes["phone"] = _phone(args["phone"], "phone")
        for name, value in changes.items():
            setattr(contact, name, value)
        contact.modified_at = self.now
        return Ok(data=contact.to_json(), message="Contact updated")

    def delete_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Remove a contact from its group."""
        group = self._group(account, args["sender_id"], args["group_id"])
        contact = self._contact(group, args["uid"])
        del group.contacts[contact.uid]
        return Ok(data={"uid": contact.uid}, message="Contact deleted")

    def list_contacts(self, account: str, args: dict[str, Any]) -> Ok:
        """The contacts of a group, newest first (Frappe's ``creation desc``)."""
        group = self._group(account, args["sender_id"], args["group_id"])
        found = [contact.to_json() for contact in reversed(group.contacts.values())]
        return Ok(data=found, message=f"{_plural(len(found), 'contact')} found")

    # -- groups ---------------------------------------------------------------

    def create_group(self, account: str, args: dict[str, Any]) -> Ok:
        """A new, empty group of the sender ID."""
        self._balance_of(account, args["sender_id"])
        group = self._new_group(account, args["sender_id"], args["name"])
        return Ok(data=group.to_json(), message="Contact group created")

    def get_group(self, account: str, args: dict[str, Any]) -> Ok:
        """One group of the sender ID."""
        group = self._group(account, args["sender_id"], args["group_id"])
        return Ok(data=group.to_json(), message="Contact group retrieved")

    def update_group(self, account: str, args: dict[str, Any]) -> Ok:
        """Rename a group."""
        group = self._group(account, args["sender_id"], args["group_id"])
        group.name, group.modified_at = args["name"], self.now
        return Ok(data=group.to_json(), message="Contact group updated")

    def delete_group(self, account: str, args: dict[str, Any]) -> Ok:
        """Delete a group that has no contacts left."""
        group = self._group(account, args["sender_id"], args["group_id"])
        if group.contacts:
            # Frappe refuses to delete a record that others link to (frappe.exceptions.LinkExistsError).
            first = next(iter(group.contacts))
            message = f"Cannot delete or cancel because Contact Group {group.group_id} is linked with Contact {first}"
            raise _refuse(Kind.CONFLICT, message, "group_id")
        del self._groups[group.group_id]
        return Ok(data={"group_id": group.group_id}, message="Contact group deleted")

    def list_groups(self, account: str, args: dict[str, Any]) -> Ok:
        """The groups of a sender ID, newest first (Frappe's ``creation desc``)."""
        self._balance_of(account, args["sender_id"])
        found = [
            g.to_json()
            for g in reversed(self._groups.values())
            if g.account == account and g.sender_id == args["sender_id"]
        ]
        return Ok(data=found, message=f"{_plural(len(found), 'contact group')} found")


# -- arguments ---------------------------------------------------------------


def _key_pair(raw: str) -> tuple[str, str]:
    """(api_key, api_secret) from ``token key:secret`` or ``Basic base64(key:secret)``, or AUTH_INVALID."""
    scheme, _, token = raw.strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "basic":
        try:
            token = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _malformed() from None
    elif scheme.lower() != "token":
        raise _malformed()
    # frappe.auth.validate_auth_via_api_keys unpacks ``token.split(":")`` into exactly two names.
    parts = token.split(":")
    if len(parts) != 2 or not all(parts):
        raise _malformed()
    return parts[0], parts[1]


def _malformed() -> ProviderError:
    return ProviderError(Kind.AUTH_INVALID, "Malformed Authorization header")


_LAST_SEND = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


def _schedule_time(raw: str | None) -> datetime | None:
    """A ``YYYY-MM-DD HH:MM:SS`` schedule time, or None when none was given."""
    if not raw:
        return None
    try:
        # Frappe reads a datetime without an offset in the system time zone: UTC in the mock.
        return datetime.strptime(raw, DATETIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise _refuse(Kind.VALIDATION, f"Invalid schedule time: {raw}", "schedule_time") from None


def _phone(raw: str, field_name: str) -> str:
    """A Kenyan mobile as ``254XXXXXXXXX``, or VALIDATION on the field."""
    phone = sms.kenya_mobile(raw)
    if phone is None:
        raise _refuse(Kind.VALIDATION, f"Invalid phone number: {raw}", field_name)
    return phone


def _recipients(raw: str) -> tuple[list[str], int]:
    """The distinct normalised numbers of a comma-separated list, and how many repeats were dropped."""
    given = [part.strip() for part in raw.split(",") if part.strip()]
    if not given:
        raise _refuse(Kind.VALIDATION, "Missing required argument: recipient", "recipient")
    normalised = [sms.kenya_mobile(number) for number in given]
    invalid = [number for number, found in zip(given, normalised) if found is None]
    if invalid:
        message = f"Invalid phone number{'s' if len(invalid) > 1 else ''}: {', '.join(invalid)}"
        raise ProviderError(
            Kind.VALIDATION, message, fields={"recipient": [f"Invalid phone number: {n}" for n in invalid]}
        )
    numbers = list(dict.fromkeys(normalised))
    return numbers, len(given) - len(numbers)  # type: ignore[return-value]
