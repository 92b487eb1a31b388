"""Realistic values from the mock's state: its seeded snapshot, the first account's credentials, held ids, sensible fields."""
from __future__ import annotations

import base64
import functools
import json
import re
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

from hypothesis import assume
from hypothesis import strategies as st

from ..seeds import default_seed
from ..engine import Mock
from .schemas import CHARS
from .shapes import Shape, field_values, shape_of
from .texts import phone_numbers, sms_texts, template_variables

__all__ = ["Picker", "credentials_for", "first_account", "make_sensible", "state_reader"]

_Placed = tuple[dict[str, str], dict[str, str]]  # (query, headers)


@functools.lru_cache(maxsize=8)
def _seeded(seed_json: str) -> Mock:
    """A mock holding a seed (by its JSON), made once per seed."""
    return Mock(seed=json.loads(seed_json))


def state_reader(state: Mock | Mapping[str, Any] | None) -> Callable[[str], dict[str, Any]]:
    """A function giving a provider's state snapshot: read live from a Mock, or once from a seed."""
    if isinstance(state, Mock):
        def live(provider: str) -> dict[str, Any]:
            with state.env.lock:
                return state.providers[provider].snapshot()

        return live
    seed = default_seed() if state is None else dict(state)
    mock = _seeded(json.dumps(seed, sort_keys=True, default=str))
    return functools.lru_cache(maxsize=None)(lambda provider: mock.providers[provider].snapshot())


def first_account(snapshot: dict[str, Any], provider: str) -> dict[str, Any]:
    """The first account of a provider's state snapshot: the one requests carry the credentials of."""
    accounts = snapshot.get("accounts") or []
    if not accounts:
        raise ValueError(f"the state holds no {provider} account to send credentials for")
    return accounts[0]


# How each security scheme's value is made from an account (the spec's securitySchemes say where it goes).
_SCHEME_VALUES: dict[str, Callable[[dict[str, Any]], st.SearchStrategy[str]]] = {
    "tokenAuth": lambda a: st.sampled_from(["token", "Token"]).map(lambda t: f"{t} {a['api_key']}:{a['api_secret']}"),
    "basicAuth": lambda a: st.just("Basic " + base64.b64encode(f"{a['api_key']}:{a['api_secret']}".encode()).decode()),
    "appKey": lambda a: st.just(a["app_key"]),
    "appSecret": lambda a: st.just(a["app_secret"]),
    "keySecretHeader": lambda a: st.just(f"{a['app_key']}-{a['app_secret']}"),
    # AltumCode reads /Bearer\s(\S+)/: the scheme as written, one space (docs/platforms.md, SMSFlow: Bearer keys).
    "bearerAuth": lambda a: st.just(f"Bearer {a['api_key']}"),
}


def credentials_for(shape: Shape, account: dict[str, Any]) -> st.SearchStrategy[_Placed]:
    """(query, headers) carrying the account's credentials in one of the operation's accepted forms."""
    values = tuple(sorted((k, v) for k, v in account.items() if isinstance(v, (str, int)) and not isinstance(v, bool)))
    return _credential_forms(shape.provider, shape.op.operation_id, values)


@functools.lru_cache(maxsize=256)
def _credential_forms(provider: str, operation: str, values: tuple[tuple[str, Any], ...]) -> st.SearchStrategy[_Placed]:
    """Each security requirement of the operation as (query, headers), from an account's values (hashable: cached)."""
    shape = shape_of(provider, operation)
    account = dict(values)
    schemes = shape.spec.security_schemes

    def placed(name: str, value: str) -> _Placed:
        scheme = schemes[name]
        if scheme.get("type") == "apiKey" and scheme.get("in") == "query":
            return {scheme["name"]: value}, {}
        return {}, {scheme.get("name", "Authorization") if scheme.get("type") == "apiKey" else "Authorization": value}

    def joined(parts: tuple[_Placed, ...]) -> _Placed:
        return {k: v for q, _ in parts for k, v in q.items()}, {k: v for _, h in parts for k, v in h.items()}

    forms = [
        st.tuples(*[_SCHEME_VALUES[name](account).map(functools.partial(placed, name)) for name in requirement]).map(joined)
        for requirement in shape.op.security
    ]
    return st.one_of(forms) if forms else st.just(({}, {}))


