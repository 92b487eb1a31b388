"""OpenAPI files on disk: where the bundled specs are, parsing them once (and caching the parse), JSON pointers."""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "HTTP_METHODS",
    "MISSING",
    "PROVIDERS",
    "SpecError",
    "bundled_spec_paths",
    "cached_document",
    "documented_operations_path",
    "pointer_join",
    "read_document",
    "resolve_pointer",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PROVIDERS = ("quickflow", "quickcom", "smsflow")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: six times faster


class SpecError(Exception):
    """A document that cannot be loaded or whose references do not resolve."""


def _spec_dir() -> Path:
    """The bundled specs: inside the installed package, or at the top of a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "specs", here.parent / "specs"):
        if (candidate / "quickflow.yaml").is_file():
            return candidate
    raise SpecError(f"bundled specs not found next to {here}")


def bundled_spec_paths() -> dict[str, Path]:
    """Paths of the three bundled specs, keyed by provider name."""
    directory = _spec_dir()
    return {name: directory / f"{name}.yaml" for name in PROVIDERS}


def documented_operations_path() -> Path:
    """The list of operations the provider documents give, by provider."""
    return _spec_dir() / "documented-operations.yaml"


def pointer_join(pointer: str, *parts: str | int) -> str:
    """Extend a JSON pointer (``#/a/b``) with escaped segments."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/".join([pointer, *escaped])


MISSING = object()


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The node at a local JSON pointer (``#/components/schemas/X``), or ``MISSING``."""
    if not pointer.startswith("#"):
        return MISSING
    node = document
    for raw in pointer[1:].split("/")[1:]:
        segment = raw.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(segment)] if isinstance(node, list) else node[segment]
        except (KeyError, IndexError, ValueError, TypeError):
            return MISSING
    return node


def read_document(path: str | Path) -> Any:
    """Parse one OpenAPI file (YAML or JSON) without interpreting it."""
    path = Path(path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from exc


def cached_document(path: Path) -> Any:
    """A bundled spec's document, kept parsed in the user's cache as .pyc files keep code.

    Building Python objects from YAML is most of a start-up's own time (about 0.1 s for the three specs,
    libyaml included); reading them back with marshal takes a few milliseconds. The key is the file's
    path, size and modification time and the Python version, so an edited spec is parsed afresh. When
    the cache cannot be read or written, the YAML is parsed as usual.
    """
    stat = path.stat()
    identity = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{sys.version_info[:2]}|{marshal.version}"
    folder = Path(os.environ.get("SMSMOCK_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smsmock")
    cached = folder / f"{path.stem}-{hashlib.sha256(identity.encode()).hexdigest()[:24]}.marshal"
    try:
        return marshal.loads(cached.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    document = read_document(path)
    try:
        data = marshal.dumps(document)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"{path.stem}-*.marshal"):
            stale.unlink(missing_ok=True)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, cached)  # atomic: a concurrent start reads the old file or the whole new one
    except (OSError, ValueError):  # not writable, or a value marshal cannot hold: parse each time
        pass
    return document
