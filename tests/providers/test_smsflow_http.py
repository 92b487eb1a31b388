"""SMSFlow over HTTP: whole flows and every error path, with exact statuses, bodies and headers.

Every test runs twice (Flask test client and a real socket) against the one strict app of conftest.py,
reset to the default seed: the account `YOUR_API_KEY` (user 1) holding contact 1, John Doe, created at the
mock clock's start, 2026-01-15 09:30:00 UTC. There is no insufficient-balance path to pin: SMSFlow's API is
contacts only and no operation spends a balance.
"""
from __future__ import annotations

import collections
from typing import Any

import pytest

from conftest import Answer, Api

KEY = "YOUR_API_KEY"
OTHER = "OTHER_API_KEY"
# The links of a list page are built on the base URL the client used: Flask's test client addresses
# http://localhost, the socket transport the live server's own address.
IN_PROCESS_ORIGIN = "http://localhost"

NOT_FOUND = {"errors": [{"title": "The resource you are looking for does not exist.", "status": 404}]}
MISSING_BEARER = {"errors": [{"title": "The request is missing the Bearer Authentication header.", "status": "401"}]}
NO_ACCESS = {"errors": [{"title": "You do not have access to the API.", "status": 401}]}
REQUIRED_FIELDS = {"errors": [{"title": "You must fill all the required fields.", "status": 401}]}
RATE_LIMITED = {"errors": [{"title": "You reached the limit of requests in one minute, please wait.", "status": 429}]}

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")

SEEDED = {
    "id": 1,
    "user_id": 1,
    "name": "John Doe",
    "phone_number": "+393331234567",
    "custom_parameters": {"age": "18"},
    "continent_code": "EU",
    "country_code": "IT",
    "has_opted_out": False,
    "total_sent_sms": 0,
    "total_pending_sms": 0,
    "total_failed_sms": 0,
    "total_received_sms": 0,
    "last_sent_datetime": None,
    "last_received_datetime": None,
    "last_datetime": None,
    "datetime": "2026-01-15 09:30:00",
}


# -- helpers ------------------------------------------------------------------------------------------------


def bearer(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def rate_headers(answer: Answer) -> dict[str, str]:
    """The rate-limit headers the answer carries (names as the platform spells them)."""
    return {name: answer.headers[name] for name in RATE_HEADERS if name in answer.headers}


def multipart(fields: dict[str, str]) -> dict[str, Any]:
    """requests' way to send form fields as multipart/form-data (the document's curl `--form`)."""
    return {"files": {name: (None, value) for name, value in fields.items()}}


def stored(**fields: Any) -> dict[str, Any]:
    """A contact as the API shows it: a fresh one of user 1, with the given fields (no name sent: "")."""
    return {
        **SEEDED,
        "name": "",
        "custom_parameters": [],
        "continent_code": None,
        "country_code": None,
        **fields,
    }


def at_minute(minutes: int) -> str:
    """The mock clock's start plus whole minutes, as SMSFlow writes times."""
    return f"2026-01-15 {9 + (30 + minutes) // 60:02d}:{(30 + minutes) % 60:02d}:00"


def ids(answer: Answer) -> list[int]:
    return [row["id"] for row in answer.json["data"]]


def links(api: Api, kept: str = "", **pages: int | None) -> dict[str, str | None]:
    """A list's links as the client at ``api`` sees them; ``kept`` the query they repeat before ``page``."""
    base = f"{api.base_url or IN_PROCESS_ORIGIN}/api/contacts?{kept + '&' if kept else ''}"
    return {name: None if page is None else f"{base}page={page}" for name, page in pages.items()}


def violations(entry: dict[str, Any]) -> list[tuple[str, str, str, Any, bool]]:
    """The violations of a journal entry: (location, name, keyword, received, ignored)."""
    return [(v["location"], v["name"], v["keyword"], v["received"], v["ignored"]) for v in entry["violations"]]


class Client:
    """Send requests with a Bearer key and check each answer's rate-limit headers against a count per key.

    Windows are fixed 60-second windows on the mock clock, per key; `minute_passes` ends every open window.
    """

    def __init__(self, api: Api) -> None:
        self.api = api
        self.used: collections.Counter[str] = collections.Counter()

    def minute_passes(self) -> None:
        self.api.mock.env.clock.advance(60)
        self.used.clear()

    def send(self, method: str, path: str, key: str = KEY, **kwargs: Any) -> Answer:
        answer = self.api.request(method, path, headers={**bearer(key), **kwargs.pop("headers", {})}, **kwargs)
        self.used[key] += 1
        assert rate_headers(answer) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(60 - self.used[key])}
        if answer.text:
            assert answer.headers["Content-Type"] == "application/json"
        return answer

    def get(self, path: str, key: str = KEY, **kwargs: Any) -> Answer:
        return self.send("GET", path, key, **kwargs)

    def post(self, path: str, key: str = KEY, **kwargs: Any) -> Answer:
        return self.send("POST", path, key, **kwargs)

    def delete(self, path: str, key: str = KEY, **kwargs: Any) -> Answer:
        return self.send("DELETE", path, key, **kwargs)


