"""Validate a normalised request against its operation: pure, returns arguments and violations."""
from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from .incoming import FORM_TYPES, JSON_TYPES, Incoming, Violation
from .spec import Operation, Parameter, Spec

__all__ = ["FORM_TYPES", "JSON_TYPES", "QUERY_RULES", "Incoming", "Violation", "coerce", "query_rules", "validate_request", "validate_response"]

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
# PHP platforms read a query boolean as the string sent: Laravel's `boolean` rule compares strictly with
# [true, false, 0, 1, "0", "1"] (docs/platforms.md, QuickCom: booleans and `in` rules) and MySQL casts "true"
# to 0 (docs/platforms.md, SMSFlow: filters), so of the strings only "0" and "1" are booleans.
_PHP_BOOLEANS = {"1": True, "0": False}


class QueryRules(NamedTuple):
    """How a platform's code reads query and form strings (a spec's ``x-smsmock-query-rules``)."""

    booleans: dict[str, bool]  # the strings a boolean takes
    spelled: bool  # an enum is Laravel's `in` rule: the string as sent compared with each member's
    first_wins: bool  # of a repeated name, the first value is used (PHP's $_GET keeps the last)


# Absent: the lenient reading above (what JSON Schema's types allow), the last of repeated values winning.
# Frappe builds its arguments with a plain dict.update from Werkzeug's MultiDicts, which takes the first value
# of a repeated name (docs/platforms.md, QuickFlow: arguments).
_RULES: dict[str, QueryRules] = {
    "laravel": QueryRules(_PHP_BOOLEANS, True, False),
    "altumcode": QueryRules(_PHP_BOOLEANS, False, False),
    "frappe": QueryRules(_BOOLEANS, False, True),
}
_LENIENT = QueryRules(_BOOLEANS, False, False)
QUERY_RULES = tuple(_RULES)  # the names x-smsmock-query-rules takes
# Python refuses to parse integers of more than 4,300 digits (CVE-2020-10735); longer ones stay strings.
_MAX_DIGITS = 4300


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return kind
    if kind:
        return [kind]
    for key in ("oneOf", "anyOf", "allOf"):
        found = [t for sub in schema.get(key) or [] if isinstance(sub, dict) for t in _types(sub)]
        if found:
            return found
    if "enum" in schema:
        return sorted({type(v).__name__.replace("str", "string").replace("int", "integer") for v in schema["enum"]})
    return []


def coerce(
    value: str,
    schema: dict[str, Any],
    types: tuple[str, ...] | list[str] | None = None,
    booleans: dict[str, bool] = _BOOLEANS,
) -> Any:
    """A wire string as the schema's type (left a string when it does not parse: validation says why).

    ``types`` is ``_types(schema)`` when the caller worked it out once already; ``booleans`` the strings a
    boolean takes (lower-cased before the look-up only in the lenient reading)."""
    if types is None:
        types = _types(schema)
    if "string" in types or not types:
        return value
    if "integer" in types and _INTEGER.match(value) and len(value) <= _MAX_DIGITS:
        return int(value)
    if "number" in types and _NUMBER.match(value.strip()) and len(value) <= _MAX_DIGITS:
        number = float(value)
        return int(number) if number.is_integer() and "integer" in types else number
    if "boolean" in types:
        key = value.lower() if booleans is _BOOLEANS else value
        if key in booleans:
            return booleans[key]
    if "null" in types and value == "":
        return None
    if "array" in types:
        items: dict[str, Any] = schema["items"] if isinstance(schema.get("items"), dict) else {}
        return [coerce(part, items, None, booleans) for part in value.split(",")] if value else []
    return value


def _schema_message(error: Any) -> tuple[str, Any]:
    """A short description of what the schema wants, from a jsonschema error."""
    keyword, wanted = error.validator, error.validator_value
    if keyword == "enum":
        return f"must be one of {wanted}, got {error.instance!r}", wanted
    if keyword == "type":
        return f"must be of type {wanted}, got {error.instance!r}", wanted
    if keyword == "pattern":
        return f"must match {wanted}, got {error.instance!r}", wanted
    return error.message, wanted


