"""QuickFlow's seed section read into records: failing numbers, accounts, their groups and contacts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection

from ... import sms
from .. import seed as read
from ..seed import Place, Wording
from .records import Account

__all__ = ["QuickFlowSeed", "SeedAccount", "SeedContact", "SeedGroup", "read_section"]

WORDING = Wording("quickflow")  # the reader's own words: "quickflow.accounts[0].api_key: expected ..."
_BALANCES = "a non-empty mapping of sender ID -> credit balance"


@dataclass(frozen=True)
class SeedContact:
    """A contact of a seeded group, its phone as ``254XXXXXXXXX``."""

    phone: str
    first_name: str | None
    last_name: str | None


@dataclass(frozen=True)
class SeedGroup:
    """A seeded contact group of one of the account's sender IDs."""

    name: str
    sender_id: str
    contacts: list[SeedContact]


@dataclass(frozen=True)
class SeedAccount:
    """One account of a seed, checked, before any id is issued."""

    account: Account
    groups: list[SeedGroup]


@dataclass(frozen=True)
class QuickFlowSeed:
    """A checked ``quickflow`` section."""

    failing_numbers: set[str]
    accounts: list[SeedAccount]


def read_section(raw: Any, existing: Collection[str]) -> QuickFlowSeed:
    """The section checked (``existing``: api keys already loaded), or SeedError naming the bad value."""
    at = Place.section(WORDING)
    section = read.mapping(raw, at, {"failing_numbers", "accounts"})
    numbers = read.items(section.get("failing_numbers"), at.key("failing_numbers"))
    failing = {_phone(number, place) for place, number in numbers}
    accounts = [_account(account, place) for place, account in read.items(section.get("accounts"), at.key("accounts"))]
    keys = [entry.account.api_key for entry in accounts] + list(existing)
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise at.key("accounts").fail(f"api_key {duplicates} given more than once")
    return QuickFlowSeed(failing, accounts)


def _account(raw: Any, at: Place) -> SeedAccount:
    required = {"api_key", "api_secret", "sender_ids"}
    fields = read.mapping(raw, at, required | {"groups"}, required)
    account = Account(
        api_key=read.text(fields["api_key"], at.key("api_key")),
        api_secret=read.text(fields["api_secret"], at.key("api_secret")),
        balances=_balances(fields["sender_ids"], at.key("sender_ids")),
    )
    groups = [_group(group, place, account) for place, group in read.items(fields.get("groups"), at.key("groups"))]
    return SeedAccount(account, groups)


def _balances(raw: Any, at: Place) -> dict[str, float]:
    balances = read.mapping(raw, at, expected=_BALANCES)
    if not balances:
        raise at.wrong(_BALANCES, "{}")
    found = {}
    for sender_id, balance in balances.items():
        read.text(sender_id, at.key(repr(sender_id)))
        found[sender_id] = read.number(balance, at.key(sender_id), minimum=0, expected="a balance >= 0")
    return found


def _group(raw: Any, at: Place, account: Account) -> SeedGroup:
    fields = read.mapping(raw, at, {"name", "sender_id", "contacts"}, {"name", "sender_id"})
    sender_id = read.text(fields["sender_id"], at.key("sender_id"))
    read.one_of(sender_id, at.key("sender_id"), sorted(account.balances))
    contacts = [_contact(contact, place) for place, contact in read.items(fields.get("contacts"), at.key("contacts"))]
    return SeedGroup(read.text(fields["name"], at.key("name")), sender_id, contacts)


def _contact(raw: Any, at: Place) -> SeedContact:
    fields = read.mapping(raw, at, {"phone", "first_name", "last_name"}, {"phone"})
    return SeedContact(
        _phone(fields["phone"], at.key("phone")),
        read.optional_text(fields.get("first_name"), at.key("first_name")),
        read.optional_text(fields.get("last_name"), at.key("last_name")),
    )


def _phone(raw: Any, at: Place) -> str:
    phone = sms.kenya_mobile(raw) if isinstance(raw, str) else None
    if phone is None:
        raise at.fail(f"{raw!r} is not a Kenyan mobile number (254/+254/07/01 forms)")
    return phone