# -- scenarios ----------------------------------------------------------------------------------------------

# 24 contacts created after the two featured ones (ids 4..27), one kind of number in four; `n` is the index.
BULK_KINDS = [
    # (number pattern, name pattern, continent, country)
    ("+4420794609{n:02d}", "Bulk {n:02d}", "EU", "GB"),
    ("+2547000000{n:02d}", "Bulk {n:02d}", "AF", "KE"),
    ("+8190123456{n:02d}", "Bulk {n:02d}", "AS", "JP"),
    ("0770090{n:04d}", None, None, None),  # no leading +: no codes; no name: sorts first by name ascending
]


def bulk(n: int) -> dict[str, Any]:
    """The contact the scenario creates with index n (id n + 4), as the API shows it (no name sent: "")."""
    number, name, continent, country = BULK_KINDS[n % 4]
    return stored(
        id=n + 4,
        name="" if name is None else name.format(n=n),
        phone_number=number.format(n=n),
        continent_code=continent,
        country_code=country,
        datetime=at_minute(n + 3),
    )


AMARA = stored(
    id=2,
    name="Amara Okafor",
    phone_number="+2348031234567",
    custom_parameters={"email": "amara@example.ng", "tier": "gold"},
    continent_code="AF",
    country_code="NG",
    datetime=at_minute(1),
)
ZOE = stored(
    id=3,
    name="Zoë Müller",
    phone_number="+4915112345678",
    custom_parameters={"language": "de", "k" * 64: "v" * 512},  # cut at 64 and 512 characters
    continent_code="EU",
    country_code="DE",
    datetime=at_minute(2),
)
EVERYONE = {1: SEEDED, 2: AMARA, 3: ZOE, **{n + 4: bulk(n) for n in range(24)}}


