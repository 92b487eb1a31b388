"""smsmock's mock server: spec-driven Flask app for the QuickFlow, QuickCom and SMSFlow APIs."""
from __future__ import annotations

from .spec import Spec, SpecError, bundled_spec_paths, load_bundled, load_spec

__all__ = ["Spec", "SpecError", "bundled_spec_paths", "load_bundled", "load_spec"]
__version__ = "0.1.0"
