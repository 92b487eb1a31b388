"""The outbox page at /__smsmock/: served offline from the package, and live in a real headless browser."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from conftest import Api

from smsmock.app import create_app, get_mock
from smsmock.extension import feed_for
from smsmock.pytest_plugin.server import LiveServer

UI = Path(__file__).parents[1] / "mockserver" / "ui"
# The screenshots land in a temporary folder; SMSMOCK_SCREENSHOTS=docs refreshes the README's copies.
DOCS = Path(os.environ.get("SMSMOCK_SCREENSHOTS") or tempfile.mkdtemp(prefix="smsmock-screens-"))
# The Host of `smsmock serve` (not the test server's random port) and an application's own User-Agent,
# so that the screenshots come out the same on every run.
QUICKFLOW = {
    "Authorization": "token your_api_key:your_api_secret",
    "Host": "localhost:8017",
    "User-Agent": "duka-backend/2.3",
}
QUICKCOM = "app_key=YOUR_KEY&app_secret=YOUR_SECRET&dlt_template_id=1507162019748109480&route_type=1"
WAIT = 20  # seconds: generous, the page is not being timed


# -- served by the mock, no browser needed ------------------------------------------------------------


def test_the_page_and_its_assets_are_served_by_the_mock(api: Api) -> None:
    page = api.get("/__smsmock/")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<main" in page.text
    bare = api.app.test_client().get("/__smsmock")  # relative asset links need the slash
    assert bare.status_code in (301, 302, 308) and bare.headers["Location"].endswith("/__smsmock/")
    for asset, kind in (("app.js", "javascript"), ("style.css", "text/css"), ("icon.svg", "image/svg+xml")):
        answer = api.get(f"/__smsmock/ui/{asset}")
        assert answer.status == 200 and kind in answer.headers["Content-Type"], asset
    assert api.get("/__smsmock/api").json["endpoints"]["GET /__smsmock/"] == "the outbox page"


def test_the_page_needs_no_network() -> None:
    for asset in UI.iterdir():
        text = re.sub(r'xmlns="[^"]*"', "", asset.read_text(encoding="utf-8"))  # a namespace is a name, not a fetch
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), f"{asset.name} loads from elsewhere"
        assert "@import" not in text and "fonts.googleapis" not in text, asset.name


class _Markup(HTMLParser):
    """Collects what the accessibility checks below need from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_page_is_labelled_for_assistive_technology() -> None:
    markup = _Markup()
    markup.feed((UI / "index.html").read_text(encoding="utf-8"))
    tags = markup.tags
    assert ("html", {"lang": "en"}) in tags
    names = [tag for tag, _ in tags]
    assert {"header", "main"} <= set(names) and any(a.get("role") == "search" for _, a in tags)
    labelled = {a["for"] for tag, a in tags if tag == "label" and "for" in a}
    for tag, attrs in tags:
        if tag in ("input", "select") and attrs.get("type") != "checkbox":  # the checkbox sits inside its label
            assert attrs.get("id") in labelled, f"{tag}#{attrs.get('id')} has no label"
    assert any(a.get("aria-live") == "polite" for _, a in tags)
    assert [a["aria-controls"] for _, a in tags if a.get("role") == "tab"] == ["panel-messages", "panel-journal"]
    css = (UI / "style.css").read_text(encoding="utf-8")
    assert ":focus-visible" in css and "max-width: 900px" in css and "prefers-reduced-motion" in css


# -- in a real browser --------------------------------------------------------------------------------


def _browser_or_skip(*extra: str):
    """A headless Chromium driven by Selenium (``extra``: more command-line flags), or a skip saying what is missing (a failure on CI)."""
    missing = None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing = "selenium is not installed (python -m pip install -e '.[test]')"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if missing is None and not (os.path.exists(chromium) and os.path.exists(driver)):
        missing = "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test must run on CI: {missing}")
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--force-color-profile=srgb", "--lang=en-GB", "--window-size=1280,800", *extra,
    ):
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="smsmock-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(driver), options=options), profile


