"""The baseline: a bare Flask handler answering the same JSON as smsmock, under the same WSGI server.

    python bench/bare.py --port 8030 --answers answers.json [--server waitress|gunicorn-app]

``answers.json`` maps ``"METHOD path"`` to ``{"status", "headers", "body"}`` (captured from smsmock by
bench/throughput.py). No routing table, no validation, no state: what Flask and the server cost alone.
"""
from __future__ import annotations

import argparse
import json
import os

from flask import Flask, Response, request


def create(answers: dict[str, dict]) -> Flask:
    """A Flask app with one catch-all view returning the recorded answer for the method and path."""
    app = Flask("bare")
    ready = {key: (a["body"].encode(), a["status"], a["headers"]) for key, a in answers.items()}

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def answer(path: str) -> Response:
        body, status, headers = ready.get(f"{request.method} {request.path}", (b'{"ok": true}', 200, {}))
        request.get_data()  # read the body, as any handler does
        return Response(body, status=status, headers=headers, mimetype="application/json")

    return app


def app_from_env() -> Flask:
    """For gunicorn: ``bench.bare:app_from_env()`` with SMSMOCK_BENCH_ANSWERS naming the file."""
    with open(os.environ["SMSMOCK_BENCH_ANSWERS"], encoding="utf-8") as handle:
        return create(json.load(handle))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answers", required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with open(args.answers, encoding="utf-8") as handle:
        app = create(json.load(handle))
    import waitress

    waitress.serve(app, host="127.0.0.1", port=args.port, threads=args.threads, _quiet=True)


if __name__ == "__main__":
    main()
