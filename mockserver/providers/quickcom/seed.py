"""QuickCom's seed section read into records: failing numbers and accounts with profiles and DLT templates."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Collection

from ... import sms
from .. import seed as read
from ..seed import Place, Wording
from .records import APPROVED, Account, Profile, Template

__all__ = ["QuickComSeed", "read_section"]

WORDING = Wording(
    "quickcom seed:",
    wrong="{at} must be {expected}, got {got}",
    unknown="{at} has unknown keys {unknown}; allowed: {allowed}",
    missing="{at} lacks {missing}",
    other="{at} {problem}",
)
_ACCOUNT_KEYS = {
    "app_key", "app_secret", "profile", "transaction_balance", "promotional_balance", "active",
    "sender_ids", "templates",
}
_TEMPLATE_KEYS = {f.name for f in fields(Template)}
_PROFILE_KEYS = {f.name for f in fields(Profile)}
_DLT_ID = re.compile(r"^[0-9]{19}$")  # entity, header and template ids: the document's are 19 digits
_CREDIT = re.compile(r"^[0-9]+\.[0-9]{4}$")
_EMAIL = re.compile("@")


@dataclass(frozen=True)
class QuickComSeed:
    """A checked ``quickcom`` section: numbers whose delivery fails (E.164 digits) and accounts by app_key."""

    failing_numbers: set[str]
    accounts: dict[str, Account]


def read_section(raw: Any, existing: Collection[str]) -> QuickComSeed:
    """The section checked (``existing``: app keys already loaded), or SeedError naming the bad value."""
    at = Place.section(WORDING)
    section = read.mapping(raw, at, {"accounts", "failing_numbers"}, optional=True)
    failing = set()
    for place, item in read.items(section.get("failing_numbers"), at.key("failing_numbers")):
        number = read.text(item, place, numbers=True)
        national = sms.india_mobile(number)
        failing.add(f"91{national}" if national else number.removeprefix("+"))
    accounts: dict[str, Account] = {}
    for place, item in read.items(section.get("accounts"), at.key("accounts")):
        account = _account(item, place)
        if account.app_key in existing or account.app_key in accounts:
            raise place.key("app_key").fail(f"{account.app_key!r} is used twice")
        accounts[account.app_key] = account
    return QuickComSeed(failing, accounts)


def _account(raw: Any, at: Place) -> Account:
    data = read.mapping(raw, at, _ACCOUNT_KEYS)
    sender_ids = [read.text(s, place, numbers=True) for place, s in read.items(data.get("sender_ids"), at.key("sender_ids"))]
    account = Account(
        app_key=read.text(data.get("app_key"), at.key("app_key"), numbers=True),
        app_secret=read.text(data.get("app_secret"), at.key("app_secret"), numbers=True),
        profile=_profile(data.get("profile"), at.key("profile")),
        transaction_balance=read.integer(data.get("transaction_balance", 0), at.key("transaction_balance"), minimum=0),
        promotional_balance=read.integer(data.get("promotional_balance", 0), at.key("promotional_balance"), minimum=0),
        active=read.flag(data.get("active", True), at.key("active")),
        sender_ids=sender_ids,
    )
    for place, item in read.items(data.get("templates"), at.key("templates")):
        template = _template(item, place, sender_ids)
        if template.dlt_template_id in account.templates:
            raise at.fail(f"has dlt_template_id {template.dlt_template_id} twice")
        account.templates[template.dlt_template_id] = template
    return account


def _profile(raw: Any, at: Place) -> Profile:
    profile = Profile()
    for key, value in read.mapping(raw, at, _PROFILE_KEYS, optional=True).items():
        here = at.key(key)
        if key == "whatsapp_credit":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = f"{value:.4f}"
            value = read.text(value, here, expected="a credit written like '0.0000'", pattern=_CREDIT)
        elif key == "is_enabled_api_ip_security":
            value = read.integer(value, here, minimum=0, maximum=1, expected="0 or 1")
        elif isinstance(getattr(profile, key), int):
            value = read.integer(value, here)
        elif key == "email":
            value = read.text(value, here, expected="an email address", pattern=_EMAIL, numbers=True)
        else:
            value = read.text(value, here, numbers=True)
        setattr(profile, key, value)
    return profile


def _template(raw: Any, at: Place, sender_ids: list[str]) -> Template:
    data = read.mapping(raw, at, _TEMPLATE_KEYS, _TEMPLATE_KEYS - {"is_for_unicode", "status"})
    sender = read.text(data["sender_id"], at.key("sender_id"), numbers=True)
    read.one_of(sender, at.key("sender_id"), sender_ids, among="the account's ")
    text = read.text(data["dlt_message_template"], at.key("dlt_message_template"), numbers=True)
    unicode_flag = data.get("is_for_unicode", 0 if sms.segments(text).encoding == "GSM-7" else 1)
    return Template(
        template_name=read.text(data["template_name"], at.key("template_name"), numbers=True),
        sender_id=sender,
        entity_id=_dlt_id(data["entity_id"], at.key("entity_id")),
        dlt_header_id=_dlt_id(data["dlt_header_id"], at.key("dlt_header_id")),
        is_for_unicode=read.integer(unicode_flag, at.key("is_for_unicode"), minimum=0, maximum=1, expected="0 or 1"),
        dlt_message_template=text,
        dlt_template_id=_dlt_id(data["dlt_template_id"], at.key("dlt_template_id")),
        status=read.integer(data.get("status", APPROVED), at.key("status")),
    )


def _dlt_id(raw: Any, at: Place) -> str:
    # Quoted: YAML reads 19 bare digits as an integer, and a longer one would lose its last digits as a float.
    return read.text(raw, at, expected="a quoted string of 19 digits", pattern=_DLT_ID)
