"""What an operation takes, per location and body media type, and how its values travel (strings on the wire)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..spec import Operation, Spec, load_bundled
from .schemas import flatten, from_schema, inline

__all__ = [
    "LOCATIONS",
    "Field",
    "Shape",
    "field_values",
    "media_type_choices",
    "parameter_values",
    "shape_of",
    "wire",
]

LOCATIONS = ("path", "query", "header")  # where parameters travel (cookies: none in the specs)


@dataclass(frozen=True)
class Field:
    """One input of an operation as it travels: where, its wire name (or name pattern), its schema."""

    location: str  # path, query, header, body
    name: str  # the parameter or body field (a free-form parameter's name for its members)
    schema: dict[str, Any]  # inlined and flattened
    required: bool = False
    pattern: str | None = None  # a free-form member's name pattern (v1, v2, … ; custom_parameter_key[i])
    ignored: bool = False  # x-on-invalid: ignore


@dataclass(frozen=True)
class Shape:
    """What an operation takes: its fields per location and per body media type."""

    provider: str
    spec: Spec
    op: Operation
    params: tuple[Field, ...]
    bodies: dict[str, tuple[Field, ...]]
    reserved: frozenset[str]  # query names that carry credentials

    @property
    def media_types(self) -> list[str]:
        """The body's documented media types (none: the operation takes no body)."""
        return list(self.bodies)

    def fields(self, media: str | None) -> tuple[Field, ...]:
        """The parameters' fields and, for a media type, its body's."""
        return self.params + (self.bodies.get(media, ()) if media else ())


@functools.lru_cache(maxsize=None)
def shape_of(provider: str, operation: str) -> Shape:
    """An operation's fields: its parameters (a free-form family's per member pattern) and its body's, per media type."""
    spec = load_bundled()[provider]
    if operation not in spec.by_id:
        raise ValueError(f"{provider} has no operation {operation!r} (it has {', '.join(spec.by_id)})")
    op = spec.by_id[operation]
    params: list[Field] = []
    for p in op.parameters:
        schema = flatten(inline(spec, spec.at(p.schema_pointer)))
        ignored = p.on_invalid == "ignore"
        if p.is_free_form:
            for pattern, sub in (schema.get("patternProperties") or {}).items():
                member = flatten(sub)
                params.append(Field(p.location, p.name, member, pattern=pattern, ignored=ignored))
        else:
            params.append(Field(p.location, p.name, schema, p.required, ignored=ignored))
    bodies: dict[str, tuple[Field, ...]] = {}
    for media, pointer in op.body.items():
        schema = flatten(inline(spec, spec.at(pointer)))
        required = set(schema.get("required") or [])
        fields = [
            Field("body", name, flatten(sub), name in required) for name, sub in (schema.get("properties") or {}).items()
        ]
        fields += [
            Field("body", "", flatten(sub), pattern=pattern) for pattern, sub in (schema.get("patternProperties") or {}).items()
        ]
        bodies[media] = tuple(fields)
    schemes = spec.security_schemes
    reserved = frozenset(
        schemes[name].get("name", "")
        for requirement in op.security
        for name in requirement
        if (schemes.get(name) or {}).get("type") == "apiKey" and schemes[name].get("in") == "query"
    )
    return Shape(provider, spec, op, tuple(params), bodies, reserved)


@functools.lru_cache(maxsize=None)
def media_type_choices(provider: str, operation: str) -> st.SearchStrategy[str]:
    """One of the media types the operation's body is documented in."""
    return st.sampled_from(shape_of(provider, operation).media_types)


@functools.lru_cache(maxsize=None)
def field_values(provider: str, operation: str, name: str) -> st.SearchStrategy[Any]:
    """Values of one parameter or body field (the first media type's, where several declare it)."""
    shape = shape_of(provider, operation)
    fields = [f for f in shape.fields(next(iter(shape.bodies), None)) if f.name == name and f.pattern is None]
    return from_schema(fields[0].schema)


@functools.lru_cache(maxsize=None)
def parameter_values(provider: str, operation: str, location: str) -> st.SearchStrategy[dict[str, Any]]:
    """A location's parameters as they travel: values of its merged schema, a free-form family's members spread out."""
    shape = shape_of(provider, operation)
    families = tuple(p.name for p in shape.op.parameters_in(location) if p.is_free_form)
    spread = functools.partial(_spread, families, shape.op.names_in(location))
    return from_schema(inline(shape.spec, shape.op.location_schema(location))).map(spread)


def _spread(families: tuple[str, ...], declared: frozenset[str], arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments as the wire carries them: each free-form family's members under their own names (v1, v2, …)."""
    spread = {name: value for name, value in arguments.items() if name not in families}
    for family in families:
        spread.update((name, value) for name, value in (arguments.get(family) or {}).items() if name not in declared)
    return spread


def wire(value: Any) -> str:
    """A value as a query, path or form string (the engine coerces it back by the schema).

    A boolean is written 1 or 0, the one spelling every platform reads as one: the PHP platforms take no
    other (docs/platforms.md, QuickCom: booleans and `in` rules; SMSFlow: filters)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)
