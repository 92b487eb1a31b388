"""Hypothesis strategies built from the specs: valid and invalid requests, answers, numbers and SMS texts.

Everything is read from ``specs/*.yaml``: an operation's parameters are merged per location into one
object schema (schemathesis' idea), its body schema is taken per documented media type, and values are
generated from those schemas (the JSON Schema subset the specs use, references inlined) and then made
sensible where the state is involved: ids, sender IDs and templates the mock holds, phone numbers the
provider accepts, texts around the SMS segment boundaries. Every value survives the wire: strings hold
no NUL or surrogate, and form, query and path values are sent as strings.

    import requests
    from hypothesis import given
    from smsmock.strategies import arguments

    @given(arguments("quickflow", "send_sms"))
    def test_send(request):
        response = request.send(requests.Session())  # the documented URL (the smsmock fixture catches it)
"""
from __future__ import annotations

import base64
import copy
import functools
import json
import re
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote

import phonenumbers
from hypothesis import assume
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from .. import sms
from ..app import default_seed
from ..engine import Mock
from ..spec import Operation, Spec, SpecError, load_bundled, pointer_join
from ..validation import FORM_TYPES, JSON_TYPES, coerce

__all__ = [
    "Answer",
    "InvalidRequest",
    "Request",
    "answers",
    "arguments",
    "invalid_arguments",
    "phone_numbers",
    "schema_values",
    "sms_texts",
    "template_variables",
]

# Characters a string may hold on every transport: no NUL, no lone surrogate (utf-8 cannot carry one).
_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
_TEXT_MAX = 24  # free text is kept short: realistic, and fast to send
_INT_SPAN = 2**31  # integers stay within what a 32-bit column holds unless the schema says otherwise
_PLACEHOLDER = "{#var#}"
_LOCATIONS = ("path", "query", "header")


