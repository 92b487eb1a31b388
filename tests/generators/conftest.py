"""Clients and models that the ecosystem's generators build from a bundled spec, run against the mock in-process.

Generic over the provider name, for every spec's test in this folder:

- ``generated_client(provider)`` (fixture) runs openapi-python-client on the provider's spec into a temporary
  folder, fails on any warning it prints, and returns a :class:`GeneratedApi`: it calls an operation by its
  operationId through httpx's WSGI transport to the strict app, and checks that each answer was parsed into
  the model the spec names for its status (the whole JSON body, round-tripped through ``to_dict``).
- ``component_models(provider)`` (fixture) runs datamodel-code-generator on the spec's components, and
  :func:`spec_examples` lists every named example of the spec with the component schema it must parse as.
  It runs with ``--generate-schema-validators``, the generator's own checks for the JSON Schema rules a type
  hint cannot state: SMSFlow's form names its custom parameters (``custom_parameter_key[i]``) with
  ``patternProperties`` beside ``properties`` and ``additionalProperties: false``, which without it become a
  model that forbids them. The other ways of saying them (``propertyNames``, or an ``allOf`` member closing a
  form whose ``additionalProperties`` are typed) are rules schemathesis negates: it sends an undocumented
  field and wants it refused, while the platform, and so the mock, ignores it.

Each test starts from the default seed and fails on any answer outside the spec or any 5xx, as ``api`` does.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import httpx
import pytest
from flask import Flask

from smsmock.app import get_mock
from smsmock.engine import Mock
from smsmock.spec import Spec, load_bundled

__all__ = ["GeneratedApi", "spec_examples"]

SPECS = load_bundled()
SCHEMA_REF = re.compile(r"^#/components/schemas/([A-Za-z0-9_]+)$")


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", name) if part)


def _run(command: list[str]) -> str:
    """A generator's command line; its whole output (stdout and stderr), which must name no warning."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not re.search(r"warning", output, re.IGNORECASE), output
    return output


def _workarounds(package: Path) -> None:
    """Fix, in the generated files, generated-code bugs of openapi-python-client itself.

    openapi-generators/openapi-python-client#1451: an operation with a required body in several media types
    annotates it ``| Unset`` without importing ``Unset`` (a NameError on import).
    """
    for path in (package / "api").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bUnset\b", text) and not re.search(r"^from \.\.\.types import .*\bUnset\b", text, re.M):
            path.write_text(text.replace("from ...types import UNSET, Response", "from ...types import UNSET, Response, Unset"), encoding="utf-8")


