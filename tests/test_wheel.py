"""The built wheel, installed in a fresh virtual environment outside the checkout, works for a downstream project."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]

DOWNSTREAM_SUITE = '''
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import requests
from hypothesis import HealthCheck, given, settings

import smsmock
import smsmock.pytest_plugin
from smsmock.strategies import answers

CREDENTIALS = {"app_key": "YOUR_KEY", "app_secret": "YOUR_SECRET"}
OTP = {"dlt_template_id": "1507162019748109480", "mobile_numbers": "9876543210", "route_type": 0, "v1": "482913"}


def test_the_installed_package_is_used():
    venv = Path(sys.prefix).resolve()
    for module in (smsmock, smsmock.pytest_plugin):
        assert Path(module.__file__).resolve().is_relative_to(venv), module.__file__


def test_in_process_with_requests(smsmock):
    answer = requests.get(smsmock.quickcom.base_url + "/send-message", params={**CREDENTIALS, **OTP, "v2": "10"})
    assert answer.json()["status"] is True
    assert smsmock.quickcom.latest_code("9876543210") == "482913"


def test_live_server_with_httpx(smsmock_server):
    quickflow = smsmock_server.quickflow
    answer = httpx.post(
        quickflow.base_url + "/quickflow.sms.send",
        headers={"Authorization": "token your_api_key:your_api_secret"},
        json={"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "Code 8080"},
    )
    assert answer.status_code == 200
    assert quickflow.latest_code("254700000001") == "8080"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=10, deadline=None)
@given(answer=answers("quickcom", "check_balance"))
def test_generated_answers(smsmock, answer):
    smsmock.quickcom.answer_with("check_balance", answer.status, answer.body, answer.headers)
    got = requests.get(smsmock.quickcom.base_url + "/check-balance", params=CREDENTIALS)
    assert (got.status_code, got.json()) == (answer.status, answer.body)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_smsmock_serve_until_ctrl_c():
    port = free_port()
    command = [str(Path(sys.executable).parent / "smsmock"), "serve", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/account-status", params=CREDENTIALS)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.1)
        assert answer.json()["data"] == {"is_account_activated": True}
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=10)
    assert server.returncode == 0, err
    assert f"listening on http://localhost:{port}" in out
    assert "smsmock stopped." in out
'''


def _run(command: list[str | Path], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command with nothing of this environment's Python setup leaking in; fail with its output."""
    leaky = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTEST_ADDOPTS")
    env = {k: v for k, v in os.environ.items() if k not in leaky}
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel built from this checkout (and httpx) installed."""
    pytest.importorskip("build", reason="building the wheel needs `build` (pip install -e '.[test]')")
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", root / "dist", CHECKOUT], cwd=root, timeout=120)
    [wheel] = (root / "dist").glob("smsmock-*.whl")
    _run([sys.executable, "-m", "venv", root / "venv"], cwd=root, timeout=60)
    python = root / "venv" / "bin" / "python"
    _run([python, "-m", "pip", "install", "--quiet", wheel, "httpx"], cwd=root, timeout=240)
    return root / "venv"


def test_a_downstream_suite_passes_against_the_installed_wheel(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_downstream.py").write_text(DOWNSTREAM_SUITE)
    done = _run([venv / "bin" / "python", "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path, timeout=120)
    assert "5 passed" in done.stdout, done.stdout


# A downstream project that has its own top-level `pytest_plugin` module and `mockserver` package (common
# names): smsmock installs neither, so its own tests pass, and the smsmock fixtures work in the same suite.
OWN_PYTEST_PLUGIN = '''
import pytest


@pytest.fixture
def greeting():
    return "hello from the project's own pytest_plugin"
'''
OWN_MOCKSERVER_APP = '''
def build():
    return "the project's own mockserver"
'''
OWN_CONFTEST = '''
pytest_plugins = ["pytest_plugin"]
'''
OWN_TESTS = '''
import requests

import pytest_plugin
from mockserver.app import build


def test_own_mockserver_package():
    assert build() == "the project's own mockserver"


def test_own_pytest_plugin(greeting):
    assert greeting == "hello from the project's own pytest_plugin"
    assert pytest_plugin.__file__.endswith("project/pytest_plugin.py")


def test_smsmock_fixture_in_the_same_suite(smsmock):
    answer = requests.get(smsmock.quickcom.base_url + "/check-balance", params={"app_key": "YOUR_KEY", "app_secret": "YOUR_SECRET"})
    assert answer.status_code == 200 and answer.json()["status"] is True
'''


def _project(root: Path) -> Path:
    project = root / "project"
    (project / "mockserver").mkdir(parents=True)
    (project / "mockserver" / "__init__.py").write_text("")
    (project / "mockserver" / "app.py").write_text(OWN_MOCKSERVER_APP)
    (project / "pytest_plugin.py").write_text(OWN_PYTEST_PLUGIN)
    (project / "conftest.py").write_text(OWN_CONFTEST)
    (project / "test_own.py").write_text(OWN_TESTS)
    return project


def test_only_smsmock_is_installed_at_the_top_of_site_packages(venv: Path, tmp_path: Path) -> None:
    python = venv / "bin" / "python"
    done = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path, timeout=60)
    record = next(Path(done.stdout.strip()).glob("smsmock-*.dist-info")) / "RECORD"
    paths = [line.split(",")[0] for line in record.read_text().splitlines()]
    tops = {path.split("/")[0] for path in paths if not path.startswith("../")}  # ../../../bin/smsmock: the command
    assert {top for top in tops if not top.endswith(".dist-info")} == {"smsmock"}, tops
    for name in ("mockserver", "pytest_plugin"):
        found = subprocess.run([str(python), "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True)
        assert found.returncode != 0 and f"No module named '{name}'" in found.stderr, found


@pytest.mark.parametrize("runner", ["pytest", "python -m pytest"])
def test_a_project_with_its_own_pytest_plugin_and_mockserver_runs_green(venv: Path, tmp_path: Path, runner: str) -> None:
    project = _project(tmp_path)
    command = [venv / "bin" / "pytest"] if runner == "pytest" else [venv / "bin" / "python", "-m", "pytest"]
    done = _run([*command, "-p", "no:cacheprovider", "-q"], cwd=project, timeout=120)
    assert "3 passed" in done.stdout, done.stdout


TYPED_USE = '''
from smsmock import SmsMock


def test_typed(smsmock: SmsMock) -> None:
    smsmock.quickcom.fail("send_message", 402)
    smsmock.quickflow.delay("send_sms", 0.5)
    code: str = smsmock.smsflow.latest_code("+15550100", timeout=1.0)
'''
TYPED_MISTAKES = '''
from smsmock import SmsMock


def test_typed(smsmock: SmsMock) -> None:
    smsmock.quickcomm.fail("send_message", 402)
    smsmock.quickcom.fail("send_messages", 402)
    smsmock.quickcom.delay("send_message", seconds="2")
'''


@pytest.fixture(scope="module")
def typed_venv(venv: Path) -> Path:
    """The same environment with mypy (and the stubs smsmock's dependencies lack) installed."""
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "mypy", "types-PyYAML", "types-requests"], cwd=venv, timeout=300)
    return venv


