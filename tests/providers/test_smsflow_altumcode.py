"""SMSFlow as AltumCode's code answers where the document is silent: input cleaning, order, search, the page.

Each test sends the exact request and asserts the exact status, body and headers (docs/platforms.md, SMSFlow),
over both transports, against the strict app fresh from the default seed (contact 1, John Doe).
"""
from __future__ import annotations

import pytest

from conftest import Api
from test_smsflow_http import SEEDED, bearer, ids, links, multipart, rate_headers, stored


def _create(api: Api, fields: dict[str, str]) -> int:
    answer = api.post("/api/contacts", headers=bearer(), **multipart(fields))
    assert answer.status == 201, answer.text
    return int(answer.json["data"]["id"])


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("O'Brien", "O&#39;Brien"),  # AltumCode encodes quotes as numeric entities
        ('Say "hi"', "Say &#34;hi&#34;"),
        ("  <b>Bold</b> Name  ", "Bold Name"),  # tags stripped, then trimmed
        ("Broken <i tag", "Broken"),  # an unclosed tag runs to the end
        ("n" * 300, "n" * 256),  # cut at 256 characters
        ("O'" + "x" * 254, "O&#39;" + "x" * 250),  # cut after encoding
    ],
    ids=["apostrophe", "double-quotes", "tags", "unclosed-tag", "long", "cut-after-encoding"],
)
def test_a_name_is_stored_as_input_clean_leaves_it(api: Api, sent: str, kept: str) -> None:
    new = _create(api, {"phone_number": "+447700900123", "name": sent})
    answer = api.get(f"/api/contacts/{new}", headers=bearer())
    expected = stored(id=new, name=kept, phone_number="+447700900123", continent_code="EU", country_code="GB")
    assert (answer.status, answer.json) == (200, {"data": expected})


def test_custom_parameters_are_cleaned_and_cut_at_64_and_512(api: Api) -> None:
    new = _create(api, {
        "phone_number": "+447700900123",
        "custom_parameter_key[0]": " <b>plan</b> ",
        "custom_parameter_value[0]": "it's \"pro\"",
        "custom_parameter_key[1]": "k" * 70,
        "custom_parameter_value[1]": "v" * 600,
        "custom_parameter_key[2]": "<br>",  # nothing left of the key: the pair is skipped
        "custom_parameter_value[2]": "lost",
    })
    answer = api.get(f"/api/contacts/{new}", headers=bearer())
    assert answer.json["data"]["custom_parameters"] == {"plan": "it&#39;s &#34;pro&#34;", "k" * 64: "v" * 512}


def test_an_update_cleans_the_name_it_sends_and_keeps_the_rest(api: Api) -> None:
    answer = api.post("/api/contacts/1", headers=bearer(), data={"name": " D'Arcy "})
    assert (answer.status, answer.json) == (200, {"data": {"id": 1}})
    assert api.get("/api/contacts/1", headers=bearer()).json == {"data": {**SEEDED, "name": "D&#39;Arcy"}}


def _three(api: Api) -> None:
    """Contacts 2-4 beside John Doe (1): names out of id order."""
    for number, name in (("+447700900002", "carol"), ("+447700900003", "Alice"), ("+447700900004", "bob")):
        _create(api, {"phone_number": number, "name": name})


@pytest.mark.parametrize(
    ("params", "order"),
    [
        ({}, [4, 3, 2, 1]),  # the default: contact_id DESC, newest first
        ({"order_type": "ASC"}, [4, 3, 2, 1]),  # order_type alone is not read
        ({"order_by": "name"}, [3, 4, 2, 1]),  # a valid order_by alone: ascending
        ({"order_by": "name", "order_type": "DESC"}, [1, 2, 4, 3]),
        ({"order_by": "name", "order_type": "desc"}, [3, 4, 2, 1]),  # not exactly DESC: ascending
        ({"order_by": "name", "order_type": "down"}, [3, 4, 2, 1]),
        ({"order_by": "nope", "order_type": "ASC"}, [4, 3, 2, 1]),  # an invalid order_by: the default order
    ],
    ids=["default", "type-alone", "by-alone", "desc", "lower-desc", "other-type", "invalid-by"],
)
def test_the_order_is_altumcodes(api: Api, params: dict[str, str], order: list[int]) -> None:
    _three(api)
    answer = api.get("/api/contacts", headers=bearer(), params=params)
    assert (answer.status, ids(answer)) == (200, order)


@pytest.mark.parametrize(
    ("search", "found"),
    [("o", [4, 2, 1]), ("%", [4, 3, 2, 1]), ("b_b", [4]), ("0", [4, 3, 2, 1]), ("ALICE", [3])],
    ids=["substring", "percent-wildcard", "underscore-wildcard", "zero-is-falsy", "case-insensitive"],
)
def test_the_search_is_a_mysql_like(api: Api, search: str, found: list[int]) -> None:
    """`LIKE '%search%'` under a case-insensitive collation; a search PHP finds falsy ("0") is not applied."""
    _three(api)
    answer = api.get("/api/contacts", headers=bearer(), params={"search": search, "search_by": "name"})
    assert (answer.status, ids(answer)) == (200, found)


@pytest.mark.parametrize(("page", "shown"), [(None, 1), ("1", "1"), ("2", "2"), ("0", "0"), ("two", "two")])
def test_meta_page_is_the_page_as_sent(api: Api, page: str | None, shown: int | str) -> None:
    """`$_GET['page'] ?? 1`: the string sent, the integer 1 when none was; the page served is 1 below 1."""
    answer = api.get("/api/contacts", headers=bearer(), params={} if page is None else {"page": page})
    served = 2 if page == "2" else 1
    assert answer.status == 200
    assert answer.json["meta"] == {"page": shown, "results_per_page": 25, "total": 1, "total_pages": 1}
    assert answer.json["data"] == ([] if served == 2 else [SEEDED])
    assert answer.json["links"]["self"] == links(api, self=served)["self"]


def test_a_delete_answers_an_empty_json_response(api: Api) -> None:
    answer = api.delete("/api/contacts/1", headers=bearer())
    assert (answer.status, answer.text) == (200, "")
    assert rate_headers(answer) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}
    assert answer.headers["Content-Type"] == "application/json"
