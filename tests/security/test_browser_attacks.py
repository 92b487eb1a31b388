"""Attacks from a real headless Chromium: a page on another local port, and a DNS-rebinding name, change nothing and read no secret; the page shows hostile text as text."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
import requests
from flask import Flask

from smsmock.admin_input import Guard
from smsmock.app import create_app, get_mock
from smsmock.extension import feed_for, set_guard
from smsmock.pytest_plugin.server import LiveServer
from test_outbox_page import chromium

WAIT = 20  # seconds: generous, nothing here is timed
REBIND = "rebind.test"  # resolves to 127.0.0.1 inside the browser, as a rebinding attacker's name would
QUICKFLOW = {"Authorization": "token your_api_key:your_api_secret"}
SEND = {"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "Your code is 550142"}
SECRETS = ("your_api_secret", "YOUR_SECRET", "YOUR_API_KEY")

# Run in the attacker's page: every write the issue reproduced, as "simple" requests (no preflight) and
# as CORS requests, a dozen long polls to wedge the server, and reads of the state and the journal.
ATTACK = """
const [mock, done] = [arguments[0], arguments[arguments.length - 1]];
const results = [];
async function attempt(name, path, init) {
  try {
    const answer = await fetch(mock + path, init);
    let text = "";
    try { text = await answer.text(); } catch (e) { text = ""; }
    results.push({name, type: answer.type, status: answer.status, text});
  } catch (error) { results.push({name, error: String(error)}); }
}
const plain = (body) => ({method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body});
(async () => {
  await attempt("seed", "/__smsmock/api/seed", plain("smsflow:\\n  accounts:\\n    - api_key: EVIL\\n      user_id: 9\\n"));
  await attempt("fault", "/__smsmock/api/faults", plain('{"operation": "send_sms", "status": 417, "times": null}'));
  await attempt("clock", "/__smsmock/api/clock", plain('{"advance": 1e12}'));
  await attempt("reset-json", "/__smsmock/api/reset", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
  await attempt("slow-fault", "/__smsmock/api/faults", {method: "POST", mode: "no-cors", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "latency=1e9"});
  await Promise.all([...Array(12).keys()].map((i) => attempt("wedge", "/__smsmock/api/outbox/wait?timeout=60", {mode: "no-cors"})));
  await attempt("read-state", "/__smsmock/api/state", {});
  await attempt("read-journal", "/__smsmock/api/journal", {});
  // an auto-submitted form, into a hidden frame
  const frame = document.createElement("iframe");
  frame.name = "sink";
  document.body.append(frame);
  const form = document.createElement("form");
  Object.assign(form, {method: "POST", action: mock + "/__smsmock/api/reset", target: "sink", enctype: "text/plain"});
  const field = document.createElement("input");
  Object.assign(field, {name: '{"a":"', value: '"}'});
  form.append(field);
  document.body.append(form);
  frame.addEventListener("load", () => done(results), {once: true});
  form.submit();
})();
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium(f"--host-resolver-rules=MAP {REBIND} 127.0.0.1")


@pytest.fixture
def mock_server() -> Iterator[tuple[Flask, LiveServer]]:
    app = create_app(strict=True)
    with LiveServer(app) as live:
        answer = requests.post(f"{live.url}/api/method/quickflow.sms.send", json=SEND, headers=QUICKFLOW, timeout=10)
        assert answer.status_code == 200
        yield app, live


@pytest.fixture(scope="module")
def attacker() -> Iterator[LiveServer]:
    """Another site on another local port: a page with nothing on it but what the test runs."""
    site = Flask("attacker")
    site.add_url_rule("/", "page", lambda: "<!doctype html><title>attacker</title><body><p>hello</p></body>")
    with LiveServer(site) as live:
        yield live


def _record(app: Flask) -> list[tuple[str, str]]:
    """Note each request the mock's app answers from now on: its path and status."""
    seen: list[tuple[str, str]] = []
    inner = app.wsgi_app

    def recording(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: Any, *rest: Any) -> Any:
            seen.append((environ["PATH_INFO"], status))
            return start_response(status, headers, *rest)

        return inner(environ, start)

    app.wsgi_app = recording  # type: ignore[method-assign]
    return seen


def _state(app: Flask) -> str:
    """Everything an attack could change (the journal's count aside: the attacker's own page loads are in it)."""
    mock = get_mock(app)
    snapshot = {k: v for k, v in mock.snapshot().items() if k != "journal"}
    return json.dumps([snapshot, [f.to_json() for f in mock.faults], repr(mock.env.limits)], sort_keys=True, default=str)


def test_a_page_on_another_local_port_changes_nothing_and_reads_nothing(browser: Any, mock_server: tuple[Flask, LiveServer], attacker: LiveServer) -> None:
    app, live = mock_server
    before = _state(app)
    seen = _record(app)
    browser.get(attacker.url + "/")
    results = browser.execute_async_script(ATTACK, live.url)
    # every request reached the mock (the browser blocked none itself) and the mock refused each at once
    assert len(seen) >= 19 and {status for _, status in seen} == {"403 FORBIDDEN"}, seen
    assert len(results) == 19
    assert _state(app) == before  # no account, no fault, no clock move, no reset
    for result in results:
        # no-cors answers are opaque (status 0, no text); CORS ones fail: nothing readable came back
        assert result.get("status", 0) == 0 and not result.get("text"), result
        assert not any(secret in json.dumps(result) for secret in SECRETS)
    # what the server saw: each refused at once (no thread held by the wedge attempt), none reached a handler
    refused = [e for e in get_mock(app).journal.entries() if e.path.startswith("/__smsmock")]
    assert refused == []
    ok = requests.get(f"{live.url}/__smsmock/api/state", timeout=10)
    assert ok.status_code == 200  # the mock still answers its own page


def test_a_rebinding_name_reads_no_secret_and_cannot_reset(browser: Any, mock_server: tuple[Flask, LiveServer]) -> None:
    app, live = mock_server
    before = _state(app)
    # A page of the attacker's name, served (after the rebinding) by the mock's port: a provider path
    # answers under any Host, as the platforms do, so the script below runs in that origin.
    browser.get(f"http://{REBIND}:{live.port}/api/not-a-page")
    assert browser.execute_script("return location.host") == f"{REBIND}:{live.port}"
    results = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const out = {};
        (async () => {
          for (const [name, path, init] of [
            ["state", "/__smsmock/api/state", {}],
            ["journal", "/__smsmock/api/journal", {}],
            ["page", "/__smsmock/", {}],
            ["reset", "/__smsmock/api/reset", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"}],
          ]) {
            const answer = await fetch(path, init);
            out[name] = [answer.status, await answer.text()];
          }
          done(out);
        })();
        """
    )
    message = "Host: this name is not one the server was started for (start it with --allowed-host NAME)"
    for name, (status, text) in results.items():
        assert (status, json.loads(text)) == (403, {"error": message}), name
    assert _state(app) == before
    assert [e.path for e in get_mock(app).journal.entries() if e.path.startswith("/__smsmock")] == []


HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>\u202etxt.exe'


def test_the_page_shows_hostile_text_as_text_and_isolates_bidi_controls(browser: Any, mock_server: tuple[Flask, LiveServer]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    app, live = mock_server
    send = {**SEND, "message": HOSTILE, "sender_id": "YOUR_SENDER_ID"}
    assert requests.post(f"{live.url}/api/method/quickflow.sms.send", json=send, headers=QUICKFLOW, timeout=10).status_code == 200
    browser.get(f"{live.url}/__smsmock/")
    WebDriverWait(browser, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#messages tr")) == 2)
    cell = browser.find_element(By.CSS_SELECTOR, "#messages tr:first-child .c-text")
    assert cell.find_element(By.TAG_NAME, "bdi").get_attribute("textContent") == HOSTILE
    assert browser.execute_script("return window.pwned") is None
    assert browser.find_elements(By.CSS_SELECTOR, "#messages img, #messages script") == []
    browser.find_element(By.CSS_SELECTOR, "#messages tr:first-child a.text-link").click()
    detail = browser.find_element(By.ID, "detail")
    WebDriverWait(browser, WAIT).until(lambda d: "The request that sent it" in detail.text)
    raw = detail.find_element(By.CSS_SELECTOR, "pre.raw").get_attribute("textContent")
    assert "<U+202E>txt.exe" in raw and "\u202e" not in raw  # the control is shown, not obeyed
    assert "token your••••" in raw and "your_api_secret" not in raw
    assert browser.execute_script("return window.pwned") is None
    browser.get("about:blank")


def test_the_login_link_gives_the_page_its_token_once(browser: Any, mock_server: tuple[Flask, LiveServer]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    app, live = mock_server
    guard = Guard.for_server("127.0.0.1", token="page-token")
    set_guard(app, guard)
    code = guard.login_code()
    browser.get(f"{live.url}/__smsmock/#login={code}")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "live").text == "Live")
    WebDriverWait(browser, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#messages tr")) == 1)
    assert browser.execute_script("return location.hash") == ""  # the spent code leaves the address bar
    assert browser.execute_script("return sessionStorage.getItem('smsmock-admin-token')") == "page-token"
    assert requests.post(f"{live.url}/__smsmock/api/login", json={"code": code}, timeout=10).status_code == 403
    feed_for(app).changed()  # end the page's long poll
    browser.get("about:blank")