def _json_only(get_kwargs: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """openapi-generators/openapi-python-client#1276: when a body's media types share one schema, every
    ``isinstance`` branch matches and the last one (multipart) wins; send the documented JSON instead."""

    def fixed(**arguments: Any) -> dict[str, Any]:
        kwargs = get_kwargs(**arguments)
        if "json" in kwargs:
            kwargs.pop("data", None)
            kwargs.pop("files", None)
            kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": "application/json"}
        return kwargs

    return fixed


@dataclass
class GeneratedApi:
    """A client openapi-python-client generated for one provider, wired to the mock in-process."""

    provider: str
    package: ModuleType
    app: Flask
    output: str  # what the generator printed

    @property
    def spec(self) -> Spec:
        return SPECS[self.provider]

    @property
    def mock(self) -> Mock:
        return get_mock(self.app)

    def module(self, operation_id: str) -> ModuleType:
        """The generated module of an operation (``api/<tag>/<operationId>.py``)."""
        prefix = self.package.__name__ + ".api."
        for found in pkgutil.walk_packages(importlib.import_module(prefix[:-1]).__path__, prefix):
            if found.name.rsplit(".", 1)[-1] == operation_id:
                module: Any = importlib.import_module(found.name)  # generated: its names are known at run time
                if not getattr(module._get_kwargs, "json_only", False):
                    module._get_kwargs = _json_only(module._get_kwargs)
                    module._get_kwargs.json_only = True
                return module  # type: ignore[no-any-return]
        raise LookupError(f"no generated module for {operation_id}")

    def model(self, name: str) -> Any:
        """A generated model class by its class name."""
        return getattr(importlib.import_module(self.package.__name__ + ".models"), name)

    def client(self, authorization: str | None) -> Any:
        """A client sending this Authorization value as is ("" when None), raising on an undocumented status."""
        transport = httpx.WSGITransport(app=self.app)
        return self.package.client.AuthenticatedClient(
            base_url=self.spec.base_url, token=authorization or "", prefix="",
            httpx_args={"transport": transport}, raise_on_unexpected_status=True,
        )

    def call(self, operation_id: str, authorization: str | None, arguments: dict[str, Any]) -> Any:
        """Call an operation with plain arguments (``body`` a dict, turned into its generated model)."""
        arguments = dict(arguments)
        if "body" in arguments:
            arguments["body"] = self.model(self.body_model(operation_id)).from_dict(arguments["body"])
        return self.module(operation_id).sync_detailed(client=self.client(authorization), **arguments)

    def body_model(self, operation_id: str) -> str:
        """The class name of an operation's JSON body model (its component schema)."""
        pointer = self.spec.by_id[operation_id].body["application/json"]
        return _pascal(_schema_name(self.spec, pointer) or f"{operation_id}_body")

    def expected_model(self, operation_id: str, status: int) -> str:
        """The class name openapi-python-client gives the answer of a status: its component schema's, or
        ``<OperationId>Response<status>`` for an inline schema."""
        found = self.spec.response(self.spec.by_id[operation_id], str(status))
        assert found is not None, f"{operation_id} does not document {status}"
        name = _schema_name(self.spec, found[1] + "/content/application~1json/schema")
        return _pascal(name) if name else f"{_pascal(operation_id)}Response{status}"

    def check(self, operation_id: str, answer: Any, status: int) -> Any:
        """The answer has this status and was parsed, whole, into the model the spec names for it."""
        body = json.loads(answer.content)
        assert answer.status_code == status, body
        assert type(answer.parsed).__name__ == self.expected_model(operation_id, status)
        assert answer.parsed.to_dict() == body
        return answer.parsed


def _schema_name(spec: Spec, schema_pointer: str) -> str | None:
    """The component schema name a pointer's schema refers to, if it is a plain ``$ref``."""
    schema = spec.at(schema_pointer)
    found = SCHEMA_REF.match(schema.get("$ref", "")) if isinstance(schema, dict) else None
    return found.group(1) if found else None


def spec_examples(provider: str) -> list[tuple[str, str, Any]]:
    """(where, component schema name, value) of every named example of a spec whose schema is a component."""
    spec = SPECS[provider]
    found: list[tuple[str, str, Any]] = []

    def walk(node: Any, pointer: str) -> None:  # references are not followed: each example is met once
        if isinstance(node, dict):
            name = _schema_name(spec, pointer + "/schema") if "schema" in node and "examples" in node else None
            if name:
                for label, example in node["examples"].items():
                    resolved = spec.at(example["$ref"]) if "$ref" in example else example
                    found.append((f"{pointer}/examples/{label}", name, resolved["value"]))
            for key, value in node.items():
                if key not in ("examples", "schema"):
                    walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(spec.document.get("paths"), "#/paths")
    walk(spec.document.get("components", {}).get("responses"), "#/components/responses")
    return found


@pytest.fixture(scope="session")
def _generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], tuple[ModuleType, str]]]:
    """openapi-python-client run once per provider in the session."""
    folder = tmp_path_factory.mktemp("generated")
    sys.path.insert(0, str(folder))
    made: dict[str, tuple[ModuleType, str]] = {}

    def generate(provider: str) -> tuple[ModuleType, str]:
        if provider not in made:
            name = f"generated_{provider}_client"
            output = _run([sys.executable, "-m", "openapi_python_client", "generate", "--path", SPECS[provider].source,
                           "--meta", "none", "--output-path", str(folder / name)])
            _workarounds(folder / name)
            made[provider] = (importlib.import_module(name), output)
        return made[provider]

    yield generate
    sys.path.remove(str(folder))


@pytest.fixture
def generated_client(_generated: Callable[[str], tuple[ModuleType, str]], strict_app: Flask) -> Iterator[Callable[[str], GeneratedApi]]:
    """``generated_client(provider)``: the provider's generated client on the strict app, fresh from the seed."""
    mock = get_mock(strict_app)
    mock.reset()
    yield lambda provider: GeneratedApi(provider, *_generated(provider)[:1], strict_app, _generated(provider)[1])
    drift = [e for e in mock.journal.entries() if e.get("response_problems")]
    assert not drift, f"answers outside the spec: {drift}"
    errors = [e for e in mock.journal.entries() if e.get("status", 0) >= 500]
    assert not errors, f"server errors: {errors}"


@pytest.fixture(scope="session")
def component_models(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ModuleType]:
    """``component_models(provider)``: datamodel-code-generator's pydantic models of the spec's components
    (``--generate-schema-validators``: patternProperties beside properties are checked, not forbidden)."""
    folder = tmp_path_factory.mktemp("models")

    def generate(provider: str) -> ModuleType:
        target = folder / f"{provider}_models.py"
        if not target.exists():
            _run([sys.executable, "-m", "datamodel_code_generator", "--input", SPECS[provider].source,
                  "--input-file-type", "openapi", "--output-model-type", "pydantic_v2.BaseModel",
                  "--formatters", "builtin", "--generate-schema-validators", "--output", str(target)])
        module_name = f"{provider}_models"
        spec = importlib.util.spec_from_file_location(module_name, target)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # pydantic resolves forward references through sys.modules
        spec.loader.exec_module(module)
        return module

    return generate
