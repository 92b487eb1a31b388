"""``smsmock serve --state FILE``: the mock's whole state written to a file and read back at the next start.

The file holds accounts, records, the outbox, the journal, faults, limits, ids and the clock. It is written
atomically (a temporary file beside it, then a rename), so a crash mid-write leaves the last good copy; it
starts with a marker line and a checksum, so that a file of anything else, or a damaged one, is refused
with a message saying so, and is never overwritten. It is read with an unpickler that builds only the
types the state is made of (smsmock's own records, dates, containers): a file cannot run code.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from . import __version__
from .engine import Mock

__all__ = ["MAGIC", "StateError", "load_state", "save_state", "snapshot_state"]

MAGIC = b"smsmock state\n"
_STATE_TYPES = (dict, set, list, type(None), int, float, bool)  # a provider's attributes that are state, not set-up
_BUILTINS = {"set", "frozenset", "dict", "list", "tuple", "bytearray", "int", "float", "str", "bytes", "bool", "complex"}
_MODULES = {"datetime", "collections", "random"}
_RECORDS = {"smsmock.state", "smsmock.journal", "smsmock.incoming", "smsmock.overrides", "smsmock.errors"}


class StateError(Exception):
    """A state file that cannot be used: not smsmock's, damaged, or written for other specs or another version."""


class _Unpickler(pickle.Unpickler):
    """Builds smsmock's records, dates and containers only."""

    def find_class(self, module: str, name: str) -> Any:
        ours = module in _RECORDS or (module.startswith("smsmock.providers.") and module.endswith(".records"))
        allowed = (
            (module == "builtins" and name in _BUILTINS)
            or (module in _MODULES and not name.startswith("_"))
            or (ours and not name.startswith("_"))
        )
        found = super().find_class(module, name) if allowed else None
        if not isinstance(found, type):  # records and containers only: no function is ever called
            raise StateError(f"it names {module}.{name}, which no smsmock state holds")
        return found


def _provider_state(provider: Any) -> dict[str, Any]:
    """What a provider holds that requests change (its set-up from the spec is built again at start)."""
    return {k: v for k, v in vars(provider).items() if k not in ("spec", "env") and isinstance(v, _STATE_TYPES)}


def snapshot_state(mock: Mock) -> bytes:
    """The mock's whole state as the bytes of a state file (taken under the state lock: one consistent moment)."""
    env = mock.env
    with env.lock:
        for entry in mock.journal.entries():
            entry._json = entry._raw = None  # views are rebuilt when read
        state = {
            "providers": {name: _provider_state(p) for name, p in mock.providers.items()},
            "windows": {name: (p.limiter.rule, p.limiter._windows) for name, p in mock.providers.items()},
            "clock": (env.clock.frozen, env.clock._base, env.clock._offset),
            "ids": (env.ids._random, env.ids._counters),
            "outbox": (env.outbox._messages, env.outbox.dropped),
            "limits": env.limits,
            "journal": (list(mock.journal.entries()), mock.journal.total),
            "faults": mock.faults,
            "seed": mock.seed,
        }
        payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    header = {
        "version": __version__,
        "providers": sorted(mock.providers),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    return MAGIC + json.dumps(header).encode() + b"\n" + payload


def save_state(mock: Mock, path: Path) -> None:
    """Write the state file atomically: a temporary file in the same folder, flushed, then renamed over it."""
    data = snapshot_state(mock)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or Path("."))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(path: Path, mock: Mock) -> dict[str, Any]:
    raw = path.read_bytes()
    if not raw.startswith(MAGIC):
        raise StateError("it is not an smsmock state file (no smsmock marker at its start)")
    header_line, _, payload = raw[len(MAGIC):].partition(b"\n")
    try:
        header = json.loads(header_line)
        version, providers, digest = header["version"], header["providers"], header["sha256"]
    except (ValueError, KeyError, TypeError):
        raise StateError("its header is damaged") from None
    if hashlib.sha256(payload).hexdigest() != digest:
        raise StateError("it is damaged (its checksum does not match: a partial or altered copy)")
    if version != __version__:
        raise StateError(f"smsmock {version} wrote it; this is smsmock {__version__}, whose state differs")
    if providers != sorted(mock.providers):
        raise StateError(f"it holds providers {', '.join(providers)}; this server serves {', '.join(sorted(mock.providers))}")
    try:
        state = _Unpickler(io.BytesIO(payload)).load()
    except StateError:
        raise
    except Exception as exc:  # a payload that passed the checksum but not the unpickler: not ours
        raise StateError(f"it cannot be read ({type(exc).__name__})") from None
    if not isinstance(state, dict) or set(state) != {
        "providers", "windows", "clock", "ids", "outbox", "limits", "journal", "faults", "seed",
    }:
        raise StateError("it does not hold an smsmock state")
    return state


def load_state(mock: Mock, path: Path) -> bool:
    """Put a state file's state into the mock; False when there is no file yet; StateError when it is unusable."""
    if not path.exists():
        return False
    try:
        state = _read(path, mock)
    except OSError as exc:
        raise StateError(f"it cannot be read: {exc.strerror}") from None
    env = mock.env
    with env.lock:
        for name, saved in state["providers"].items():
            vars(mock.providers[name]).update(saved)
        for name, (rule, windows) in state["windows"].items():
            limiter = mock.providers[name].limiter
            limiter.rule, limiter._windows = rule, windows
        frozen, base, offset = state["clock"]
        if frozen == env.clock.frozen:  # a following clock keeps its offset from the wall clock
            env.clock._base, env.clock._offset = base, offset
        env.ids._random, env.ids._counters = state["ids"]
        env.outbox._messages, env.outbox.dropped = state["outbox"]
        env.limits = state["limits"]
        entries, total = state["journal"]
        mock.journal.clear()
        for entry in entries:
            mock.journal._entries.append(entry)
        mock.journal._count = total
        mock.faults[:] = state["faults"]
        mock.seed = state["seed"]
    return True
