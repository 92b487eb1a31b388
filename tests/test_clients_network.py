"""Base URLs as users configure them, nothing escaping to a provider's host, async waits, and living with other mocks."""
from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import requests

from clients.calls import CLIENTS, call

pytest_plugins = ["pytester"]

SITE = "https://sms.example.co.ke/api/method"
QUICKFLOW_SEND: dict[str, Any] = {
    "json": {"recipient": "0712345678", "sender_id": "YOUR_SENDER_ID", "message": "Your code is 550142"},
    "headers": {"Authorization": "token your_api_key:your_api_secret"},
}


# -- QuickFlow's self-hosted sites --------------------------------------------------------------------


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.smsmock(base_urls={"quickflow": [SITE, "http://sms.example.org:8000/api/method"]})
def test_a_quickflow_client_configured_for_its_own_site_reaches_the_mock(smsmock: Any, client: str) -> None:
    reply = call(client, "POST", SITE + "/quickflow.sms.send", **QUICKFLOW_SEND)
    assert reply.status == 200, reply.body
    other = call(client, "POST", "http://sms.example.org:8000/api/method/quickflow.sms.send", **QUICKFLOW_SEND)
    assert other.status == 200, other.body
    assert [m.recipient for m in smsmock.quickflow.outbox] == ["254712345678", "254712345678"]
    assert smsmock.quickflow.base_urls == ["http://127.0.0.1:8017/api/method", SITE, "http://sms.example.org:8000/api/method"]
    assert smsmock.refused == []


def test_a_base_url_added_on_the_handle_is_answered_from_then_on(smsmock: Any) -> None:
    assert smsmock.quickflow.add_base_url("https://SMS.Example.co.ke/api/method/") == "https://sms.example.co.ke/api/method"
    answer = requests.post(SITE + "/quickflow.sms.send", **QUICKFLOW_SEND)
    assert answer.status_code == 200, answer.text


def test_a_base_url_on_another_path_is_refused_naming_the_rule(smsmock: Any) -> None:
    with pytest.raises(ValueError, match=r"its path must be '/api/method', .* e.g. https://sms.example.co.ke/api/method"):
        smsmock.quickflow.add_base_url("https://sms.example.co.ke/")