def test_scenario_create_by_form_then_filter_order_and_page_the_list(api: Api) -> None:
    """Contacts created by multipart and urlencoded forms come back exactly through every filter, order and page."""
    client = Client(api)

    # One create a minute, so each contact has its own creation time (and each create opens a new window).
    client.minute_passes()
    created = client.post("/api/contacts", **multipart({
        "phone_number": "+2348031234567",
        "name": "Amara Okafor",
        "custom_parameter_key[0]": "email",
        "custom_parameter_value[0]": "amara@example.ng",
        "custom_parameter_key[1]": "tier",
        "custom_parameter_value[1]": "gold",
    }))
    assert (created.status, created.json) == (201, {"data": {"id": 2}})

    client.minute_passes()
    created = client.post("/api/contacts/", data={  # the trailing slash is the same route
        "phone_number": "+4915112345678",
        "name": "Zoë Müller",
        "custom_parameter_key[0]": "language",
        "custom_parameter_value[0]": "de",
        "custom_parameter_key[1]": "   ",  # a blank key: the pair is skipped
        "custom_parameter_value[1]": "skipped",
        "custom_parameter_key[2]": "k" * 70,
        "custom_parameter_value[2]": "v" * 600,
    })
    assert (created.status, created.json) == (201, {"data": {"id": 3}})
    assert api.last()["content_type"] == "application/x-www-form-urlencoded"

    for n in range(24):
        client.minute_passes()
        number, name, _, _ = BULK_KINDS[n % 4]
        fields = {"phone_number": number.format(n=n)} | ({} if name is None else {"name": name.format(n=n)})
        form = multipart(fields) if n % 2 else {"data": fields}  # alternate the two form encodings
        created = client.post("/api/contacts", **form)
        assert (created.status, created.json) == (201, {"data": {"id": n + 4}})

    client.minute_passes()
    assert client.get("/api/contacts/2").json == {"data": AMARA}
    assert client.get("/api/contacts/3").json == {"data": ZOE}
    assert client.get("/api/contacts/27").json == {"data": bulk(23)}

    def listing(**params: str) -> Answer:
        answer = client.get("/api/contacts/", params=params)
        assert answer.status == 200, answer.text
        assert answer.json["data"] == [EVERYONE[i] for i in ids(answer)]  # every row exact
        return answer

    # Paging, 10 a page, newest first: meta and links exact, prev/next null at the edges.
    # The links repeat the page size; meta.page is the page as sent, a string (the integer 1 when not sent).
    ten = "results_per_page=10"
    first = listing(results_per_page="10")
    assert ids(first) == list(range(27, 17, -1))
    assert first.json["meta"] == {"page": 1, "results_per_page": 10, "total": 27, "total_pages": 3}
    assert first.json["links"] == links(api, ten, first=1, last=3, next=2, prev=None, self=1)
    middle = listing(results_per_page="10", page="2")
    assert ids(middle) == list(range(17, 7, -1))
    assert middle.json["meta"] == {"page": "2", "results_per_page": 10, "total": 27, "total_pages": 3}
    assert middle.json["links"] == links(api, ten, first=1, last=3, next=3, prev=1, self=2)
    last = listing(results_per_page="10", page="3")
    assert ids(last) == list(range(7, 0, -1))
    assert last.json["meta"] == {"page": "3", "results_per_page": 10, "total": 27, "total_pages": 3}
    assert last.json["links"] == links(api, ten, first=1, last=3, next=None, prev=2, self=3)
    past = listing(results_per_page="10", page="4")
    assert past.json == {
        "data": [],
        "meta": {"page": "4", "results_per_page": 10, "total": 27, "total_pages": 3},
        "links": links(api, ten, first=1, last=3, next=None, prev=3, self=4),
    }

    # Filters, each alone, then together (newest first).
    kenya = [25, 21, 17, 13, 9, 5]
    assert ids(listing(continent_code="AF")) == kenya + [2]
    assert ids(listing(continent_code="EU")) == [24, 20, 16, 12, 8, 4, 3, 1]
    assert ids(listing(country_code="JP")) == [26, 22, 18, 14, 10, 6]
    assert ids(listing(country_code="KE")) == kenya
    assert ids(listing(search="OKAF", search_by="name")) == [2]
    assert ids(listing(search="müller", search_by="name")) == [3]
    assert ids(listing(search="+254", search_by="phone_number")) == kenya
    assert ids(listing(search="07700", search_by="phone_number")) == [27, 23, 19, 15, 11, 7]
    assert listing(search="okaf").json["meta"]["total"] == 27  # without search_by the search is not applied
    assert ids(listing(has_opted_out="0", country_code="GB")) == [24, 20, 16, 12, 8, 4]
    assert ids(listing(continent_code="EU", search="bulk", search_by="name", results_per_page="10")) == [
        24, 20, 16, 12, 8, 4,
    ]
    nobody = listing(has_opted_out="1")
    assert nobody.json == {
        "data": [],
        "meta": {"page": 1, "results_per_page": 25, "total": 0, "total_pages": 0},
        "links": links(api, "has_opted_out=1", first=1, last=1, next=None, prev=None, self=1),
    }

    # Order: by name ascending puts the nameless first (ties by id), then names case-insensitively.
    by_name = listing(order_by="name", order_type="ASC", results_per_page="10")
    assert ids(by_name) == [7, 11, 15, 19, 23, 27, 2, 4, 5, 6]
    by_phone = listing(order_by="phone_number", order_type="ASC", results_per_page="10")
    assert ids(by_phone) == [2, 5, 9, 13, 17, 21, 25, 1, 4, 8]
    by_time = listing(order_by="datetime", order_type="ASC", results_per_page="10", page="3")
    assert ids(by_time) == list(range(21, 28))
    assert ids(listing(order_by="name", order_type="DESC", results_per_page="10"))[:3] == [3, 1, 26]

    # Invalid values are ignored silently: 25 a page, newest first; the journal keeps them as ignored.
    fallback = listing(results_per_page="7", order_by="bogus")
    assert ids(fallback) == list(range(27, 2, -1))
    assert fallback.json["meta"] == {"page": 1, "results_per_page": 25, "total": 27, "total_pages": 2}
    assert fallback.json["links"] == links(api, first=1, last=2, next=2, prev=None, self=1)  # neither is kept
    assert violations(api.last()) == [
        ("query", "order_by", "enum", "bogus", True),
        ("query", "results_per_page", "enum", 7, True),
    ]
    assert api.last()["outcome"] == "ok"


