"""`smsmock serve` beyond loopback (real addresses, a warning, the admin token) and with ``--state FILE`` (kept across restarts, a bad file refused and left alone)."""
from __future__ import annotations

import hashlib
import json
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from smsmock import __version__
from smsmock.app import create_app, get_mock
from smsmock.persist import MAGIC, StateError, load_state
from test_cli import _free_port, _start, _stop

QUICKFLOW = {"Authorization": "token your_api_key:your_api_secret"}
SEND = {"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "Your code is 550142"}


def _terminate(process: subprocess.Popen[str]) -> tuple[int, str]:
    return _stop(process, signal.SIGTERM)


def test_beyond_loopback_it_warns_prints_real_addresses_and_the_admin_api_needs_the_token() -> None:
    process, port, banner = _start("--host", "0.0.0.0")
    try:
        text = "\n".join(banner)
        assert "bound to 0.0.0.0: reachable at " in text and f"http://127.0.0.1:{port}" in text
        assert "WARNING: other machines can reach this mock." in text
        assert f"http://localhost:{port}" not in text  # the real addresses, not a loopback name
        login = re.search(r"/__smsmock/#login=([\w-]+)", text).group(1)  # type: ignore[union-attr]
        token = re.search(r"token      (\S+)  \(scripts send it as X-Smsmock-Token\)", text).group(1)  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/__smsmock/api/state", timeout=5).status_code == 401
        assert requests.get(f"{base}/__smsmock/api/state", headers={"X-Smsmock-Token": token}, timeout=5).status_code == 200
        first = requests.post(f"{base}/__smsmock/api/login", json={"code": login}, timeout=5)
        assert (first.status_code, first.json()) == (200, {"token": token})
        assert requests.post(f"{base}/__smsmock/api/login", json={"code": login}, timeout=5).status_code == 403
        # the providers stay open, as the platforms' are
        assert requests.post(f"{base}/api/method/quickflow.sms.send", json=SEND, headers=QUICKFLOW, timeout=5).status_code == 200
    finally:
        code, out = _terminate(process)
    assert code == 0 and out.rstrip().endswith("smsmock stopped.")


def test_a_given_admin_token_is_required_on_loopback_too_and_not_echoed() -> None:
    process, port, banner = _start("--admin-token", "my-own-token", "--allowed-host", "mock.test")
    try:
        assert "my-own-token" not in "\n".join(banner)
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/__smsmock/api/state", timeout=5).status_code == 401
        named = requests.get(f"{base}/__smsmock/api/state", headers={"X-Smsmock-Token": "my-own-token", "Host": f"mock.test:{port}"}, timeout=5)
        assert named.status_code == 200
    finally:
        _stop(process)


def test_sigterm_prints_the_stopped_line_even_with_requests_under_way() -> None:
    process, port, _ = _start()
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            try:
                requests.get(f"http://127.0.0.1:{port}/api/v1/check-balance?app_key=YOUR_KEY&app_secret=YOUR_SECRET", timeout=5)
            except requests.RequestException:
                pass

    clients = [threading.Thread(target=busy) for _ in range(4)]
    for client in clients:
        client.start()
    try:
        requests.get(f"http://127.0.0.1:{port}/__smsmock/api/state", timeout=5)
        code, out = _terminate(process)
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert (code, out.strip().splitlines()[-1]) == (0, "smsmock stopped.")
    assert "Traceback" not in out


def test_sigterm_stops_accepting_answers_what_is_under_way_and_releases_long_polls() -> None:
    """A request in flight (a 1.5 s latency fault) gets its answer, a parked long poll its "nothing yet" at once,
    a new connection is refused, and the process exits 0 with the stopped line well within the 5 s grace."""
    process, port, _ = _start()
    base = f"http://127.0.0.1:{port}"
    fault = {"provider": "quickcom", "operation": "check_balance", "latency": 1.5}
    assert requests.post(f"{base}/__smsmock/api/faults", json=fault, timeout=5).status_code in (200, 201)
    answers: dict[str, requests.Response] = {}

    def slow() -> None:
        answers["slow"] = requests.get(f"{base}/api/v1/check-balance?app_key=YOUR_KEY&app_secret=YOUR_SECRET", timeout=10)

    def parked() -> None:
        answers["wait"] = requests.get(f"{base}/__smsmock/api/outbox/wait?recipient=254700000009&timeout=60", timeout=70)

    clients = [threading.Thread(target=slow), threading.Thread(target=parked)]
    for client in clients:
        client.start()
    time.sleep(0.5)  # both are under way: the slow one sleeping in its fault, the other parked
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/api/v1/check-balance?app_key=YOUR_KEY&app_secret=YOUR_SECRET", timeout=2)
    out, _ = process.communicate(timeout=15)
    took = time.monotonic() - started
    for client in clients:
        client.join(timeout=10)
    assert (process.returncode, out.strip().splitlines()[-1]) == (0, "smsmock stopped.")
    assert took < 5
    assert (answers["slow"].status_code, answers["slow"].json()["status"]) == (200, True)
    assert answers["wait"].status_code == 408 and "before smsmock stopped" in answers["wait"].text
    assert "Traceback" not in out


def test_the_state_is_kept_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "mock.state"
    process, port, _ = _start("--state", str(state))
    base = f"http://127.0.0.1:{port}"
    try:
        assert requests.post(f"{base}/api/method/quickflow.sms.send", json=SEND, headers=QUICKFLOW, timeout=5).status_code == 200
        assert requests.post(f"{base}/__smsmock/api/seed", json={"smsflow": {"accounts": [{"api_key": "KEPT", "user_id": 5}]}}, timeout=5).status_code == 200
        assert requests.post(f"{base}/__smsmock/api/faults", json={"operation": "list_contacts", "status": 401, "times": 2}, timeout=5).status_code == 201
        # a day on: every message settled, so that the few seconds of the restart change no status
        assert requests.post(f"{base}/__smsmock/api/clock", json={"advance": 86400}, timeout=5).status_code == 200
        before = requests.get(f"{base}/__smsmock/api/state", timeout=5).json()
        journal = requests.get(f"{base}/__smsmock/api/journal", timeout=5).json()
    finally:
        code, out = _terminate(process)
    assert code == 0 and f"smsmock: state written to {state}" in out
    assert state.stat().st_mode & 0o777 == 0o600  # it holds credentials: readable by its owner only
    process, port, banner = _start("--state", str(state))
    base = f"http://127.0.0.1:{port}"
    try:
        after = requests.get(f"{base}/__smsmock/api/state", timeout=5).json()
        assert {k: v for k, v in after.items() if k != "clock"} == {k: v for k, v in before.items() if k != "clock"}
        assert requests.get(f"{base}/__smsmock/api/journal", timeout=5).json()["entries"] == journal["entries"]
        code_answer = requests.get(f"{base}/__smsmock/api/code?recipient=254700000001", timeout=5).json()
        assert code_answer["code"] == "550142"
        assert requests.get(f"{base}/api/contacts/", headers={"Authorization": "Bearer KEPT"}, timeout=5).status_code == 401  # the fault, once of two
        assert len(requests.get(f"{base}/__smsmock/api/faults", timeout=5).json()["faults"]) == 1
    finally:
        _stop(process)


def test_the_state_is_written_at_the_interval(tmp_path: Path) -> None:
    state = tmp_path / "mock.state"
    process, port, _ = _start("--state", str(state), "--state-interval", "0.2")
    try:
        requests.post(f"http://127.0.0.1:{port}/api/method/quickflow.sms.send", json=SEND, headers=QUICKFLOW, timeout=5)
        for _ in range(100):
            if state.exists():
                break
            time.sleep(0.1)  # waiting for the file, not timing it
        app = create_app()
        assert load_state(get_mock(app), state)
        assert len(get_mock(app).env.outbox) == 1
    finally:
        _stop(process)


def _payload_file(path: Path, payload: bytes, version: str = __version__) -> None:
    header = {"version": version, "providers": ["quickcom", "quickflow", "smsflow"], "sha256": hashlib.sha256(payload).hexdigest()}
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)


