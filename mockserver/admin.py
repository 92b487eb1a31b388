"""The outbox page at ``/__smsmock/`` and the JSON API under it: state, reset, outbox, waits, journal, faults."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, redirect, request, send_from_directory, url_for

from .engine import Mock
from .extension import feed_for, get_mock
from .feed import Feed, NoCode, NoMessage
from .overrides import Fault
from .wire import dumps

__all__ = ["blueprint"]

UI = Path(__file__).with_name("ui")
MAX_WAIT = 60.0  # seconds a long poll may hold a server thread

blueprint = Blueprint("smsmock_admin", __name__, static_folder=UI, static_url_path="/ui")


class AdminError(Exception):
    """A bad admin request: answered 400 (or the given status) with a JSON reason."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _mock() -> Mock:
    return get_mock(current_app)


def _feed() -> Feed:
    return feed_for(current_app)


def _json(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status=status, mimetype="application/json", headers={"Cache-Control": "no-store"})


def _number(name: str, default: float, high: float = MAX_WAIT) -> float:
    """A query argument in seconds, from 0 to ``high``."""
    raw = request.args.get(name, "")
    try:
        value = float(raw) if raw.strip() else default
    except ValueError as exc:
        raise AdminError(f"{name} must be a number of seconds") from exc
    if not 0 <= value <= high:
        raise AdminError(f"{name} must be between 0 and {high:g} seconds")
    return value


def _integer(name: str) -> int | None:
    """An optional non-negative integer query argument."""
    raw = request.args.get(name, "")
    if not raw.strip():
        return None
    if not raw.strip().isdigit():
        raise AdminError(f"{name} must be a non-negative integer")
    return int(raw)


def _filters() -> dict[str, Any]:
    """The outbox filters of the query: provider, recipient (any form of the number), text, since (journal seq)."""
    return {
        "provider": request.args.get("provider") or None,
        "recipient": request.args.get("recipient") or None,
        "text": request.args.get("text") or None,
        "since": _integer("since"),
    }


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


@blueprint.get("")
def page_without_slash() -> Response:
    """The page's relative links need the trailing slash."""
    return redirect(url_for(".page"))  # type: ignore[return-value]


@blueprint.get("/")
def page() -> Response:
    """The outbox page: every message sent and the request journal, live."""
    response = send_from_directory(UI, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/api")
def index() -> Response:
    """What this API offers."""
    mock = _mock()
    return _json(
        {
            "providers": {name: p.spec.base_path + "/" for name, p in mock.providers.items()},
            "endpoints": {
                "GET /__smsmock/": "the outbox page",
                "GET /__smsmock/api/state": "every provider's state and the clock",
                "POST /__smsmock/api/reset": "back to the seed (body: a new seed to use from now on)",
                "POST /__smsmock/api/seed": "add a seed's accounts and records to the state",
                "GET /__smsmock/api/journal?since=N&provider=&operation=&outcome=": "the requests answered",
                "GET /__smsmock/api/journal/<seq>": "one request and its answer",
                "GET /__smsmock/api/outbox?provider=&recipient=&text=&since=&limit=": "the messages sent, newest first",
                "GET /__smsmock/api/outbox/wait?provider=&recipient=&text=&since=&timeout=5":
                    "the newest matching message, waiting for one (408 when none came)",
                "GET /__smsmock/api/outbox/<id>": "one message",
                "GET /__smsmock/api/code?recipient=&provider=&since=&timeout=0":
                    "the one-time code in the newest message to a number",
                "GET /__smsmock/api/events?version=N&timeout=20": "wait until anything changes (a long poll)",
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
    _feed().changed(reset=True)
    return _json({"reset": True, "state": mock.snapshot()})


@blueprint.post("/api/seed")
def seed() -> Response:
    """Add accounts and records to the current state."""
    mock = _mock()
    mock.load(_payload())
    _feed().changed()
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
    return _json({"total": mock.journal.total, "entries": [e.to_json() for e in entries]})


@blueprint.get("/api/journal/<int:seq>")
def journal_entry(seq: int) -> Response:
    """One journal entry: the request as it came and the answer as it went."""
    found = next((e for e in _mock().journal.entries(seq - 1) if e.seq == seq), None)
    if found is None:
        raise AdminError(f"no journal entry {seq}: the journal keeps only the latest requests, and a reset clears it", 404)
    return _json(found.to_json())


@blueprint.get("/api/outbox")
def outbox() -> Response:
    """Messages sent, newest first, filtered; ``limit`` caps the list, ``total`` counts every match."""
    feed = _feed()
    found = feed.search(**_filters())
    limit = _integer("limit")
    return _json({"total": len(found), "messages": feed.messages(found if limit is None else found[:limit])})


@blueprint.get("/api/outbox/wait")
def wait() -> Response:
    """The newest message matching the filters, waiting up to ``timeout`` seconds for one (408 if none came)."""
    timeout = _number("timeout", 5.0)
    try:
        return _json(_feed().wait(timeout=timeout, **_filters()))
    except NoMessage as miss:
        raise AdminError(str(miss), 408 if timeout else 404) from None


@blueprint.get("/api/code")
def code() -> Response:
    """The one-time code in the newest message to ``recipient``, waiting up to ``timeout`` seconds for one."""
    filters = _filters()
    if not filters["recipient"]:
        raise AdminError("recipient is required: the number the code was sent to")
    timeout = _number("timeout", 0.0)
    try:
        found, message = _feed().latest_code(
            filters["recipient"], filters["provider"], timeout, since=filters["since"]
        )
    except NoMessage as miss:
        raise AdminError(str(miss), 408 if timeout else 404) from None
    except NoCode as missing:
        raise AdminError(str(missing), 404) from None
    return _json({"code": found, "message": message})


@blueprint.get("/api/events")
def events() -> Response:
    """A long poll: answers when anything changed since ``version`` (or after ``timeout`` seconds)."""
    feed, mock = _feed(), _mock()
    version = _integer("version")
    now = feed.wait_for_change(-1 if version is None else version, _number("timeout", 20.0))
    with mock.env.lock:
        clock = mock.env.clock.snapshot()
        outbox_size = len(mock.env.outbox)
    return _json(
        {"version": now, "epoch": feed.epoch, "journal": mock.journal.total, "outbox": outbox_size, "clock": clock}
    )


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
    _feed().changed()
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
    _feed().changed()
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