def test_scenario_update_delete_and_account_isolation(api: Api) -> None:
    """A partial update keeps what it does not send, a delete is final, and another account sees nothing of it."""
    client = Client(api)
    created = client.post("/api/contacts", **multipart({
        "phone_number": "+254711222333",
        "name": "Wanjiru Mwangi",
        "custom_parameter_key[0]": "email",
        "custom_parameter_value[0]": "wanjiru@example.ke",
        "custom_parameter_key[1]": "plan",
        "custom_parameter_value[1]": "pro",
    }))
    assert (created.status, created.json) == (201, {"data": {"id": 2}})
    wanjiru = stored(
        id=2,
        name="Wanjiru Mwangi",
        phone_number="+254711222333",
        custom_parameters={"email": "wanjiru@example.ke", "plan": "pro"},
        continent_code="AF",
        country_code="KE",
        datetime=at_minute(0),
    )
    assert client.get("/api/contacts/2").json == {"data": wanjiru}

    # A JSON body is not read: its fields are missing, and nothing is created.
    refused = client.post("/api/contacts", json={"phone_number": "+254711222444", "name": "Json"})
    assert (refused.status, refused.json) == (401, REQUIRED_FIELDS)
    assert violations(api.last()) == [
        ("content-type", "", "content-type", "application/json", True),
        ("body", "phone_number", "required", None, False),
    ]
    assert client.get("/api/contacts").json["meta"]["total"] == 2

    # Only the name changes: number, codes, custom parameters and creation time stay.
    client.minute_passes()
    updated = client.post("/api/contacts/2", data={"name": "Wanjiru W. Mwangi"})
    assert (updated.status, updated.json) == (200, {"data": {"id": 2}})
    wanjiru["name"] = "Wanjiru W. Mwangi"
    assert client.get("/api/contacts/2").json == {"data": wanjiru}

    # Custom parameters sent replace the whole set (email is gone); the number's codes follow the new number.
    updated = client.post("/api/contacts/2/", **multipart({
        "phone_number": "+447700900123",
        "custom_parameter_key[0]": "plan",
        "custom_parameter_value[0]": "enterprise",
    }))
    assert (updated.status, updated.json) == (200, {"data": {"id": 2}})
    wanjiru.update(
        phone_number="+447700900123", continent_code="EU", country_code="GB", custom_parameters={"plan": "enterprise"}
    )
    assert client.get("/api/contacts/2").json == {"data": wanjiru}

    # A JSON update is not read either: 200, nothing changes.
    untouched = client.post("/api/contacts/2", json={"name": "Ignored"})
    assert (untouched.status, untouched.json) == (200, {"data": {"id": 2}})
    assert client.get("/api/contacts/2").json == {"data": wanjiru}

    # Trailing slash: both list the same; PUT and PATCH exist on neither: 404 once the key is checked, each
    # counted against it (the Client checks Remaining going down by one).
    with_slash, without = client.get("/api/contacts/"), client.get("/api/contacts")
    assert with_slash.json == without.json
    assert ids(with_slash) == [2, 1]
    for method in ("PUT", "PATCH"):
        for path in ("/api/contacts", "/api/contacts/", "/api/contacts/2"):
            answer = client.send(method, path, data={"name": "Nope"})
            assert (answer.status, answer.json) == (404, NOT_FOUND)
    assert client.get("/api/contacts/2").json == {"data": wanjiru}

    # Delete: 200 with an empty body; then the contact is gone for every operation.
    deleted = client.delete("/api/contacts/2")
    assert (deleted.status, deleted.text) == (200, "")
    gone = client.get("/api/contacts/2")
    assert (gone.status, gone.json) == (404, NOT_FOUND)
    assert (client.post("/api/contacts/2", data={"name": "Back"}).json, client.delete("/api/contacts/2").json) == (
        NOT_FOUND,
        NOT_FOUND,
    )
    assert ids(client.get("/api/contacts")) == [1]

    # A second account: it sees none of the first one's contacts, and the first none of its own (404, never 403).
    api.mock.load({"smsflow": {"accounts": [{
        "api_key": OTHER,
        "user_id": 2,
        "contacts": [{"phone_number": "+447700900456", "name": "Opted Out", "has_opted_out": True}],
    }]}})
    theirs = client.get("/api/contacts", key=OTHER)
    assert ids(theirs) == [3]  # one id counter for every account
    assert theirs.json["data"][0] == stored(
        id=3, user_id=2, name="Opted Out", phone_number="+447700900456", continent_code="EU", country_code="GB",
        has_opted_out=True, datetime=at_minute(1),  # loaded after the minute passed
    )
    assert ids(client.get("/api/contacts", key=OTHER, params={"has_opted_out": "1"})) == [3]
    assert ids(client.get("/api/contacts", key=OTHER, params={"has_opted_out": "0"})) == []
    # `true` is no number: MySQL compares it as 0, so it finds the contacts that have NOT opted out.
    assert ids(client.get("/api/contacts", key=OTHER, params={"has_opted_out": "true"})) == []
    assert client.get("/api/contacts/1", key=OTHER).json == NOT_FOUND
    assert client.post("/api/contacts/1", key=OTHER, data={"name": "Stolen"}).json == NOT_FOUND
    assert client.delete("/api/contacts/1", key=OTHER).json == NOT_FOUND
    assert client.get("/api/contacts/3").json == NOT_FOUND
    assert client.get("/api/contacts/1").json == {"data": SEEDED}
    assert client.get("/api/contacts/3", key=OTHER).status == 200


# -- credentials ------------------------------------------------------------------------------------------------

# One request per operation, each of which would succeed with the right key.
EVERY_OPERATION = [
    ("GET", "/api/contacts/", {}),
    ("GET", "/api/contacts/1", {}),
    ("POST", "/api/contacts", {"data": {"phone_number": "+447700900123"}}),
    ("POST", "/api/contacts/1", {"data": {"name": "Changed"}}),
    ("DELETE", "/api/contacts/1", {}),
]


def assert_nothing_changed(api: Api) -> None:
    assert api.mock.snapshot()["providers"]["smsflow"]["accounts"][0]["contacts"] == [SEEDED]


