"""The records the strategies give (Request, InvalidRequest, Answer) and the strategies that build them."""
from __future__ import annotations

import copy
import functools
import re
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import quote

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ..engine import Mock
from ..spec import load_bundled, pointer_join
from ..validation import FORM_TYPES, JSON_TYPES, coerce
from .schemas import CHARS, flatten, from_schema, inline, json_types, schema_values
from .shapes import LOCATIONS, Field, Shape, media_type_choices, parameter_values, shape_of, wire
from .values import Picker, credentials_for, first_account, make_sensible, state_reader

__all__ = ["Answer", "InvalidRequest", "Request", "answers", "arguments", "invalid_arguments"]


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


# -- public strategies ------------------------------------------------------------------------------------


def arguments(
    provider: str, operation: str, *, existing: bool | None = None, state: Mock | Mapping[str, Any] | None = None
) -> st.SearchStrategy[Request]:
    """Valid requests for an operation, with the first account's credentials in a drawn accepted form.

    Ids come from ``state`` (None: the default seed; a seed mapping; or a live :class:`Mock`, read at each
    draw): with ``existing=None`` mostly ids it holds and sometimes unknown ones, with ``True`` only held
    ones (when it holds any), with ``False`` only unknown ones. ``Request.unknown`` names the unknown ones.
    """
    shape = shape_of(provider, operation)
    return _requests(shape, existing, state_reader(state))


def invalid_arguments(
    provider: str, operation: str, *, state: Mock | Mapping[str, Any] | None = None
) -> st.SearchStrategy[InvalidRequest]:
    """Requests breaking exactly one documented constraint, as the validator will see it after the wire."""
    return _invalid(shape_of(provider, operation), state_reader(state))


def answers(provider: str, operation: str, status: int | str | None = None) -> st.SearchStrategy[Answer]:
    """Spec-valid answers of an operation for a documented status (any, errors included, by default)."""
    spec = load_bundled()[provider]
    op = spec.by_id[operation]
    documented = [s for s in op.responses if s.isdigit()]
    if status is not None and str(status) not in documented:
        raise ValueError(f"{operation} documents no {status} response (documented: {', '.join(documented)})")
    statuses = [str(status)] if status is not None else documented
    return st.sampled_from(statuses).flatmap(functools.partial(_answers, provider, operation))


# -- valid requests ---------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A request's values before the wire: per location, the body's media type, credentials, unknown ids."""

    parts: dict[str, dict[str, Any]]
    media: str | None
    credentials: tuple[dict[str, str], dict[str, str]]  # (query, headers)
    unknown: list[str]

    def request(self, shape: Shape) -> Request:
        """The request as it travels: path filled, query, header and form values as strings."""
        path = shape.op.path
        for name, value in self.parts["path"].items():
            path = path.replace("{" + name + "}", quote(wire(value), safe=""))
        body = self.parts.get("body")
        if body is not None and self.media in FORM_TYPES:
            body = {k: wire(v) for k, v in body.items()}
        return Request(
            provider=shape.provider,
            operation=shape.op.operation_id,
            method=shape.op.method,
            path=path,
            query={**{k: wire(v) for k, v in self.parts["query"].items()}, **self.credentials[0]},
            headers={**{k: wire(v) for k, v in self.parts["header"].items()}, **self.credentials[1]},
            body=body,
            media_type=self.media,
            unknown=tuple(dict.fromkeys(self.unknown)),
        )


@st.composite
def _drafts(draw: st.DrawFn, shape: Shape, existing: bool | None, read: Callable[[str], dict[str, Any]]) -> _Draft:
    """Values from the merged location schemas and a media type's body, made sensible, with credentials."""
    state = read(shape.provider)
    provider, operation = shape.provider, shape.op.operation_id
    parts = {location: draw(parameter_values(provider, operation, location)) for location in LOCATIONS}
    media = draw(media_type_choices(provider, operation)) if shape.bodies else None
    if media is not None:
        parts["body"] = draw(schema_values(provider, shape.op.body[media]))
    picker = Picker(draw, existing)
    make_sensible(draw, shape, parts, state, picker)
    credentials = draw(credentials_for(shape, first_account(state, provider)))
    return _Draft(parts, media, credentials, picker.unknown)


def _requests(shape: Shape, existing: bool | None, read: Callable[[str], dict[str, Any]]) -> st.SearchStrategy[Request]:
    """Drafts as they travel."""
    return _drafts(shape, existing, read).map(lambda draft: draft.request(shape))


# -- invalid requests: one constraint broken, and still broken once the wire has turned it into a string --

_NOT_A_NUMBER = ("abc", "1.5x", "yes", "none")  # no "/": a path value keeps its segment
_WRONG_JSON = (5, 1.5, True, None, ["x"], {"x": "y"})
_KEYWORDS = ("type", "enum", "pattern", "maxLength", "minLength", "minimum")


def _json_body(f: Field, media: str | None) -> bool:
    """Whether a field travels as JSON (not as a string)."""
    return f.location == "body" and media in JSON_TYPES


