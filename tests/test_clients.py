"""The transport matrix: requests, httpx (sync and async) and aiohttp, in-process and on the live server, same assertions.

Each row is a real client against each provider, through the ``smsmock`` fixture (no socket) and the
``smsmock_server`` fixture (a socket): what the outbox and journal hold, a contract violation, a fault, a delay
past the client's timeout, and both kinds of dropped connection (retried by the client's own retries where
it has them).
"""
from __future__ import annotations

import time

from pathlib import Path
from typing import Any

import pytest

from clients.calls import CLIENTS, DROPPED, TIMEOUT, call, retried
from clients.scenarios import SCENARIOS, Scenario

pytest_plugins = ["pytester"]

clients = pytest.mark.parametrize("client", list(CLIENTS))
providers = pytest.mark.parametrize("provider", list(SCENARIOS))


@pytest.fixture(params=["smsmock", "smsmock_server"])
def mock(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


def _send(mock: Any, client: str, scenario: Scenario, timeout: float | None = 5.0, retries: int = 0, misspelt: bool = False) -> Any:
    url = mock.providers[scenario.provider].base_url + scenario.path
    arguments = (scenario.misspelt if misspelt else scenario.request)(mock)
    return call(client, scenario.method, url, timeout=timeout, retries=retries, **arguments)


def _success(mock: Any, scenario: Scenario) -> int:
    return int(mock.providers[scenario.provider].spec.by_id[scenario.operation].success_status)


@clients
@providers
def test_a_request_changes_the_state_and_the_journal_holds_what_the_client_got(mock: Any, client: str, provider: str) -> None:
    scenario = SCENARIOS[provider]
    before = scenario.changed(mock)
    reply = _send(mock, client, scenario)
    assert reply.status == _success(mock, scenario), reply.body
    assert scenario.changed(mock) == before + 1
    [entry] = mock.providers[provider].journal
    assert (entry.operation, entry.outcome, entry.status, entry.dropped) == (scenario.operation, "ok", reply.status, None)
    assert entry.answer == reply.body
    assert reply.headers["content-type"] == "application/json"


@clients
@providers
@pytest.mark.smsmock(strict=False)
def test_a_misspelt_field_is_a_violation_the_test_can_read(mock: Any, client: str, provider: str) -> None:
    scenario = SCENARIOS[provider]
    before = scenario.changed(mock)
    reply = _send(mock, client, scenario, misspelt=True)
    assert reply.status == scenario.refused
    # The order of one request's violations is not part of the contract: compared as a set of what broke.
    assert sorted((v.provider, v.operation, v.location, v.name) for v in mock.violations) == sorted(scenario.violations)
    assert scenario.changed(mock) == before


@clients
@providers
def test_a_fault_answers_the_documented_error(mock: Any, client: str, provider: str) -> None:
    scenario = SCENARIOS[provider]
    handle = mock.providers[provider]
    operation = handle.spec.by_id[scenario.operation]
    status = min(int(code) for code in operation.responses if code.startswith("4"))
    handle.fail(scenario.operation, status)
    reply = _send(mock, client, scenario)
    [entry] = handle.journal
    assert (reply.status, reply.body) == (status, entry.answer)
    assert entry.outcome == "fault"
    # The documented example (the mock may stamp its times, as QuickCom's intime and outtime, with its clock).
    assert set(reply.body) == set(handle.spec.example(operation, status, None)[1])


@clients
@providers
def test_a_delay_past_the_clients_timeout_raises_its_own_timeout(mock: Any, client: str, provider: str) -> None:
    scenario = SCENARIOS[provider]
    before = scenario.changed(mock)
    mock.providers[provider].delay(scenario.operation, 2.0)
    with pytest.raises(TIMEOUT[client]):
        _send(mock, client, scenario, timeout=0.2)
    # Processed, then the answer came too late. On a live server the request may still be on its way to the
    # dispatch when the client gives up (a loaded machine): it is looked for until it has been processed.
    deadline = time.monotonic() + 5
    while scenario.changed(mock) != before + 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert scenario.changed(mock) == before + 1


@clients
@providers
@pytest.mark.parametrize("when", ["after", "before"])
def test_a_dropped_connection_is_the_clients_own_error_and_retried_by_its_retries(
    mock: Any, client: str, provider: str, when: str
) -> None:
    """The connection closes before any answer, in-process and over a socket alike."""
    scenario = SCENARIOS[provider]
    handle = mock.providers[provider]
    before = scenario.changed(mock)
    handle.drop(scenario.operation, when=when)
    processed = 1 if when == "after" else 0  # after: state changed, the answer lost; before: nothing changed
    if retried(client, scenario.method):
        reply = _send(mock, client, scenario, retries=2)
        assert reply.status == _success(mock, scenario)
        assert scenario.changed(mock) == before + processed + 1
        assert [e.dropped for e in handle.journal] == [when, None]
    else:
        with pytest.raises(DROPPED[client]):
            _send(mock, client, scenario, retries=2)
        assert scenario.changed(mock) == before + processed
        assert [e.dropped for e in handle.journal] == [when]
    assert handle.journal[0].outcome == ("fault" if when == "before" else "ok")


def test_a_violation_fails_the_test_on_every_client_and_both_fixtures(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert(Path(__file__).parent)
    pytester.makepyfile(
        """
        import pytest

        from clients.calls import CLIENTS, call
        from clients.scenarios import SCENARIOS

        @pytest.mark.parametrize("client", list(CLIENTS))
        @pytest.mark.parametrize("fixture", ["smsmock", "smsmock_server"])
        def test_misspelt(request, fixture, client):
            mock = request.getfixturevalue(fixture)
            scenario = SCENARIOS["quickcom"]
            reply = call(client, "GET", mock.quickcom.base_url + scenario.path, **scenario.misspelt(mock))
            assert reply.status == 422  # the client swallows it: the contract check fails the test anyway
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-rN")  # no short summary: CI=true prints messages there in full
    result.assert_outcomes(failed=8)
    assert result.stdout.str().count("query parameter 'mobile_number' is not documented for send_message") == 8