@pytest.mark.parametrize(("method", "path", "kwargs"), EVERY_OPERATION)
def test_an_unknown_key_is_refused_before_anything_else(api: Api, method: str, path: str, kwargs: dict) -> None:
    """An unknown Bearer key: 401 "You do not have access to the API." (integer status), no rate headers."""
    answer = api.request(method, path, headers=bearer("WRONG_KEY"), **kwargs)
    assert (answer.status, answer.json, rate_headers(answer)) == (401, NO_ACCESS, {})
    assert answer.headers["Content-Type"] == "application/json"
    assert (api.last()["outcome"], api.last()["error"]["kind"]) == ("rejected", "auth_invalid")
    assert_nothing_changed(api)


@pytest.mark.parametrize(("method", "path", "kwargs"), EVERY_OPERATION)
def test_no_authorization_header_is_the_missing_bearer_answer(api: Api, method: str, path: str, kwargs: dict) -> None:
    """No Authorization header: 401 with the missing-Bearer title and `status` as the string "401"."""
    answer = api.request(method, path, **kwargs)
    assert (answer.status, answer.json, rate_headers(answer)) == (401, MISSING_BEARER, {})
    assert api.last()["error"]["kind"] == "auth_missing"
    assert_nothing_changed(api)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        KEY,  # the key without its scheme
        f"Token {KEY}",
        f"Basic {KEY}",
        f"Bearer: {KEY}",
        f"bearer {KEY}",  # AltumCode's /Bearer\s(\S+)/ is case-sensitive
        f"BEARER {KEY}",
        f"Bearer  {KEY}",  # and takes exactly one whitespace after the scheme
    ],
)
def test_an_unreadable_authorization_header_is_the_missing_bearer_answer(api: Api, header: str) -> None:
    """A header that is not `Bearer <key>` reads as no Bearer header at all: the same 401 as a missing one."""
    answer = api.post("/api/contacts", headers={"Authorization": header}, data={"phone_number": "+447700900123"})
    assert (answer.status, answer.json, rate_headers(answer)) == (401, MISSING_BEARER, {})
    assert_nothing_changed(api)


def test_the_key_is_read_as_altumcode_reads_it(api: Api) -> None:
    r"""`/Bearer\s(\S+)/`, searched: one tab is one whitespace, and what follows the key is not read."""
    for header in (f"Bearer\t{KEY}", f"Bearer {KEY} extra", f"Token Bearer {KEY}"):
        answer = api.get("/api/contacts/1", headers={"Authorization": header})
        assert (answer.status, answer.json) == (200, {"data": SEEDED})
        assert api.last()["violations"] == []


# -- arguments -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"name": "No Number"}},
        {"data": {"phone_number": "", "name": "Empty Number"}},
        {"data": {"phone_number": "   ", "name": "Blank Number"}},
        multipart({"name": "No Number"}),
        {},
    ],
    ids=["urlencoded-missing", "empty", "blank", "multipart-missing", "no-body"],
)
def test_create_without_a_phone_number_is_401_required_fields(api: Api, kwargs: dict) -> None:
    """A create without a non-blank phone_number: 401 "You must fill all the required fields.", after the key."""
    answer = api.post("/api/contacts", headers=bearer(), **kwargs)
    assert (answer.status, answer.json) == (401, REQUIRED_FIELDS)
    assert rate_headers(answer) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}
    assert api.last()["error"]["kind"] == "validation"
    assert_nothing_changed(api)


def test_a_missing_phone_number_is_recorded_as_a_refused_violation(api: Api) -> None:
    """The journal names the missing field, not ignored."""
    api.post("/api/contacts", headers=bearer(), data={"name": "No Number"})
    assert violations(api.last()) == [("body", "phone_number", "required", None, False)]


@pytest.mark.parametrize(
    ("params", "found", "violation"),
    [
        ({"has_opted_out": "maybe"}, [1], ("query", "has_opted_out", "type", "maybe", True)),  # MySQL: 0
        ({"has_opted_out": "true"}, [1], ("query", "has_opted_out", "type", "true", True)),
        ({"has_opted_out": "TRUE"}, [1], ("query", "has_opted_out", "type", "TRUE", True)),
        ({"has_opted_out": "1abc"}, [], ("query", "has_opted_out", "type", "1abc", True)),  # MySQL: 1
        ({"country_code": "XX"}, [], ("query", "country_code", "enum", "XX", True)),
        ({"country_code": "it"}, [1], ("query", "country_code", "enum", "it", True)),  # case-insensitive
        ({"country_code": " It "}, [1], ("query", "country_code", "enum", " It ", True)),  # input_clean trims
        ({"continent_code": "Europe"}, [], ("query", "continent_code", "enum", "Europe", True)),
        ({"continent_code": "eu"}, [1], ("query", "continent_code", "enum", "eu", True)),
    ],
)
def test_a_list_filter_is_never_refused_and_compares_as_mysql_does(
    api: Api, params: dict, found: list[int], violation: tuple
) -> None:
    """AltumCode's Filters put the value into the query as it came: 200, MySQL's answer, and the violation
    recorded (ignored) so the plugin shows the client what the document does not allow."""
    answer = api.get("/api/contacts", headers=bearer(), params=params)
    assert (answer.status, ids(answer)) == (200, found)
    kept = "&".join(f"{name}={value.replace(' ', '+')}" for name, value in params.items())
    assert answer.json["links"] == links(api, kept, first=1, last=1, next=None, prev=None, self=1)
    assert rate_headers(answer) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}
    assert violations(api.last()) == [violation]
    assert api.last()["outcome"] == "ok"


