"""QuickCom's records: accounts with a profile and two balances, sender IDs, DLT templates, campaigns (plain state)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ...state import Message

__all__ = ["APPROVED", "PLACEHOLDER", "SETTLED", "Account", "Campaign", "Profile", "Template"]

APPROVED = 1  # a template's status once DLT approved it
PLACEHOLDER = "{#var#}"  # DLT's variable in a template (docs/platforms.md, SMS and DLT facts: templates)
SETTLED = ("delivered", "failed")


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

    def missing(self, variables: dict[str, str]) -> list[str]:
        """The variables (v1, v2, ...) a fill lacks, in order; an empty value is missing."""
        count = self.dlt_message_template.count(PLACEHOLDER)
        return [f"v{i}" for i in range(1, count + 1) if not variables.get(f"v{i}")]

    def fill(self, variables: dict[str, str]) -> str:
        """The text with each ``{#var#}`` replaced by v1, v2, ... in order (none missing)."""
        parts = self.dlt_message_template.split(PLACEHOLDER)
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
