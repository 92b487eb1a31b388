"""Memory over a long run: 200,000 requests through the WSGI app, RSS before, during and after.

    python bench/memory.py [--requests 200000]

The requests are bench/workload.py's mix (reads, sends, create-then-delete, refusals) against the default
caps (journal 1,000 entries, outbox 10,000 messages), with the garbage collector set as ``smsmock serve``
sets it and no collection forced at the checkpoints. RSS grows while the journal and the outbox fill, then
stays flat: the providers forget the messages the outbox drops, so nothing grows with the request count.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import machine, rss_mb, table  # noqa: E402
from bench.workload import Driver  # noqa: E402
from smsmock.app import create_app, get_mock  # noqa: E402
from smsmock.cli import settle_garbage_collector  # noqa: E402
from smsmock.providers.base import RateLimit  # noqa: E402

BOUND_MB = 80  # the stated bound on RSS after any number of requests (README, "Performance")


def held(app) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    """Journal entries, outbox messages, QuickFlow messages and QuickCom campaigns held now."""
    mock = get_mock(app)
    quickcom = mock.providers["quickcom"]
    return (
        len(mock.journal.entries()),
        len(mock.env.outbox),
        len(mock.providers["quickflow"]._sms),
        sum(len(account.campaigns) for account in quickcom.accounts.values()),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--checkpoints", type=int, default=10)
    args = parser.parse_args()
    from os import getpid

    before = rss_mb(getpid())
    app = create_app(limits={name: RateLimit(None, 60) for name in ("quickflow", "quickcom", "smsflow")})
    settle_garbage_collector()  # the collector as `smsmock serve` sets it; no forced collections below
    driver = Driver(app)
    driver.run(13)
    started = rss_mb(getpid())
    print(f"# smsmock memory over {args.requests:,} requests, {machine()}\n")
    rows = [["0 (app created)", f"{started:.1f}", *held(app), "-"]]
    step = args.requests // args.checkpoints
    began = time.perf_counter()
    while driver.sent < args.requests:
        driver.run(min(step, args.requests - driver.sent))
        elapsed = time.perf_counter() - began
        rows.append([f"{driver.sent:,}", f"{rss_mb(getpid()):.1f}", *held(app), f"{driver.sent / elapsed:,.0f}"])
    after = rss_mb(getpid())
    print(table(["requests", "RSS MB", "journal", "outbox", "quickflow sms", "quickcom campaigns", "req/s"], rows))
    print(f"\nRSS: {before:.1f} MB before the app, {started:.1f} MB with it, {after:.1f} MB after {driver.sent:,} requests"
          f" (bound {BOUND_MB} MB: {'within' if after <= BOUND_MB else 'OVER'})")
    if driver.unexpected:
        print(f"unexpected answers: {driver.unexpected}")
        return 1
    return 0 if after <= BOUND_MB else 1


if __name__ == "__main__":
    sys.exit(main())
