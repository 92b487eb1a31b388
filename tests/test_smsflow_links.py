"""Following SMSFlow's `links.next` pages through the same result set, on whatever base URL the client used.

AltumCode's paginator builds each link from the request's own filters, order and page size plus `page`
(docs/platforms.md, SMSFlow: links), so a client that follows `links.next` stays in its result set and on
the host it addressed: in-process (the ``smsmock`` fixture, at the documented https://smsflow.su/api) and
against the live server (``smsmock_server``, at its own 127.0.0.1 address).
"""
from __future__ import annotations

from typing import Any

import pytest
import requests

KEY = "LINKS_KEY"
HEADERS = {"Authorization": f"Bearer {KEY}"}
LEADS = 31  # the contacts the search finds: four pages of ten
SEED = {
    "accounts": [{
        "api_key": KEY,
        "user_id": 9,
        "contacts": [
            *({"phone_number": f"+4420794609{n:02d}", "name": f"Lead {n:02d}"} for n in range(LEADS)),
            *({"phone_number": f"+2547000000{n:02d}", "name": f"Client {n:02d}"} for n in range(12)),
        ],
    }],
}
QUERY = {"search": "lead", "search_by": "name", "results_per_page": "10", "order_by": "name", "order_type": "DESC"}


def _follow(base_url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of the search, from the first request through `links.next`: (pages' bodies, contacts)."""
    answer = requests.get(f"{base_url}/contacts/", params=QUERY, headers=HEADERS, timeout=10)
    pages, contacts = [], []
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(body)
        contacts += body["data"]
        if body["links"]["next"] is None:
            return pages, contacts
        answer = requests.get(body["links"]["next"], headers=HEADERS, timeout=10)


@pytest.mark.parametrize("fixture", ["smsmock", "smsmock_server"])
def test_links_next_pages_through_every_match_on_the_base_url_used(request: pytest.FixtureRequest, fixture: str) -> None:
    handle = request.getfixturevalue(fixture)
    handle.smsflow.seed(SEED)
    base_url = handle.smsflow.base_url
    pages, contacts = _follow(base_url)

    assert [c["name"] for c in contacts] == [f"Lead {n:02d}" for n in reversed(range(LEADS))]  # name DESC
    assert [len(page["data"]) for page in pages] == [10, 10, 10, 1]
    assert [page["meta"] for page in pages] == [
        {"page": 1, "results_per_page": 10, "total": LEADS, "total_pages": 4},  # the first request sent no page
        *({"page": str(n), "results_per_page": 10, "total": LEADS, "total_pages": 4} for n in (2, 3, 4)),
    ]
    kept = "search=lead&search_by=name&order_by=name&order_type=DESC&results_per_page=10"
    collection = f"{base_url}/contacts?{kept}&page="
    assert pages[1]["links"] == {
        "first": f"{collection}1", "last": f"{collection}4", "next": f"{collection}3", "prev": f"{collection}1",
        "self": f"{collection}2",
    }
    every_link = [link for page in pages for link in page["links"].values() if link is not None]
    assert every_link and all(link.startswith(f"{base_url}/contacts?") for link in every_link)
    assert handle.smsflow.violations == []
