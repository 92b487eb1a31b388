"""Seed files: a YAML mapping of provider name to its section, and the bundled default seed."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["DEFAULT_SEED", "default_seed", "load_seed"]

DEFAULT_SEED = Path(__file__).with_name("seed.yaml")


def load_seed(path: str | Path) -> dict[str, Any]:
    """A seed file (YAML): provider name -> section."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a seed file is a mapping of provider name to its section")
    return data


def default_seed() -> dict[str, Any]:
    """The bundled default seed (the documents' demo credentials)."""
    return load_seed(DEFAULT_SEED)
