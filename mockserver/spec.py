"""A loaded OpenAPI document: its operations and parameters, references, examples and compiled validators."""
from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator
from urllib.parse import quote, urlsplit

import jsonschema_rs

from .documents import (
    HTTP_METHODS,
    MISSING,
    SpecError,
    bundled_spec_paths,
    cached_document,
    pointer_join,
    read_document,
    resolve_pointer,
)
from .wire import JsonStyle, style_of

if TYPE_CHECKING:  # jsonschema is imported on first use: requests that conform never need it (start-up time)
    from jsonschema import Draft202012Validator
    from referencing import Registry

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "Parameter",
    "Spec",
    "SpecError",
    "bundled_spec_paths",
    "load_bundled",
    "load_spec",
    "pointer_join",
    "read_document",
    "resolve_pointer",
]

@dataclass(frozen=True)
class Parameter:
    """One parameter of an operation, with its resolved schema."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    schema_pointer: str
    pointer: str
    style: str
    explode: bool
    on_invalid: str = "reject"
    name_patterns: tuple[re.Pattern[str], ...] = ()

    @property
    def is_free_form(self) -> bool:
        """An exploded object parameter: its properties travel as separate query names."""
        return self.explode and self.style == "form" and bool(self.name_patterns)

    def takes(self, name: str) -> bool:
        """Whether a wire name belongs to this free-form parameter."""
        return any(p.search(name) for p in self.name_patterns)


@dataclass(frozen=True)
class Operation:
    """One operation: where it lives, what it takes and what it may answer."""

    operation_id: str
    method: str
    path: str
    route: str
    pointer: str
    parameters: tuple[Parameter, ...]
    body: dict[str, str]
    body_required: bool
    responses: dict[str, str]
    security: tuple[dict[str, list[str]], ...]
    definition: dict[str, Any] = field(repr=False, compare=False, hash=False)

    def parameters_in(self, location: str) -> tuple[Parameter, ...]:
        """The parameters of one location (query, path, header, cookie)."""
        return self._by_location.get(location, ())

    @functools.cached_property
    def success_status(self) -> int:
        """The first documented 2xx status (200 when none is)."""
        return int(next((s for s in self.responses if s.startswith("2") and s.isdigit()), "200"))

    def names_in(self, location: str) -> frozenset[str]:
        """The names of a location's parameters, free-form families left out."""
        return self._names.get(location, frozenset())

    def location_schema(self, location: str) -> dict[str, Any]:
        """A location's parameters merged into one object schema (schemathesis' idea), as its arguments.

        Each parameter is a property holding its schema by local reference (a free-form family as the
        object it is, its members not spread out as they travel); the required ones are required and no
        other name is allowed. The validator checks a request's values against it in one call
        (:meth:`Spec.location_check`); the strategies generate a location's values from it.
        """
        found = self.parameters_in(location)
        return {
            "type": "object",
            "properties": {p.name: {"$ref": p.schema_pointer} for p in found},
            "required": [p.name for p in found if p.required],
            "additionalProperties": False,
        }

    @functools.cached_property
    def _names(self) -> dict[str, frozenset[str]]:
        return {where: frozenset(p.name for p in found if not p.is_free_form) for where, found in self._by_location.items()}

    @functools.cached_property
    def _by_location(self) -> dict[str, tuple[Parameter, ...]]:
        found: dict[str, tuple[Parameter, ...]] = {}
        for param in self.parameters:
            found[param.location] = (*found.get(param.location, ()), param)
        return found


