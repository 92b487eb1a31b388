"""Shared fixtures: the mock app in strict mode, reached in-process or over a real socket."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
import requests
from flask import Flask
from hypothesis import HealthCheck, Verbosity, settings
from requests.structures import CaseInsensitiveDict

from smsmock.app import create_app, get_mock
from smsmock.engine import Mock
from smsmock.spec import load_bundled
from smsmock.pytest_plugin.server import LiveServer

# Every documented operation, for tests parametrized over them all (ids: provider-operationId).
SPECS = load_bundled()
OPERATIONS = [(provider, op.operation_id) for provider, spec in SPECS.items() for op in spec.operations]
OPERATION_IDS = [f"{provider}-{operation}" for provider, operation in OPERATIONS]
# Property tests over every operation: few, reproducible examples each, quiet, no example database.
PER_OPERATION = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    verbosity=Verbosity.quiet,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass
class Answer:
    """An HTTP answer, whichever transport carried it."""

    status: int
    headers: CaseInsensitiveDict
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class Api:
    """Send requests to the mock through one transport; inspect its state directly."""

    def __init__(self, app: Flask, transport: str, base_url: str = "") -> None:
        self.app = app
        self.transport = transport
        self.base_url = base_url
        self.mock: Mock = get_mock(app)
        self._client = app.test_client() if transport == "inprocess" else requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        """``kwargs`` as requests takes them: params, headers, json, data, files."""
        if self.transport == "inprocess":
            if "params" in kwargs:
                kwargs["query_string"] = kwargs.pop("params")
            if "files" in kwargs:  # multipart form: Flask's client wants them in data
                data = dict(kwargs.pop("data", None) or {})
                data.update({k: v[1] if isinstance(v, tuple) else v for k, v in kwargs.pop("files").items()})
                kwargs["data"] = data
                kwargs["content_type"] = "multipart/form-data"
            response = self._client.open(path, method=method, **kwargs)
            return Answer(response.status_code, CaseInsensitiveDict(response.headers), response.get_data(as_text=True))
        response = self._client.request(method, self.base_url + path, timeout=10, **kwargs)
        return Answer(response.status_code, CaseInsensitiveDict(response.headers), response.text)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Answer:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.request("DELETE", path, **kwargs)

    def last(self) -> dict[str, Any]:
        """The journal entry of the last request."""
        return self.mock.journal.entries()[-1]


@pytest.fixture(scope="session")
def strict_app() -> Flask:
    """One strict app for the session: an answer outside the spec raises ContractDrift."""
    app = create_app(strict=True)
    app.testing = True  # exceptions (ContractDrift among them) reach the test
    return app


@pytest.fixture(scope="session")
def live_server(strict_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(strict_app) as server:
        yield server


@pytest.fixture(params=["inprocess", "socket"])
def api(request: pytest.FixtureRequest, strict_app: Flask) -> Iterator[Api]:
    """The mock, fresh from the default seed, through each transport in turn."""
    mock = get_mock(strict_app)
    mock.reset()
    if request.param == "socket":
        server: LiveServer = request.getfixturevalue("live_server")
        client = Api(strict_app, "socket", server.url)
    else:
        client = Api(strict_app, "inprocess")
    yield client
    drift = [e for e in mock.journal.entries() if e.get("response_problems")]
    assert not drift, f"answers outside the spec: {drift}"
    errors = [e for e in mock.journal.entries() if e.get("status", 0) >= 500]
    assert not errors, f"server errors: {errors}"


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester, with schemathesis's pytest plugin kept out of the runs inside it (as pyproject.toml keeps it
    out of this one): loading it makes Hypothesis print falsifying examples as empty (``answer=,``)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:schemathesis")
    return pytester
