"""The control and inspection API under ``/__smsmock/``: reset, seed, state, journal, outbox, clock, faults."""
from __future__ import annotations

from typing import Any

import yaml
from flask import Blueprint, Response, request

from .engine import Fault, dumps

__all__ = ["blueprint"]

blueprint = Blueprint("smsmock_admin", __name__)


class AdminError(Exception):
    """A bad admin request: answered 400 (or the given status) with a JSON reason."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _mock():
    from .app import get_mock

    return get_mock()


def _json(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status=status, mimetype="application/json")


def _payload() -> dict[str, Any]:
    """The request's JSON or YAML body (empty: {})."""
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        data = yaml.safe_load(raw.decode("utf-8"))  # YAML is a superset of JSON
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AdminError(f"body is neither JSON nor YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise AdminError("body must be a JSON object")
    return data


@blueprint.errorhandler(AdminError)
def _admin_error(error: AdminError) -> Response:
    return _json({"error": str(error)}, error.status)


@blueprint.errorhandler(ValueError)
def _value_error(error: ValueError) -> Response:
    return _json({"error": str(error)}, 400)


@blueprint.get("/")
@blueprint.get("/api")
def index() -> Response:
    """What this API offers."""
    mock = _mock()
    return _json(
        {
            "providers": {name: p.spec.base_path + "/" for name, p in mock.providers.items()},
            "endpoints": {
                "GET /__smsmock/api/state": "every provider's state and the clock",
                "POST /__smsmock/api/reset": "back to the seed (body: a new seed to use from now on)",
                "POST /__smsmock/api/seed": "add a seed's accounts and records to the state",
                "GET /__smsmock/api/journal?since=N&provider=&operation=&outcome=": "the requests answered",
                "GET /__smsmock/api/outbox?provider=&recipient=&text=": "the messages sent",
                "GET /__smsmock/api/outbox/<id>": "one message",
                "POST /__smsmock/api/clock": '{"advance": seconds}',
                "POST /__smsmock/api/deliver": '{"ids": [...]} or {} for all: settle messages now',
                "GET|POST|DELETE /__smsmock/api/faults": "injected answers, latency and dropped connections",
                "POST /__smsmock/api/limits": '{"provider": ..., "limit": N or null, "window": seconds}',
            },
        }
    )


@blueprint.get("/api/state")
def state() -> Response:
    """Every provider's state and the clock."""
    return _json(_mock().snapshot())


@blueprint.post("/api/reset")
def reset() -> Response:
    """Back to the seed; a body replaces the seed first."""
    payload = _payload()
    mock = _mock()
    mock.reset(payload or None)
    return _json({"reset": True, "state": mock.snapshot()})


@blueprint.post("/api/seed")
def seed() -> Response:
    """Add accounts and records to the current state."""
    mock = _mock()
    mock.load(_payload())
    return _json({"loaded": True, "state": mock.snapshot()})


@blueprint.get("/api/journal")
def journal() -> Response:
    """The request journal, oldest first, filtered."""
    mock = _mock()
    try:
        since = int(request.args.get("since", "0"))
    except ValueError as exc:
        raise AdminError("since must be an integer") from exc
    filters = {key: request.args[key] for key in ("provider", "operation", "outcome") if key in request.args}
    entries = [e for e in mock.journal.entries(since) if all(e.get(k) == v for k, v in filters.items())]
    return _json({"total": mock.journal.total, "entries": entries})


@blueprint.get("/api/outbox")
def outbox() -> Response:
    """Messages sent, newest first, filtered by provider, recipient digits or text."""
    mock = _mock()
    with mock.env.lock:
        now = mock.env.clock.now()
        found = mock.env.outbox.search(request.args.get("provider"), request.args.get("recipient"), request.args.get("text"))
        messages = [m.to_json(now) for m in reversed(found)]
    return _json({"total": len(messages), "messages": messages})


@blueprint.get("/api/outbox/<message_id>")
def message(message_id: str) -> Response:
    """One message by id."""
    mock = _mock()
    with mock.env.lock:
        found = mock.env.outbox.get(message_id)
        if found is None:
            raise AdminError(f"no message {message_id!r}", 404)
        return _json(found.to_json(mock.env.clock.now()))


@blueprint.post("/api/clock")
def clock() -> Response:
    """Move the clock forward by ``advance`` seconds."""
    payload = _payload()
    mock = _mock()
    try:
        seconds = float(payload.get("advance", 0))
        with mock.env.lock:
            mock.env.clock.advance(seconds)
    except (TypeError, ValueError) as exc:
        raise AdminError(f"advance must be a non-negative number of seconds: {exc}") from exc
    return _json(mock.env.clock.snapshot())


@blueprint.post("/api/deliver")
def deliver() -> Response:
    """Settle (deliver, or fail for failing numbers) every pending message now, or those named."""
    payload = _payload()
    mock = _mock()
    ids = payload.get("ids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise AdminError("ids must be a list of message ids")
    with mock.env.lock:
        count = mock.env.outbox.settle(mock.env.clock.now(), ids)
    return _json({"settled": count})


@blueprint.route("/api/faults", methods=["GET", "POST", "DELETE"])
def faults() -> Response:
    """List, add or clear injected faults."""
    mock = _mock()
    if request.method == "POST":
        payload = _payload()
        allowed = set(Fault.__dataclass_fields__)
        unknown = set(payload) - allowed
        if unknown:
            raise AdminError(f"unknown fault fields {sorted(unknown)} (known: {sorted(allowed)})")
        try:
            fault = Fault(**payload)
            if fault.status is not None:
                fault.status = int(fault.status)
            fault.latency = float(fault.latency)
        except (TypeError, ValueError) as exc:
            raise AdminError(f"bad fault: {exc}") from exc
        mock.add_fault(fault)
        return _json(fault.to_json(), 201)
    if request.method == "DELETE":
        with mock.env.lock:
            mock.faults.clear()
    return _json({"faults": [f.to_json() for f in mock.faults]})


@blueprint.post("/api/limits")
def limits() -> Response:
    """Set a provider's rate limit."""
    payload = _payload()
    mock = _mock()
    provider = payload.get("provider")
    if provider not in mock.providers:
        raise AdminError(f"unknown provider {provider!r} (known: {sorted(mock.providers)})")
    limit = payload.get("limit")
    window = payload.get("window", mock.providers[provider].limiter.rule.window)
    if (limit is not None and (not isinstance(limit, int) or limit < 0)) or not isinstance(window, int) or window < 1:
        raise AdminError("limit must be a non-negative integer or null, window a positive integer")
    mock.set_limit(provider, limit, window)
    return _json({"provider": provider, "limit": limit, "window": window})