def test_a_blank_number_on_update_is_refused_and_changes_nothing(api: Api) -> None:
    """An update with an empty phone_number: 401 required fields, and the other fields sent are not applied."""
    answer = api.post("/api/contacts/1", headers=bearer(), **multipart({"phone_number": "", "name": "Changed"}))
    assert (answer.status, answer.json) == (401, REQUIRED_FIELDS)
    assert violations(api.last()) == [("body", "phone_number", "minLength", "", False)]
    assert_nothing_changed(api)


@pytest.mark.parametrize("contact_id", ["abc", "0", "-1", "1.0"])
def test_a_contact_id_that_cannot_exist_is_not_found(api: Api, contact_id: str) -> None:
    """A path id that is not a positive integer is answered like an unknown id: 404."""
    for method in ("GET", "POST", "DELETE"):
        answer = api.request(method, f"/api/contacts/{contact_id}", headers=bearer())
        assert (answer.status, answer.json) == (404, NOT_FOUND)
    assert_nothing_changed(api)


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_unknown_id_is_404_after_the_key(api: Api, method: str) -> None:
    """An id no contact has: 404 with the platform's title; it comes after the key, so it carries rate headers."""
    form = {"data": {"name": "x"}} if method == "POST" else {}
    answer = api.request(method, "/api/contacts/999", headers=bearer(), **form)
    assert (answer.status, answer.json) == (404, NOT_FOUND)
    assert rate_headers(answer) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}
    assert (api.last()["operation"], api.last()["error"]["kind"]) == (
        {"GET": "get_contact", "POST": "update_contact", "DELETE": "delete_contact"}[method],
        "not_found",
    )
    assert_nothing_changed(api)


@pytest.mark.parametrize(
    ("path", "key", "phone_number"),
    [
        ("/api/contacts/999", KEY, "   "),
        ("/api/contacts/1", OTHER, "   "),
        ("/api/contacts/999", KEY, ""),
        ("/api/contacts/1", OTHER, ""),
        ("/api/contacts/abc", KEY, ""),
    ],
    ids=["unknown-blank", "foreign-blank", "unknown-empty", "foreign-empty", "impossible-empty"],
)
def test_an_update_of_a_contact_that_is_not_there_is_404_whatever_its_body(
    api: Api, path: str, key: str, phone_number: str
) -> None:
    """The contact is looked up before the fields are checked: no such contact is 404 even with an invalid body."""
    api.mock.load({"smsflow": {"accounts": [{"api_key": OTHER, "user_id": 2}]}})
    answer = api.post(path, headers=bearer(key), data={"phone_number": phone_number, "name": "Changed"})
    assert (answer.status, answer.json) == (404, NOT_FOUND)
    assert_nothing_changed(api)


# -- rate limit ----------------------------------------------------------------------------------------------


def test_over_the_limit_is_429_with_the_seconds_left_until_the_window_resets(api: Api) -> None:
    """Over the limit: 429, X-RateLimit-Reset = seconds left and no Retry-After; per key; the window resets."""
    api.mock.set_limit("smsflow", 3, 60)
    api.mock.load({"smsflow": {"accounts": [{"api_key": OTHER, "user_id": 2}]}})
    clock = api.mock.env.clock

    def remaining(answer: Answer, left: int) -> None:
        assert rate_headers(answer) == {"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": str(left)}

    remaining(api.get("/api/contacts", headers=bearer()), 2)
    not_found = api.get("/api/contacts/999", headers=bearer())  # refusals after the key count too
    assert not_found.status == 404
    remaining(not_found, 1)
    clock.advance(15)
    invalid = api.post("/api/contacts", headers=bearer(), data={})
    assert invalid.status == 401
    remaining(invalid, 0)

    clock.advance(5.5)
    limited = api.post("/api/contacts", headers=bearer(), data={"phone_number": "+447700900123"})
    assert (limited.status, limited.json) == (429, RATE_LIMITED)
    assert rate_headers(limited) == {"X-RateLimit-Limit": "3", "X-RateLimit-Reset": "40"}  # no Remaining
    assert limited.headers["Content-Type"] == "application/json"
    assert (api.last()["outcome"], api.last()["error"]["kind"]) == ("rejected", "rate_limited")
    assert_nothing_changed(api)

    # The limit is per key, and answered after the key is checked.
    remaining(api.get("/api/contacts", headers=bearer(OTHER)), 2)
    assert rate_headers(api.get("/api/contacts", headers=bearer("WRONG_KEY"))) == {}

    clock.advance(39)  # 59.5 s into the window
    almost = api.get("/api/contacts", headers=bearer())
    assert (almost.status, almost.json) == (429, RATE_LIMITED)
    assert rate_headers(almost)["X-RateLimit-Reset"] == "1"

    clock.advance(0.5)  # the window is over; the refused requests did not count
    again = api.get("/api/contacts", headers=bearer())
    assert again.status == 200
    remaining(again, 2)


