"""In-process costs of the pytest plugin: a call through ``smsmock``, the fixture per test, Hypothesis examples.

    python bench/inprocess.py [--calls 2000] [--tests 300] [--examples 200]

1. A ``requests`` call caught by the ``smsmock`` fixture (the Flask app behind ``responses``) against the
   same call answered by a static ``responses`` stub with the same body: the medians of interleaved runs of 100.
2. The fixture's set-up and tear-down per test: pytest runs ``--tests`` empty tests that take ``smsmock``
   and as many that take nothing, and the difference of their set-up + tear-down time is the fixture's.
3. Hypothesis examples per second of a client contract test: ``answers("quickflow", "send_sms")`` served by
   ``smsmock.quickflow.answer_with`` to a client call, against the same test with a ``responses`` stub.
Targets (issue 5): a call at most 1.5x the stub's; set-up + tear-down under 2 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, machine, table  # noqa: E402

RUN = 100  # calls per timed run


def per_call(calls: int) -> tuple[float, float]:
    """Microseconds per call: through the smsmock fixture's interception, and through a static stub.

    ``calls`` on each side, in interleaved runs of ``RUN`` calls; the medians of the runs.
    """
    import requests
    import responses

    from smsmock.app import create_app, default_seed
    from smsmock.spec import load_bundled
    from smsmock.pytest_plugin.handle import SmsMock
    from smsmock.pytest_plugin.intercept import Interception, Sites

    base_urls = {name: spec.base_url for name, spec in load_bundled().items()}
    url = base_urls["quickflow"] + "/quickflow.sms.balance"
    params = {"sender_id": "YOUR_SENDER_ID"}
    headers = {"Authorization": "token your_api_key:your_api_secret"}
    app = create_app()
    handle = SmsMock(app, base_urls)
    session = requests.Session()

    def through_smsmock(calls: int) -> float:
        interceptor = Interception(app, Sites.documented(handle.mock)).start()
        handle.begin(default_seed())
        try:
            began = time.perf_counter()
            for _ in range(calls):
                answer = session.get(url, params=params, headers=headers)
            elapsed = time.perf_counter() - began
            assert answer.status_code == 200, answer.text
        finally:
            handle.end()
            interceptor.stop()
        return elapsed / calls * 1e6

    body = json.loads(app.test_client().get("/api/method/quickflow.sms.balance", query_string=params, headers=headers).data)

    def through_stub(calls: int) -> float:
        with responses.RequestsMock() as mock:
            mock.add(responses.GET, url, json=body, status=200, headers={"Cache-Control": "no-store"})
            began = time.perf_counter()
            for _ in range(calls):
                answer = session.get(url, params=params, headers=headers)
            elapsed = time.perf_counter() - began
            assert answer.json() == body
        return elapsed / calls * 1e6

    through_smsmock(RUN), through_stub(RUN)  # warm
    # Short runs, interleaved, many of them: the machine's load drifts over seconds, and a drift then
    # falls on both sides alike instead of on whichever side ran during it.
    ours, stub = [], []
    for _ in range(max(5, calls // RUN)):
        ours.append(through_smsmock(RUN))
        stub.append(through_stub(RUN))
    return statistics.median(ours), statistics.median(stub)


CONFTEST = '''
import json, os, time
totals = {}

def pytest_runtest_logreport(report):
    group = report.nodeid.split("::")[0]
    key = (group, report.when)
    totals[key] = totals.get(key, 0.0) + report.duration

def pytest_sessionfinish(session):
    with open(os.environ["SMSMOCK_BENCH_OUT"], "w") as out:
        json.dump({f"{g}|{w}": t for (g, w), t in totals.items()}, out)
'''

CONTRACT_HEAD = '''
import requests
import responses
from hypothesis import HealthCheck, given, settings
from smsmock.strategies import answers

URL = "{url}/quickflow.sms.send"
HEADERS = {{"Authorization": "token your_api_key:your_api_secret"}}
BODY = {{"recipient": "254700000001", "sender_id": "YOUR_SENDER_ID", "message": "Your code is 550142"}}
SETTINGS = settings(max_examples={examples}, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def client_send(session):
    """The client under test: send, and read the uids or the error class from whatever came back."""
    answer = session.post(URL, headers=HEADERS, json=BODY)
    data = answer.json() if answer.content else None
    if answer.status_code == 200:
        return data["message"]["data"]["messages"]
    return (data or {{}}).get("exc_type")
'''

CONTRACT_SMSMOCK = '''

@SETTINGS
@given(answer=answers("quickflow", "send_sms"))
def test_contract(smsmock, answer):
    smsmock.quickflow.answer_with("send_sms", answer.status, answer.body, answer.headers)
    client_send(requests.Session())
'''

CONTRACT_STUB = '''

@SETTINGS
@given(answer=answers("quickflow", "send_sms"))
def test_contract(answer):
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, URL, json=answer.body, status=answer.status, headers=answer.headers)
        client_send(requests.Session())
'''


def pytest_run(files: dict[str, str]) -> dict[str, float]:
    """Run pytest on generated files in a temporary folder; time per (file, phase), seconds."""
    folder = Path(tempfile.mkdtemp(prefix="smsmock-bench-"))
    (folder / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = folder / "totals.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(folder)],
        cwd=folder,
        env={**os.environ, "SMSMOCK_BENCH_OUT": str(out), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pytest failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls on each side, in interleaved runs of 100 (default 2000)")
    parser.add_argument("--tests", type=int, default=300, help="empty tests per kind (default 300)")
    parser.add_argument("--examples", type=int, default=200, help="Hypothesis examples (default 200)")
    args = parser.parse_args()
    print(f"# smsmock in-process costs, {machine()}\n", flush=True)

    ours, stub = per_call(args.calls)

    with_fixture = "".join(f"def test_{i}(smsmock):\n    pass\n\n" for i in range(args.tests))
    without = "".join(f"def test_{i}():\n    pass\n\n" for i in range(args.tests))
    from smsmock.spec import load_bundled

    head = CONTRACT_HEAD.format(url=load_bundled()["quickflow"].base_url, examples=args.examples)
    warm = head + "\n\n@SETTINGS\n@given(answer=answers('quickflow', 'send_sms'))\ndef test_warm(answer):\n    pass\n"
    totals = pytest_run({
        "test_0_warm.py": warm,  # the strategies compile on first use: not the contract tests' cost
        "test_a_with.py": with_fixture,
        "test_b_without.py": without,
        "test_c_contract.py": head + CONTRACT_SMSMOCK,
        "test_d_stub.py": head + CONTRACT_STUB,
    })

    def phases(group: str) -> float:
        return totals.get(f"{group}|setup", 0.0) + totals.get(f"{group}|teardown", 0.0)

    fixture_ms = (phases("test_a_with.py") - phases("test_b_without.py")) / args.tests * 1000
    # Each @given test's call time includes generating its examples; both ran the same (derandomized) ones.
    contract_rate = args.examples / totals["test_c_contract.py|call"]
    stub_rate = args.examples / totals["test_d_stub.py|call"]

    rows = [
        ["call through smsmock (quickflow get_balance)", f"{ours:,.0f} us", f"{stub:,.0f} us (responses stub)", f"{ours / stub:.2f}x", "<= 1.5x"],
        ["fixture set-up + tear-down per test", f"{fixture_ms:.2f} ms", "-", "-", "< 2 ms"],
        ["Hypothesis client contract test", f"{contract_rate:,.0f} examples/s", f"{stub_rate:,.0f} examples/s (stub)",
         f"{stub_rate / contract_rate:.2f}x", "-"],
    ]
    print(table(["measure", "smsmock", "baseline", "ratio", "target"], rows))
    print("\n(contract test: answers('quickflow', 'send_sms') served by smsmock.quickflow.answer_with, or by a"
          " responses stub, to a client's send; at most " f"{args.examples} examples, derandomized)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
