"""How smsmock scales with stored data: a page of contacts, a campaign to a group, memory per contact.

    python bench/scale.py [--sizes 1000,10000,100000]

For each size N (growing tenfold): the time of one SMSFlow list request (page 1 of 25, and the last page,
newest first) with N contacts stored; the time of one QuickFlow sms.campaign to a group of N contacts
(capped at 10,000, the outbox's size); and the memory each stored contact takes (tracemalloc while seeding).
Requests go straight through the WSGI app (no socket): this is the mock's own cost.
"""
from __future__ import annotations

import argparse
import copy
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PLENTY, bench_seed, machine, table  # noqa: E402
from smsmock.app import create_app, get_mock  # noqa: E402
from smsmock.providers.base import RateLimit  # noqa: E402

UNLIMITED = {name: RateLimit(None, 60) for name in ("quickflow", "quickcom", "smsflow")}
SF = {"Authorization": "Bearer YOUR_API_KEY"}
QF = {"Authorization": "token your_api_key:your_api_secret"}


def smsflow_seed(count: int) -> dict:
    contacts = [{"name": f"Contact {i}", "phone_number": f"+4477{i:08d}"} for i in range(count)]
    return {"smsflow": {"accounts": [{"api_key": "YOUR_API_KEY", "user_id": 1, "contacts": contacts}]}}


def quickflow_seed(count: int) -> dict:
    seed = copy.deepcopy(bench_seed()["quickflow"])
    account = seed["accounts"][0]
    account["sender_ids"] = {"YOUR_SENDER_ID": PLENTY}
    contacts = [{"phone": f"2547{i:08d}"} for i in range(count)]
    account["groups"] = [{"name": "Everyone", "sender_id": "YOUR_SENDER_ID", "contacts": contacts}]
    return {"quickflow": seed}


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def contacts_per_kb(count: int) -> tuple[float, float]:
    """Bytes per stored contact (SMSFlow, QuickFlow), from tracemalloc around loading a seed of ``count``."""
    found = []
    for seed in (smsflow_seed(count), quickflow_seed(count)):
        app = create_app(seed={}, limits=UNLIMITED)
        gc.collect()
        tracemalloc.start()
        get_mock(app).load(seed)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        found.append(grown / count)
    return found[0], found[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated sizes (default 1000,10000,100000)")
    parser.add_argument("--memory-size", type=int, default=10_000, help="contacts seeded to measure memory (default 10000)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"# smsmock at scale, {machine()}\n", flush=True)

    rows = []
    for size in sizes:
        app = create_app(seed=smsflow_seed(size), limits=UNLIMITED)
        client = app.test_client()
        last = -(-size // 25)

        def first_page() -> None:
            assert client.get("/api/contacts/", headers=SF).status_code == 200

        def last_page() -> None:
            assert client.get("/api/contacts/", headers=SF, query_string={"page": str(last)}).status_code == 200

        def search() -> None:
            answer = client.get("/api/contacts/", headers=SF, query_string={"search": "Contact 7", "search_by": "name"})
            assert answer.status_code == 200

        page_ms, last_ms, search_ms = (median_ms(fn, 7) for fn in (first_page, last_page, search))
        # the next app replaces this one (the closures above read `client` when called)
        campaign_size = min(size, 10_000)
        app = create_app(seed=quickflow_seed(campaign_size), limits=UNLIMITED)
        client = app.test_client()
        body = {"sender_id": "YOUR_SENDER_ID", "contact_list_id": "GRP-0001", "message": "Sale ends tonight"}

        def campaign() -> None:
            answer = client.post("/api/method/quickflow.sms.campaign", headers=QF, json=body)
            assert answer.status_code == 200, answer.data[:300]

        campaign_ms = median_ms(campaign, 3)
        rows.append([f"{size:,}", f"{page_ms:.1f}", f"{last_ms:.1f}", f"{search_ms:.1f}", f"{campaign_size:,}", f"{campaign_ms:,.0f}"])
        # the next app replaces this one (the closures above read `client` when called)
        gc.collect()
        print(f"  {size:,} done", file=sys.stderr, flush=True)

    print("## Time per request (ms, median) as the stored data grows tenfold\n")
    print(table(["contacts stored", "SMSFlow page 1", "last page", "search", "campaign to", "QuickFlow campaign ms"], rows))
    smsflow_bytes, quickflow_bytes = contacts_per_kb(args.memory_size)
    print(f"\n## Memory per stored contact ({args.memory_size:,} seeded, tracemalloc)\n")
    print(table(["provider", "bytes per contact"], [["SMSFlow", f"{smsflow_bytes:,.0f}"], ["QuickFlow", f"{quickflow_bytes:,.0f}"]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