def test_the_default_limit_is_60_requests_a_minute(api: Api) -> None:
    """Without set_limit: 60 requests pass (Remaining 59..0), the 61st in the same minute is 429."""
    for used in range(1, 61):
        answer = api.get("/api/contacts/1", headers=bearer())
        assert answer.status == 200
        assert rate_headers(answer) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(60 - used)}
    limited = api.get("/api/contacts/1", headers=bearer())
    assert (limited.status, limited.json) == (429, RATE_LIMITED)
    assert rate_headers(limited) == {"X-RateLimit-Limit": "60", "X-RateLimit-Reset": "60"}


# -- routing --------------------------------------------------------------------------------------------------


WRONG_VERBS = [
    ("PUT", "/api/contacts"),
    ("PATCH", "/api/contacts/"),
    ("DELETE", "/api/contacts"),
    ("PUT", "/api/contacts/1"),
    ("PATCH", "/api/contacts/1/"),
    ("OPTIONS", "/api/contacts/1"),
    ("PUT", "/api/contacts/999"),  # no such contact: the verb is refused before any id is looked up
]


@pytest.mark.parametrize(("method", "path"), WRONG_VERBS)
def test_a_verb_the_route_lacks_is_refused_for_the_key_first(api: Api, method: str, path: str) -> None:
    """The controller checks the key before the verb: no usable key is the 401 of the key check, no rate headers,
    not counted; an unknown key the other 401."""
    missing = api.request(method, path, data={"name": "Changed"})
    assert (missing.status, missing.json, rate_headers(missing)) == (401, MISSING_BEARER, {})
    assert missing.headers["Content-Type"] == "application/json"
    assert (api.last()["outcome"], api.last()["provider"], api.last()["status"]) == ("unmatched", "smsflow", 401)
    lowercase = api.request(method, path, headers={"Authorization": f"bearer {KEY}"}, data={"name": "Changed"})
    assert (lowercase.status, lowercase.json, rate_headers(lowercase)) == (401, MISSING_BEARER, {})
    unknown = api.request(method, path, headers=bearer("WRONG_KEY"), data={"name": "Changed"})
    assert (unknown.status, unknown.json, rate_headers(unknown)) == (401, NO_ACCESS, {})
    assert unknown.headers["Content-Type"] == "application/json"
    assert_nothing_changed(api)
    counted = api.get("/api/contacts/1", headers=bearer())
    assert rate_headers(counted) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}


@pytest.mark.parametrize(("method", "path"), WRONG_VERBS)
def test_a_verb_the_route_lacks_with_a_good_key_is_404_counted_never_405(api: Api, method: str, path: str) -> None:
    """With a good key the controller's switch falls to its default: 404 not found with the key's rate-limit
    headers, counted like any request of the key; nothing changes."""
    answer = api.request(method, path, headers=bearer(), data={"name": "Changed"})
    assert (answer.status, answer.json) == (404, NOT_FOUND)
    assert rate_headers(answer) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}
    assert answer.headers["Content-Type"] == "application/json"
    assert (api.last()["outcome"], api.last()["provider"], api.last()["account"]) == ("unmatched", "smsflow", KEY)
    again = api.request(method, path, headers=bearer(), data={"name": "Changed"})
    assert (again.status, rate_headers(again)) == (404, {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "58"})
    assert_nothing_changed(api)
    counted = api.get("/api/contacts/1", headers=bearer())
    assert (counted.status, rate_headers(counted)) == (200, {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "57"})


def test_a_verb_the_route_lacks_over_the_limit_is_the_429(api: Api) -> None:
    """A wrong verb spends the key's window like any request, and over the limit it gets the 429: X-RateLimit-Limit
    and X-RateLimit-Reset (the seconds left), no Remaining, no Retry-After."""
    api.mock.set_limit("smsflow", 2, 60)
    assert api.get("/api/contacts/1", headers=bearer()).status == 200
    clock = api.mock.env.clock
    clock.advance(10)
    last = api.request("PUT", "/api/contacts/1", headers=bearer(), data={"name": "Changed"})
    assert (last.status, last.json) == (404, NOT_FOUND)
    assert rate_headers(last) == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0"}
    clock.advance(5)
    limited = api.request("PATCH", "/api/contacts/1", headers=bearer(), data={"name": "Changed"})
    assert (limited.status, limited.json) == (429, RATE_LIMITED)
    assert rate_headers(limited) == {"X-RateLimit-Limit": "2", "X-RateLimit-Reset": "45"}
    assert limited.headers["Content-Type"] == "application/json"
    assert (api.last()["outcome"], api.last()["provider"]) == ("unmatched", "smsflow")
    # The window is spent for the documented operations too; without a key the wrong verb is still the 401.
    spent = api.get("/api/contacts/1", headers=bearer())
    assert (spent.status, spent.json, rate_headers(spent)) == (
        429, RATE_LIMITED, {"X-RateLimit-Limit": "2", "X-RateLimit-Reset": "45"})
    anonymous = api.request("PATCH", "/api/contacts/1", data={"name": "Changed"})
    assert (anonymous.status, anonymous.json, rate_headers(anonymous)) == (401, MISSING_BEARER, {})
    assert_nothing_changed(api)