# ---------------------------------------------------------------------------------------------------------
# What the strategies give
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A request ready to send: method, path (parameters filled), query, headers and a body with its media type."""

    provider: str
    operation: str
    method: str
    path: str  # relative to the provider's base URL, as the spec writes it
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    media_type: str | None = None
    unknown: tuple[str, ...] = ()  # fields naming a record the state does not hold: a 404 is right

    def url(self, base_url: str | None = None) -> str:
        """The full URL under ``base_url`` (default: the spec's documented base URL)."""
        base = base_url if base_url is not None else load_bundled()[self.provider].base_url
        return base.rstrip("/") + self.path

    def as_requests_kwargs(self, base_url: str | None = None) -> dict[str, Any]:
        """Keyword arguments for ``requests.request`` (method, url, params, headers, json/data/files)."""
        kwargs: dict[str, Any] = {
            "method": self.method,
            "url": self.url(base_url),
            "params": dict(self.query),
            "headers": dict(self.headers),
        }
        if self.body is None:
            return kwargs
        if self.media_type in JSON_TYPES:
            kwargs["json"] = self.body
        elif not self.body:  # requests sends no Content-Type for an empty form: say it, as a browser does
            kwargs["headers"].setdefault("Content-Type", self.media_type)
            kwargs["data"] = b""
        elif self.media_type == "multipart/form-data":
            kwargs["files"] = {name: (None, value) for name, value in self.body.items()}
        else:
            kwargs["data"] = dict(self.body)
        return kwargs

    def send(self, client: Any, base_url: str | None = None) -> Any:
        """Send with a ``requests.Session`` (or an ``httpx.Client``) or a Flask/Werkzeug test client."""
        if hasattr(client, "application") and hasattr(client, "open"):  # werkzeug.test.Client and Flask's
            body: dict[str, Any] = {}
            if self.body is not None and self.media_type in JSON_TYPES:
                body = {"json": self.body}
            elif self.body is not None:
                body = {"data": dict(self.body), "content_type": self.media_type}
            return client.open(
                self.url(base_url), method=self.method, query_string=self.query, headers=self.headers, **body
            )
        kwargs = self.as_requests_kwargs(base_url)
        return client.request(kwargs.pop("method"), kwargs.pop("url"), **kwargs)


@dataclass(frozen=True)
class InvalidRequest:
    """A request that breaks exactly one documented constraint, and which one."""

    request: Request
    location: str  # path, query, header or body
    name: str  # the parameter or body field (a free-form family's member by its own name: v1)
    keyword: str  # required, type, enum, pattern, minLength, maxLength, minimum or unknown
    ignored: bool = False  # the platform ignores it (x-on-invalid: ignore, an unknown name): answered as valid

    def describe(self) -> str:
        """One line: where the request breaks the spec and how."""
        ignored = " (ignored by the platform)" if self.ignored else ""
        return f"{self.request.operation}: {self.location} {self.name!r} breaks {self.keyword}{ignored}"


@dataclass(frozen=True)
class Answer:
    """A spec-valid answer of an operation: status, JSON body (None: no body) and the headers it requires."""

    status: int
    body: Any
    headers: dict[str, str]


# ---------------------------------------------------------------------------------------------------------
# Public strategies
# ---------------------------------------------------------------------------------------------------------


def arguments(
    provider: str, operation: str, *, existing: bool | None = None, state: Mock | Mapping[str, Any] | None = None
) -> st.SearchStrategy[Request]:
    """Valid requests for an operation, with the first account's credentials in a drawn accepted form.

    Ids come from ``state`` (None: the default seed; a seed mapping; or a live :class:`Mock`, read at each
    draw): with ``existing=None`` mostly ids it holds and sometimes unknown ones, with ``True`` only held
    ones (when it holds any), with ``False`` only unknown ones. ``Request.unknown`` names the unknown ones.
    """
    shape = _shape(provider, operation)
    return _requests(shape, existing, _state_reader(state))


def invalid_arguments(
    provider: str, operation: str, *, state: Mock | Mapping[str, Any] | None = None
) -> st.SearchStrategy[InvalidRequest]:
    """Requests breaking exactly one documented constraint, as the validator will see it after the wire."""
    return _invalid(_shape(provider, operation), _state_reader(state))


def answers(provider: str, operation: str, status: int | str | None = None) -> st.SearchStrategy[Answer]:
    """Spec-valid answers of an operation for a documented status (any, errors included, by default)."""
    spec = load_bundled()[provider]
    op = spec.by_id[operation]
    documented = [s for s in op.responses if s.isdigit()]
    if status is not None and str(status) not in documented:
        raise ValueError(f"{operation} documents no {status} response (documented: {', '.join(documented)})")
    statuses = [str(status)] if status is not None else documented
    return st.sampled_from(statuses).flatmap(lambda code: _answers(provider, operation, code))


def schema_values(provider: str, pointer: str) -> st.SearchStrategy[Any]:
    """Values of the schema at a pointer of a provider's spec (``#/components/schemas/Contact``)."""
    return _compiled(provider, pointer)


@functools.lru_cache(maxsize=None)
def phone_numbers(provider: str, valid: bool = True) -> st.SearchStrategy[str]:
    """Phone numbers the provider accepts (or, with ``valid=False``, ones it does not, in the spec's syntax).

    QuickFlow: Kenyan mobiles as ``2547…``/``+2547…``/``07…`` (and ``…1…``). QuickCom: Indian mobiles with no,
    ``91``, ``+91``, ``0091`` or ``0`` prefix. SMSFlow: E.164 numbers valid for their country. Invalid ones
    still match the spec's number syntax (digits, optional ``+``), so the provider counts or refuses them.
    """
    if provider == "quickflow":
        national = st.builds(lambda first, rest: first + rest, st.sampled_from("71"), _digits(8))
        good = st.builds(lambda prefix, n: prefix + n, st.sampled_from(["254", "+254", "0"]), national)
        return good if valid else _near_misses(good, lambda n: sms.kenya_mobile(n) is None)
    if provider == "quickcom":
        national = st.builds(lambda first, rest: first + rest, st.sampled_from("6789"), _digits(9))
        good = st.builds(lambda prefix, n: prefix + n, st.sampled_from(["", "91", "+91", "0091", "0"]), national)
        return good if valid else _near_misses(good, lambda n: sms.india_mobile(n) is None)
    if provider == "smsflow":
        good = st.sampled_from(_e164_examples()).flatmap(_e164_variants)
        return good if valid else _near_misses(good, lambda n: not _e164_valid(n))
    raise ValueError(f"unknown provider {provider!r}")


def sms_texts(encoding: str | None = None, segments: int | None = None) -> st.SearchStrategy[str]:
    """Texts near the segment boundaries (GSM-7 160/153, UCS-2 70/67 units); ``sms.segments`` gives their count.

    GSM-7 texts mix in the extension characters (two septets each), UCS-2 ones hold at least one character
    outside GSM-7 and may hold emoji (two UTF-16 units). ``segments`` fixes the count (default: 1 to 4).
    """
    if encoding not in (None, "GSM-7", "UCS-2"):
        raise ValueError(f"encoding is 'GSM-7' or 'UCS-2', not {encoding!r}")
    if segments is not None and segments < 1:
        raise ValueError("a text has at least one segment")
    encodings = [encoding] if encoding else ["GSM-7", "UCS-2"]
    counts = [segments] if segments else [1, 2, 3, 4]
    return st.one_of(
        [
            st.sampled_from(counts).flatmap(lambda count, enc=enc: _segmented(enc, count))
            for enc in encodings
        ]
    )


def template_variables(template: str | Mapping[str, Any]) -> st.SearchStrategy[dict[str, str]]:
    """``v1`` … ``vN`` for a QuickCom template's ``{#var#}`` placeholders, each non-blank and within the spec's limit."""
    text = template if isinstance(template, str) else template["dlt_message_template"]
    return _variables(text.count(_PLACEHOLDER))


@functools.lru_cache(maxsize=None)
def _variables(count: int) -> st.SearchStrategy[dict[str, str]]:
    value = _variable_values().filter(str.strip)
    return st.fixed_dictionaries({f"v{i}": value for i in range(1, count + 1)})


# ---------------------------------------------------------------------------------------------------------
# JSON Schema -> strategy, for the subset the specs use ($ref inlined, allOf merged once, at build time)
# ---------------------------------------------------------------------------------------------------------

_ANNOTATIONS = frozenset(
    {"description", "summary", "title", "examples", "example", "default", "deprecated", "$comment", "readOnly", "writeOnly"}
)
_SCHEMA_MAPS = ("properties", "patternProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("items", "additionalProperties", "propertyNames", "contentSchema", "not")
_LOWER = ("minLength", "minimum", "minItems", "minProperties")
_UPPER = ("maxLength", "maximum", "maxItems", "maxProperties")


def _inline(spec: Spec, node: Any, seen: tuple[str, ...] = ()) -> Any:
    """A schema with every ``$ref`` replaced by its target; annotations and ``x-`` extensions dropped."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" or key.startswith("x-") or key in _ANNOTATIONS:
            continue
        if key in _SCHEMA_MAPS:
            out[key] = {name: _inline(spec, sub, seen) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS:
            out[key] = [_inline(spec, sub, seen) for sub in value]
        elif key in _SCHEMA_ONE:
            out[key] = _inline(spec, value, seen)
        else:
            out[key] = value
    ref = node.get("$ref")
    if ref is None:
        return out
    if ref in seen:
        raise SpecError(f"{spec.source}: recursive $ref {ref} cannot be generated")
    target = _inline(spec, spec.at(ref), (*seen, ref))
    return {"allOf": [target, out]} if out else target


def _flatten(schema: Any) -> dict[str, Any]:
    """The schema with its ``allOf`` merged in (what cannot be merged is kept in ``allOf``, checked later)."""
    if schema is True or schema is None:
        return {}
    if schema is False:
        return {"not": {}}
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf") or []:
        out = _merge(out, _flatten(part))
    return out


def _as_list(kind: Any) -> list[str]:
    return list(kind) if isinstance(kind, list) else [kind]


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Both schemas at once, as far as keywords combine; the rest of ``b`` is kept to filter on."""
    out = dict(a)
    residual: dict[str, Any] = {}
    for key, theirs in b.items():
        if key not in out or out[key] == theirs:
            out[key] = theirs
            continue
        mine = out[key]
        if key == "type":
            left, right = _as_list(mine), _as_list(theirs)
            both = [t for t in left if t in right]
            both += ["integer"] if ("integer" in left and "number" in right) or ("number" in left and "integer" in right) else []
            if not both:
                raise SpecError(f"allOf with disjoint types {mine} and {theirs}")
            out[key] = list(dict.fromkeys(both))
        elif key in _SCHEMA_MAPS:
            closed = b.get("additionalProperties") is False and key == "properties"
            merged = {}
            for name, sub in mine.items():
                if closed and name not in theirs and not _matches_any(name, b.get("patternProperties")):
                    continue  # b allows no property it does not declare
                merged[name] = {"allOf": [sub, theirs[name]]} if name in theirs else sub
            for name, sub in theirs.items():
                if name not in mine and not (a.get("additionalProperties") is False and key == "properties"):
                    merged[name] = sub
            out[key] = merged
        elif key == "required":
            out[key] = list(dict.fromkeys([*mine, *theirs]))
        elif key in _LOWER:
            out[key] = max(mine, theirs)
        elif key in _UPPER:
            out[key] = min(mine, theirs)
        elif key == "enum":
            out[key] = [v for v in mine if any(_same(v, w) for w in theirs)]
        elif key == "additionalProperties" and (mine is False or theirs is False):
            out[key] = False
        elif key in _SCHEMA_ONE:
            out[key] = {"allOf": [mine, theirs]}
        else:  # two patterns, two consts, two anyOf: generate from one, keep the other as a filter
            residual[key] = theirs
    if residual:
        out["allOf"] = [*out.get("allOf", []), residual]
    return out


def _same(x: Any, y: Any) -> bool:
    return type(x) is type(y) and x == y


def _matches_any(name: str, patterns: Mapping[str, Any] | None) -> bool:
    return any(re.search(p, name) for p in patterns or {})


def _types(schema: dict[str, Any]) -> list[str]:
    """The JSON types to generate: the schema's, or the one its keywords imply, or any."""
    if "type" in schema:
        return _as_list(schema["type"])
    implied = (
        ("object", ("properties", "required", "additionalProperties", "patternProperties", "propertyNames", "minProperties", "maxProperties")),
        ("array", ("items", "minItems", "maxItems")),
        ("string", ("minLength", "maxLength", "pattern", "format", "contentMediaType")),
        ("number", ("minimum", "maximum")),
    )
    for kind, keys in implied:
        if any(k in schema for k in keys):
            return [kind]
    return ["any"]


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    kinds = ((int, "integer"), (float, "number"), (str, "string"), (list, "array"), (dict, "object"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "null")


def _checker(schema: Any) -> Callable[[Any], bool]:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return validator.is_valid


def _values(schema: Any) -> st.SearchStrategy[Any]:
    """A strategy for the values a (ref-free) schema accepts."""
    flat = _flatten(schema)
    residual = flat.pop("allOf", None)
    strategy = _unfiltered(flat)
    return strategy.filter(_checker({"allOf": residual})) if residual else strategy


def _unfiltered(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if schema.get("not") == {}:
        return st.nothing()
    for key in ("oneOf", "anyOf"):
        if key in schema:
            base = {k: v for k, v in schema.items() if k != key}
            strategy = st.one_of([_values({"allOf": [base, branch]}) for branch in schema[key]])
            if key == "oneOf":
                checks = [_checker(branch) for branch in schema[key]]
                strategy = strategy.filter(lambda v: sum(check(v) for check in checks) == 1)
            return strategy
    if "const" in schema:
        return st.just(schema["const"]).map(copy.deepcopy)
    types = _types(schema)
    if "enum" in schema:
        allowed = [v for v in schema["enum"] if "any" in types or _json_type(v) in types or (_json_type(v) == "integer" and "number" in types)]
        return st.sampled_from(allowed).map(copy.deepcopy) if allowed else st.nothing()
    return st.one_of([_BY_TYPE[kind](schema) for kind in types])


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    pattern, fmt = schema.get("pattern"), schema.get("format")
    if schema.get("contentMediaType") == "application/json" and "contentSchema" in schema:
        base = _values(schema["contentSchema"]).map(json.dumps)
    elif fmt in _FORMATS:
        base = _FORMATS[fmt]
    elif pattern is not None:
        base, pattern = st.from_regex(pattern, fullmatch=True, alphabet=_CHARS), None
    else:
        return st.text(_CHARS, min_size=low, max_size=high if high is not None else low + _TEXT_MAX)

    def fits(value: str) -> bool:
        if len(value) < low or (high is not None and len(value) > high):
            return False
        return pattern is None or re.search(pattern, value) is not None

    return base.filter(fits) if (low or high is not None or pattern is not None) else base


def _integer(schema: dict[str, Any]) -> st.SearchStrategy[int]:
    low, high = schema.get("minimum"), schema.get("maximum")
    low = int(low) if low is not None else (min(0, high) - _INT_SPAN if high is not None else -_INT_SPAN)
    high = int(high) if high is not None else max(low, 0) + _INT_SPAN
    return st.integers(low, high)


def _number(schema: dict[str, Any]) -> st.SearchStrategy[float | int]:
    low, high = schema.get("minimum", -1e9), schema.get("maximum", 1e9)
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.one_of(_integer(schema), floats)


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties") or {}
    required = [n for n in schema.get("required") or [] if n in properties]
    declared = st.fixed_dictionaries(
        {n: _values(properties[n]) for n in required},
        optional={n: _values(s) for n, s in properties.items() if n not in required},
    )
    patterns = schema.get("patternProperties") or {}
    extras = [
        st.dictionaries(
            st.from_regex(p, fullmatch=True, alphabet=_CHARS).filter(lambda k: k not in properties), _values(s), max_size=2
        )
        for p, s in patterns.items()
    ]
    more = schema.get("additionalProperties", True)
    low, high = schema.get("minProperties", 0), schema.get("maxProperties")
    if isinstance(more, dict) or (more is True and "propertyNames" in schema):
        names = _values({"allOf": [{"type": "string"}, schema.get("propertyNames") or {}]}).filter(
            lambda k: k not in properties and not _matches_any(k, patterns)
        )
        top = high if high is not None else max(low, 3)
        extras.append(st.dictionaries(names, _values(more if isinstance(more, dict) else {}), min_size=low, max_size=top))
    strategy = st.tuples(declared, *extras).map(lambda parts: {k: v for part in parts for k, v in part.items()})
    if low or high is not None:
        strategy = strategy.filter(lambda d: len(d) >= low and (high is None or len(d) <= high))
    return strategy


def _array(schema: dict[str, Any]) -> st.SearchStrategy[list[Any]]:
    low = schema.get("minItems", 0)
    high = min(schema.get("maxItems", low + 3), low + 3)  # short lists: realistic answers, fast to check
    return st.lists(_values(schema.get("items") or {}), min_size=low, max_size=high)


def _any(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(_CHARS, max_size=8)
    return st.recursive(
        leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(_CHARS, max_size=8), inner, max_size=3), max_leaves=5
    )


_BY_TYPE: dict[str, Callable[[dict[str, Any]], st.SearchStrategy[Any]]] = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": lambda _: st.booleans(),
    "null": lambda _: st.none(),
    "object": _object,
    "array": _array,
    "any": _any,
}
_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date-time": st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
    "date": st.dates().map(lambda d: d.isoformat()),
    "uuid": st.uuids(version=1).map(str),
    "email": st.from_regex(r"[a-z0-9._]{1,12}@[a-z0-9]{1,10}\.(com|org|in|su)", fullmatch=True),
    "uri": st.from_regex(r"https://[a-z0-9]{1,10}\.(com|in|su)(/[a-z0-9]{1,8}){0,3}(\?page=[1-9][0-9]{0,2})?", fullmatch=True),
}


@functools.lru_cache(maxsize=None)
def _compiled(provider: str, pointer: str) -> st.SearchStrategy[Any]:
    spec = load_bundled()[provider]
    return _values(_inline(spec, spec.at(pointer)))


# ---------------------------------------------------------------------------------------------------------
# An operation's inputs, per location: the parameters merged into one object schema each
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """One input of an operation as it travels: where, its wire name (or name pattern), its schema."""

    location: str  # path, query, header, body
    name: str  # the parameter or body field (a free-form parameter's name for its members)
    schema: dict[str, Any]  # inlined and flattened
    required: bool = False
    pattern: str | None = None  # a free-form member's name pattern (v1, v2, … ; custom_parameter_key[i])
    ignored: bool = False  # x-on-invalid: ignore


@dataclass(frozen=True)
class _Shape:
    """What an operation takes: its fields per location and per body media type."""

    provider: str
    spec: Spec
    op: Operation
    params: tuple[_Field, ...]
    bodies: dict[str, tuple[_Field, ...]]
    reserved: frozenset[str]  # query names that carry credentials

    @property
    def media_types(self) -> list[str]:
        return list(self.bodies)

    def fields(self, media: str | None) -> tuple[_Field, ...]:
        return self.params + (self.bodies.get(media, ()) if media else ())


@functools.lru_cache(maxsize=None)
def _shape(provider: str, operation: str) -> _Shape:
    spec = load_bundled()[provider]
    if operation not in spec.by_id:
        raise ValueError(f"{provider} has no operation {operation!r} (it has {', '.join(spec.by_id)})")
    op = spec.by_id[operation]
    params: list[_Field] = []
    for p in op.parameters:
        schema = _flatten(_inline(spec, spec.at(p.schema_pointer)))
        ignored = p.on_invalid == "ignore"
        if p.is_free_form:
            for pattern, sub in (schema.get("patternProperties") or {}).items():
                member = _flatten(sub)
                params.append(_Field(p.location, p.name, member, pattern=pattern, ignored=ignored))
        else:
            params.append(_Field(p.location, p.name, schema, p.required, ignored=ignored))
    bodies = {}
    for media, pointer in op.body.items():
        schema = _flatten(_inline(spec, spec.at(pointer)))
        required = set(schema.get("required") or [])
        fields = [
            _Field("body", name, _flatten(sub), name in required) for name, sub in (schema.get("properties") or {}).items()
        ]
        fields += [
            _Field("body", "", _flatten(sub), pattern=pattern) for pattern, sub in (schema.get("patternProperties") or {}).items()
        ]
        bodies[media] = tuple(fields)
    schemes = spec.security_schemes
    reserved = frozenset(
        schemes[name].get("name", "")
        for requirement in op.security
        for name in requirement
        if (schemes.get(name) or {}).get("type") == "apiKey" and schemes[name].get("in") == "query"
    )
    return _Shape(provider, spec, op, tuple(params), bodies, reserved)


def _location_schema(fields: Iterable[_Field]) -> dict[str, Any]:
    """Fields of one location merged into one object schema (schemathesis' idea)."""
    fields = list(fields)
    return {
        "type": "object",
        "properties": {f.name: f.schema for f in fields if f.pattern is None},
        "patternProperties": {f.pattern: f.schema for f in fields if f.pattern is not None},
        "required": [f.name for f in fields if f.required and f.pattern is None],
        "additionalProperties": False,
    }


@functools.lru_cache(maxsize=None)
def _media_types(provider: str, operation: str) -> st.SearchStrategy[str]:
    return st.sampled_from(_shape(provider, operation).media_types)


@functools.lru_cache(maxsize=None)
def _field_values(provider: str, operation: str, name: str) -> st.SearchStrategy[Any]:
    """Values of one parameter or body field (the first media type's, where several declare it)."""
    shape = _shape(provider, operation)
    fields = [f for f in shape.fields(next(iter(shape.bodies), None)) if f.name == name and f.pattern is None]
    return _values(fields[0].schema)


@functools.lru_cache(maxsize=None)
def _location_values(provider: str, operation: str, location: str, media: str | None) -> st.SearchStrategy[dict[str, Any]]:
    shape = _shape(provider, operation)
    fields = shape.bodies[media] if location == "body" else [f for f in shape.params if f.location == location]
    return _values(_location_schema(fields))


# ---------------------------------------------------------------------------------------------------------
# The state: the first account's credentials and the ids the mock holds
# ---------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _seeded(seed_json: str) -> Mock:
    return Mock(seed=json.loads(seed_json))


def _state_reader(state: Mock | Mapping[str, Any] | None) -> Callable[[str], dict[str, Any]]:
    """A function giving a provider's state snapshot: read live from a Mock, or once from a seed."""
    if isinstance(state, Mock):
        def live(provider: str) -> dict[str, Any]:
            with state.env.lock:
                return state.providers[provider].snapshot()

        return live
    seed = default_seed() if state is None else dict(state)
    mock = _seeded(json.dumps(seed, sort_keys=True, default=str))
    return functools.lru_cache(maxsize=None)(lambda provider: mock.providers[provider].snapshot())


def _account(snapshot: dict[str, Any], provider: str) -> dict[str, Any]:
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
    "bearerAuth": lambda a: st.sampled_from(["Bearer", "bearer"]).map(lambda b: f"{b} {a['api_key']}"),
}


def _credentials(shape: _Shape, account: dict[str, Any]) -> st.SearchStrategy[tuple[dict[str, str], dict[str, str]]]:
    """(query, headers) carrying the account's credentials in one of the operation's accepted forms."""
    values = tuple(sorted((k, v) for k, v in account.items() if isinstance(v, (str, int)) and not isinstance(v, bool)))
    return _credential_forms(shape.provider, shape.op.operation_id, values)


@functools.lru_cache(maxsize=256)
def _credential_forms(provider: str, operation: str, values: tuple[tuple[str, Any], ...]) -> st.SearchStrategy[tuple[dict[str, str], dict[str, str]]]:
    shape = _shape(provider, operation)
    account = dict(values)
    schemes = shape.spec.security_schemes

    def placed(name: str, value: str) -> tuple[dict[str, str], dict[str, str]]:
        scheme = schemes[name]
        if scheme.get("type") == "apiKey" and scheme.get("in") == "query":
            return {scheme["name"]: value}, {}
        return {}, {scheme.get("name", "Authorization") if scheme.get("type") == "apiKey" else "Authorization": value}

    def joined(parts: tuple[tuple[dict[str, str], dict[str, str]], ...]) -> tuple[dict[str, str], dict[str, str]]:
        return {k: v for q, _ in parts for k, v in q.items()}, {k: v for _, h in parts for k, v in h.items()}

    forms = [
        st.tuples(*[_SCHEME_VALUES[name](account).map(lambda v, n=name: placed(n, v)) for name in requirement]).map(joined)
        for requirement in shape.op.security
    ]
    return st.one_of(forms) if forms else st.just(({}, {}))


# ---------------------------------------------------------------------------------------------------------
# Sensible values, per provider: what reaches the state is what a real client sends
# ---------------------------------------------------------------------------------------------------------


class _Picker:
    """Draws a field's value from what the state holds, or an unknown one; remembers the unknown fields."""

    def __init__(self, draw: st.DrawFn, existing: bool | None) -> None:
        self.draw = draw
        self.existing = existing
        self.unknown: list[str] = []

    def pick(self, name: str, held: Iterable[Any], fresh: st.SearchStrategy[Any]) -> Any:
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
        st.text(_CHARS, min_size=1, max_size=20).filter(str.strip),
    )
)
# Custom parameter pairs, sometimes past what SMSFlow keeps (keys 64, values 512: it cuts them) or blank (skipped).
_CUSTOM_PAIRS = st.lists(
    st.tuples(
        st.one_of(st.text(_CHARS, min_size=1, max_size=16), st.text(_CHARS, min_size=60, max_size=80), st.just("  ")),
        st.one_of(st.text(_CHARS, max_size=24), st.text(_CHARS, min_size=505, max_size=520)),
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


def _sensible_quickflow(draw: st.DrawFn, shape: _Shape, parts: dict[str, dict[str, Any]], state: dict[str, Any], picker: _Picker) -> None:
    args = parts["body"] if shape.op.body else parts["query"]
    account = _account(state, "quickflow")
    groups = account.get("groups") or []

    def fresh(name: str) -> st.SearchStrategy[Any]:
        return _field_values("quickflow", shape.op.operation_id, name)

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


def _sensible_quickcom(draw: st.DrawFn, shape: _Shape, parts: dict[str, dict[str, Any]], state: dict[str, Any], picker: _Picker) -> None:
    query = parts["query"]
    if "dlt_template_id" in query:
        templates = {t["dlt_template_id"]: t for t in _account(state, "quickcom").get("templates") or [] if t.get("status") == 1}
        fresh = _field_values("quickcom", shape.op.operation_id, "dlt_template_id")
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


def _sensible_smsflow(draw: st.DrawFn, shape: _Shape, parts: dict[str, dict[str, Any]], state: dict[str, Any], picker: _Picker) -> None:
    if "contact_id" in parts["path"]:
        contacts = [c["id"] for c in _account(state, "smsflow").get("contacts") or []]
        fresh = _field_values("smsflow", shape.op.operation_id, "contact_id")
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


_SENSIBLE: dict[str, Callable[..., None]] = {
    "quickflow": _sensible_quickflow,
    "quickcom": _sensible_quickcom,
    "smsflow": _sensible_smsflow,
}


# ---------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------


def _wire(value: Any) -> str:
    """A value as a query, path or form string (the engine coerces it back by the schema)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


@dataclass
class _Draft:
    """A request's values before the wire: per location, the body's media type, credentials, unknown ids."""

    parts: dict[str, dict[str, Any]]
    media: str | None
    credentials: tuple[dict[str, str], dict[str, str]]  # (query, headers)
    unknown: list[str]

    def request(self, shape: _Shape) -> Request:
        """The request as it travels: path filled, query, header and form values as strings."""
        path = shape.op.path
        for name, value in self.parts["path"].items():
            path = path.replace("{" + name + "}", quote(_wire(value), safe=""))
        body = self.parts.get("body")
        if body is not None and self.media in FORM_TYPES:
            body = {k: _wire(v) for k, v in body.items()}
        return Request(
            provider=shape.provider,
            operation=shape.op.operation_id,
            method=shape.op.method,
            path=path,
            query={**{k: _wire(v) for k, v in self.parts["query"].items()}, **self.credentials[0]},
            headers={**{k: _wire(v) for k, v in self.parts["header"].items()}, **self.credentials[1]},
            body=body,
            media_type=self.media,
            unknown=tuple(dict.fromkeys(self.unknown)),
        )


@st.composite
def _drafts(draw: st.DrawFn, shape: _Shape, existing: bool | None, read: Callable[[str], dict[str, Any]]) -> _Draft:
    """Values from the merged location schemas and a media type's body, made sensible, with credentials."""
    state = read(shape.provider)
    provider, operation = shape.provider, shape.op.operation_id
    parts = {location: draw(_location_values(provider, operation, location, None)) for location in _LOCATIONS}
    media = draw(_media_types(provider, operation)) if shape.bodies else None
    if media is not None:
        parts["body"] = draw(_location_values(provider, operation, "body", media))
    picker = _Picker(draw, existing)
    _SENSIBLE[provider](draw, shape, parts, state, picker)
    credentials = draw(_credentials(shape, _account(state, provider)))
    return _Draft(parts, media, credentials, picker.unknown)


def _requests(shape: _Shape, existing: bool | None, read: Callable[[str], dict[str, Any]]) -> st.SearchStrategy[Request]:
    return _drafts(shape, existing, read).map(lambda draft: draft.request(shape))


# ---------------------------------------------------------------------------------------------------------
# Invalid requests: one constraint broken, and still broken once the wire has turned it into a string
# ---------------------------------------------------------------------------------------------------------

_NOT_A_NUMBER = ("abc", "1.5x", "yes", "none")  # no "/": a path value keeps its segment
_WRONG_JSON = (5, 1.5, True, None, ["x"], {"x": "y"})
_KEYWORDS = ("type", "enum", "pattern", "maxLength", "minLength", "minimum")


def _json_body(f: _Field, media: str | None) -> bool:
    return f.location == "body" and media in JSON_TYPES


def _breaks_only(f: _Field, keyword: str, media: str | None) -> Callable[[Any], bool]:
    """Whether a value, as the validator receives it after the wire, breaks ``keyword`` and nothing else."""
    validator = Draft202012Validator(f.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def check(value: Any) -> bool:
        received = value if _json_body(f, media) else coerce(_wire(value), f.schema)
        return {e.validator for e in validator.iter_errors(received)} == {keyword}

    return check


def _bad_values(f: _Field, keyword: str, media: str | None) -> tuple[tuple[Any, ...], st.SearchStrategy[Any] | None]:
    """Fixed and drawn candidates breaking one keyword of a field (both empty when it has no such keyword)."""
    s, none = f.schema, ((), None)
    if keyword == "type":
        # On the wire every value is a string: only a non-string type can be broken there.
        if _json_body(f, media):
            return _WRONG_JSON, None
        return none if {"string", "any"} & set(_types(s)) else (_NOT_A_NUMBER, None)
    if keyword == "enum" and "enum" in s:
        if all(isinstance(v, int) for v in s["enum"]):
            return (max(s["enum"]) + 1, min(s["enum"]) - 1), st.integers(min(s["enum"]) - 5, max(s["enum"]) + 5)
        return ("INVALID", "xx"), st.text(_CHARS, min_size=1, max_size=12)
    if keyword == "pattern" and "pattern" in s:
        return ("abc", "x1", "12-34", "+"), st.text(_CHARS, min_size=1, max_size=12)
    if keyword == "maxLength" and "maxLength" in s:
        return ("x" * (s["maxLength"] + 1),), st.text(_CHARS, min_size=s["maxLength"] + 1, max_size=s["maxLength"] + 8)
    if keyword == "minLength" and s.get("minLength", 0) > 0:
        return ("",), None
    if keyword == "minimum" and "minimum" in s:
        return (int(s["minimum"]) - 1,), st.integers(int(s["minimum"]) - 5, int(s["minimum"]) - 1)
    return none


@functools.lru_cache(maxsize=None)
def _breakables(provider: str, operation: str, media: str | None) -> tuple[tuple[_Field, str, st.SearchStrategy[Any] | None], ...]:
    """Every (field, keyword, bad values) a request of this media type can break alone."""
    shape = _shape(provider, operation)
    found: list[tuple[_Field, str, st.SearchStrategy[Any] | None]] = []
    for f in shape.fields(media):
        if f.required and f.location != "path":
            found.append((f, "required", None))
        for keyword in _KEYWORDS:
            fixed, drawn = _bad_values(f, keyword, media)
            check = _breaks_only(f, keyword, media)
            fixed = tuple(v for v in fixed if check(v))
            if not fixed:  # no value breaks it alone (a wrong type also misses the enum): not a single violation
                continue
            values = st.sampled_from(fixed) if drawn is None else st.one_of(st.sampled_from(fixed), drawn.filter(check))
            found.append((f, keyword, values))
    # An unknown name goes where the operation takes its arguments (Frappe reads a form's query string too).
    found.append((_Field("body" if media else "query", "", {}), "unknown", None))
    return tuple(found)


@functools.lru_cache(maxsize=None)
def _breakable(provider: str, operation: str, media: str | None) -> st.SearchStrategy[tuple[_Field, str, Any]]:
    return st.sampled_from(_breakables(provider, operation, media))


@functools.lru_cache(maxsize=None)
def _unknown_names(provider: str, operation: str, location: str, media: str | None) -> st.SearchStrategy[str]:
    """Names no parameter (or body field) of the operation has, credentials' included."""
    shape = _shape(provider, operation)
    fields = [f for f in shape.fields(media) if f.location == location]
    names = {f.name for f in fields if f.pattern is None} | set(shape.reserved)
    patterns = [f.pattern for f in fields if f.pattern is not None]
    return st.from_regex(r"[a-z][a-z_]{2,11}", fullmatch=True).filter(
        lambda n: n not in names and not any(re.search(p, n) for p in patterns)
    )


@st.composite
def _invalid(draw: st.DrawFn, shape: _Shape, read: Callable[[str], dict[str, Any]]) -> InvalidRequest:
    draft = draw(_drafts(shape, True, read))
    f, keyword, values = draw(_breakable(shape.provider, shape.op.operation_id, draft.media))
    target = draft.parts[f.location]
    name, ignored = f.name, f.ignored
    if keyword == "unknown":
        name = draw(_unknown_names(shape.provider, shape.op.operation_id, f.location, draft.media))
        target[name] = draw(st.text(string.ascii_letters + string.digits, min_size=1, max_size=8))
        ignored = True
    elif keyword == "required":
        del target[f.name]
    elif f.pattern is not None:  # a member of a free-form family (v1, v2, …): named as it travels
        members = sorted(n for n in target if re.search(f.pattern, n))
        fresh = st.from_regex(f.pattern, fullmatch=True, alphabet=string.ascii_letters + string.digits + "[]_")
        name = draw(st.sampled_from(members) if members else fresh.filter(lambda n: len(n) <= 40))
        target[name] = draw(values)
    else:
        target[f.name] = draw(values)
    return InvalidRequest(draft.request(shape), f.location, name, keyword, ignored)


# ---------------------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------------------


_HEADER_TEXT = st.text(string.ascii_letters + string.digits + " ,;=-_/", min_size=1, max_size=24)


@functools.lru_cache(maxsize=None)
def _answers(provider: str, operation: str, status: str) -> st.SearchStrategy[Answer]:
    spec = load_bundled()[provider]
    op = spec.by_id[operation]
    response, where = spec.deref(spec.at(op.responses[status]), op.responses[status])
    content = (response.get("content") or {}).get("application/json")
    if content is None or "schema" not in content:
        bodies: st.SearchStrategy[Any] = st.none()
    else:
        generated = _compiled(provider, pointer_join(where, "content", "application/json", "schema"))
        examples = [
            spec.deref(example, where)[0].get("value") for example in (content.get("examples") or {}).values()
        ]
        documented = st.sampled_from(examples).map(copy.deepcopy) if examples else st.nothing()
        bodies = st.integers(0, 3).flatmap(lambda i: documented if i == 0 and examples else generated)
    headers = {}
    optional = {}
    for name, header in (response.get("headers") or {}).items():
        header, _ = spec.deref(header, pointer_join(where, "headers", name))
        schema = _flatten(_inline(spec, header.get("schema") or {}))
        values = _values(schema).map(_wire)
        if _types(schema) == ["string"] and not ({"const", "enum", "pattern"} & set(schema)):
            values = _HEADER_TEXT  # header-safe text (the spec's free-text headers say nothing more)
        (headers if header.get("required") else optional)[name] = values
    return st.builds(Answer, st.just(int(status)), bodies, st.fixed_dictionaries(headers, optional=optional))


# ---------------------------------------------------------------------------------------------------------
# Phone numbers, texts and template variables
# ---------------------------------------------------------------------------------------------------------


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=count, max_size=count)


def _near_misses(good: st.SearchStrategy[str], invalid: Callable[[str], bool]) -> st.SearchStrategy[str]:
    """Numbers in the spec's syntax (``+``? digits) that the provider does not take as valid."""
    def mutate(number: str, how: int, digit: str) -> str:
        plus, digits = ("+", number[1:]) if number.startswith("+") else ("", number)
        if how == 0:
            return plus + digits[:-2]  # too short
        if how == 1:
            return plus + digits + digit + digit  # too long
        return plus + digit + digits[1:] if plus else "5" + digits[-9:]  # a prefix no mobile has

    mutated = st.builds(mutate, good, st.integers(0, 2), st.sampled_from("0123459"))
    anything = st.builds(lambda plus, digits: plus + digits, st.sampled_from(["", "+"]), st.text("0123456789", min_size=1, max_size=15))
    return st.one_of(mutated, anything).filter(lambda n: re.fullmatch(r"\+?[0-9]+", n) is not None and invalid(n))


@functools.lru_cache(maxsize=None)
def _e164_examples() -> tuple[str, ...]:
    """One valid mobile (or fixed) number per region of the SMSFlow spec's CountryCode enum, in E.164."""
    regions = load_bundled()["smsflow"].at("#/components/schemas/CountryCode")["enum"]
    found = []
    for region in regions:
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        example = example or phonenumbers.example_number(region)
        if example is not None and phonenumbers.is_valid_number(example):
            found.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    return tuple(found)


def _e164_valid(number: str) -> bool:
    try:
        return number.startswith("+") and phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def _e164_variants(example: str) -> st.SearchStrategy[str]:
    """The example, or it with its last digits changed when that keeps it valid."""
    changed = _digits(2).map(lambda tail: example[:-2] + tail)
    return st.one_of(st.just(example), changed.filter(_e164_valid))


_GSM_NARROW = "".join(sorted(sms.GSM7_BASIC))
_GSM_WIDE = "".join(sorted(sms.GSM7_EXTENSION))
_BMP = st.characters(codec="utf-8", max_codepoint=0xFFFF, exclude_characters="\x00")
_NOT_GSM = st.characters(codec="utf-8", min_codepoint=0xA0, max_codepoint=0xFFFF).filter(
    lambda ch: ch not in sms.GSM7_BASIC and ch not in sms.GSM7_EXTENSION
)
_EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)  # two UTF-16 units each
_LIMITS = {"GSM-7": (sms.GSM7_SINGLE, sms.GSM7_PART), "UCS-2": (sms.UCS2_SINGLE, sms.UCS2_PART)}


def _segmented(encoding: str, count: int) -> st.SearchStrategy[str]:
    """Texts of one encoding whose length puts them in ``count`` segments, often right at a boundary."""
    single, part = _LIMITS[encoding]
    low, high = (1, single) if count == 1 else (max(single, (count - 1) * part) + 1, count * part)
    edges = sorted({u for u in (low, low + 1, high - 1, high) if low <= u <= high})
    units = st.one_of(st.sampled_from(edges), st.integers(low, high))

    def counted(text: str) -> bool:
        found = sms.segments(text)
        return found.encoding == encoding and found.count == count

    return units.flatmap(lambda u: _sized(encoding, u)).filter(counted)


@st.composite
def _sized(draw: st.DrawFn, encoding: str, units: int) -> str:
    """A text of exactly ``units`` units (septets or UTF-16 units) in one encoding."""
    marker = 1 if encoding == "UCS-2" else 0  # one character outside GSM-7 makes the text UCS-2
    wide = draw(st.integers(0, min(6, (units - marker) // 2)))
    narrow = units - marker - 2 * wide
    chars = list(draw(st.text(_GSM_NARROW if encoding == "GSM-7" else _BMP, min_size=narrow, max_size=narrow)))
    extra = draw(st.lists(st.sampled_from(_GSM_WIDE) if encoding == "GSM-7" else _EMOJI, min_size=wide, max_size=wide))
    extra += [draw(_NOT_GSM)] * marker
    for ch in extra:
        chars.insert(draw(st.integers(0, len(chars))), ch)
    return "".join(chars)


@functools.lru_cache(maxsize=None)
def _variable_values() -> st.SearchStrategy[str]:
    """A template variable's values, from the spec's send-message ``template_variables`` member schema."""
    shape = _shape("quickcom", "send_message")
    member = next(f for f in shape.params if f.name == "template_variables" and f.pattern is not None)
    return _values(member.schema)

