"""SMSFlow (an AltumCode-style product API): contacts per account behind a Bearer key."""
from __future__ import annotations

from .handlers import SMSFlowProvider

__all__ = ["SMSFlowProvider"]
