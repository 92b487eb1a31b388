"""The server of ``smsmock serve`` and the live-server fixture (smsmock.serving): waits hold no thread, slow
and idle connections are closed after the stated timeout, and a stop answers what is parked and in flight.

Bounded in count and time: a few hundred connections at most, every wait with a timeout.
"""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Iterator

import pytest
import requests

from smsmock.app import create_app, get_mock
from smsmock.overrides import Fault
from smsmock.serving import Serving

SEND = "/api/method/quickflow.sms.send"
AUTH = {"Authorization": "token your_api_key:your_api_secret", "Content-Type": "application/json"}
BALANCE = "/api/method/quickflow.sms.balance?sender_id=YOUR_SENDER_ID"


def _send(url: str, recipient: str, text: str) -> int:
    body = {"recipient": recipient, "sender_id": "YOUR_SENDER_ID", "message": text}
    return requests.post(url + SEND, json=body, headers=AUTH, timeout=10).status_code


@pytest.fixture
def server() -> Iterator[Serving]:
    app = create_app()
    get_mock(app).set_limit("quickflow", None, 60)
    with Serving(app) as live:
        yield live


async def _exchange(port: int, request: bytes, timeout: float) -> tuple[int, bytes, float]:
    """One request on a fresh connection: its status, its body and the seconds it took."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        body = await asyncio.wait_for(reader.readexactly(length), timeout)
        return int(head.split()[1]), body, time.perf_counter() - started
    finally:
        writer.close()


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def test_three_hundred_parked_long_polls_hold_up_no_request_and_each_gets_its_message(server: Serving) -> None:
    count = 300

    async def scenario() -> tuple[list[tuple[int, bytes, float]], list[float]]:
        waiters = [
            asyncio.ensure_future(_exchange(server.port, _get(f"/__smsmock/api/outbox/wait?text=wake-{i:03d}&timeout=30"), 40))
            for i in range(count)
        ]
        version = (await asyncio.to_thread(requests.get, server.url + "/__smsmock/api/events", timeout=5)).json()["version"]
        events = [asyncio.ensure_future(_exchange(server.port, _get(f"/__smsmock/api/events?version={version}&timeout=30"), 40))
                  for _ in range(20)]
        await asyncio.sleep(1.0)  # all parked
        assert not any(w.done() for w in waiters + events)
        ordinary = []
        for _ in range(20):  # each answered at once: no wait holds anything they need
            status, _, took = await _exchange(server.port, _get("/__smsmock/api/state"), 5)
            assert status == 200
            ordinary.append(took)
        for i in range(count):
            assert await asyncio.to_thread(_send, server.url, f"2547{i:08d}", f"code wake-{i:03d}") == 200
        woken = await asyncio.gather(*events)  # the first send changed what they follow
        assert all(status == 200 for status, _, _ in woken)
        return list(await asyncio.gather(*waiters)), ordinary

    answers, took = asyncio.run(scenario())
    assert max(took) < 1.0, took
    for i, (status, body, _) in enumerate(answers):
        assert status == 200, body
        assert json.loads(body)["text"] == f"code wake-{i:03d}"


def test_an_injected_latency_holds_up_no_other_request(server: Serving) -> None:
    get_mock(server.app).add_fault(Fault(operation="get_balance", latency=2.0))
    slow = threading.Thread(target=requests.get, args=(server.url + BALANCE,), kwargs={"headers": AUTH, "timeout": 10})
    slow.start()
    time.sleep(0.2)
    started = time.perf_counter()
    assert requests.get(server.url + "/__smsmock/api/state", timeout=5).status_code == 200
    assert time.perf_counter() - started < 1.0
    slow.join()


def test_a_long_poll_times_out_with_its_408_and_events_wake_on_a_change(server: Serving) -> None:
    started = time.perf_counter()
    answer = requests.get(server.url + "/__smsmock/api/outbox/wait", params={"text": "never", "timeout": 0.5}, timeout=5)
    assert answer.status_code == 408 and "within 0.5 s" in answer.json()["error"]
    assert 0.5 <= time.perf_counter() - started < 2
    version = requests.get(server.url + "/__smsmock/api/events", timeout=5).json()["version"]
    later = threading.Timer(0.3, _send, args=(server.url, "254700000001", "hello"))
    later.start()
    woken = requests.get(server.url + "/__smsmock/api/events", params={"version": version, "timeout": 10}, timeout=15)
    later.join()
    assert woken.json()["version"] > version and woken.json()["outbox"] == 1


def test_idle_and_trickling_connections_are_closed_after_the_idle_timeout() -> None:
    with Serving(create_app(), idle_timeout=0.5) as live:
        never = socket.create_connection(("127.0.0.1", live.port))
        trickle = socket.create_connection(("127.0.0.1", live.port))
        used = requests.Session()
        assert used.get(live.url + "/__smsmock/api/state", timeout=5).status_code == 200
        started = time.perf_counter()
        trickle.sendall(b"GET / HTTP/1.1\r\nHo")  # and never the rest
        for sock in (never, trickle):
            sock.settimeout(5)
            assert sock.recv(100) == b""  # closed, nothing said
            sock.close()
        assert time.perf_counter() - started < 3
        # the pooled connection was closed too (its timer ran from its answer, before the others'): once its
        # close has arrived, the session sees it and reconnects by itself
        time.sleep(0.3)
        assert used.get(live.url + "/__smsmock/api/state", timeout=5).status_code == 200


def test_a_stop_answers_the_parked_polls_and_the_request_in_flight_and_refuses_new_ones() -> None:
    app = create_app()
    live = Serving(app).start()
    mock = get_mock(app)
    mock.add_fault(Fault(operation="get_balance", latency=1.0))
    found: dict[str, object] = {}

    def wait(i: int) -> None:
        answer = requests.get(live.url + "/__smsmock/api/outbox/wait", params={"text": f"x{i}", "timeout": 30}, timeout=10)
        found[f"wait {i}"] = (answer.status_code, answer.json()["error"])

    def in_flight() -> None:
        found["in flight"] = requests.get(live.url + BALANCE, headers=AUTH, timeout=10).status_code

    threads = [threading.Thread(target=wait, args=(i,)) for i in range(10)] + [threading.Thread(target=in_flight)]
    for thread in threads:
        thread.start()
    time.sleep(0.4)
    started = time.perf_counter()
    live.stop()
    time.sleep(0.1)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", live.port), timeout=1).recv(1)  # refused, or closed at once
    live.join(10)
    for thread in threads:
        thread.join(10)
    assert time.perf_counter() - started < 2.0
    assert found["in flight"] == 200
    for i in range(10):
        assert found[f"wait {i}"] == (408, f"no message containing 'x{i}' before smsmock stopped; last sent: nothing")


def test_a_busy_port_is_refused_at_once() -> None:
    with Serving(create_app()) as live:
        with pytest.raises(OSError):
            Serving(create_app(), port=live.port)
