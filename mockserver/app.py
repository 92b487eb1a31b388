"""The Flask app factory: the mock, the admin blueprint and one catch-all view into the shared dispatch path."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from flask import Flask
from werkzeug.exceptions import HTTPException

from . import edge
from .admin import blueprint
from .engine import MAX_BODY, Mock
from .extension import get_mock, install
from .seeds import default_seed, load_seed
from .spec import Spec, load_bundled, load_spec
from .state import Clock, RateLimit

__all__ = ["create_app", "default_seed", "get_mock", "load_seed"]


def create_app(
    specs: Sequence[Spec | str | Path] | None = None,
    *,
    seed: dict[str, Any] | str | Path | None = None,
    clock: Clock | None = None,
    id_seed: int = 0,
    limits: dict[str, RateLimit] | None = None,
    strict: bool = False,
    journal_cap: int = 1000,
    outbox_cap: int = 10_000,
    max_body: int = MAX_BODY,
) -> Flask:
    """A Flask app serving every spec (default: the three bundled ones) at its documented paths.

    ``strict`` raises :class:`~smsmock.engine.ContractDrift` when an answer breaks the spec (the
    test suite runs this way); ``clock`` defaults to a frozen clock, pass ``Clock(None)`` for wall time.
    """
    loaded = list(load_bundled().values()) if specs is None else [s if isinstance(s, Spec) else load_spec(s) for s in specs]
    if seed is None:
        present = {spec.provider for spec in loaded}
        seed = {name: section for name, section in default_seed().items() if name in present}
    elif not isinstance(seed, dict):
        seed = load_seed(seed)
    mock = Mock(
        loaded,
        seed,
        clock=clock,
        id_seed=id_seed,
        limits=limits,
        strict=strict,
        journal_cap=journal_cap,
        outbox_cap=outbox_cap,
        max_body=max_body,
    )
    app = Flask("smsmock")
    app.config["MAX_CONTENT_LENGTH"] = None  # the dispatch path answers 413 in the provider's format
    install(app, mock)
    app.register_blueprint(blueprint, url_prefix="/__smsmock")
    app.register_error_handler(HTTPException, edge.http_error)
    # Provider paths skip Flask's per-request layer: the front hands them to the mock's dispatch.
    app.wsgi_app = edge.Front(app.wsgi_app, mock)  # type: ignore[method-assign]
    return app
