"""`smsmock serve` as a user runs it: a real process, a real port, Ctrl-C to stop."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(*args: str) -> tuple[subprocess.Popen[str], int, list[str]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "smsmock", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:  # the banner ends with the Ctrl-C line
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            break
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, port, lines


def _stop(process: subprocess.Popen[str], sent: int = signal.SIGINT) -> tuple[int, str]:
    """Stop the server as a user does (Ctrl-C, or ``sent``): its exit code and everything it printed."""
    process.send_signal(sent)
    try:
        out, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()  # never leave a server behind, and fail
        process.communicate()
        raise
    return process.returncode, out


def test_serve_prints_base_urls_and_credentials_answers_and_stops_on_ctrl_c() -> None:
    process, port, banner = _start()
    try:
        text = "\n".join(banner)
        assert f"quickflow  http://localhost:{port}/api/method" in text
        assert f"quickcom   http://localhost:{port}/api/v1" in text
        assert f"smsflow    http://localhost:{port}/api" in text
        assert "api_key=your_api_key, api_secret=your_api_secret, sender IDs YOUR_SENDER_ID" in text
        assert "app_key=YOUR_KEY, app_secret=YOUR_SECRET, sender IDs QCOMM, ALERTS" in text
        assert "api_key=YOUR_API_KEY" in text
        answer = requests.get(
            f"http://127.0.0.1:{port}/api/v1/account-status?app_key=YOUR_KEY&app_secret=YOUR_SECRET", timeout=5
        )
        assert answer.status_code == 200 and answer.json()["data"] == {"is_account_activated": True}
    finally:
        code, out = _stop(process)
    assert code == 0
    assert "smsmock stopped." in out
    assert "Traceback" not in out


def test_serve_with_a_seed_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("smsflow:\n  accounts:\n    - api_key: MINE\n      user_id: 7\n", encoding="utf-8")
    process, port, banner = _start("--seed", str(seed))
    try:
        assert any("api_key=MINE" in line for line in banner)
        mine = requests.get(f"http://127.0.0.1:{port}/api/contacts/", headers={"Authorization": "Bearer MINE"}, timeout=5)
        assert mine.status_code == 200 and mine.json()["meta"]["total"] == 0
        demo = requests.get(f"http://127.0.0.1:{port}/api/contacts/", headers={"Authorization": "Bearer YOUR_API_KEY"}, timeout=5)
        assert demo.status_code == 401  # the seed file replaces the default seed
    finally:
        _stop(process)


@pytest.mark.parametrize(
    ("content", "message"),
    [("smsflow: [1, 2]\n", "smsflow"), ("nobody: {}\n", "unknown providers"), ("- just a list\n", "mapping")],
)
def test_serve_refuses_a_bad_seed_file(tmp_path: Path, content: str, message: str) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(content, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "smsmock", "serve", "--port", str(_free_port()), "--seed", str(seed)],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("smsmock serve: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_settles_the_garbage_collector_and_cycles_are_still_collected() -> None:
    import gc
    import weakref

    from smsmock.cli import settle_garbage_collector

    threshold = gc.get_threshold()
    try:
        settle_garbage_collector()
        assert gc.get_threshold()[0] == 10_000 and gc.get_freeze_count() > 0

        class Node:
            pass

        node = Node()
        node.me = node  # a cycle: only the collector frees it
        gone = weakref.ref(node)
        del node
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX limits")
def test_serve_raises_its_open_file_limit_to_the_hard_one_for_many_connections() -> None:
    script = (
        "import resource\n"
        "from smsmock.cli import settle_open_files\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "settle_open_files()\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard)\n"
    )
    soft, hard = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=30).stdout.split()
    import resource

    assert int(soft) == (int(hard) if int(hard) != resource.RLIM_INFINITY else 65_536)