def _missing(error: Any) -> list[str]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [name for name in error.validator_value if name not in instance]


def _extra(error: Any, schema_properties: set[str], patterns: list[re.Pattern[str]], fields: Any) -> list[str]:
    instance = error.instance if error is not None and isinstance(error.instance, dict) else fields
    instance = instance if isinstance(instance, dict) else {}
    return [n for n in instance if n not in schema_properties and not any(p.search(n) for p in patterns)]


def _conforms(spec: Spec, pointer: str, value: Any) -> bool:
    """The fast check (jsonschema-rs) that most requests pass; the reasons come from jsonschema only on a miss.

    jsonschema-rs is never more lenient than jsonschema on the bundled schemas (tests/test_fast_validation.py);
    where it is stricter (ECMA ``\\d`` and ``$``), the jsonschema verdict stands, so the outcome is jsonschema's.
    """
    try:
        return spec.is_valid(pointer, value)
    except (ValueError, TypeError, OverflowError):  # a value jsonschema-rs cannot convert: let jsonschema judge
        return False


def _check_value(spec: Spec, param: Parameter, value: Any, location: str) -> list[Violation]:
    if _conforms(spec, param.schema_pointer, value):
        return []
    found = []
    for error in spec.validator(param.schema_pointer).iter_errors(value):
        message, wanted = _schema_message(error)
        path = list(error.absolute_path)
        # A free-form family's members travel under their own names (v1, v2, ...): name the one that came.
        name = str(path.pop(0)) if param.is_free_form and path else param.name
        pointer = "/" + "/".join(str(p) for p in path) if path else ""
        found.append(
            Violation(
                location,
                name,
                str(error.validator),
                message,
                pointer,
                wanted,
                error.instance,
                ignored=param.on_invalid == "ignore",
            )
        )
    return found


