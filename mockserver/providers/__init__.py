"""Provider behaviours, one module per provider, chosen by a spec's ``info.x-smsmock-provider``."""
from __future__ import annotations

import importlib

from .base import Ok, Provider, RateLimit, Reply

__all__ = ["Ok", "Provider", "RateLimit", "Reply", "provider_class"]

_CLASSES = {
    "quickflow": ("quickflow", "QuickFlowProvider"),
    "quickcom": ("quickcom", "QuickComProvider"),
    "smsflow": ("smsflow", "SMSFlowProvider"),
}


def provider_class(name: str | None) -> type[Provider]:
    """The behaviour for a provider name; specs without one are served from their examples."""
    if name not in _CLASSES:
        from .examples import ExampleProvider

        return ExampleProvider
    module, attribute = _CLASSES[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
