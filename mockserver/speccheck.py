"""Check OpenAPI documents: structure, references, examples, operations, provenance."""
from __future__ import annotations

import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import jsonschema_rs
import yaml

from .documents import (
    HTTP_METHODS,
    MISSING,
    SpecError,
    bundled_spec_paths,
    documented_operations_path,
    pointer_join,
    read_document,
    resolve_pointer,
)
from .spec import Spec
from .validation import QUERY_RULES
from .wire import STYLES

__all__ = ["Problem", "Provenance", "check_files", "check_spec", "provenance"]

AUTH_FAILURES = ("401", "403", "4XX")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, located by file and JSON pointer."""

    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.pointer}: {self.message}"


def _walk_refs(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer, ref
        for key, value in node.items():
            yield from _walk_refs(value, pointer_join(pointer, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_refs(value, pointer_join(pointer, index))


def _check_refs(document: Any, source: str) -> list[Problem]:
    problems = []
    for where, ref in _walk_refs(document, "#"):
        if not ref.startswith("#"):
            problems.append(Problem(source, where, f"external $ref {ref!r} is not supported: bundle the document"))
        elif resolve_pointer(document, ref) is MISSING:
            problems.append(Problem(source, where, f"$ref {ref!r} does not resolve"))
    return problems


@functools.lru_cache(maxsize=None)
def _meta_validator(version: str) -> Any:
    """The official OpenAPI schema (as shipped by openapi-spec-validator), compiled once.

    Read from the package's files without importing it: its import alone takes half a second.
    """
    package = importlib.util.find_spec("openapi_spec_validator")
    if package is None or not package.submodule_search_locations:
        raise RuntimeError("openapi-spec-validator is not installed")
    resource = Path(package.submodule_search_locations[0]) / "resources" / "schemas" / f"v{version}" / "schema.json"
    return jsonschema_rs.validator_for(json.loads(resource.read_text(encoding="utf-8")))


def _check_structure(spec: Spec) -> list[Problem]:
    """The document against the official OpenAPI schema, and each 3.1 schema object against JSON Schema 2020-12.

    jsonschema-rs does this in milliseconds where the pure-Python validators take most of a second.
    """
    version = str(spec.document.get("openapi", ""))
    if not version.startswith(("3.1", "3.0")):
        return [Problem(spec.source, "#/openapi", f"unsupported OpenAPI version {version!r} (want 3.1.x or 3.0.x)")]
    problems = [
        Problem(spec.source, pointer_join("#", *error.instance_path), f"invalid OpenAPI: {error.message}")
        for error in _meta_validator(version[:3]).iter_errors(spec.document)
    ]
    if version.startswith("3.1"):
        for pointer in _schema_sites(spec):
            try:
                jsonschema_rs.meta.validate(spec.at(pointer))
            except jsonschema_rs.ValidationError as error:
                where = pointer_join(pointer, *error.instance_path)
                problems.append(Problem(spec.source, where, f"invalid schema: {error.message}"))
            except jsonschema_rs.ReferencingError:
                pass  # a $ref into the document: resolved by the reference check
    return problems


# smsmock's extensions that name one of a few platform readings: an unknown name would fall back silently.
_NAMED_EXTENSIONS = {"x-smsmock-query-rules": QUERY_RULES, "x-smsmock-json": tuple(STYLES)}


def _check_extensions(spec: Spec) -> list[Problem]:
    """Each named extension at the root names a reading smsmock knows (docs/spec-conventions.md)."""
    problems = []
    for key, known in _NAMED_EXTENSIONS.items():
        value = spec.document.get(key)
        if value is not None and value not in known:
            problems.append(Problem(spec.source, pointer_join("#", key), f"unknown value {value!r} (one of: {', '.join(sorted(known))})"))
    return problems


def _schema_sites(spec: Spec) -> Iterator[str]:
    """Pointers of every schema object the document holds at a known place."""
    for pointer, site in _example_sites(spec):
        if isinstance(site, dict) and "schema" in site:
            yield pointer_join(pointer, "schema")
    for name in (spec.document.get("components") or {}).get("schemas") or {}:
        yield pointer_join("#/components/schemas", name)


def _example_sites(spec: Spec) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every parameter, media type and header object (with its pointer) that may hold examples."""
    doc = spec.document
    components = doc.get("components") or {}

    def media(content: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for media_type, item in (content or {}).items():
            if isinstance(item, dict):
                yield pointer_join(pointer, media_type), item

    def response(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(node, dict) and "$ref" not in node:
            yield from media(node.get("content"), pointer_join(pointer, "content"))
            for name, header in (node.get("headers") or {}).items():
                if isinstance(header, dict) and "$ref" not in header:
                    yield pointer_join(pointer, "headers", name), header

    def operation(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for index, param in enumerate(node.get("parameters") or []):
            if isinstance(param, dict) and "$ref" not in param:
                yield pointer_join(pointer, "parameters", index), param
        body = node.get("requestBody")
        if isinstance(body, dict) and "$ref" not in body:
            yield from media(body.get("content"), pointer_join(pointer, "requestBody", "content"))
        for status, resp in (node.get("responses") or {}).items():
            yield from response(resp, pointer_join(pointer, "responses", status))

    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        item_pointer = pointer_join("#/paths", path)
        yield from operation({"parameters": item.get("parameters")}, item_pointer)
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield from operation(item[method], pointer_join(item_pointer, method))
    for name, param in (components.get("parameters") or {}).items():
        yield pointer_join("#/components/parameters", name), param
    for name, body in (components.get("requestBodies") or {}).items():
        yield from media(body.get("content"), pointer_join("#/components/requestBodies", name, "content"))
    for name, resp in (components.get("responses") or {}).items():
        yield from response(resp, pointer_join("#/components/responses", name))
    for name, header in (components.get("headers") or {}).items():
        yield pointer_join("#/components/headers", name), header


def _check_examples(spec: Spec) -> list[Problem]:
    problems = []
    for pointer, site in _example_sites(spec):
        if not isinstance(site, dict) or "schema" not in site:
            continue
        values = []
        if "example" in site:
            values.append((pointer_join(pointer, "example"), site["example"]))
        for name, example in (site.get("examples") or {}).items():
            where = pointer_join(pointer, "examples", name)
            try:
                example, _ = spec.deref(example, where)
            except SpecError:
                continue  # reported by the reference check
            if isinstance(example, dict) and "value" in example:
                values.append((pointer_join(where, "value"), example["value"]))
        if not values:
            continue
        try:
            validator = spec.validator(pointer_join(pointer, "schema"))
            for where, value in values:
                for error in validator.iter_errors(value):
                    inner = pointer_join(where, *error.absolute_path)
                    problems.append(Problem(spec.source, inner, f"example does not match its schema: {error.message}"))
        except Exception as exc:  # an unresolvable schema: reported elsewhere too
            problems.append(Problem(spec.source, pointer, f"cannot check examples: {exc}"))
    for name, schema in ((spec.document.get("components") or {}).get("schemas") or {}).items():
        if isinstance(schema, dict) and isinstance(schema.get("examples"), list):
            pointer = pointer_join("#/components/schemas", name)
            validator = spec.validator(pointer)
            for index, value in enumerate(schema["examples"]):
                for error in validator.iter_errors(value):
                    where = pointer_join(pointer, "examples", index, *error.absolute_path)
                    problems.append(Problem(spec.source, where, f"example does not match its schema: {error.message}"))
    return problems


def _check_operations(spec: Spec) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    root_security = spec.document.get("security")
    for op in spec.operations:
        definition = op.definition
        operation_id = definition.get("operationId")
        if not operation_id:
            problems.append(Problem(spec.source, op.pointer, "operation has no operationId"))
        elif operation_id in seen:
            problems.append(Problem(spec.source, op.pointer, f"operationId {operation_id!r} is also used at {seen[operation_id]}"))
        else:
            seen[operation_id] = op.pointer
        security = definition.get("security", root_security)
        if security is None:
            problems.append(Problem(spec.source, op.pointer, "operation declares no security (nor does the document)"))
        declared = {p.name for p in op.parameters_in("path")}
        for name in re.findall(r"{([^}/]+)}", op.path):
            if name not in declared:
                problems.append(Problem(spec.source, op.pointer, f"path parameter {name!r} of {op.path} is not declared"))
        statuses = [str(s) for s in (definition.get("responses") or {})]
        if not any(s.startswith("2") for s in statuses):
            problems.append(Problem(spec.source, pointer_join(op.pointer, "responses"), "operation has no 2xx response"))
        public = security is not None and (not security or {} in security)
        if security and not public and not any(s in AUTH_FAILURES for s in statuses):
            problems.append(
                Problem(spec.source, pointer_join(op.pointer, "responses"), "secured operation has no auth-failure response (401 or 403)")
            )
    return problems


def _check_documented(spec: Spec, documented: list[str]) -> list[Problem]:
    """The bundled spec's operations against the provider document's list."""
    have = {f"{op.method} {spec.base_url}{op.path}" for op in spec.operations}
    want = set(documented)
    problems = [Problem(spec.source, "#/paths", f"documented operation missing: {item}") for item in sorted(want - have)]
    problems += [Problem(spec.source, "#/paths", f"operation not in the provider document: {item}") for item in sorted(have - want)]
    return problems


def check_spec(spec: Spec, documented: list[str] | None = None) -> list[Problem]:
    """Every problem of one loaded document whose references resolve."""
    problems = _check_structure(spec)
    problems += _check_extensions(spec)
    problems += _check_examples(spec)
    problems += _check_operations(spec)
    if documented is not None:
        problems += _check_documented(spec, documented)
    return problems


@dataclass
class Provenance:
    """How much of a spec is documented and how much inferred (documented, inferred) per kind."""

    provider: str
    operations: int = 0
    fields: tuple[int, int] = (0, 0)
    responses: tuple[int, int] = (0, 0)
    examples: tuple[int, int] = (0, 0)


def _inferred(*nodes: Any) -> bool:
    return any(isinstance(node, dict) and node.get("x-provenance") == "inferred" for node in nodes)


def provenance(spec: Spec) -> Provenance:
    """Count documented vs inferred fields (parameters and body fields), responses and examples.

    A part is inferred when it, its schema, or what holds it (the operation, the response) carries
    ``x-provenance: inferred``; shared components count once.
    """
    seen: dict[str, dict[str, bool]] = {"fields": {}, "responses": {}, "examples": {}}

    def examples(site: dict[str, Any], where: str, inherited: bool) -> None:
        for name, example in (site.get("examples") or {}).items():
            example, pointer = spec.deref(example, pointer_join(where, "examples", name))
            seen["examples"].setdefault(pointer, inherited or _inferred(example))

    for op in spec.operations:
        op_inferred = _inferred(op.definition)
        for param in op.parameters:
            node = spec.at(param.pointer)
            inferred = op_inferred or _inferred(node, param.schema)
            seen["fields"].setdefault(f"{op.pointer} {param.location} {param.name}", inferred)
            examples(node, param.pointer, inferred)
        for media_type, schema_pointer in op.body.items():
            media_pointer = schema_pointer.rsplit("/", 1)[0]
            body, _ = spec.deref(op.definition.get("requestBody"), "#")
            media = spec.at(media_pointer)
            properties, _ = spec.object_properties(schema_pointer)
            for name, prop in properties.items():
                key = f"{op.pointer} body {name}"
                inferred = op_inferred or _inferred(spec.at(prop), spec.resolve_schema(prop))
                seen["fields"][key] = seen["fields"].get(key, True) and inferred  # documented in any media type
            examples(media, media_pointer, op_inferred or _inferred(body, media))
        for pointer in op.responses.values():
            response, where = spec.deref(spec.at(pointer), pointer)
            inferred = op_inferred or _inferred(response)
            seen["responses"].setdefault(f"{op.pointer} {pointer.rsplit('/', 1)[1]}", inferred)
            for media_type, media in (response.get("content") or {}).items():
                examples(media, pointer_join(where, "content", media_type), inferred or _inferred(media))

    def split(kind: str) -> tuple[int, int]:
        flags = list(seen[kind].values())
        return (flags.count(False), flags.count(True))

    return Provenance(
        provider=spec.provider or Path(spec.source).stem,
        operations=len(spec.operations),
        fields=split("fields"),
        responses=split("responses"),
        examples=split("examples"),
    )


def check_files(paths: list[Path] | None = None) -> tuple[list[Problem], list[Provenance]]:
    """Check the given files, or the bundled specs (then also against the documents' list)."""
    bundled = paths is None
    paths = list(bundled_spec_paths().values()) if bundled or paths is None else paths
    documented: dict[str, list[str]] = {}
    if bundled:
        documented = yaml.safe_load(documented_operations_path().read_text(encoding="utf-8"))
    problems: list[Problem] = []
    table: list[Provenance] = []
    for path in paths:
        try:
            document = read_document(path)
        except SpecError as exc:
            problems.append(Problem(str(path), "#", str(exc).removeprefix(f"{path}: ")))
            continue
        if not isinstance(document, dict):
            problems.append(Problem(str(path), "#", "not an OpenAPI document (top level is not a mapping)"))
            continue
        dangling = _check_refs(document, str(path))
        if dangling:  # nothing further can be read reliably
            problems += dangling
            continue
        spec = Spec(document, str(path))
        problems += check_spec(spec, documented.get(path.stem, []) if bundled else None)
        table.append(provenance(spec))
    return problems, table
