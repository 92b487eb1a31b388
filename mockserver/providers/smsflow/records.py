"""SMSFlow's records: API keys with their contacts, and what a contact may hold (plain state)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CONTINENTS", "KEY_MAX", "NAME_MAX", "VALUE_MAX", "Account", "Contact"]

# Country code -> continent code, for every code of the spec's CountryCode enum (data, not code).
CONTINENTS: dict[str, str] = yaml.load(  # libyaml when present: part of every start-up
    Path(__file__).with_name("continents.yaml").read_text(encoding="utf-8"),
    Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
)

# AltumCode cuts a contact's name at 256 characters, custom parameter keys at 64 and values at 512
# (docs/platforms.md, SMSFlow: input cleaning).
NAME_MAX, KEY_MAX, VALUE_MAX = 256, 64, 512


@dataclass
class Contact:
    """One contact, as the platform stores it (times as `YYYY-MM-DD HH:MM:SS`, UTC)."""

    id: int
    user_id: int
    phone_number: str
    datetime: str
    name: str | None = None
    custom_parameters: dict[str, Any] = field(default_factory=dict)
    continent_code: str | None = None
    country_code: str | None = None
    has_opted_out: bool = False
    total_sent_sms: int = 0
    total_pending_sms: int = 0
    total_failed_sms: int = 0
    total_received_sms: int = 0
    last_sent_datetime: str | None = None
    last_received_datetime: str | None = None
    last_datetime: str | None = None


@dataclass
class Account:
    """One API key: its user and that user's contacts by id."""

    api_key: str
    user_id: int
    contacts: dict[int, Contact] = field(default_factory=dict)
