"""QuickFlowProvider: authentication, lookups and one handler per operationId, over QuickFlow's records."""
from __future__ import annotations

import base64
import binascii
import hmac
from datetime import datetime, timedelta
from typing import Any

from ... import sms
from ...errors import Kind, ProviderError
from ...spec import Operation
from ...state import Message
from ...timestamps import DATETIME_FORMAT, UTC
from ..base import Ok, RateLimit
from .envelope import (
    GUEST_MESSAGE,
    INVALID_TOKEN,
    TOKEN_NOT_BASE64,
    QuickFlowEnvelope,
    account_payload,
    campaign_payload,
    contact_payload,
    field_error,
    group_payload,
    plural,
    sms_payload,
    stamp,
    whole,
)
from .records import Account, Answer, Campaign, Contact, SendResult, Group
from .seed import SeedAccount, read_section

__all__ = ["QuickFlowProvider"]

# The outbox follows a message for seconds after its send time, so a schedule at the very end of the
# calendar (9999-12-31 23:59:59, which the pattern allows) is held from a day before: no clock gets
# there, and nothing overflows. schedule_time is still echoed as given.
_LAST_SEND = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


class QuickFlowProvider(QuickFlowEnvelope):
    """QuickFlow's accounts, sender IDs, contact groups, contacts and messages, as Frappe serves them."""

    name = "quickflow"
    # Frappe's rate limiter is off unless the site configures one (docs/platforms.md, QuickFlow: rate
    # limiter); configurable per SharedState.
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
        section = read_section(seed, self._accounts)
        self._failing |= section.failing_numbers
        for entry in section.accounts:
            self._add_seed_account(entry)

    def _add_seed_account(self, entry: SeedAccount) -> None:
        account = entry.account
        self._accounts[account.api_key] = account
        for seeded in entry.groups:
            group = self._new_group(account.api_key, seeded.sender_id, seeded.name)
            for contact in seeded.contacts:
                self._new_contact(group, contact.phone, contact.first_name, contact.last_name)

    def snapshot(self) -> dict[str, Any]:
        """Accounts (with balances, groups and contacts), messages and campaigns, as JSON."""
        now = self.now
        return {
            "failing_numbers": sorted(self._failing),
            "accounts": [
                account_payload(account, [g for g in self._groups.values() if g.account == account.api_key])
                for account in self._accounts.values()
            ],
            "messages": [{"account": m.account, **sms_payload(m, now)} for m in self._sms.values()],
            "campaigns": [campaign_payload(campaign) for campaign in self._campaigns.values()],
        }

    def forget(self, message: Message) -> None:
        """A message the outbox dropped is no longer found (sms.get: 404), nor, with its last one, its campaign."""
        if self._sms.pop(message.id, None) is None or not message.campaign:
            return
        campaign = self._campaigns.get(message.campaign)
        if campaign is not None and campaign.uids[-1] == message.id:  # messages leave the outbox oldest first
            del self._campaigns[message.campaign]

    # -- the request ----------------------------------------------------------

    def authenticate(self, credentials: dict[str, str], operation: Operation) -> str:
        """The api_key of the Authorization header, read as ``frappe.auth.validate_auth`` reads it.

        The value is split on single spaces; only exactly two parts are checked as credentials (docs/platforms.md,
        QuickFlow: token and Basic authorization). Anything else runs the request as Guest, and the methods
        are not open to guests.
        """
        raw = next((value for value in credentials.values() if value), "")  # both schemes name the one header
        parts = raw.split(" ")
        if len(parts) != 2:
            raise ProviderError(Kind.AUTH_MISSING, GUEST_MESSAGE)
        api_key, api_secret = _key_pair(parts[0], parts[1])
        account = self._accounts.get(api_key)
        if account is None or not hmac.compare_digest(account.api_secret.encode(), api_secret.encode()):
            raise ProviderError(Kind.AUTH_INVALID, "Invalid API key or secret")
        return api_key

    # -- lookups --------------------------------------------------------------

    def _balance_of(self, account: str, sender_id: str) -> float:
        """The sender ID's balance; an ID the account does not hold is not found."""
        balances = self._accounts[account].balances
        if sender_id not in balances:
            raise field_error(Kind.NOT_FOUND, f"Sender ID {sender_id} not found", "sender_id")
        return balances[sender_id]

    def _group(self, account: str, sender_id: str, group_id: str, field_name: str = "group_id") -> Group:
        """A group of this account and sender ID; any other is not found."""
        self._balance_of(account, sender_id)
        group = self._groups.get(group_id)
        if group is None or group.account != account or group.sender_id != sender_id:
            raise field_error(Kind.NOT_FOUND, f"Contact Group {group_id} not found", field_name)
        return group

    def _contact(self, group: Group, uid: str) -> Contact:
        contact = group.contacts.get(uid)
        if contact is None:
            raise field_error(Kind.NOT_FOUND, f"Contact {uid} not found", "uid")
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
        text = f"SMS {'scheduled' if sent.scheduled else 'queued'} for {plural(len(recipients), 'recipient')}"
        if duplicates:
            text += f" ({plural(duplicates, 'duplicate number')} ignored)"
        return Ok(data=data, message=text)

    def send_campaign(self, account: str, args: dict[str, Any]) -> Ok:
        """Send one text to every contact of a group of the sender ID."""
        group = self._group(account, args["sender_id"], args["contact_list_id"], "contact_list_id")
        if not group.contacts:
            raise field_error(Kind.VALIDATION, f"Contact group {group.group_id} has no contacts", "contact_list_id")
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
        return Ok(data=data, message=f"Campaign {status} for {plural(len(recipients), 'recipient')}")

    def _dispatch(
        self, account: str, args: dict[str, Any], recipients: list[str], operation: str, campaign: bool = False
    ) -> SendResult:
        """Charge the sender ID for the text to every recipient, then queue (or schedule) one message each."""
        sender_id, text = args["sender_id"], args["message"]
        requested = _schedule_time(args.get("schedule_time"))
        now = self.now
        scheduled = requested is not None and requested > now
        send_at = min(requested, _LAST_SEND) if requested is not None and scheduled else now
        parts = sms.segments(text)
        credits = parts.count * len(recipients)
        balance = self._balance_of(account, sender_id)
        if credits > balance:
            short = f"Insufficient balance: {credits} credits needed, {whole(balance)} available"
            raise field_error(Kind.INSUFFICIENT_BALANCE, short, "sender_id")
        self._accounts[account].balances[sender_id] = balance - credits
        campaign_id = self.env.ids.label("CMP") if campaign else None
        extra = {
            "type": args.get("type", "plain"),
            "dlt_template_id": args.get("dlt_template_id"),
            "schedule_time": stamp(requested),
        }
        messages: list[Message] = []
        for recipient in recipients:
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
                campaign=campaign_id,
                operation=operation,
                extra=dict(extra),
            )
            self._sms[message.id] = message
            messages.append(self.env.outbox.add(message))
        return SendResult(messages, parts, credits, balance - credits, scheduled, campaign_id)

    def get_sms(self, account: str, args: dict[str, Any]) -> Ok:
        """One message of the account, its status as of now."""
        message = self._sms.get(args["uid"])
        if message is None or message.account != account:
            raise field_error(Kind.NOT_FOUND, f"SMS {args['uid']} not found", "uid")
        return Ok(data=sms_payload(message, self.now), message="SMS retrieved")

    def list_sms(self, account: str, args: dict[str, Any]) -> Ok:
        """Every message of the account, newest first (Frappe's ``creation desc``)."""
        now = self.now
        found = [sms_payload(m, now) for m in reversed(self._sms.values()) if m.account == account]
        return Ok(data=found, message=f"{plural(len(found), 'SMS', 'SMS')} found")

    def get_balance(self, account: str, args: dict[str, Any]) -> Ok:
        """The credit balance of one sender ID."""
        balance = self._balance_of(account, args["sender_id"])
        # running_balance: what the platform sends beside data (docs/platforms.md, QuickFlow: running balance).
        data = {"sender_id": args["sender_id"], "balance": balance}
        return Answer(data=data, message="Balance retrieved", beside={"running_balance": balance})

    # -- contacts -------------------------------------------------------------

    def create_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Add a contact (its phone stored as ``254XXXXXXXXX``) to a group."""
        group = self._group(account, args["sender_id"], args["group_id"])
        phone = _phone(args["phone"], "phone")
        contact = self._new_contact(group, phone, args.get("first_name"), args.get("last_name"))
        return Ok(data=contact_payload(contact), message="Contact created")

    def get_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """One contact of a group."""
        contact = self._contact(self._group(account, args["sender_id"], args["group_id"]), args["uid"])
        return Ok(data=contact_payload(contact), message="Contact retrieved")

    def update_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Change the fields given (phone, first_name, last_name) of a contact."""
        contact = self._contact(self._group(account, args["sender_id"], args["group_id"]), args["uid"])
        changes: dict[str, Any] = {name: args[name] for name in ("first_name", "last_name") if name in args}
        if "phone" in args:
            changes["phone"] = _phone(args["phone"], "phone")
        for name, value in changes.items():
            setattr(contact, name, value)
        contact.modified_at = self.now
        return Ok(data=contact_payload(contact), message="Contact updated")

    def delete_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Remove a contact from its group."""
        group = self._group(account, args["sender_id"], args["group_id"])
        contact = self._contact(group, args["uid"])
        del group.contacts[contact.uid]
        return Ok(data={"uid": contact.uid}, message="Contact deleted")

    def list_contacts(self, account: str, args: dict[str, Any]) -> Ok:
        """The contacts of a group, newest first (Frappe's ``creation desc``)."""
        group = self._group(account, args["sender_id"], args["group_id"])
        found = [contact_payload(contact) for contact in reversed(group.contacts.values())]
        return Ok(data=found, message=f"{plural(len(found), 'contact')} found")

    # -- groups ---------------------------------------------------------------

    def create_group(self, account: str, args: dict[str, Any]) -> Ok:
        """A new, empty group of the sender ID."""
        self._balance_of(account, args["sender_id"])
        group = self._new_group(account, args["sender_id"], args["name"])
        return Ok(data=group_payload(group), message="Contact group created")

    def get_group(self, account: str, args: dict[str, Any]) -> Ok:
        """One group of the sender ID."""
        group = self._group(account, args["sender_id"], args["group_id"])
        return Ok(data=group_payload(group), message="Contact group retrieved")

    def update_group(self, account: str, args: dict[str, Any]) -> Ok:
        """Rename a group."""
        group = self._group(account, args["sender_id"], args["group_id"])
        group.name, group.modified_at = args["name"], self.now
        return Ok(data=group_payload(group), message="Contact group updated")

    def delete_group(self, account: str, args: dict[str, Any]) -> Ok:
        """Delete a group that has no contacts left."""
        group = self._group(account, args["sender_id"], args["group_id"])
        if group.contacts:
            # Frappe refuses to delete a record that others link to (frappe.exceptions.LinkExistsError).
            first = next(iter(group.contacts))
            message = f"Cannot delete or cancel because Contact Group {group.group_id} is linked with Contact {first}"
            raise field_error(Kind.CONFLICT, message, "group_id")
        del self._groups[group.group_id]
        return Ok(data={"group_id": group.group_id}, message="Contact group deleted")

    def list_groups(self, account: str, args: dict[str, Any]) -> Ok:
        """The groups of a sender ID, newest first (Frappe's ``creation desc``)."""
        self._balance_of(account, args["sender_id"])
        found = [
            group_payload(g)
            for g in reversed(self._groups.values())
            if g.account == account and g.sender_id == args["sender_id"]
        ]
        return Ok(data=found, message=f"{plural(len(found), 'contact group')} found")


# -- arguments ---------------------------------------------------------------


def _key_pair(scheme: str, token: str) -> tuple[str, str]:
    """(api_key, api_secret) of ``token key:secret`` or ``Basic base64(key:secret)``, or AUTH_INVALID.

    As ``frappe.auth.validate_auth_via_api_keys`` reads them (docs/platforms.md, QuickFlow: token and Basic
    authorization): the scheme in any case; a Basic token decoded by ``base64.b64decode`` as Frappe calls it
    (characters outside the alphabet dropped), whose failure is 400 InvalidAuthorizationToken; then
    ``split(":")`` unpacked into exactly two names. Everything else is an AuthenticationError.
    """
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(token)
        except binascii.Error:
            raise ProviderError(Kind.AUTH_INVALID, TOKEN_NOT_BASE64, detail={"exc_type": INVALID_TOKEN}) from None
        try:
            token = decoded.decode("utf-8")
        except UnicodeDecodeError:  # frappe.safe_decode hands the bytes on, and bytes.split(":") fails
            raise _malformed() from None
    elif scheme.lower() != "token":
        raise _malformed()
    parts = token.split(":")
    if len(parts) != 2:
        raise _malformed()
    return parts[0], parts[1]


def _malformed() -> ProviderError:
    return ProviderError(Kind.AUTH_INVALID, "Malformed Authorization header")


def _schedule_time(raw: str | None) -> datetime | None:
    """A ``YYYY-MM-DD HH:MM:SS`` schedule time, or None when none was given."""
    if not raw:
        return None
    try:
        # Frappe reads a datetime without an offset in the system time zone: UTC in the mock.
        return datetime.strptime(raw, DATETIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise field_error(Kind.VALIDATION, f"Invalid schedule time: {raw}", "schedule_time") from None


def _phone(raw: str, field_name: str) -> str:
    """A Kenyan mobile as ``254XXXXXXXXX`` (docs/platforms.md, SMS and DLT facts: phone numbers), or VALIDATION."""
    phone = sms.kenya_mobile(raw)
    if phone is None:
        raise field_error(Kind.VALIDATION, f"Invalid phone number: {raw}", field_name)
    return phone


def _recipients(raw: str) -> tuple[list[str], int]:
    """The distinct normalised numbers of a comma-separated list, and how many repeats were dropped."""
    given = [part.strip() for part in raw.split(",") if part.strip()]
    if not given:
        raise field_error(Kind.VALIDATION, "Missing required argument: recipient", "recipient")
    normalised = [sms.kenya_mobile(number) for number in given]
    invalid = [number for number, found in zip(given, normalised) if found is None]
    if invalid:
        message = f"Invalid phone number{'s' if len(invalid) > 1 else ''}: {', '.join(invalid)}"
        raise ProviderError(
            Kind.VALIDATION, message, fields={"recipient": [f"Invalid phone number: {n}" for n in invalid]}
        )
    numbers = list(dict.fromkeys(normalised))
    return numbers, len(given) - len(numbers)  # type: ignore[return-value]