# -- sensible values, per provider: what reaches the state is what a real client sends ----------------------


class Picker:
    """Draws a field's value from what the state holds, or an unknown one; remembers the unknown fields."""

    def __init__(self, draw: st.DrawFn, existing: bool | None) -> None:
        self.draw = draw
        self.existing = existing
        self.unknown: list[str] = []

    def pick(self, name: str, held: Iterable[Any], fresh: st.SearchStrategy[Any]) -> Any:
        """One of ``held`` (as ``existing`` says), or a value of ``fresh`` that none of them is."""
        held = list(held)
        use_held = self.existing if self.existing is not None else self.draw(_MOSTLY) < 9
        if use_held and held:
            return held[self.draw(st.integers(0, len(held) - 1))]
        self.unknown.append(name)
        value = self.draw(fresh)
        if value in held and isinstance(value, int):
            value = max(held) + value  # past every id the state holds
        assume(value not in held)
        return value


_MOSTLY = st.integers(0, 9)  # below 9: nine times in ten, and shrinking towards it


def _now_and_then(usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` four times in five, ``other`` (what the spec allows beyond it) the fifth."""
    return st.integers(0, 4).flatmap(lambda i: usual if i else other)


# Any text the spec allows, now and then: SMSFlow stores any non-blank phone number as given.
_SMSFLOW_NUMBERS = st.deferred(
    lambda: _now_and_then(
        st.one_of(phone_numbers("smsflow"), phone_numbers("smsflow", valid=False)),
        st.text(CHARS, min_size=1, max_size=20).filter(str.strip),
    )
)
# Custom parameter pairs, sometimes past what SMSFlow keeps (keys 64, values 512: it cuts them) or blank (skipped).
_CUSTOM_PAIRS = st.lists(
    st.tuples(
        st.one_of(st.text(CHARS, min_size=1, max_size=16), st.text(CHARS, min_size=60, max_size=80), st.just("  ")),
        st.one_of(st.text(CHARS, max_size=24), st.text(CHARS, min_size=505, max_size=520)),
    ),
    max_size=3,
)
_ANY_TEXT = st.deferred(sms_texts)
_CLOCK_SPAN = (datetime(2025, 6, 1), datetime(2026, 6, 30))  # around the mock's default start (2026-01-15)
# Mostly near the clock (past: sent now; future: scheduled); one time in five anywhere from year 1 to 9999,
# which the pattern allows too. isoformat, not strftime: %Y does not pad years below 1000 on Linux.
_EDGE_TIMES = st.sampled_from([datetime.min, datetime(999, 12, 31, 23, 59, 59), datetime.max.replace(microsecond=0)])
_LOCAL_TIMES = _now_and_then(st.datetimes(*_CLOCK_SPAN), st.one_of(_EDGE_TIMES, st.datetimes())).map(
    lambda d: d.isoformat(sep=" ", timespec="seconds")
)


@functools.lru_cache(maxsize=None)
def _number_list(provider: str) -> st.SearchStrategy[str]:
    """A comma-separated list of valid numbers; for QuickCom sometimes with an invalid one, which it counts."""
    valid = st.lists(phone_numbers(provider), min_size=1, max_size=3)
    invalid = st.lists(phone_numbers(provider, valid=False), max_size=1) if provider == "quickcom" else st.just([])
    numbers = st.tuples(valid, invalid).flatmap(lambda both: st.permutations(both[0] + both[1]))
    return st.tuples(numbers, st.sampled_from([",", ", ", " , "])).map(lambda parts: parts[1].join(parts[0]))


def _sensible_quickflow(draw: st.DrawFn, shape: Shape, parts: dict[str, dict[str, Any]], state: dict[str, Any], picker: Picker) -> None:
    args = parts["body"] if shape.op.body else parts["query"]
    account = first_account(state, "quickflow")
    groups = account.get("groups") or []

    def fresh(name: str) -> st.SearchStrategy[Any]:
        return field_values("quickflow", shape.op.operation_id, name)

    sender = args.get("sender_id")
    if "sender_id" in args:
        sender = args["sender_id"] = picker.pick("sender_id", account["sender_ids"], fresh("sender_id"))
    group = None
    for name in ("group_id", "contact_list_id"):
        if name in args:
            mine = [g for g in groups if g["sender_id"] == sender]
            group_id = args[name] = picker.pick(name, [g["group_id"] for g in mine], fresh(name))
            group = next((g for g in mine if g["group_id"] == group_id), None)
    if "uid" in args:
        if "group_id" in args:  # a contact of the group
            held = [c["uid"] for c in (group or {}).get("contacts") or []]
        else:  # an SMS of the account
            held = [m["uid"] for m in state.get("messages") or [] if m.get("account") == account["api_key"]]
        args["uid"] = picker.pick("uid", held, fresh("uid"))
    if "recipient" in args:
        args["recipient"] = draw(_number_list("quickflow"))
    if "phone" in args:
        args["phone"] = draw(phone_numbers("quickflow"))
    if "message" in args:
        args["message"] = draw(_now_and_then(_ANY_TEXT, fresh("message")))
    if "schedule_time" in args:
        args["schedule_time"] = draw(_LOCAL_TIMES)


def _sensible_quickcom(draw: st.DrawFn, shape: Shape, parts: dict[str, dict[str, Any]], state: dict[str, Any], picker: Picker) -> None:
    query = parts["query"]
    if "dlt_template_id" in query:
        templates = {t["dlt_template_id"]: t for t in first_account(state, "quickcom").get("templates") or [] if t.get("status") == 1}
        fresh = field_values("quickcom", shape.op.operation_id, "dlt_template_id")
        chosen = query["dlt_template_id"] = picker.pick("dlt_template_id", templates, fresh)
        if chosen in templates:
            for name in [n for n in query if re.fullmatch(r"v[1-9][0-9]*", n)]:
                del query[name]
            query.update(draw(template_variables(templates[chosen])))
    if "mobile_numbers" in query:
        query["mobile_numbers"] = draw(_number_list("quickcom"))
    if "schedule_date" in query:
        query["schedule_date"] = draw(_LOCAL_TIMES)
    if "country_code" in query and draw(st.booleans()):
        query["country_code"] = draw(st.sampled_from(["91", "+91"]))


def _sensible_smsflow(draw: st.DrawFn, shape: Shape, parts: dict[str, dict[str, Any]], state: dict[str, Any], picker: Picker) -> None:
    if "contact_id" in parts["path"]:
        contacts = [c["id"] for c in first_account(state, "smsflow").get("contacts") or []]
        fresh = field_values("smsflow", shape.op.operation_id, "contact_id")
        parts["path"]["contact_id"] = picker.pick("contact_id", contacts, fresh)
    body = parts.get("body")
    if body is None:
        return
    if "phone_number" in body:
        body["phone_number"] = draw(_SMSFLOW_NUMBERS)
    if any(name.startswith("custom_parameter_") for name in body):
        for name in [n for n in body if n.startswith("custom_parameter_")]:
            del body[name]
        for index, (key, value) in enumerate(draw(_CUSTOM_PAIRS)):
            body[f"custom_parameter_key[{index}]"] = key
            body[f"custom_parameter_value[{index}]"] = value


_SENSIBLE: dict[str, Callable[[st.DrawFn, Shape, dict[str, dict[str, Any]], dict[str, Any], Picker], None]] = {
    "quickflow": _sensible_quickflow,
    "quickcom": _sensible_quickcom,
    "smsflow": _sensible_smsflow,
}


def make_sensible(draw: st.DrawFn, shape: Shape, parts: dict[str, dict[str, Any]], state: dict[str, Any], picker: Picker) -> None:
    """Make a request's drawn values (per location, in place) what a real client of the provider sends."""
    _SENSIBLE[shape.provider](draw, shape, parts, state, picker)

