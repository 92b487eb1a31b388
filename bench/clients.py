"""Per-call cost of each intercepted client in-process, against its own ecosystem's static stub, in the same run.

    python bench/clients.py [--calls 2000]

For requests (against ``responses``), httpx sync and async (against ``respx``) and aiohttp (against
``aioresponses``): the same request (QuickFlow ``get_balance``, a GET with a query and a token header) made
through the ``smsmock`` fixture's interception (the Flask app behind it, the whole dispatch path) and through
a static stub of the same answer. ``RUN`` calls per timed run, runs interleaved, medians kept, so that the
machine's drifting load falls on both sides alike. Target (issue 14): at most 1.5x each.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import machine, table  # noqa: E402

RUN = 100  # calls per timed run
PARAMS = {"sender_id": "YOUR_SENDER_ID"}
HEADERS = {"Authorization": "token your_api_key:your_api_secret"}


def _timed(calls: int, one: Callable[[], Any]) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        one()
    return (time.perf_counter() - began) / calls * 1e6


async def _timed_async(calls: int, one: Callable[[], Any]) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        await one()
    return (time.perf_counter() - began) / calls * 1e6


def _requests(url: str, body: Any) -> tuple[Callable[[int], float], Callable[[int], float]]:
    import requests
    import responses

    session = requests.Session()

    def one() -> None:
        assert session.get(url, params=PARAMS, headers=HEADERS).json() == body

    def stub(calls: int) -> float:
        with responses.RequestsMock() as mock:
            mock.add(responses.GET, url, json=body, headers={"Cache-Control": "no-store"})
            return _timed(calls, one)

    return (lambda calls: _timed(calls, one)), stub


def _httpx(url: str, body: Any) -> tuple[Callable[[int], float], Callable[[int], float]]:
    import httpx
    import respx

    client = httpx.Client()

    def one() -> None:
        assert client.get(url, params=PARAMS, headers=HEADERS).json() == body

    def stub(calls: int) -> float:
        with respx.mock(assert_all_called=False) as router:
            router.get(url, params=PARAMS).respond(200, json=body, headers={"Cache-Control": "no-store"})
            return _timed(calls, one)

    return (lambda calls: _timed(calls, one)), stub


def _httpx_async(url: str, body: Any) -> tuple[Callable[[int], float], Callable[[int], float]]:
    import httpx
    import respx

    async def measured(calls: int) -> float:
        async with httpx.AsyncClient() as client:

            async def one() -> None:
                assert (await client.get(url, params=PARAMS, headers=HEADERS)).json() == body

            return await _timed_async(calls, one)

    def stub(calls: int) -> float:
        with respx.mock(assert_all_called=False) as router:
            router.get(url, params=PARAMS).respond(200, json=body, headers={"Cache-Control": "no-store"})
            return asyncio.run(measured(calls))

    return (lambda calls: asyncio.run(measured(calls))), stub


def _aiohttp(url: str, body: Any) -> tuple[Callable[[int], float], Callable[[int], float]]:
    import aiohttp
    from aiohttp import ClientResponse
    from aioresponses import aioresponses

    class Response(ClientResponse):
        """aioresponses 0.7.9 builds responses without the writer aiohttp 3.14 asks for."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", type("Sent", (), {"output_size": 0})())
            super().__init__(*args, **kwargs)

    async def measured(calls: int) -> float:
        async with aiohttp.ClientSession() as session:

            async def one() -> None:
                async with session.get(url, params=PARAMS, headers=HEADERS) as answer:
                    assert await answer.json() == body

            return await _timed_async(calls, one)

    def stub(calls: int) -> float:
        with aioresponses() as mocked:
            mocked.get(
                re.compile(re.escape(url) + r"\?.*"), payload=body, headers={"Cache-Control": "no-store"},
                repeat=True, response_class=Response,
            )
            return asyncio.run(measured(calls))

    return (lambda calls: asyncio.run(measured(calls))), stub


CLIENTS = {
    "requests (vs responses)": _requests,
    "httpx sync (vs respx)": _httpx,
    "httpx async (vs respx)": _httpx_async,
    "aiohttp (vs aioresponses)": _aiohttp,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per client and side (default 2000)")
    options = parser.parse_args()

    from smsmock.app import create_app, default_seed
    from smsmock.pytest_plugin.handle import SmsMock
    from smsmock.pytest_plugin.intercept import Interception, Sites
    from smsmock.spec import load_bundled

    base_urls = {name: spec.base_url for name, spec in load_bundled().items()}
    url = base_urls["quickflow"] + "/quickflow.sms.balance"
    app = create_app()
    handle = SmsMock(app, base_urls)
    body = json.loads(app.test_client().get("/api/method/quickflow.sms.balance", query_string=PARAMS, headers=HEADERS).data)

    def through_smsmock(measure: Callable[[int], float], calls: int) -> float:
        interception = Interception(app, Sites.documented(handle.mock)).start()
        handle.begin(default_seed())
        try:
            return measure(calls)
        finally:
            handle.end()
            interception.stop()

    print(machine())
    rows = []
    for label, build in CLIENTS.items():
        ours_one, stub_one = build(url, body)
        through_smsmock(ours_one, RUN), stub_one(RUN)  # warm
        ours, stub = [], []
        for _ in range(max(5, options.calls // RUN)):
            ours.append(through_smsmock(ours_one, RUN))
            stub.append(stub_one(RUN))
        mine, theirs = statistics.median(ours), statistics.median(stub)
        ratio = mine / theirs
        rows.append([label, f"{mine:,.0f} µs", f"{theirs:,.0f} µs", f"{ratio:.2f}×", "met" if ratio <= 1.5 else "NOT met"])
    print(table(["client", "smsmock in-process", "its stub library", "ratio", "≤ 1.5×"], rows))


if __name__ == "__main__":
    main()