def chromium(*extra: str) -> Iterator[Any]:
    """A browser for a module's tests (``extra``: more command-line flags), closed and its profile removed after."""
    driver, profile = _browser_or_skip(*extra)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT * 3)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium()


@pytest.fixture
def server() -> Iterator[LiveServer]:
    app = create_app(strict=True)
    with LiveServer(app) as live:
        yield live
        feed_for(app).changed()  # end the page's long poll now, so that the server stops at once
    failed = [e for e in get_mock(app).journal.entries() if e.get("status", 0) >= 500 or e.get("response_problems")]
    assert not failed, f"the mock broke its own contract: {failed}"


def _viewport(driver: Any, width: int, height: int, mobile: bool = False) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def _send(url: str) -> None:
    """Texts through QuickFlow and QuickCom, an SMSFlow contact, and requests that break the contract."""
    def quickflow(recipient: str, message: str) -> None:
        body = {"recipient": recipient, "sender_id": "YOUR_SENDER_ID", "message": message}
        answer = requests.post(f"{url}/api/method/quickflow.sms.send", headers=QUICKFLOW, json=body, timeout=10)
        assert answer.status_code == 200, answer.text

    quickflow("254700000001", "Your Duka verification code is 550142. It expires in 10 minutes.")
    quickflow("0700000666", "Asante! Malipo ya KSh 1,250 yamepokelewa ✓ Oda #4821 itafika kesho. Karibu tena!")
    assert requests.post(f"{url}/__smsmock/api/clock", json={"advance": 5}, timeout=10).ok  # delivered, failed
    quickflow("254711000002", "Reminder: your appointment is tomorrow at 09:00. Reply STOP to opt out.")
    answer = requests.get(f"{url}/api/v1/send-message?{QUICKCOM}&v1=482913&v2=10&mobile_numbers=9876543210,8765432109", timeout=10)
    assert answer.status_code == 200, answer.text
    assert requests.post(f"{url}/__smsmock/api/clock", json={"advance": 1}, timeout=10).ok  # some sent
    answer = requests.get(f"{url}/api/v1/send-message?{QUICKCOM}&v1=733190&v2=5&mobile_numbers=7890123456", timeout=10)
    assert answer.status_code == 200, answer.text

    contact = {"phone_number": "+393331234567", "name": "Ada Rossi", "nickname": "ada"}  # nickname: not in the spec
    answer = requests.post(f"{url}/api/contacts", headers={"Authorization": "Bearer YOUR_API_KEY"}, data=contact, timeout=10)
    assert answer.ok, answer.text
    rejected = requests.get(f"{url}/api/v1/send-message?{QUICKCOM}&v1=4821&mobile_numbers=9876543210", timeout=10)
    assert rejected.status_code == 422
    assert requests.get(f"{url}/api/v1/send-messages", timeout=10).status_code == 404