def _last(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


@dataclass(frozen=True)
class _Slot:
    """How one declared parameter is read off the wire, worked out once per operation."""

    param: Parameter
    name: str
    types: tuple[str, ...]  # the JSON types a wire string is coerced to
    many: bool  # an exploded array: every value sent is an item
    item_schema: dict[str, Any]
    item_types: tuple[str, ...]
    members: tuple[tuple[re.Pattern[str], dict[str, Any], tuple[str, ...]], ...]  # a free-form family's
    booleans: dict[str, bool]  # the strings a boolean takes, by the spec's query rules
    spelled: frozenset[str] | None  # Laravel's `in`: the enum's members as strings, compared exactly
    repeatable: bool  # an array: a name sent more than once is no violation
    as_sent: bool  # a single string: the value is the string sent, nothing to coerce or compare


@dataclass(frozen=True)
class _Plan:
    """How one location's parameters of an operation are read and checked, worked out once."""

    slots: tuple[_Slot, ...]
    all_conform: Callable[[dict[str, Any]], bool]  # the values (by parameter name) against the location's merged schema
    names: frozenset[str]  # the declared names (free-form families left out)
    pick: int  # which of a repeated name's values is used: 0 (the first) or -1 (the last)
    which: str  # "first" or "last", for the violation that says so
    judges_unknown: bool  # undeclared names are reported (query and cookie; undeclared headers are not judged)


def query_rules(spec: Spec) -> QueryRules:
    """How the spec's platform reads query and form strings (its ``x-smsmock-query-rules``)."""
    return _RULES.get(str(spec.document.get("x-smsmock-query-rules")), _LENIENT)


def _php_string(member: Any) -> str:
    """An enum member as PHP's ``(string)`` writes it, which Laravel's ``in`` rule compares with."""
    if isinstance(member, bool):
        return "1" if member else ""
    return str(member)


def plan(spec: Spec, operation: Operation, location: str) -> _Plan:
    """The reading plan of one location's parameters, built on its first request (its jsonschema-rs check with it)."""

    def build() -> _Plan:
        booleans, laravel, first_wins = query_rules(spec)
        found = []
        for param in operation.parameters_in(location):
            types = tuple(_types(param.schema))
            items: dict[str, Any] = param.schema["items"] if isinstance(param.schema.get("items"), dict) else {}
            members = tuple(
                (rx, schema, tuple(_types(schema)))
                for rx, schema in zip(param.name_patterns, (param.schema.get("patternProperties") or {}).values())
            ) if param.is_free_form else ()
            spelled = frozenset(_php_string(m) for m in param.schema["enum"]) if laravel and "enum" in param.schema else None
            many = "array" in types and param.explode
            as_sent = not members and not many and spelled is None and ("string" in types or not types)
            found.append(
                _Slot(param, param.name, types, many, items, tuple(_types(items)), members, booleans, spelled, "array" in types, as_sent)
            )
        pick, which = (0, "first") if first_wins else (-1, "last")
        names = operation.names_in(location)
        return _Plan(tuple(found), spec.location_check(operation, location), names, pick, which, location in ("query", "cookie"))

    return spec.derive(("plan", operation.pointer, location), build)


def _parameters(
    spec: Spec,
    operation: Operation,
    location: str,
    supplied: dict[str, list[str]],
    reserved: set[str],
    args: dict[str, Any],
) -> list[Violation]:
    """Parameters of one location: coerce, validate, fill defaults; report missing, unknown and repeated."""
    violations: list[Violation] = []
    reading = plan(spec, operation, location)
    if not reading.slots and not reading.judges_unknown:  # undeclared headers are not judged
        return violations
    pick, names = reading.pick, reading.names
    claimed: set[str] = set()
    values: dict[str, Any] = {}
    for slot in reading.slots:
        param, name = slot.param, slot.name
        value: Any
        if slot.members:  # a free-form family: every undeclared name one of its patterns takes
            value = {}
            for sent_name, sent in supplied.items():
                if sent_name not in names:
                    for rx, schema, types in slot.members:
                        if rx.search(sent_name):
                            value[sent_name] = coerce(sent[pick], schema, types, slot.booleans)
                            break
            claimed.update(value)
            if not value:
                if param.required:
                    violations.append(Violation(location, name, "required", "is required but missing"))
                continue
        else:
            raw = supplied.get(name)
            if raw is None:
                if param.required:
                    violations.append(Violation(location, name, "required", "is required but missing", expected=param.schema.get("type")))
                elif "default" in param.schema:
                    args[name] = param.schema["default"]
                continue
            if len(raw) > 1 and not slot.repeatable:
                violations.append(
                    Violation(location, name, "repeated", f"sent {len(raw)} times; the {reading.which} value is used", received=raw, ignored=True)
                )
            if slot.as_sent:
                value = raw[pick]
            elif slot.many:
                value = [coerce(v, slot.item_schema, slot.item_types, slot.booleans) for v in raw]
            else:
                value = coerce(raw[pick], param.schema, slot.types, slot.booleans)
                if slot.spelled is not None and raw[pick] not in slot.spelled and value in param.schema["enum"]:
                    # `in:0,1,2` compares strings: "+1" or "01" is no member, though it reads as one.
                    enum = param.schema["enum"]
                    violations.append(
                        Violation(location, name, "enum", f"must be one of {enum}, got {raw[pick]!r}", expected=enum,
                                  received=raw[pick], ignored=param.on_invalid == "ignore")
                    )
                    continue
        values[name] = value
    if _all_conform(reading, values):  # the usual case: one check for them all
        args.update(values)
    else:
        for slot in reading.slots:
            param = slot.param
            if param.name not in values:
                continue
            problems = _check_value(spec, param, values[param.name], location)
            if problems:
                violations += problems
                if all(p.ignored for p in problems):
                    # The platform ignores the value: it uses the default, or (none declared) takes the value
                    # as sent and makes of it what it does, which the provider decides.
                    if "default" in param.schema:
                        args[param.name] = param.schema["default"]
                        continue
            args[param.name] = values[param.name]
    if reading.judges_unknown:
        for name, sent in supplied.items():
            if name not in names and name not in claimed and name not in reserved:
                close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.75)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                violations.append(
                    Violation(location, name, "unknown", f"is not documented for {operation.operation_id}{hint}", received=sent[pick], ignored=True)
                )
    return violations


