"""JSON bodies as smsmock sends them: one encoder, reused (``json.dumps`` builds one per call)."""
from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps"]

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def dumps(body: Any) -> bytes:
    """A JSON body as sent on the wire."""
    return _ENCODER.encode(body).encode("utf-8")
