"""QuickFlow's records: accounts with sender-ID balances, contact groups, contacts, campaigns (plain state)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from typing import Any

from ... import sms
from ...state import Message
from ..base import Ok

__all__ = ["Account", "Answer", "Campaign", "Contact", "SendResult", "Group"]


@dataclass
class Answer(Ok):
    """A handler's result with fields the platform sends beside ``status``, ``message`` and ``data``."""

    beside: dict[str, Any] = field(default_factory=dict)


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


@dataclass
class Campaign:
    """One Send Campaign request: the group it went to and the messages it made."""

    campaign_id: str
    account: str
    sender_id: str
    group_id: str
    uids: list[str]
    created_at: datetime


@dataclass(frozen=True)
class SendResult:
    """What one send created: the messages, their segments and the balance left."""

    messages: list[Message]
    segments: sms.Segments
    credits: int
    balance: float
    scheduled: bool
    campaign_id: str | None = None