def _all_conform(reading: _Plan, values: dict[str, Any]) -> bool:
    """jsonschema-rs's verdict on every value at once (never more lenient than jsonschema: see _conforms).

    False sends each value to its own check: one breaks its schema, or a required one is missing (which
    _parameters has reported already, so the values that came are still judged one by one)."""
    if not values:
        return True
    try:
        return bool(reading.all_conform(values))
    except (ValueError, TypeError, OverflowError):  # a value jsonschema-rs cannot convert: judge each on its own
        return False


def _is_json(media: str) -> bool:
    return media in JSON_TYPES or media.endswith("+json")


def _body(spec: Spec, operation: Operation, incoming: Incoming, args: dict[str, Any]) -> list[Violation]:
    """Decode, coerce and validate the body; merge its fields into the arguments."""
    if not operation.body:
        return []
    violations: list[Violation] = []
    media = incoming.content_type
    pointer = operation.body.get(media)
    fields: Any = {}
    has_body = bool(incoming.body) or bool(incoming.form)
    if pointer is None and _is_json(media) and "application/json" in operation.body:
        # Werkzeug's `is_json` (Frappe) and Laravel's `isJson` read any `application/*+json` body as JSON: the
        # platform answers it, the journal names the undocumented type (docs/platforms.md, QuickFlow: arguments).
        pointer = operation.body["application/json"]
        violations.append(
            Violation("content-type", "", "content-type", f"{media} is not documented (send application/json); the platform reads it as JSON",
                      expected=list(operation.body), received=media, ignored=True)
        )
    if pointer is None:
        if has_body or operation.body_required:
            violations.append(
                Violation(
                    "content-type",
                    "",
                    "content-type",
                    f"{media or 'missing'} is not accepted, so the body is not read (send {' or '.join(operation.body)})",
                    expected=list(operation.body),
                    received=media or None,
                    ignored=True,
                )
            )
        pointer = next(iter(operation.body.values()))
    elif _is_json(media):
        if incoming.body.strip():
            try:
                fields = json.loads(incoming.body.decode("utf-8"))
                if b"\\u" in incoming.body:  # an escaped lone surrogate decodes to text no reader can write out
                    json.dumps(fields, ensure_ascii=False).encode("utf-8")
            except (UnicodeError, ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
                return [Violation("body", "", "json", f"is not valid JSON: {exc}", received=incoming.body[:200].decode("utf-8", "replace"))]
    elif media in FORM_TYPES:
        properties, patterns = spec.object_properties(pointer)
        rules = query_rules(spec)
        fields = {}
        for name, values in _last(incoming.form or []).items():
            schema_pointer = properties.get(name) or next((p for rx, p in patterns if rx.search(name)), None)
            schema = spec.resolve_schema(schema_pointer) if schema_pointer else {}
            fields[name] = coerce(values[0 if rules.first_wins else -1], schema, None, rules.booleans)
    else:
        fields = incoming.body.decode("utf-8", "replace")
    if not has_body and not operation.body_required:
        return violations
    properties, patterns = spec.object_properties(pointer)
    unknown: set[str] = set()
    missing: set[str] = set()
    errors = () if _conforms(spec, pointer, fields) else spec.validator(pointer).iter_errors(fields)
    for error in errors:
        path = list(error.absolute_path)
        name = str(path[0]) if path else ""
        inner = "/" + "/".join(str(p) for p in path[1:]) if len(path) > 1 else ""
        if error.validator == "required" and not path:
            for name in _missing(error):  # each `required` error carries the whole list: name each field once
                if name not in missing:
                    missing.add(name)
                    violations.append(Violation("body", name, "required", "is required but missing"))
        elif error.validator in ("additionalProperties", "unevaluatedProperties") and not path:
            unknown.update(_extra(error, set(properties), [rx for rx, _ in patterns], fields))
        else:
            message, wanted = _schema_message(error)
            violations.append(Violation("body", name, str(error.validator), message, inner, wanted, error.instance))
    if isinstance(fields, dict):
        # Every undocumented field, whether the schema refuses it or (SMSFlow's form, whose additionalProperties
        # serve SDK generators) admits it: the platform ignores it, the journal names it.
        unknown.update(_extra(None, set(properties), [rx for rx, _ in patterns], fields))
        for extra in sorted(unknown, key=list(fields).index):
            violations.append(
                Violation("body", extra, "unknown", f"is not documented for {operation.operation_id}", received=fields.get(extra), ignored=True)
            )
        for name, value in fields.items():
            if name not in unknown:
                args[name] = value
        for name, default in _defaults(spec, pointer):
            if name not in fields:
                args[name] = default
    return violations


def _defaults(spec: Spec, pointer: str) -> tuple[tuple[str, Any], ...]:
    """(name, default) of each property of a body schema that declares a default; worked out once."""

    def collect() -> tuple[tuple[str, Any], ...]:
        properties, _ = spec.object_properties(pointer)
        found = ((name, spec.resolve_schema(at)) for name, at in properties.items())
        return tuple((name, schema["default"]) for name, schema in found if "default" in schema)

    return spec.derive(("defaults", pointer), collect)


def validate_request(
    spec: Spec,
    operation: Operation,
    incoming: Incoming,
    path_params: dict[str, str],
    reserved_query: set[str] | frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], list[Violation]]:
    """The operation's arguments (coerced, defaults filled) and every violation of the request."""
    args: dict[str, Any] = {}
    if spec.document.get("x-smsmock-form-merges-query") and operation.body and not _is_json(incoming.content_type):
        # Frappe reads a non-JSON request's arguments from the query string and the form together (form wins).
        declared = {p.name for p in operation.parameters_in("query")}
        undeclared = [(n, v) for n, v in incoming.query if n not in declared and n not in reserved_query]
        sent = {n for n, _ in incoming.form or []}  # the form wins over the query (`args.update(request.form)`)
        carried = [(n, v) for n, v in undeclared if n not in sent]
        if undeclared:
            reserved_query = set(reserved_query) | {n for n, _ in undeclared}
        if carried:
            media = incoming.content_type if incoming.content_type in FORM_TYPES or incoming.body else FORM_TYPES[0]
            incoming = dataclasses.replace(incoming, form=carried + list(incoming.form or []), content_type=media)
    violations = _parameters(spec, operation, "path", {k: [v] for k, v in path_params.items()}, set(), args)
    violations += _parameters(spec, operation, "query", _last(incoming.query), set(reserved_query), args)
    if operation.parameters_in("header"):
        headers = {name: [value] for name, value in incoming.headers.items()}
        violations += _parameters(spec, operation, "header", headers, set(), args)
    violations += _body(spec, operation, incoming, args)
    return args, violations


def validate_response(spec: Spec, response_pointer: str, media_type: str, body: Any) -> list[str]:
    """Why a body does not match the response declared at a pointer (empty: it matches)."""
    declared, schema = spec.response_body(response_pointer, media_type)
    if body is None:
        return ["the spec declares a body, the answer has none"] if declared else []
    if not declared:
        return [f"the spec declares no {media_type} body for this response"]
    if schema is None:
        return []
    if _conforms(spec, schema, body):  # the fast check first: answers can hold thousands of records
        return []
    validator = spec.validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(body)]