@pytest.mark.parametrize(
    "path", ["/api", "/api/", "/api/contact", "/api/contacts/1/messages", "/api/campaigns", "/api/contacts//1"]
)
def test_an_unknown_path_under_the_base_is_404_in_the_platform_envelope(api: Api, path: str) -> None:
    """Any path under /api that no operation has: 404 in SMSFlow's error envelope, before the key is read (no
    controller has the path), so with or without a key, no rate headers and not counted."""
    for method in ("GET", "POST", "PUT"):
        for headers in (bearer(), bearer("WRONG_KEY"), {}):
            answer = api.request(method, path, headers=headers)
            assert (answer.status, answer.json, rate_headers(answer)) == (404, NOT_FOUND, {})
            assert (api.last()["outcome"], api.last()["provider"]) == ("unmatched", "smsflow")
    counted = api.get("/api/contacts/1", headers=bearer())
    assert rate_headers(counted) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}


# -- ignored input -------------------------------------------------------------------------------------------


def test_an_unknown_query_parameter_is_ignored_and_journalled(api: Api) -> None:
    """An undocumented query parameter changes nothing; the journal records it as an ignored violation."""
    answer = api.get("/api/contacts", headers=bearer(), params={"status": "active", "page": "1"})
    assert answer.status == 200
    assert answer.json == {
        "data": [SEEDED],
        "meta": {"page": "1", "results_per_page": 25, "total": 1, "total_pages": 1},
        "links": links(api, first=1, last=1, next=None, prev=None, self=1),  # the unknown name is not kept
    }
    assert violations(api.last()) == [("query", "status", "unknown", "active", True)]
    assert api.last()["outcome"] == "ok"


def test_an_unknown_form_field_is_ignored_and_journalled(api: Api) -> None:
    """An undocumented form field is not stored; the create succeeds; the journal records it as ignored."""
    answer = api.post("/api/contacts", headers=bearer(), **multipart({
        "phone_number": "+447700900123", "email": "x@example.com", "has_opted_out": "1",
    }))
    assert (answer.status, answer.json) == (201, {"data": {"id": 2}})
    assert violations(api.last()) == [
        ("body", "email", "unknown", "x@example.com", True),
        ("body", "has_opted_out", "unknown", "1", True),
    ]
    got = api.get("/api/contacts/2", headers=bearer())
    assert got.json == {"data": stored(id=2, phone_number="+447700900123", continent_code="EU", country_code="GB")}


def test_a_query_phone_number_does_not_count_for_a_create(api: Api) -> None:
    """Form fields are read from the body only: a phone_number in the query string is unknown, so it is missing."""
    answer = api.post("/api/contacts", headers=bearer(), params={"phone_number": "+447700900123"})
    assert (answer.status, answer.json) == (401, REQUIRED_FIELDS)
    assert violations(api.last()) == [
        ("query", "phone_number", "unknown", "+447700900123", True),
        ("content-type", "", "content-type", None, True),
        ("body", "phone_number", "required", None, False),
    ]
    assert_nothing_changed(api)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", "phone_number=%2B447700900123"),
        ("application/json", '{"phone_number": "+447700900123"}'),
        ("application/xml", "<phone_number>+447700900123</phone_number>"),
    ],
)
def test_a_create_body_that_is_not_a_form_is_not_read(api: Api, content_type: str, body: str) -> None:
    """A create whose Content-Type is not a form: the body is not read, so phone_number is missing (401)."""
    answer = api.post("/api/contacts", headers={**bearer(), "Content-Type": content_type}, data=body)
    assert (answer.status, answer.json) == (401, REQUIRED_FIELDS)
    assert rate_headers(answer) == {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}
    assert violations(api.last()) == [
        ("content-type", "", "content-type", content_type, True),
        ("body", "phone_number", "required", None, False),
    ]
    assert_nothing_changed(api)


def test_an_update_body_that_is_not_a_form_changes_nothing(api: Api) -> None:
    """An update with a text/plain body: 200 with the id, the body is not read, the journal says why."""
    answer = api.post("/api/contacts/1", headers={**bearer(), "Content-Type": "text/plain"}, data="name=Changed")
    assert (answer.status, answer.json) == (200, {"data": {"id": 1}})
    assert violations(api.last()) == [("content-type", "", "content-type", "text/plain", True)]
    assert_nothing_changed(api)
