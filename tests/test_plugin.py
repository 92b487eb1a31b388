"""The pytest plugin as a user meets it: fixtures, isolation, the contract at teardown, options, transports."""
from __future__ import annotations

import shutil
import sys
import threading
import time
from pathlib import Path

# pytester un-imports every module first imported during an inner run, and Hypothesis' terminal summary
# imports this one (about a second) at the end of each inner session: imported once here instead.
import hypothesis.internal.observability  # noqa: F401
import pytest
import requests

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).parent / "examples"

# A downstream test of QuickCom's send-message, through requests (in-process) or httpx (live server).
# MOBILE is the parameter's name: the documented `mobile_numbers`, or a misspelling.
SEND_MESSAGE = """
    import httpx
    import requests

    MOBILE = {mobile!r}

    def params(handle):
        return {{
            **handle.quickcom.credentials,
            "dlt_template_id": "1507162019748109480",
            MOBILE: "9876543210",
            "route_type": 1,
            "v1": "482913",
            "v2": "10",
        }}

    def test_with_requests(smsmock):
        answer = requests.get(smsmock.quickcom.base_url + "/send-message", params=params(smsmock))
        assert answer.status_code == 200, answer.text
        [message] = smsmock.quickcom.outbox
        assert message.text == "Your OTP is 482913. Valid for 10 minutes."
        assert message.recipient == "919876543210"

    def test_with_httpx_on_the_live_server(smsmock_server):
        answer = httpx.get(smsmock_server.quickcom.base_url + "/send-message", params=params(smsmock_server))
        assert answer.status_code == 200, answer.text
        assert smsmock_server.quickcom.latest_code("9876543210") == "482913"
"""

MISSPELT = """
    import pytest
    import requests

    # marker
    def test_send(smsmock):
        requests.get(
            smsmock.quickcom.base_url + "/send-message",
            params={**smsmock.quickcom.credentials, "dlt_template_id": "1507162019748109480",
                    "mobile_number": "9876543210", "route_type": 1, "v1": "1234", "v2": "5"},
        )
"""

# What the failure says about MISSPELT: provider, operation, the parameter, what the spec wants, what came.
MISSPELT_MESSAGE = [
    "*_ test_send _*",
    "smsmock: 1 request broke the provider contract:",
    "  GET /api/v1/send-message  [[]quickcom send_message[]] answered 422",
    "    - query parameter 'mobile_numbers' is required but missing (spec: 'string')",
    "    - query parameter 'mobile_number' is not documented for send_message (did you mean 'mobile_numbers'?)",
    "Fix the client, or mark the test @pytest.mark.smsmock(strict=False) and assert on smsmock.violations.",
]


# -- the done-when --------------------------------------------------------------------------------


def test_a_valid_send_message_passes_and_reaches_the_outbox_on_both_transports(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SEND_MESSAGE.format(mobile="mobile_numbers"))
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)


def test_a_misspelt_parameter_fails_the_test_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SEND_MESSAGE.format(mobile="mobile_number"))
    result = pytester.runpytest()
    # The requests themselves fail (422): the tests fail, and the contract check explains why at teardown.
    result.assert_outcomes(failed=2, errors=2)
    result.stdout.fnmatch_lines(["*query parameter 'mobile_number' is not documented for send_message*"])


# -- the contract ----------------------------------------------------------------------------------


def test_the_failure_names_provider_operation_parameter_and_spec(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MISSPELT)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(MISSPELT_MESSAGE)


