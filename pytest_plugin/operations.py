"""The operationIds of the bundled specs as ``Literal`` types, so that a type checker catches a misspelt one.

The specs are the source of truth: ``tests/test_handle_types.py`` holds these lists equal to their operationIds.
"""
from __future__ import annotations

from typing import Literal

__all__ = ["QuickComOperation", "QuickFlowOperation", "SMSFlowOperation"]

QuickFlowOperation = Literal[
    "send_sms",
    "send_campaign",
    "get_sms",
    "list_sms",
    "get_balance",
    "create_contact",
    "get_contact",
    "update_contact",
    "delete_contact",
    "list_contacts",
    "create_group",
    "get_group",
    "update_group",
    "delete_group",
    "list_groups",
]
QuickComOperation = Literal[
    "get_account_status", "check_balance", "list_sender_ids", "list_templates", "send_message", "list_campaigns"
]
SMSFlowOperation = Literal["list_contacts", "create_contact", "get_contact", "update_contact", "delete_contact"]