def _breaks_only(f: Field, keyword: str, media: str | None) -> Callable[[Any], bool]:
    """Whether a value, as the validator receives it after the wire, breaks ``keyword`` and nothing else."""
    validator = Draft202012Validator(f.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def check(value: Any) -> bool:
        received = value if _json_body(f, media) else coerce(wire(value), f.schema)
        return {e.validator for e in validator.iter_errors(received)} == {keyword}

    return check


def _bad_values(f: Field, keyword: str, media: str | None) -> tuple[tuple[Any, ...], st.SearchStrategy[Any] | None]:
    """Fixed and drawn candidates breaking one keyword of a field (both empty when it has no such keyword)."""
    s, none = f.schema, ((), None)
    if keyword == "type":
        # On the wire every value is a string: only a non-string type can be broken there.
        if _json_body(f, media):
            return _WRONG_JSON, None
        return none if {"string", "any"} & set(json_types(s)) else (_NOT_A_NUMBER, None)
    if keyword == "enum" and "enum" in s:
        if all(isinstance(v, int) for v in s["enum"]):
            return (max(s["enum"]) + 1, min(s["enum"]) - 1), st.integers(min(s["enum"]) - 5, max(s["enum"]) + 5)
        return ("INVALID", "xx"), st.text(CHARS, min_size=1, max_size=12)
    if keyword == "pattern" and "pattern" in s:
        return ("abc", "x1", "12-34", "+"), st.text(CHARS, min_size=1, max_size=12)
    if keyword == "maxLength" and "maxLength" in s:
        return ("x" * (s["maxLength"] + 1),), st.text(CHARS, min_size=s["maxLength"] + 1, max_size=s["maxLength"] + 8)
    if keyword == "minLength" and s.get("minLength", 0) > 0:
        return ("",), None
    if keyword == "minimum" and "minimum" in s:
        return (int(s["minimum"]) - 1,), st.integers(int(s["minimum"]) - 5, int(s["minimum"]) - 1)
    return none


@functools.lru_cache(maxsize=None)
def _breakables(provider: str, operation: str, media: str | None) -> tuple[tuple[Field, str, st.SearchStrategy[Any] | None], ...]:
    """Every (field, keyword, bad values) a request of this media type can break alone."""
    shape = shape_of(provider, operation)
    found: list[tuple[Field, str, st.SearchStrategy[Any] | None]] = []
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
    found.append((Field("body" if media else "query", "", {}), "unknown", None))
    return tuple(found)


@functools.lru_cache(maxsize=None)
def _breakable(provider: str, operation: str, media: str | None) -> st.SearchStrategy[tuple[Field, str, Any]]:
    """One of the :func:`_breakables`."""
    return st.sampled_from(_breakables(provider, operation, media))


@functools.lru_cache(maxsize=None)
def _unknown_names(provider: str, operation: str, location: str, media: str | None) -> st.SearchStrategy[str]:
    """Names no parameter (or body field) of the operation has, credentials' included."""
    shape = shape_of(provider, operation)
    fields = [f for f in shape.fields(media) if f.location == location]
    names = {f.name for f in fields if f.pattern is None} | set(shape.reserved)
    patterns = [f.pattern for f in fields if f.pattern is not None]
    return st.from_regex(r"[a-z][a-z_]{2,11}", fullmatch=True).filter(
        lambda n: n not in names and not any(re.search(p, n) for p in patterns)
    )


@st.composite
def _invalid(draw: st.DrawFn, shape: Shape, read: Callable[[str], dict[str, Any]]) -> InvalidRequest:
    """A valid request (held ids only) with one constraint then broken."""
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


# -- answers ----------------------------------------------------------------------------------------------

_HEADER_TEXT = st.text(string.ascii_letters + string.digits + " ,;=-_/", min_size=1, max_size=24)


@functools.lru_cache(maxsize=None)
def _answers(provider: str, operation: str, status: str) -> st.SearchStrategy[Answer]:
    """Answers for one status: its documented examples now and then, else generated bodies; its headers."""
    spec = load_bundled()[provider]
    op = spec.by_id[operation]
    response, where = spec.deref(spec.at(op.responses[status]), op.responses[status])
    content = (response.get("content") or {}).get("application/json")
    if content is None or "schema" not in content:
        bodies: st.SearchStrategy[Any] = st.none()
    else:
        generated = schema_values(provider, pointer_join(where, "content", "application/json", "schema"))
        examples = [
            spec.deref(example, where)[0].get("value") for example in (content.get("examples") or {}).values()
        ]
        documented = st.sampled_from(examples).map(copy.deepcopy) if examples else st.nothing()
        bodies = st.integers(0, 3).flatmap(lambda i: documented if i == 0 and examples else generated)
    headers: dict[str, st.SearchStrategy[str]] = {}
    optional: dict[str, st.SearchStrategy[str]] = {}
    for name, header in (response.get("headers") or {}).items():
        header, _ = spec.deref(header, pointer_join(where, "headers", name))
        schema = flatten(inline(spec, header.get("schema") or {}))
        values = from_schema(schema).map(wire)
        if json_types(schema) == ["string"] and not ({"const", "enum", "pattern"} & set(schema)):
            values = _HEADER_TEXT  # header-safe text (the spec's free-text headers say nothing more)
        (headers if header.get("required") else optional)[name] = values
    return st.builds(Answer, st.just(int(status)), bodies, st.fixed_dictionaries(headers, optional=optional))
