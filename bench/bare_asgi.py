"""The baseline under event-loop servers: a bare ASGI handler answering the bytes smsmock answered.

    granian --interface asgi bench.bare_asgi:app      uvicorn bench.bare_asgi:app

The answers come from the JSON file SMSMOCK_BENCH_ANSWERS names (as for bench/bare.py's ``app_from_env``):
``"METHOD path"`` to ``{"status", "headers", "body"}``. No framework, no routing, no validation, no state:
what the server costs alone, the fastest baseline bench/serving.py measures smsmock against.
"""
from __future__ import annotations

import json
import os
from typing import Any, Awaitable, Callable

__all__ = ["app", "create"]

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


def create(answers: dict[str, dict[str, Any]]) -> ASGIApp:
    """An ASGI callable answering each recorded ``METHOD path`` with its body (any other: ``{"ok": true}``)."""
    ready: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
    for key, answer in answers.items():
        body = answer["body"].encode()
        headers = [(k.lower().encode(), str(v).encode()) for k, v in answer["headers"].items()]
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        ready[key] = (answer["status"], headers, body)
    other = (200, [(b"content-type", b"application/json"), (b"content-length", b"12")], b'{"ok": true}')

    async def bare(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        more = True
        while more:  # read the body, as any handler does
            message = await receive()
            more = message.get("more_body", False) and message["type"] == "http.request"
        status, headers, body = ready.get(f"{scope['method']} {scope['path']}", other)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return bare


def _from_env() -> ASGIApp:
    path = os.environ.get("SMSMOCK_BENCH_ANSWERS")
    if not path:
        return create({})
    with open(path, encoding="utf-8") as handle:
        return create(json.load(handle))


app = _from_env()
