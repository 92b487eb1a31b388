"""smsmock as a WSGI callable for other servers (gunicorn, granian): ``bench.wsgi:app``.

The seed comes from SMSMOCK_BENCH_SEED; the clock follows wall time, as under ``smsmock serve``.
Each worker process that imports this builds its own mock: several workers do not share state.
"""
from __future__ import annotations

import os

from smsmock.app import create_app, load_seed
from smsmock.cli import settle_garbage_collector
from smsmock.state import Clock

app = create_app(seed=load_seed(os.environ["SMSMOCK_BENCH_SEED"]), clock=Clock(None))
settle_garbage_collector()  # as `smsmock serve` does
