"""`smsmock validate`: each rule fails on a deliberately broken spec, with the right pointer."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from smsmock.cli import main
from smsmock.speccheck import check_files

GOOD = yaml.safe_load(
    """
openapi: 3.1.0
info: {title: Tiny, version: "1"}
servers: [{url: "https://api.example.test/v1"}]
security: [{key: []}]
paths:
  /things/{id}:
    get:
      operationId: get_thing
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: integer, minimum: 1}
          examples: {one: {value: 1}}
      responses:
        "200":
          description: The thing.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
              examples:
                documented: {value: {id: 1, name: Widget}}
        "401": {$ref: "#/components/responses/Unauthorized"}
  /things:
    post:
      operationId: create_thing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Thing"}
            example: {id: 2, name: Gadget}
      responses:
        "201": {description: Created.}
        "401": {$ref: "#/components/responses/Unauthorized"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
  schemas:
    Thing:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
  responses:
    Unauthorized:
      description: Bad key.
      content:
        application/json:
          schema: {type: object, required: [error], properties: {error: {type: string}}}
          examples: {bad: {value: {error: bad key}}}
"""
)

GET = "#/paths/~1things~1{id}/get"
POST = "#/paths/~1things/post"


def _check(tmp_path: Path, document: dict) -> list[tuple[str, str]]:
    path = tmp_path / "api.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    problems, _ = check_files([path])
    assert all(p.file == str(path) for p in problems)
    return [(p.pointer, p.message) for p in problems]


def _broken(edit) -> dict:
    document = copy.deepcopy(GOOD)
    edit(document)
    return document


def test_a_good_spec_has_no_problems(tmp_path: Path) -> None:
    assert _check(tmp_path, GOOD) == []


def test_example_violating_its_schema_is_reported_at_the_value(tmp_path: Path) -> None:
    def edit(doc: dict) -> None:
        doc["paths"]["/things/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["examples"][
            "documented"
        ]["value"]["id"] = "one"

    problems = _check(tmp_path, _broken(edit))
    assert problems == [
        (
            f"{GET}/responses/200/content/application~1json/examples/documented/value/id",
            "example does not match its schema: 'one' is not of type 'integer'",
        )
    ]


@pytest.mark.parametrize(
    ("where", "edit"),
    [
        ("parameter", lambda d: d["paths"]["/things/{id}"]["get"]["parameters"][0]["examples"]["one"].update(value=0)),
        ("body", lambda d: d["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"].update(example={"id": 2})),
        ("component response", lambda d: d["components"]["responses"]["Unauthorized"]["content"]["application/json"]["examples"]["bad"].update(value={})),
    ],
)
def test_examples_are_checked_everywhere(tmp_path: Path, where: str, edit) -> None:
    problems = _check(tmp_path, _broken(edit))
    assert len(problems) == 1, problems
    pointer, message = problems[0]
    assert message.startswith("example does not match its schema"), where
    expected = {
        "parameter": f"{GET}/parameters/0/examples/one/value",
        "body": f"{POST}/requestBody/content/application~1json/example",
        "component response": "#/components/responses/Unauthorized/content/application~1json/examples/bad/value",
    }[where]
    assert pointer == expected


def test_dangling_ref_is_reported_where_it_stands(tmp_path: Path) -> None:
    def edit(doc: dict) -> None:
        doc["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
            "$ref": "#/components/schemas/Nothing"
        }

    problems = _check(tmp_path, _broken(edit))
    assert problems == [
        (
            f"{POST}/requestBody/content/application~1json/schema",
            "$ref '#/components/schemas/Nothing' does not resolve",
        )
    ]


def test_missing_operation_id(tmp_path: Path) -> None:
    problems = _check(tmp_path, _broken(lambda d: d["paths"]["/things"]["post"].pop("operationId")))
    assert problems == [(POST, "operation has no operationId")]


def test_duplicate_operation_id(tmp_path: Path) -> None:
    problems = _check(tmp_path, _broken(lambda d: d["paths"]["/things"]["post"].update(operationId="get_thing")))
    assert problems == [(POST, f"operationId 'get_thing' is also used at {GET}")]


def test_missing_auth_failure_response(tmp_path: Path) -> None:
    problems = _check(tmp_path, _broken(lambda d: d["paths"]["/things"]["post"]["responses"].pop("401")))
    assert problems == [(f"{POST}/responses", "secured operation has no auth-failure response (401 or 403)")]


def test_public_operation_needs_no_auth_failure_response(tmp_path: Path) -> None:
    def edit(doc: dict) -> None:
        post = doc["paths"]["/things"]["post"]
        post["security"] = []
        post["responses"].pop("401")

    assert _check(tmp_path, _broken(edit)) == []


def test_missing_security_declaration(tmp_path: Path) -> None:
    problems = _check(tmp_path, _broken(lambda d: d.pop("security")))
    assert problems == [
        (GET, "operation declares no security (nor does the document)"),
        (POST, "operation declares no security (nor does the document)"),
    ]


def test_missing_2xx_response(tmp_path: Path) -> None:
    problems = _check(tmp_path, _broken(lambda d: d["paths"]["/things"]["post"]["responses"].pop("201")))
    assert problems == [(f"{POST}/responses", "operation has no 2xx response")]


@pytest.mark.parametrize("key", ["x-smsmock-json", "x-smsmock-query-rules"])
def test_a_named_extension_must_name_a_known_reading(tmp_path: Path, key: str) -> None:
    assert _check(tmp_path, _broken(lambda d: d.update({key: "laravel"}))) == []
    problems = _check(tmp_path, _broken(lambda d: d.update({key: "laravle"})))
    assert problems == [(f"#/{key}", "unknown value 'laravle' (one of: altumcode, frappe, laravel)")]


def test_structural_error_is_reported(tmp_path: Path) -> None:
    problems = _check(tmp_path, _broken(lambda d: d["paths"]["/things/{id}"]["get"]["parameters"][0].update({"in": "body"})))
    assert any(p == f"{GET}/parameters/0/in" and "invalid OpenAPI" in m for p, m in problems), problems


def test_not_yaml_and_not_openapi(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [unclosed\n", encoding="utf-8")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n", encoding="utf-8")
    problems, _ = check_files([broken, scalar])
    assert [(p.file, p.pointer) for p in problems] == [(str(broken), "#"), (str(scalar), "#")]
    assert problems[0].message.startswith("not valid YAML")


def test_cli_exit_codes_and_one_line_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    assert main(["validate", str(good)]) == 0
    assert "ok: 1 file(s) valid" in capsys.readouterr().out

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_broken(lambda d: d["paths"]["/things"]["post"].pop("operationId"))), encoding="utf-8")
    assert main(["validate", str(good), str(bad)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(str(bad))]
    assert lines == [f"{bad}:{POST}: operation has no operationId"]


def test_bundled_specs_are_valid_and_match_the_documents(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.splitlines()[0].split() == ["provider", "operations", "fields", "doc/inf", "responses", "doc/inf", "examples", "doc/inf"]
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[2:5]}
    assert rows == {"quickflow": "15", "quickcom": "6", "smsflow": "5"}


@pytest.mark.parametrize("provider", ["quickflow", "quickcom", "smsflow"])
def test_bundled_specs_pass_the_standard_validator(provider: str) -> None:
    """openapi-spec-validator (the reference Python implementation) accepts each bundled spec."""
    from openapi_spec_validator import validate

    from smsmock.documents import bundled_spec_paths, read_document

    validate(read_document(bundled_spec_paths()[provider]))
