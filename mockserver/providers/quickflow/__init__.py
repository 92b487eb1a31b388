"""QuickFlow, a Frappe application's SMS, contact and contact-group methods (``/api/method/quickflow.*``)."""
from __future__ import annotations

from .handlers import QuickFlowProvider

__all__ = ["QuickFlowProvider"]
