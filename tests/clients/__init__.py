"""The four clients of the transport matrix, behind one call, and each provider's scenario for them."""
from __future__ import annotations