def test_strict_false_passes_and_the_test_reads_the_violations(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        @pytest.mark.smsmock(strict=False)
        def test_send(smsmock):
            requests.get(
                smsmock.quickcom.base_url + "/send-message",
                params={**smsmock.quickcom.credentials, "dlt_template_id": "1507162019748109480",
                        "mobile_number": "9876543210", "route_type": 1, "v1": "1234", "v2": "5"},
            )
            found = [(v.provider, v.operation, v.location, v.name) for v in smsmock.quickcom.violations]
            assert found == [
                ("quickcom", "send_message", "query", "mobile_numbers"),
                ("quickcom", "send_message", "query", "mobile_number"),
            ]
            assert smsmock.violations == smsmock.quickcom.violations
            assert smsmock.smsflow.violations == []
            assert "'mobile_number' is not documented" in smsmock.explain()
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


# -- options: ini, command line, marker -----------------------------------------------------------


def test_ini_smsmock_strict_false(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsmsmock_strict = false\n")
    pytester.makepyfile(MISSPELT)
    pytester.runpytest().assert_outcomes(passed=1)


def test_command_line_no_strict(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MISSPELT)
    pytester.runpytest("--smsmock-no-strict").assert_outcomes(passed=1)


def test_the_marker_overrides_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsmsmock_strict = false\n")
    pytester.makepyfile(MISSPELT.replace("# marker", "@pytest.mark.smsmock(strict=True)"))
    pytester.runpytest().assert_outcomes(failed=1)


TEAM_SEED = """
smsflow:
  accounts:
    - api_key: TEAM_KEY
      user_id: 7
      contacts:
        - {name: Team Lead, phone_number: "+14155550199"}
"""

READS_TEAM_SEED = """
    import requests

    def test_team_seed(smsmock):
        assert smsmock.smsflow.credentials == {"api_key": "TEAM_KEY"}
        answer = requests.get(smsmock.smsflow.base_url + "/contacts", headers={"Authorization": "Bearer TEAM_KEY"})
        assert [c["name"] for c in answer.json()["data"]] == ["Team Lead"]
"""


def test_command_line_seed_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", team_seed=TEAM_SEED)
    pytester.makepyfile(READS_TEAM_SEED)
    pytester.runpytest("--smsmock-seed", "team_seed.yaml").assert_outcomes(passed=1)


def test_ini_seed_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", team_seed=TEAM_SEED)
    pytester.makeini("[pytest]\nsmsmock_seed = team_seed.yaml\n")
    pytester.makepyfile(READS_TEAM_SEED)
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_broken_seed_file_is_explained(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", team_seed="smsflow:\n  accounts: [{user_id: 7}]\n")
    pytester.makepyfile(READS_TEAM_SEED)
    result = pytester.runpytest("--smsmock-seed", "team_seed.yaml")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*smsmock: the seed is not valid: smsflow seed: accounts[[]0[]]: api_key must be*"])


def test_a_missing_seed_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(READS_TEAM_SEED)
    result = pytester.runpytest("--smsmock-seed", "no_such_seed.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: smsmock seed: *No such file*no_such_seed.yaml*"])


def test_ini_rate_limits_reach_a_429(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsmsmock_rate_limits =\n    smsflow=2/60\n")
    pytester.makepyfile(
        """
        import requests

        def test_third_request_is_limited(smsmock):
            url, bearer = smsmock.smsflow.base_url + "/contacts", {"Authorization": "Bearer YOUR_API_KEY"}
            assert [requests.get(url, headers=bearer).status_code for _ in range(3)] == [200, 200, 429]
            smsmock.advance(60)
            assert requests.get(url, headers=bearer).status_code == 200
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_marker_rate_limits_reach_a_429(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        @pytest.mark.smsmock(rate_limits={"quickcom": 1})
        def test_second_request_is_limited(smsmock):
            url = smsmock.quickcom.base_url + "/check-balance"
            assert requests.get(url, params=smsmock.quickcom.credentials).status_code == 200
            limited = requests.get(url, params=smsmock.quickcom.credentials)
            assert limited.status_code == 429
            assert limited.json()["error_code"] == "RATE_LIMIT_EXCEEDED"
            assert limited.headers["Retry-After"] == "60"

        def test_unlimited_again(smsmock):
            url = smsmock.quickcom.base_url + "/check-balance"
            assert {requests.get(url, params=smsmock.quickcom.credentials).status_code for _ in range(3)} == {200}
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_an_unknown_marker_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smsmock(strcit=False)
        def test_typo(smsmock):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown options*strcit*"])


# -- isolation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["smsmock", "smsmock_server"])
def test_state_from_one_test_is_gone_in_the_next(pytester: pytest.Pytester, fixture: str) -> None:
    pytester.makepyfile(
        f"""
        import requests

        BEARER = {{"Authorization": "Bearer YOUR_API_KEY"}}
        START = None

        def send(mock):
            return requests.get(mock.quickcom.base_url + "/send-message", params={{
                **mock.quickcom.credentials, "dlt_template_id": "1507162019748109480",
                "mobile_numbers": "9876543210", "route_type": 1, "v1": "1234", "v2": "5"}})

        def test_dirty_everything({fixture}):
            global START
            mock = {fixture}
            START = mock.now()
            assert send(mock).status_code == 200
            requests.post(mock.smsflow.base_url + "/contacts", data={{"phone_number": "+14155550100"}}, headers=BEARER)
            mock.smsflow.seed({{"accounts": [{{"api_key": "EXTRA_KEY", "user_id": 9}}]}})
            mock.quickcom.fail("send_message", 402, times=None)
            mock.smsflow.rate_limit(1)
            mock.advance(3600)

        def test_starts_clean({fixture}):
            mock = {fixture}
            assert mock.outbox == [] and mock.journal == [] and mock.violations == []
            assert mock.now() == START
            assert send(mock).status_code == 200  # no fault left over
            contacts = requests.get(mock.smsflow.base_url + "/contacts", headers=BEARER)
            assert contacts.json()["meta"]["total"] == 1  # the seed's John Doe only
            assert requests.get(mock.smsflow.base_url + "/contacts", headers=BEARER).status_code == 200
            extra = requests.get(mock.smsflow.base_url + "/contacts", headers={{"Authorization": "Bearer EXTRA_KEY"}})
            assert extra.status_code == 401
            assert [m.text for m in mock.outbox] == ["Your OTP is 1234. Valid for 5 minutes."]
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


# -- living with the user's own `responses` ---------------------------------------------------------


def test_the_users_own_responses_still_work_and_other_urls_pass_through(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import http.server
        import threading

        import pytest
        import requests
        import responses

        @pytest.fixture
        def local_site():
            class Hello(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"real network")
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            yield f"http://127.0.0.1:{server.server_port}/"
            server.shutdown()
            server.server_close()

        def balance(smsmock):
            return requests.get(smsmock.quickcom.base_url + "/check-balance", params=smsmock.quickcom.credentials)

        def test_responses_add(smsmock, local_site):
            responses.add(responses.GET, "https://api.example.com/ping", json={"pong": True})
            assert requests.get("https://api.example.com/ping").json() == {"pong": True}
            assert balance(smsmock).json()["data"]["transaction_balance"] == 114830
            assert requests.get(local_site).text == "real network"  # not intercepted

        @responses.activate
        def test_responses_activate(smsmock):
            responses.get("https://api.example.com/ping", body="pong")
            assert requests.get("https://api.example.com/ping").text == "pong"
            assert balance(smsmock).status_code == 200

        def test_without_smsmock_nothing_is_intercepted(local_site):
            assert requests.get(local_site).text == "real network"
            with pytest.raises(requests.ConnectionError):
                requests.get("http://127.0.0.1:8017/api/method/quickflow.sms.list_all", timeout=2)
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


# -- the live server: any client ----------------------------------------------------------------------


def test_the_live_server_with_httpx(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_quickflow_over_a_socket(smsmock_server):
            quickflow = smsmock_server.quickflow
            assert quickflow.base_url.startswith("http://127.0.0.1:") and quickflow.base_url.endswith("/api/method")
            answer = httpx.post(
                quickflow.base_url + "/quickflow.sms.send",
                headers={"Authorization": "token your_api_key:your_api_secret"},
                json={"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "Code 8080"},
            )
            assert answer.status_code == 200
            assert answer.headers["cache-control"] == "no-store,no-cache,must-revalidate,max-age=0"
            assert quickflow.latest_code("254700000001") == "8080"

        def test_the_contract_holds_on_the_live_server_too(smsmock_server):
            httpx.get(smsmock_server.quickcom.base_url + "/send-message", params=smsmock_server.quickcom.credentials)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*query parameter 'dlt_template_id' is required but missing*"])


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_live_server_with_curl_in_a_subprocess(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json
        import subprocess

        def test_curl(smsmock_server):
            smsflow = smsmock_server.smsflow
            out = subprocess.run(
                ["curl", "--silent", "--show-error", "--fail", "--max-time", "10",
                 "--header", "Authorization: Bearer YOUR_API_KEY",
                 "--form", "phone_number=+1231231231", "--form", "name=Example name",
                 smsflow.base_url + "/contacts"],
                capture_output=True, text=True, check=True,
            ).stdout
            assert json.loads(out) == {"data": {"id": 2}}
            [entry] = smsflow.journal
            assert (entry["operation"], entry["status"]) == ("create_contact", 201)
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


# -- the client contract property test (tests/examples) finds the fragile client's bug ----------------

# Hypothesis' explain phase (which lines only failing examples ran) traces every line of the mock
# for each replayed example: 20-50 s here. The search and the shrinking are what this test is about.
NO_EXPLAIN = """
    from hypothesis import Phase, settings

    settings.register_profile("no_explain", phases=[phase for phase in Phase if phase is not Phase.explain])
"""


def test_the_property_test_finds_the_fragile_clients_bug(pytester: pytest.Pytester, monkeypatch) -> None:
    example = (EXAMPLES / "test_quickcom_client.py").read_text()
    robust = "from quickcom_client import Campaign, QuickComClient, QuickComError"
    assert robust in example
    fragile = robust.replace("QuickComClient,", "FragileQuickComClient as QuickComClient,")
    pytester.makepyfile(quickcom_client=(EXAMPLES / "quickcom_client.py").read_text())
    pytester.makepyfile(test_contract=example.replace(robust, fragile))  # the same test, the fragile client
    pytester.makeconftest(NO_EXPLAIN)
    monkeypatch.delitem(sys.modules, "quickcom_client", raising=False)  # import the copy, not tests/examples'

    result = pytester.runpytest("-k", "survives", "--hypothesis-profile=no_explain")

    result.assert_outcomes(failed=1, deselected=6)
    # Shrunk to a documented error answer (a 4xx, data null), which the fragile client indexes into.
    result.stdout.re_match_lines([
        r"E\s+TypeError: 'NoneType' object is not subscriptable",
        r".*(Falsifying example|Failing test case)",  # the wording of Hypothesis before and after 6.16x
        r"E\s+answer=Answer\(",
        r"E\s+4\d\d,$",
    ])


# -- reading the outbox ---------------------------------------------------------------------------------


def _send_otp(smsmock, numbers: str, code: str) -> None:
    otp = {"dlt_template_id": "1507162019748109480", "mobile_numbers": numbers, "route_type": 0, "v1": code, "v2": "5"}
    answer = requests.get(smsmock.quickcom.base_url + "/send-message", params={**smsmock.quickcom.credentials, **otp})
    assert answer.status_code == 200, answer.text


def test_latest_code_takes_the_number_in_any_form_and_only_that_number(smsmock) -> None:
    _send_otp(smsmock, "9876543210", "111111")
    _send_otp(smsmock, "8876543210", "222222")  # the same last nine digits

    for form in ("9876543210", "+91 98765 43210", "09876543210", "0091-9876543210", "919876543210"):
        assert smsmock.quickcom.latest_code(form, timeout=0) == "111111", form
    assert smsmock.latest_code("8876543210", timeout=0) == "222222"
    with pytest.raises(AssertionError, match="no message to 7876543210"):
        smsmock.quickcom.latest_code("7876543210", timeout=0)


def test_wait_for_message_waits_for_another_thread(smsmock_server) -> None:
    def later() -> None:
        time.sleep(0.3)
        _send_otp(smsmock_server, "9876543210", "424242")

    sender = threading.Thread(target=later)
    sender.start()
    try:
        message = smsmock_server.quickcom.wait_for_message(to="9876543210", text="424242", timeout=5)
    finally:
        sender.join()
    assert message.status == "queued"
    smsmock_server.advance(5)
    assert smsmock_server.quickcom.outbox[0].status == "delivered"