class Spec:
    """A loaded OpenAPI document: resolve references, compile validators, list operations."""

    def __init__(self, document: dict[str, Any], source: str = "<memory>") -> None:
        if not isinstance(document, dict):
            raise SpecError(f"{source}: not an OpenAPI document (top level is not a mapping)")
        self.document = document
        self.source = source
        self.uri = f"urn:smsmock:{Path(source).stem or 'spec'}"
        info = document.get("info") or {}
        self.provider: str | None = info.get("x-smsmock-provider")
        self.title: str = info.get("title", Path(source).stem)
        servers = document.get("servers") or [{"url": "/"}]
        self.base_url: str = servers[0].get("url", "/").rstrip("/")
        self.base_path: str = urlsplit(self.base_url).path.rstrip("/")
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, Any] = {}  # jsonschema-rs validators by schema pointer
        self._fast_registry: Any = None
        self._derived: dict[Any, Any] = {}  # see derive()
        self.operations: tuple[Operation, ...] = tuple(self._operations())
        self.by_id: dict[str, Operation] = {op.operation_id: op for op in self.operations}
        components = document.get("components") or {}
        #: ``components.securitySchemes`` by name (every reader of credentials looks schemes up here).
        self.security_schemes: dict[str, dict[str, Any]] = components.get("securitySchemes") or {}
        #: How the platform writes its JSON answers (``x-smsmock-json``).
        self.json_style: JsonStyle = style_of(document)

    # -- references ---------------------------------------------------------

    def at(self, pointer: str) -> Any:
        """The node at a local JSON pointer (``#/components/schemas/X``), refs not followed."""
        node = resolve_pointer(self.document, pointer)
        if node is MISSING:
            raise SpecError(f"{self.source}: {pointer} does not resolve (only local references are supported)")
        return node

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow ``$ref`` chains (for non-schema objects); return the node and where it lives."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise SpecError(f"{self.source}: circular $ref at {pointer}")
            seen.add(ref)
            pointer = ref
            node = self.at(ref)
        return node, pointer

    def resolve_schema(self, pointer: str) -> dict[str, Any]:
        """A schema with its top-level ``$ref`` chain followed (nested refs stay); looked up once per pointer."""
        def resolve() -> dict[str, Any]:
            node, _ = self.deref(self.at(pointer), pointer)
            return node if isinstance(node, dict) else {}

        return self.derive(("schema", pointer), resolve)

    def derive(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A value computed from the document once per key and then reused (the request path's lookups)."""
        try:
            return self._derived[key]
        except KeyError:
            found = self._derived[key] = compute()
            return found

    def object_properties(self, pointer: str) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
        """Property name -> schema pointer, and pattern -> schema pointer, of an object schema (allOf merged).

        Computed once per pointer (the request path asks for it on every form body).
        """
        return self.derive(("object", pointer), lambda: self._object_properties(pointer))

    def _object_properties(self, pointer: str) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
        properties: dict[str, str] = {}
        patterns: list[tuple[re.Pattern[str], str]] = []
        stack, seen = [pointer], set()
        while stack:
            current = stack.pop()
            node = resolve_pointer(self.document, current)
            if current in seen or not isinstance(node, dict):
                continue
            seen.add(current)
            if "$ref" in node:
                stack.append(node["$ref"])
            for name in node.get("properties") or {}:
                properties.setdefault(name, pointer_join(current, "properties", name))
            for pattern in node.get("patternProperties") or {}:
                patterns.append((re.compile(pattern), pointer_join(current, "patternProperties", pattern)))
            stack.extend(pointer_join(current, "allOf", i) for i in range(len(node.get("allOf") or [])))
        return properties, patterns

    @functools.cached_property
    def registry(self) -> Registry:
        """The document as a ``referencing`` registry, for jsonschema's validators (built on first use)."""
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        return Registry().with_resource(self.uri, resource).crawl()

    def validator(self, schema_pointer: str) -> Draft202012Validator:
        """A compiled validator for the schema at a pointer; built once, then reused."""
        found = self._validators.get(schema_pointer)
        if found is None:
            from jsonschema import Draft202012Validator

            found = Draft202012Validator(
                {"$ref": f"{self.uri}{schema_pointer}"},
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            self._validators[schema_pointer] = found
        return found

    def is_valid(self, schema_pointer: str, value: Any) -> bool:
        """Whether a value matches the schema at a pointer, checked by jsonschema-rs (compiled once).

        Far faster than :meth:`validator` on large values (a list of 20,000 messages: 0.1 s, not 40 s);
        use :meth:`validator` for the reasons when it does not match.
        """
        found = self._fast.get(schema_pointer)
        if found is None:
            found = self._fast[schema_pointer] = self._compile_fast({"$ref": self._uri_of(schema_pointer)})
        return bool(found.is_valid(value))

    def location_check(self, operation: Operation, location: str) -> Callable[[dict[str, Any]], bool]:
        """jsonschema-rs's check of :meth:`Operation.location_schema`, compiled once per operation and location.

        For a request's parameters: one call into jsonschema-rs for all of a location's values instead of
        one each (a missing required one fails it too).
        """
        def compile_check() -> Callable[[dict[str, Any]], bool]:
            schema = operation.location_schema(location)
            properties = {name: {"$ref": self._uri_of(ref["$ref"])} for name, ref in schema["properties"].items()}
            return self._compile_fast({**schema, "properties": properties}).is_valid

        return self.derive(("location", operation.pointer, location), compile_check)

    def _uri_of(self, schema_pointer: str) -> str:
        return self.uri + quote(schema_pointer, safe="#/~")  # a URI: `{id}` in a path is escaped

    def _compile_fast(self, schema: dict[str, Any]) -> Any:
        if self._fast_registry is None:
            self._fast_registry = jsonschema_rs.Registry([(self.uri, self.document)])
        return jsonschema_rs.validator_for(schema, registry=self._fast_registry, validate_formats=True)

    # -- operations ---------------------------------------------------------

    def _operations(self) -> Iterator[Operation]:
        root_security = tuple(self.document.get("security") or ())
        for path, item in (self.document.get("paths") or {}).items():
            item_pointer = pointer_join("#/paths", path)
            item, item_pointer = self.deref(item, item_pointer)
            if not isinstance(item, dict):
                continue
            shared = self._parameters(item.get("parameters") or [], pointer_join(item_pointer, "parameters"))
            for method in HTTP_METHODS:
                definition = item.get(method)
                if not isinstance(definition, dict):
                    continue
                pointer = pointer_join(item_pointer, method)
                own = self._parameters(definition.get("parameters") or [], pointer_join(pointer, "parameters"))
                merged = {(p.location, p.name): p for p in (*shared, *own)}
                body, body_required = self._body(definition, pointer)
                responses = {
                    str(status): pointer_join(pointer, "responses", status)
                    for status in (definition.get("responses") or {})
                }
                security = definition.get("security")
                yield Operation(
                    operation_id=definition.get("operationId") or f"{method}_{path}",
                    method=method.upper(),
                    path=path,
                    route=self.base_path + path,
                    pointer=pointer,
                    parameters=tuple(merged.values()),
                    body=body,
                    body_required=body_required,
                    responses=responses,
                    security=root_security if security is None else tuple(security),
                    definition=definition,
                )

    def _parameters(self, raw: list[Any], pointer: str) -> list[Parameter]:
        found = []
        for index, node in enumerate(raw):
            param, where = self.deref(node, pointer_join(pointer, index))
            location = param.get("in", "query")
            schema_pointer = pointer_join(where, "schema")
            schema = self.resolve_schema(schema_pointer) if "schema" in param else {}
            style = param.get("style", "form" if location in ("query", "cookie") else "simple")
            patterns = tuple(re.compile(p) for p in (schema.get("patternProperties") or {}))
            found.append(
                Parameter(
                    name=param["name"],
                    location=location,
                    required=bool(param.get("required", location == "path")),
                    schema=schema,
                    schema_pointer=schema_pointer,
                    pointer=where,
                    style=style,
                    explode=bool(param.get("explode", style == "form")),
                    on_invalid=param.get("x-on-invalid", "reject"),
                    name_patterns=patterns if schema.get("type") == "object" else (),
                )
            )
        return found

    def _body(self, definition: dict[str, Any], pointer: str) -> tuple[dict[str, str], bool]:
        if "requestBody" not in definition:
            return {}, False
        body, where = self.deref(definition["requestBody"], pointer_join(pointer, "requestBody"))
        content = body.get("content") or {}
        media = {
            media_type.split(";")[0].strip().lower(): pointer_join(where, "content", media_type, "schema")
            for media_type, item in content.items()
            if isinstance(item, dict) and "schema" in item
        }
        return media, bool(body.get("required", False))

    def response_body(self, response_pointer: str, media_type: str) -> tuple[bool, str | None]:
        """Whether the response at a pointer declares a body of that media type, and its schema's pointer."""

        def look_up() -> tuple[bool, str | None]:
            response, where = self.deref(self.at(response_pointer), response_pointer)
            content = response.get("content") or {}
            schema = pointer_join(where, "content", media_type, "schema") if "schema" in content.get(media_type, {}) else None
            return media_type in content, schema

        return self.derive(("response body", response_pointer, media_type), look_up)

    def example(self, op: Operation, status: int | None, name: str | None) -> tuple[int, Any, str]:
        """A documented answer of an operation: (status, example body, response pointer); ValueError if none."""
        statuses = [s for s in op.responses if s[0].isdigit()]
        if status is None:
            candidates = statuses if name else [s for s in statuses if s.startswith("2")]
        else:
            candidates = [str(status)] if str(status) in op.responses else []
        if not candidates:
            raise ValueError(f"{op.operation_id} documents no {status} response (documented: {', '.join(statuses)})")
        for code in candidates:
            response, where = self.deref(self.at(op.responses[code]), op.responses[code])
            content = (response.get("content") or {}).get("application/json")
            if content is None:
                if name is None:
                    return int(code), None, where
                continue
            for example_name, example in (content.get("examples") or {}).items():
                example, _ = self.deref(example, where)
                if name in (None, example_name):
                    return int(code), copy.deepcopy(example.get("value")), where
            if name is None and "example" in content:
                return int(code), copy.deepcopy(content["example"]), where
        raise ValueError(f"{op.operation_id} has no example {name!r} for status {status or 'any'}")

    def response(self, operation: Operation, status: int | str) -> tuple[dict[str, Any], str] | None:
        """The response object an operation declares for a status (exact, then ``4XX``, then default)."""
        status = str(status)
        for key in (status, f"{status[0]}XX", "default"):
            if key in operation.responses:
                return self.deref(self.at(operation.responses[key]), operation.responses[key])
        return None

    def response_headers(self, operation: Operation, status: int | str) -> dict[str, tuple[dict[str, Any], str]]:
        """The headers the response for a status declares: name -> (header object, its pointer), looked up once."""
        def look_up() -> dict[str, tuple[dict[str, Any], str]]:
            response, where = self.response(operation, status) or ({}, "")
            declared = response.get("headers") or {}
            return {name: self.deref(node, pointer_join(where, "headers", name)) for name, node in declared.items()}

        return self.derive(("response headers", operation.pointer, str(status)), look_up)


def load_spec(path: str | Path) -> Spec:
    """Parse one OpenAPI file into a :class:`Spec`."""
    return Spec(read_document(path), str(path))


@functools.lru_cache(maxsize=None)
def load_bundled() -> dict[str, Spec]:
    """The three bundled specs, parsed once per process (and from YAML once per version of the file)."""
    return {name: Spec(cached_document(path), str(path)) for name, path in bundled_spec_paths().items()}
