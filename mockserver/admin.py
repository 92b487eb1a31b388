"""The outbox page at ``/__smsmock/`` and the JSON API under it: state, reset, outbox, waits, journal, faults."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from flask import Blueprint, Response, current_app, redirect, request, send_from_directory, url_for

from . import admin_input as check
from .admin_input import MAX_ADMIN_BODY, AdminError
from .edge import PARK
from .engine import Mock
from .extension import feed_for, get_mock, guard_for
from .feed import Feed, NoCode, code_in
from .journal import redacted
from .overrides import Fault
from .wire import dumps

__all__ = ["blueprint"]

UI = Path(__file__).with_name("ui")
MAX_WAIT = 60.0  # seconds a long poll may wait
# Seconds an events poll gathers changes before it answers: under load every request is a change, and a page
# (or any client asking again as soon as it is answered) would otherwise ask thousands of times a second.
GATHER = 0.5
JOURNAL_PAGE = 1000  # entries of one journal answer at most (the page asks for fewer)
# The page runs its own script only, from this origin, and nobody may frame it (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

blueprint = Blueprint("smsmock_admin", __name__, static_folder=UI, static_url_path="/ui")


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
    found = {name: request.args.get(name) or None for name in ("provider", "recipient", "text")}
    for name, value in found.items():
        if value is not None and len(value) > 200:  # an answer that names the filter never repeats a payload
            raise AdminError(f"{name}: at most 200 characters")
    return {**found, "since": _integer("since")}


def _payload() -> dict[str, Any]:
    """The request's JSON (or, by its Content-Type, YAML) body as a mapping (empty: {}); size and nesting bounded."""
    length = request.content_length
    if length is not None and length > MAX_ADMIN_BODY:
        raise AdminError(f"body: larger than {MAX_ADMIN_BODY} bytes", 413)
    raw = request.stream.read(MAX_ADMIN_BODY + 1)
    return check.parse_body(raw, request.mimetype)


@blueprint.before_request
def _guard() -> None:
    """Host, Origin, Sec-Fetch-Site, Content-Type and the admin token, before anything is read."""
    guard_for(current_app).check(request.method, request.path, request.headers, request.scheme)


@blueprint.after_request
def _secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    response.headers["Vary"] = "Origin, Sec-Fetch-Site"
    return response


@blueprint.errorhandler(AdminError)
def _admin_error(error: AdminError) -> Response:
    return _json({"error": str(error)}, error.status)


@blueprint.errorhandler(ValueError)
def _value_error(error: ValueError) -> Response:
    return _json({"error": check.short(error)}, 400)


def _seed_error(error: Exception) -> AdminError:
    """A seed a provider could not read (its state is unchanged: seeds load into scratch first)."""
    return AdminError(f"seed: {check.short(error)}")


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
                "GET /__smsmock/api/journal?since=N&limit=&provider=&operation=&outcome=":
                    "the requests answered, a page at a time (next: the since of the rest)",
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
                "POST /__smsmock/api/login": '{"code": ...}: the one-time code of the login link, for the admin token',
            },
        }
    )


@blueprint.get("/api/state")
def state() -> Response:
    """Every provider's state and the clock, credentials masked."""
    return _json(redacted(_mock().snapshot()))


@blueprint.post("/api/login")
def login() -> Response:
    """Exchange the one-time code of the login link printed at start for the admin token."""
    return _json({"token": guard_for(current_app).redeem(_payload().get("code"))})


@blueprint.post("/api/reset")
def reset() -> Response:
    """Back to the seed; a body replaces the seed first."""
    payload = _payload()
    mock = _mock()
    try:
        mock.reset(payload or None)
    except (TypeError, KeyError, AttributeError, IndexError) as exc:
        raise _seed_error(exc) from None
    _feed().changed(reset=True)
    return _json({"reset": True, "state": redacted(mock.snapshot())})


@blueprint.post("/api/seed")
def seed() -> Response:
    """Add accounts and records to the current state."""
    mock = _mock()
    try:
        mock.load(_payload())
    except (TypeError, KeyError, AttributeError, IndexError) as exc:
        raise _seed_error(exc) from None
    _feed().changed()
    return _json({"loaded": True, "state": redacted(mock.snapshot())})


