"""QuickCom (ok-go.in/api/v1): accounts, DLT templates and campaigns behind a Laravel application's envelopes."""
from __future__ import annotations

from .handlers import QuickComProvider

__all__ = ["QuickComProvider"]
