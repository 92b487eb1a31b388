"""smsmock's pytest plugin: fixtures that mock the three SMS providers."""
from __future__ import annotations

__all__: list[str] = []