def test_base_urls_from_the_ini_and_the_command_line_add_up(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert(Path(__file__).parent)
    pytester.makeini(f"[pytest]\nsmsmock_base_urls =\n    quickflow={SITE}\n")
    pytester.makepyfile(
        f"""
        import requests

        SEND = {QUICKFLOW_SEND!r}

        def test_both(smsmock):
            for url in ("{SITE}", "https://sms.example.org/api/method"):
                assert requests.post(url + "/quickflow.sms.send", **SEND).status_code == 200
            assert len(smsmock.quickflow.outbox) == 2
        """
    )
    pytester.runpytest("-p", "no:randomly", "--smsmock-base-url", "quickflow=https://sms.example.org/api/method").assert_outcomes(passed=1)


def test_the_suites_base_urls_are_guarded_under_the_live_server_and_a_marker_is_refused(pytester: pytest.Pytester) -> None:
    """A suite-wide base URL cannot stop the same suite using smsmock_server: there the real site is refused."""
    pytester.syspathinsert(Path(__file__).parent)
    pytester.makeini(f"[pytest]\nsmsmock_base_urls =\n    quickflow={SITE}\n")
    pytester.makepyfile(
        f"""
        import pytest
        import requests

        SEND = {QUICKFLOW_SEND!r}

        def test_live(smsmock_server):
            assert requests.post(smsmock_server.quickflow.base_url + "/quickflow.sms.send", **SEND).status_code == 200
            assert len(smsmock_server.quickflow.outbox) == 1

        def test_still_pointed_at_the_site(smsmock_server):
            try:
                requests.post("{SITE}/quickflow.sms.send", timeout=2, **SEND)
            except requests.ConnectionError:
                pass
            assert smsmock_server.refused == ["sms.example.co.ke:443"]  # refused at its connect: no app to answer it

        @pytest.mark.smsmock(base_urls={{"quickflow": "https://other.example.org/api/method"}})
        def test_marked(smsmock_server):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-rN")
    result.assert_outcomes(passed=1, failed=1, errors=1)  # the refusal fails its test, as under smsmock
    result.stdout.fnmatch_lines(["*smsmock refused 1 request(s) to a provider's host that nothing answered:*"])
    result.stdout.fnmatch_lines(["*smsmock_server serves at its own base_url: base_urls apply to the smsmock fixture*"])


def test_a_malformed_base_url_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(smsmock):\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly", "--smsmock-base-url", "quickflow")
    result.stdout.fnmatch_lines(["*--smsmock-base-url: 'quickflow' is not provider=URL*"])
    assert result.ret != 0


# -- nothing escapes -------------------------------------------------------------------------------------

VARIANT = "http://ok-go.in/api/v1/check-balance?app_key=YOUR_KEY&app_secret=YOUR_SECRET"


def test_an_unconfigured_host_variant_fails_the_test_and_opens_no_connection(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import socket

        import pytest
        import requests

        def test_variant(smsmock, monkeypatch):
            opened = []
            real_connect = socket.socket.connect  # under the guard: reached only if the guard let it through
            monkeypatch.setattr(socket.socket, "connect", lambda sock, address: opened.append(address) or real_connect(sock, address))
            try:
                requests.get("{VARIANT}", timeout=2)
            except Exception:
                pass  # a client that swallows the error: the test fails all the same
            assert smsmock.refused == ["{VARIANT}"]
            assert opened == []
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*smsmock refused 1 request(s) to a provider's host that nothing answered:",
            f"  {VARIANT}",
        ]
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.ok-go.in/api/v1/check-balance",
        "http://ok-go.in:8080/api/v1/check-balance",
        "https://ok-go.in/api/v2/check-balance",
        "http://smsflow.su/api/contacts",
        "http://localhost:8017/api/method/quickflow.sms.balance",
    ],
)
@pytest.mark.parametrize("client", list(CLIENTS))
def test_every_variant_is_refused_by_every_client_naming_it(smsmock: Any, client: str, url: str) -> None:
    with pytest.raises(ConnectionRefusedError) as refused:
        call(client, "GET", url)
    message = str(refused.value)
    assert message.startswith(f"smsmock refused {url}: it is ")
    assert "Clients intercepted in-process: requests, httpx, aiohttp" in message
    assert "smsmock_server" in message
    assert smsmock.refused == [url]
    smsmock.interception.guard.attempts.clear()  # refused on purpose: the test itself passes


def test_a_client_nobody_patched_is_stopped_at_the_socket(smsmock: Any) -> None:
    with pytest.raises(urllib.error.URLError, match="smsmock refused ok-go.in:443"):
        urllib.request.urlopen("https://ok-go.in/api/v1/check-balance", timeout=2)
    assert smsmock.refused == ["ok-go.in:443"]
    smsmock.interception.guard.attempts.clear()


def test_the_guard_also_keeps_clients_of_the_live_server_off_the_real_hosts(smsmock_server: Any) -> None:
    with pytest.raises(requests.ConnectionError, match="smsmock refused ok-go.in:443"):
        requests.get("https://ok-go.in/api/v1/check-balance", timeout=2)
    assert smsmock_server.refused == ["ok-go.in:443"]
    smsmock_server.interception.guard.attempts.clear()


@pytest.mark.smsmock(block_network=True)
def test_opting_in_refuses_every_non_loopback_host(smsmock: Any, smsmock_server: Any) -> None:
    with pytest.raises(requests.ConnectionError, match="opted out of the network"):
        requests.get("https://example.com/", timeout=2)
    # Each fixture guards; the one started last refused first.
    assert smsmock.refused + smsmock_server.refused == ["example.com:443"]
    smsmock.interception.guard.attempts.clear()
    smsmock_server.interception.guard.attempts.clear()
    # Loopback stays open (the live server), and the providers stay in-process.
    assert requests.get(smsmock_server.quickcom.base_url + "/check-balance", params=smsmock_server.quickcom.credentials).status_code == 200
    assert requests.get(smsmock.quickcom.base_url + "/check-balance", params=smsmock.quickcom.credentials).status_code == 200


# -- waits ------------------------------------------------------------------------------------------------


def _otp(handle: Any, code: str) -> dict[str, Any]:
    return {
        **handle.quickcom.credentials,
        "dlt_template_id": "1507162019748109480",
        "mobile_numbers": "9876543210",
        "route_type": 1,
        "v1": code,
        "v2": "10",
    }


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_an_async_test_awaits_a_code_a_background_task_sends(smsmock: Any, anyio_backend: str) -> None:
    ticks = 0

    async def clock() -> None:  # runs only while the loop is free
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def sign_in() -> None:
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient() as client:
            answer = await client.get(smsmock.quickcom.base_url + "/send-message", params=_otp(smsmock, "424242"))
            assert answer.status_code == 200, answer.text

    ticker = asyncio.create_task(clock())
    sender = asyncio.create_task(sign_in())
    assert await smsmock.quickcom.latest_code_async("9876543210", timeout=5) == "424242"
    await sender
    ticker.cancel()
    assert ticks > 1  # the loop kept running while the test waited
    message = await smsmock.wait_for_message_async(to="+91 98765 43210", text="424242")
    assert message.status == "queued"


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_an_aiohttp_sender_in_the_background_too(smsmock: Any, anyio_backend: str) -> None:
    async def sign_in() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(smsmock.quickcom.base_url + "/send-message", params=_otp(smsmock, "515151")) as answer:
                assert answer.status == 200

    sender = asyncio.create_task(sign_in())
    assert await smsmock.quickcom.latest_code_async("9876543210") == "515151"
    await sender


def test_in_process_a_wait_with_nothing_pending_fails_at_once_saying_why(smsmock: Any) -> None:
    with pytest.raises(AssertionError, match="no message to 9876543210 from quickcom and nothing in flight could send one"):
        smsmock.quickcom.latest_code("9876543210", timeout=30)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_an_async_wait_with_nothing_pending_fails_at_once(smsmock: Any, anyio_backend: str) -> None:
    with pytest.raises(AssertionError, match="nothing in flight could send one"):
        await smsmock.quickcom.wait_for_message_async(to="9876543210", timeout=30)


def test_a_scheduled_message_counts_as_sent(smsmock: Any) -> None:
    answer = requests.post(
        smsmock.quickflow.base_url + "/quickflow.sms.send",
        json={**QUICKFLOW_SEND["json"], "schedule_time": "2030-01-01 09:00:00"},
        headers=QUICKFLOW_SEND["headers"],
    )
    assert answer.status_code == 200, answer.text
    message = smsmock.quickflow.wait_for_message(to="0712345678", timeout=0)
    assert (message.status, smsmock.quickflow.latest_code("0712345678")) == ("scheduled", "550142")


# -- the user's own mocks of other URLs -----------------------------------------------------------------


def test_the_users_own_responses_respx_and_aioresponses_answer_their_urls(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert(Path(__file__).parent)
    pytester.makepyfile(
        """
        import asyncio

        import aiohttp
        import httpx
        import requests
        import responses
        import respx
        from aiohttp import ClientResponse
        from aioresponses import aioresponses

        class Response(ClientResponse):  # aioresponses 0.7.9 builds responses aiohttp 3.14 no longer takes
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("stream_writer", type("Sent", (), {"output_size": 0})())
                super().__init__(*args, **kwargs)

        def balance(smsmock):
            return smsmock.quickcom.base_url + "/check-balance"

        def test_responses(smsmock):
            responses.add(responses.GET, "https://api.example.com/ping", json={"pong": True})
            assert requests.get("https://api.example.com/ping").json() == {"pong": True}
            assert requests.get(balance(smsmock), params=smsmock.quickcom.credentials).status_code == 200
            # smsmock's calls are not in the user's responses.calls: only the user's own are
            assert [call.request.url for call in responses.calls] == ["https://api.example.com/ping"]

        def test_respx(smsmock):
            with respx.mock(assert_all_called=True) as router:
                router.get("https://api.example.com/ping").respond(json={"pong": True})
                assert httpx.get("https://api.example.com/ping").json() == {"pong": True}
                assert httpx.get(balance(smsmock), params=smsmock.quickcom.credentials).status_code == 200
                assert [str(call.request.url) for call in router.calls] == ["https://api.example.com/ping"]

        def test_aioresponses(smsmock):
            async def go():
                # Started inside the test, aioresponses takes every call: smsmock's base URLs pass through to it.
                with aioresponses(passthrough=smsmock.quickcom.base_urls) as mocked:
                    mocked.get("https://api.example.com/ping", payload={"pong": True}, response_class=Response)
                    async with aiohttp.ClientSession() as session:
                        async with session.get("https://api.example.com/ping") as answer:
                            assert await answer.json() == {"pong": True}
                        async with session.get(balance(smsmock), params=smsmock.quickcom.credentials) as answer:
                            assert answer.status == 200
            asyncio.run(go())
            assert [e.operation for e in smsmock.journal] == ["check_balance"]
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_a_client_that_is_not_installed_is_never_imported(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import sys

        # As if httpx and aiohttp were not installed (the plugins run without respx's and anyio's, which import them).
        class NotInstalled:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("httpx", "aiohttp"):
                    raise ModuleNotFoundError(f"No module named {name!r}")
                return None

        sys.meta_path.insert(0, NotInstalled())
        """
    )
    pytester.makepyfile(
        """
        import sys

        import requests

        def test_requests_alone(smsmock):
            answer = requests.get(smsmock.quickcom.base_url + "/check-balance", params=smsmock.quickcom.credentials)
            assert answer.status_code == 200
            assert smsmock.interception.clients == ["requests"]
            assert "httpx" not in sys.modules and "aiohttp" not in sys.modules
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:anyio", "-p", "no:schemathesis", "-p", "no:respx").assert_outcomes(passed=1)


def test_a_client_first_imported_during_the_test_is_intercepted_from_then_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_lazy_imports(smsmock):
            assert "httpx" not in sys.modules and "aiohttp" not in sys.modules  # not imported for the test
            import httpx  # as application code may, inside a function

            answer = httpx.get(smsmock.quickcom.base_url + "/check-balance", params=smsmock.quickcom.credentials)
            assert answer.status_code == 200
            assert "aiohttp" not in sys.modules

        def test_next_test_already_imported(smsmock):
            import httpx

            answer = httpx.get(smsmock.quickcom.base_url + "/check-balance", params=smsmock.quickcom.credentials)
            assert answer.status_code == 200
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:anyio", "-p", "no:schemathesis", "-p", "no:respx").assert_outcomes(passed=2)