@blueprint.get("/api/journal")
def journal() -> Response:
    """The request journal, oldest first, filtered; at most ``limit`` entries (``next``: the ``since`` of the rest)."""
    mock = _mock()
    since = _integer("since") or 0
    limit = min(_integer("limit") or JOURNAL_PAGE, JOURNAL_PAGE)
    filters = {key: request.args[key] for key in ("provider", "operation", "outcome") if key in request.args}
    if filters:
        entries = [e for e in mock.journal.entries(since) if all(getattr(e, k) == v for k, v in filters.items())]
    else:
        entries = mock.journal.page(since, limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    return _json(
        {
            "total": mock.journal.total,
            "entries": [e.to_json() for e in entries],
            "next": entries[-1].seq if more and entries else None,
        }
    )


@blueprint.get("/api/journal/<int:seq>")
def journal_entry(seq: int) -> Response:
    """One journal entry: the request as it came and the answer as it went."""
    found = next(iter(_mock().journal.page(seq - 1, 1)), None)
    found = found if found is not None and found.seq == seq else None
    if found is None:
        raise AdminError(f"no journal entry {seq}: the journal keeps only the latest requests, and a reset clears it", 404)
    return _json(found.to_json())


@blueprint.get("/api/outbox")
def outbox() -> Response:
    """Messages sent, newest first, filtered; ``limit`` caps the list, ``total`` counts every match."""
    feed = _feed()
    found = feed.search(**_filters())
    limit = _integer("limit")
    shown = found if limit is None else found[:limit]
    return _json({"total": len(found), "messages": redacted(feed.messages(shown))})


def _long_poll(
    timeout: float,
    watch: Callable[[], tuple[Callable[[], bool] | None, str]],
    look: Callable[[bool], Response | None],
    again: Callable[[], float | None] = lambda: None,
) -> Response:
    """``look(expired)``'s answer once it has one, or ``look(True)``'s after ``timeout`` seconds.

    Under ``smsmock serve`` (an event loop) a wait holds no thread: with nothing to answer yet the endpoint
    leaves its terms in the request's :class:`~smsmock.edge.Park`: ``watch()``'s quick test and when to run
    it, and ``again()``, seconds after which to look again anyway (None: never). Under a threaded server it
    blocks on the feed. ``watch`` is taken before the look, so that nothing that comes between is missed.
    """
    feed = _feed()
    park = request.environ.get(PARK)
    if park is not None:
        ready, on = watch()
        answer = look(park.expired or timeout == 0)
        if answer is None:
            park.parked, park.ready, park.on, park.timeout, park.recheck = True, ready, on, timeout, again()
            return Response(status=204)  # not sent: the server parks the request and asks again
        return answer
    deadline = time.monotonic() + timeout
    while True:
        seen = feed.version
        answer = look(time.monotonic() >= deadline)
        if answer is not None:
            return answer
        feed.wait_for_change(seen, min(deadline - time.monotonic(), again() or MAX_WAIT))


@blueprint.get("/api/outbox/wait")
def wait() -> Response:
    """The newest message matching the filters, waiting up to ``timeout`` seconds for one (408 if none came)."""
    timeout, filters, feed = _number("timeout", 5.0), _filters(), _feed()

    def look(expired: bool) -> Response | None:
        found = feed.find(**filters)
        if found is not None:
            return _json(redacted(found))
        if expired or feed.closed:
            miss = feed.miss(filters["provider"], filters["recipient"], filters["text"], timeout)
            raise AdminError(miss, 408 if timeout else 404)
        return None

    return _long_poll(timeout, lambda: (feed.watch(**filters), "message"), look)


@blueprint.get("/api/code")
def code() -> Response:
    """The one-time code in the newest message to ``recipient``, waiting up to ``timeout`` seconds for one."""
    filters = _filters()
    if not filters["recipient"]:
        raise AdminError("recipient is required: the number the code was sent to")
    timeout, feed = _number("timeout", 0.0), _feed()
    del filters["text"]

    def look(expired: bool) -> Response | None:
        found = feed.find(**filters)
        if found is None:
            if expired or feed.closed:
                miss = feed.miss(filters["provider"], filters["recipient"], None, timeout)
                raise AdminError(miss, 408 if timeout else 404)
            return None
        try:
            value, message = code_in(found, filters["recipient"])
        except NoCode as missing:
            raise AdminError(str(missing), 404) from None
        return _json({"code": value, "message": redacted(message)})

    return _long_poll(timeout, lambda: (feed.watch(**filters), "message"), look)


@blueprint.get("/api/events")
def events() -> Response:
    """A long poll: answers when anything changed since ``version`` (or after ``timeout`` seconds).

    Changes are gathered for GATHER seconds from the first: one answer tells of them all.
    """
    feed, mock = _feed(), _mock()
    version = _integer("version")
    asked = -1 if version is None else version
    timeout = _number("timeout", 20.0)

    def look(expired: bool) -> Response | None:
        feed.current()  # counts a reset made without the admin API
        if not expired and not feed.closed:
            age = feed.changed_since(asked)
            if age is None or age < GATHER:  # nothing yet, or changes still being gathered
                return None
        with mock.env.lock:
            clock = mock.env.clock.snapshot()
            outbox_size = len(mock.env.outbox)
        return _json(
            {"version": feed.version, "epoch": feed.epoch, "journal": mock.journal.total, "outbox": outbox_size, "clock": clock}
        )

    def again() -> float | None:
        age = feed.changed_since(asked)
        return None if age is None else max(0.0, GATHER - age)

    def watch() -> tuple[Callable[[], bool] | None, str]:
        if feed.changed_since(asked) is None:  # the first change is worth a look (it starts the gathering)
            return (lambda: feed.version != asked), "change"
        return None, "change"  # changes are being gathered: ``again`` says when to look

    return _long_poll(timeout, watch, look, again)


@blueprint.get("/api/outbox/<message_id>")
def message(message_id: str) -> Response:
    """One message by id."""
    mock = _mock()
    with mock.env.lock:
        found = mock.env.outbox.get(message_id)
        if found is None:
            raise AdminError(f"no message {message_id[:100]!r}", 404)
        return _json(redacted(found.to_json(mock.env.clock.now())))


@blueprint.post("/api/clock")
def clock() -> Response:
    """Move the clock forward by ``advance`` seconds."""
    payload = _payload()
    mock = _mock()
    seconds = check.number(payload, "advance", 0, 1e15)  # then bounded by the years the clock may reach
    with mock.env.lock:
        check.latest_clock(mock.env.clock.now(), seconds)
        mock.env.clock.advance(seconds)
    _feed().changed()
    return _json(mock.env.clock.snapshot())


@blueprint.post("/api/deliver")
def deliver() -> Response:
    """Settle (deliver, or fail for failing numbers) every pending message now, or those named."""
    payload = _payload()
    mock = _mock()
    ids = payload.get("ids")
    if ids is not None and not (isinstance(ids, list) and len(ids) <= 10_000 and all(isinstance(i, str) for i in ids)):
        raise AdminError("ids: must be a list of at most 10,000 message ids")
    with mock.env.lock:
        count = mock.env.outbox.settle(mock.env.clock.now(), None if ids is None else set(ids))
    _feed().changed()
    return _json({"settled": count})


@blueprint.route("/api/faults", methods=["GET", "POST", "DELETE"])
def faults() -> Response:
    """List, add or clear injected faults."""
    mock = _mock()
    if request.method == "POST":
        fault = _fault(_payload(), mock)
        if len(mock.faults) >= check.MAX_FAULTS:
            raise AdminError(f"faults: at most {check.MAX_FAULTS} at once (DELETE clears them)", 409)
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
    _only(payload, {"provider", "limit", "window"})
    provider = check.text(payload, "provider", mock.providers, nullable=False)
    assert provider is not None
    limit = check.integer(payload, "limit", 0, check.MAX_LIMIT, nullable=True)
    window = check.integer(payload, "window", 1, check.MAX_WINDOW, mock.providers[provider].limiter.rule.window)
    mock.set_limit(provider, limit, window)
    return _json({"provider": provider, "limit": limit, "window": window})



def _only(payload: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(str(k)[:50] for k in set(payload) - known)
    if unknown:
        raise AdminError(f"{unknown[0]}: unknown field (known: {', '.join(sorted(known))})")


def _fault(payload: dict[str, Any], mock: Mock) -> Fault:
    """A fault from an admin body, every field checked by its type and range."""
    _only(payload, set(Fault.__dataclass_fields__))
    provider = check.text(payload, "provider", mock.providers)
    operation = check.text(payload, "operation")
    status = check.integer(payload, "status", 100, 599, nullable=True)
    example = check.text(payload, "example")
    times = check.integer(payload, "times", 1, 1_000_000, 1, nullable=True)
    latency = check.number(payload, "latency", 0, check.MAX_LATENCY)
    drop = check.boolean(payload, "drop")
    answer_headers = check.headers(payload)
    body = payload.get("body")
    if body is not None and status is None:
        raise AdminError("body: a fault's body needs its status")
    return Fault(provider, operation, status, example, times, latency, drop, body, answer_headers)
