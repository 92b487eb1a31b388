"""JSON Schema -> strategy, for the subset the specs use ($ref inlined, allOf merged once, at build time)."""
from __future__ import annotations

import copy
import functools
import json
import re
from datetime import datetime
from typing import Any, Callable, Mapping

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ..spec import Spec, SpecError, load_bundled

__all__ = ["CHARS", "flatten", "from_schema", "inline", "json_types", "schema_values"]

# Characters a string may hold on every transport: no NUL, no lone surrogate (utf-8 cannot carry one).
CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
_TEXT_MAX = 24  # free text is kept short: realistic, and fast to send
_INT_SPAN = 2**31  # integers stay within what a 32-bit column holds unless the schema says otherwise
_ANNOTATIONS = frozenset(
    {"description", "summary", "title", "examples", "example", "default", "deprecated", "$comment", "readOnly", "writeOnly"}
)
_SCHEMA_MAPS = ("properties", "patternProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_ONE = ("items", "additionalProperties", "propertyNames", "contentSchema", "not")
_LOWER = ("minLength", "minimum", "minItems", "minProperties")
_UPPER = ("maxLength", "maximum", "maxItems", "maxProperties")


def inline(spec: Spec, node: Any, seen: tuple[str, ...] = ()) -> Any:
    """A schema with every ``$ref`` replaced by its target; annotations and ``x-`` extensions dropped."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" or key.startswith("x-") or key in _ANNOTATIONS:
            continue
        if key in _SCHEMA_MAPS:
            out[key] = {name: inline(spec, sub, seen) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS:
            out[key] = [inline(spec, sub, seen) for sub in value]
        elif key in _SCHEMA_ONE:
            out[key] = inline(spec, value, seen)
        else:
            out[key] = value
    ref = node.get("$ref")
    if ref is None:
        return out
    if ref in seen:
        raise SpecError(f"{spec.source}: recursive $ref {ref} cannot be generated")
    target = inline(spec, spec.at(ref), (*seen, ref))
    return {"allOf": [target, out]} if out else target


def flatten(schema: Any) -> dict[str, Any]:
    """The schema with its ``allOf`` merged in (what cannot be merged is kept in ``allOf``, checked later)."""
    if schema is True or schema is None:
        return {}
    if schema is False:
        return {"not": {}}
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf") or []:
        out = _merge(out, flatten(part))
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


def json_types(schema: dict[str, Any]) -> list[str]:
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


def from_schema(schema: Any) -> st.SearchStrategy[Any]:
    """A strategy for the values a (ref-free) schema accepts."""
    flat = flatten(schema)
    residual = flat.pop("allOf", None)
    strategy = _unfiltered(flat)
    return strategy.filter(_checker({"allOf": residual})) if residual else strategy


def _unfiltered(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if schema.get("not") == {}:
        return st.nothing()
    for key in ("oneOf", "anyOf"):
        if key in schema:
            base = {k: v for k, v in schema.items() if k != key}
            strategy = st.one_of([from_schema({"allOf": [base, branch]}) for branch in schema[key]])
            if key == "oneOf":
                checks = [_checker(branch) for branch in schema[key]]
                strategy = strategy.filter(lambda v: sum(check(v) for check in checks) == 1)
            return strategy
    if "const" in schema:
        return st.just(schema["const"]).map(copy.deepcopy)
    types = json_types(schema)
    if "enum" in schema:
        allowed = [v for v in schema["enum"] if "any" in types or _json_type(v) in types or (_json_type(v) == "integer" and "number" in types)]
        return st.sampled_from(allowed).map(copy.deepcopy) if allowed else st.nothing()
    return st.one_of([_BY_TYPE[kind](schema) for kind in types])


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    pattern, fmt = schema.get("pattern"), schema.get("format")
    if schema.get("contentMediaType") == "application/json" and "contentSchema" in schema:
        base = from_schema(schema["contentSchema"]).map(json.dumps)
    elif fmt in _FORMATS:
        base = _FORMATS[fmt]
    elif pattern is not None:
        base, pattern = st.from_regex(pattern, fullmatch=True, alphabet=CHARS), None
    else:
        return st.text(CHARS, min_size=low, max_size=high if high is not None else low + _TEXT_MAX)

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
        {n: from_schema(properties[n]) for n in required},
        optional={n: from_schema(s) for n, s in properties.items() if n not in required},
    )
    patterns = schema.get("patternProperties") or {}
    extras = [
        st.dictionaries(
            st.from_regex(p, fullmatch=True, alphabet=CHARS).filter(lambda k: k not in properties), from_schema(s), max_size=2
        )
        for p, s in patterns.items()
    ]
    more = schema.get("additionalProperties", True)
    low, high = schema.get("minProperties", 0), schema.get("maxProperties")
    if isinstance(more, dict) or (more is True and "propertyNames" in schema):
        names = from_schema({"allOf": [{"type": "string"}, schema.get("propertyNames") or {}]}).filter(
            lambda k: k not in properties and not _matches_any(k, patterns)
        )
        top = high if high is not None else max(low, 3)
        extras.append(st.dictionaries(names, from_schema(more if isinstance(more, dict) else {}), min_size=low, max_size=top))
    strategy = st.tuples(declared, *extras).map(lambda parts: {k: v for part in parts for k, v in part.items()})
    if low or high is not None:
        strategy = strategy.filter(lambda d: len(d) >= low and (high is None or len(d) <= high))
    return strategy


def _array(schema: dict[str, Any]) -> st.SearchStrategy[list[Any]]:
    low = schema.get("minItems", 0)
    high = min(schema.get("maxItems", low + 3), low + 3)  # short lists: realistic answers, fast to check
    return st.lists(from_schema(schema.get("items") or {}), min_size=low, max_size=high)


def _any(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(CHARS, max_size=8)
    return st.recursive(
        leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(CHARS, max_size=8), inner, max_size=3), max_leaves=5
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
def schema_values(provider: str, pointer: str) -> st.SearchStrategy[Any]:
    """Values of the schema at a pointer of a provider's spec (``#/components/schemas/Contact``)."""
    spec = load_bundled()[provider]
    return from_schema(inline(spec, spec.at(pointer)))

