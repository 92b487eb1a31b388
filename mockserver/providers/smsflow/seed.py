"""SMSFlow's seed section read into records: API keys, their users and contacts (all or nothing)."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...timestamps import DATETIME_FORMAT, UTC, datetime_text
from .. import seed as read
from ..seed import Place, Wording
from .records import KEY_MAX, VALUE_MAX, Account, Contact

__all__ = ["SeedAccount", "read_section"]

WORDING = Wording(
    "smsflow seed:",
    index="[{}]:",  # "smsflow seed: accounts[0]: api_key must be ..."
    wrong="{at} must be {expected}, got {got}",
    unknown="{at} unknown key(s) {unknown} (allowed: {allowed})",
    other="{at} {problem}",
    keys=", ".join,
)
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
_ACCOUNT_KEYS = {"api_key", "user_id", "contacts"}
_NO_SPACE = re.compile(r"\A\S+\Z")
_NOT_BLANK = re.compile(r"\S")
# What a seed may set of a contact: id, user_id and the codes are the mock's (the codes derive from the number).
_CONTACT_KEYS = {f.name for f in dataclasses.fields(Contact)} - {"id", "user_id", "continent_code", "country_code"}
_COUNTS = ("total_sent_sms", "total_pending_sms", "total_failed_sms", "total_received_sms")
_TIMES = ("datetime", "last_sent_datetime", "last_received_datetime", "last_datetime")


@dataclass(frozen=True)
class SeedAccount:
    """One account of a seed, checked: its key, its user and the Contact fields each contact sets."""

    api_key: str
    user_id: int
    contacts: list[dict[str, Any]]


def read_section(raw: Any, existing: dict[str, Account]) -> list[SeedAccount]:
    """The section's accounts checked against each other and ``existing``, or SeedError naming the bad value."""
    at = Place.section(WORDING)
    section = read.mapping(raw, at, {"accounts"}, expected="a mapping with an `accounts` list", optional=True)
    keys = set(existing)
    users = {account.user_id for account in existing.values()}
    found = []
    for place, item in read.items(section.get("accounts"), at.key("accounts", shown="`accounts`")):
        fields = read.mapping(item, place, _ACCOUNT_KEYS, expected="a mapping (api_key, user_id, contacts)")
        api_key = read.text(
            fields.get("api_key"), place.key("api_key"), expected="a non-empty string without spaces", pattern=_NO_SPACE
        )
        user_id = read.integer(fields.get("user_id"), place.key("user_id"), minimum=1, expected="an integer of at least 1")
        if api_key in keys or user_id in users:
            raise place.fail(f"api_key {api_key!r} or user_id {user_id} is already used")
        keys.add(api_key)
        users.add(user_id)
        contacts = [_contact(contact, here) for here, contact in read.items(fields.get("contacts"), place.key("contacts"))]
        found.append(SeedAccount(api_key, user_id, contacts))
    return found


def _contact(raw: Any, at: Place) -> dict[str, Any]:
    """The Contact fields one seed contact sets."""
    fields = dict(read.mapping(raw, at, _CONTACT_KEYS, expected="a mapping with at least phone_number"))
    read.text(
        fields.get("phone_number"),
        at.key("phone_number"),
        expected="a non-empty string (quote it: YAML reads +39… as a number)",
        pattern=_NOT_BLANK,
    )
    read.optional_text(fields.get("name"), at.key("name"))
    fields["custom_parameters"] = _custom(fields.get("custom_parameters") or {}, at)
    read.flag(fields.get("has_opted_out", False), at.key("has_opted_out"))
    for name in _COUNTS:
        read.integer(fields.get(name, 0), at.key(name), minimum=0)
    for name in _TIMES:
        if fields.get(name) is not None:
            fields[name] = _datetime(fields[name], at.key(name))
    if fields.get("datetime") is None:
        fields.pop("datetime", None)  # the mock's clock sets it
    return fields


def _custom(raw: Any, at: Place) -> dict[str, Any]:
    parameters = read.mapping(raw, at.key("custom_parameters"), expected="a mapping of name to value")
    for key, value in parameters.items():
        if not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX:
            raise at.fail(f"custom parameter names must be non-blank strings of at most {KEY_MAX}")
        if not (isinstance(value, str) and len(value) <= VALUE_MAX or type(value) in (int, float)):
            raise at.fail(f"custom parameter {key!r} must be a number or a string of at most {VALUE_MAX}")
    return dict(parameters)


def _datetime(raw: Any, at: Place) -> str:
    if isinstance(raw, datetime):  # YAML reads an unquoted `2026-02-28 23:07:07` as a datetime
        return datetime_text(raw if raw.tzinfo else raw.replace(tzinfo=UTC))
    value = read.text(raw, at, expected="`YYYY-MM-DD HH:MM:SS`", pattern=_DATETIME)
    try:
        datetime.strptime(value, DATETIME_FORMAT)
    except ValueError as exc:
        raise at.fail(f"is not a date: {exc}") from None
    return value
