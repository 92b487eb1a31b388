"""Provider behaviours, one package per provider, chosen by a spec's ``info.x-smsmock-provider``."""
from __future__ import annotations

import importlib

from .base import Ok, Provider, RateLimit, Reply, Window
from .examples import ExampleProvider

__all__ = ["Ok", "Provider", "RateLimit", "Reply", "Window", "provider_class"]

# Provider name -> (its package, its Provider class), imported when first asked for.
_CLASSES = {
    "quickflow": ("quickflow", "QuickFlowProvider"),
    "quickcom": ("quickcom", "QuickComProvider"),
    "smsflow": ("smsflow", "SMSFlowProvider"),
}


def provider_class(name: str | None) -> type[Provider]:
    """The behaviour for a provider name; specs without one are served from their examples."""
    if name not in _CLASSES:
        return ExampleProvider
    module, attribute = _CLASSES[name]
    found: type[Provider] = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    return found