class _Runs:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("pwned",))


BAD_FILES = {
    "foreign": (lambda p: p.write_text("name,phone\nAda,+393331234567\n"), "it is not an smsmock state file (no smsmock marker at its start)"),
    "damaged": (lambda p: p.write_bytes(MAGIC + b'{"version": "x", "providers": [], "sha256": "00"}\n' + b"\x80\x05junk"), "it is damaged (its checksum does not match: a partial or altered copy)"),
    "truncated header": (lambda p: p.write_bytes(MAGIC + b'{"version": '), "its header is damaged"),
    "other version": (lambda p: _payload_file(p, pickle.dumps({}), "0.0.1"), f"smsmock 0.0.1 wrote it; this is smsmock {__version__}, whose state differs"),
    "code in it": (lambda p: _payload_file(p, pickle.dumps({"x": _Runs()})), "it names builtins.print, which no smsmock state holds"),
    "not a state": (lambda p: _payload_file(p, pickle.dumps([1, 2])), "it does not hold an smsmock state"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_foreign_or_damaged_state_file_is_refused_and_never_overwritten(tmp_path: Path, kind: str) -> None:
    write, reason = BAD_FILES[kind]
    state = tmp_path / "mock.state"
    write(state)
    before = state.read_bytes()
    with pytest.raises(StateError) as refused:
        load_state(get_mock(create_app()), state)
    assert str(refused.value) == reason
    process = subprocess.run(
        [sys.executable, "-m", "smsmock", "serve", "--port", str(_free_port()), "--state", str(state)],
        capture_output=True, text=True, timeout=60,
    )
    assert process.returncode == 2
    assert process.stderr.strip() == f"smsmock serve: {state} is refused and left as it is: {reason}"
    assert "pwned" not in process.stdout
    assert state.read_bytes() == before