def test_the_outbox_page_live_in_a_headless_browser(browser: Any, server: LiveServer) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    _viewport(browser, 1280, 800)
    browser.get(f"{server.url}/__smsmock/")
    wait.until(lambda d: d.find_element(By.ID, "live").text == "Live")
    assert "No messages yet" in browser.find_element(By.ID, "empty").text
    browser.execute_script("window.smsmockNoReload = true")

    _send(server.url)

    def rows() -> list[Any]:
        return browser.find_elements(By.CSS_SELECTOR, "#messages tr")

    wait.until(lambda d: len(rows()) == 6)
    assert browser.execute_script("return window.smsmockNoReload") is True  # arrived live, no reload
    cells = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows()]
    newest, oldest = cells[0], cells[-1]
    assert newest[1:4] == ["QuickCom", "QCOMM", "+917890123456"] and newest[8] == "queued"
    assert oldest[1:4] == ["QuickFlow", "YOUR_SENDER_ID", "+254700000001"] and oldest[8] == "delivered"
    assert [c[8] for c in cells if c[3] == "+254700000666"] == ["failed"]
    assert [c[5:8] for c in cells if c[3] == "+254700000666"] == [["UCS-2", "2", "2"]]  # over 70: two parts
    assert "new message" in browser.find_element(By.ID, "announcer").get_attribute("textContent")
    assert browser.find_element(By.ID, "count-problems").text == "3 problems"

    # filters: provider, recipient in any form, text
    Select(browser.find_element(By.ID, "f-provider")).select_by_value("quickcom")
    wait.until(lambda d: len(rows()) == 3)
    recipient = browser.find_element(By.ID, "f-recipient")
    recipient.send_keys("+91 98765 43210")
    wait.until(lambda d: [r.find_element(By.CLASS_NAME, "c-recipient").text for r in rows()] == ["+919876543210"])
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()
    wait.until(lambda d: len(rows()) == 6)
    browser.find_element(By.ID, "f-text").send_keys("550142")
    wait.until(lambda d: len(rows()) == 1)

    # the detail: the message, and the request that sent it with its answer
    link = rows()[0].find_element(By.CSS_SELECTOR, "a.text-link")
    link.click()
    detail = browser.find_element(By.ID, "detail")
    wait.until(lambda d: "The request that sent it" in detail.text)
    assert browser.find_element(By.ID, "detail-title").text == "QuickFlow message to +254700000001"
    raw = [pre.text for pre in detail.find_elements(By.CSS_SELECTOR, "pre.raw")]
    assert raw[0].startswith("POST /api/method/quickflow.sms.send") and '"recipient": "254700000001"' in raw[0]
    assert raw[1].startswith("HTTP 200") and "Cache-Control: no-store" in raw[1]
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)  # keyboard: Escape closes, focus goes back
    wait.until(lambda d: not detail.get_attribute("open"))
    assert browser.switch_to.active_element == link
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()
    wait.until(lambda d: len(rows()) == 6)

    # the journal: problems stand out with their reason; tabs work from the keyboard
    tab = browser.find_element(By.ID, "tab-messages")
    tab.send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element(By.ID, "tab-journal").get_attribute("aria-selected") == "true"
    journal = browser.find_element(By.ID, "journal")
    assert journal.is_displayed()
    reasons = journal.find_elements(By.CSS_SELECTOR, ".problem .reasons")
    text = "\n".join(r.text for r in reasons)
    assert "Rejected: The v2 field is required." in text
    assert "Contract violation (ignored by the platform): body field 'nickname'" in text
    assert "No operation:" in text and "Nearest: GET /api/v1/send-message" in text
    browser.find_element(By.ID, "j-problems").click()
    wait.until(lambda d: len([e for e in journal.find_elements(By.TAG_NAME, "li") if e.is_displayed() and "entry" in e.get_attribute("class")]) == 3)
    browser.find_element(By.ID, "tab-messages").click()

    # screenshots for the README: the list, a message, and a phone
    DOCS.mkdir(exist_ok=True)

    def still() -> None:
        """Finished animations, no focus ring, the pointer off every button: the same picture every run."""
        ActionChains(browser).move_to_element(browser.find_element(By.ID, "summary")).perform()
        browser.execute_script("document.getAnimations().forEach(a => a.finish()); document.activeElement.blur()")

    browser.find_element(By.CSS_SELECTOR, "#messages tr:nth-child(4) a.text-link").click()
    wait.until(lambda d: "The request that sent it" in detail.text)
    still()
    browser.save_screenshot(str(DOCS / "outbox-detail.png"))
    browser.find_element(By.CSS_SELECTOR, "#detail [data-close]").click()
    wait.until(lambda d: not detail.get_attribute("open"))
    still()
    browser.save_screenshot(str(DOCS / "outbox.png"))
    _viewport(browser, 390, 844, mobile=True)
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.execute_script("return document.documentElement.scrollWidth <= 390")  # no sideways scroll
    still()
    browser.save_screenshot(str(DOCS / "outbox-phone.png"))
    _viewport(browser, 1280, 800)

    # reset from the page
    browser.find_element(By.ID, "reset").click()
    browser.find_element(By.ID, "confirm-reset-button").click()
    wait.until(lambda d: not rows() and "No messages yet" in d.find_element(By.ID, "empty").text)
    assert requests.get(f"{server.url}/__smsmock/api/state", timeout=10).json()["outbox"] == 0
    browser.get("about:blank")  # leave the page: no long poll left open on the stopping server