def _mypy(venv: Path, cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [venv / "bin" / "python", "-m", "mypy", "--no-incremental", "--ignore-missing-imports", *args]
    return subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_mypy_is_clean_over_the_installed_package(typed_venv: Path, tmp_path: Path) -> None:
    done = _mypy(typed_venv, tmp_path, "-p", "smsmock")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_sees_each_provider_and_its_operations(typed_venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_typed.py").write_text(TYPED_USE)
    done = _mypy(typed_venv, tmp_path, "test_typed.py")
    assert done.returncode == 0, done.stdout + done.stderr
    (tmp_path / "test_typed.py").write_text(TYPED_MISTAKES)
    done = _mypy(typed_venv, tmp_path, "test_typed.py")
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert any(':6: error: "SmsMock" has no attribute "quickcomm"' in line for line in errors), done.stdout
    assert any(":7: error:" in line and "'send_messages'" in line and '"fail"' in line for line in errors), done.stdout
    assert any(":8: error:" in line and '"seconds"' in line and '"float"' in line for line in errors), done.stdout


def test_smsmock_validate_finds_the_bundled_specs_in_the_install(venv: Path, tmp_path: Path) -> None:
    done = _run([venv / "bin" / "smsmock", "validate"], cwd=tmp_path, timeout=60)
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["provider", "operations"]
    operations = {line.split()[0]: line.split()[1] for line in lines[2:5]}
    assert operations == {"quickcom": "6", "quickflow": "15", "smsflow": "5"}
    assert "ok: 3 file(s) valid" in done.stdout
