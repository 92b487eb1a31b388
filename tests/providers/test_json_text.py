"""Answers are JSON text as each platform writes it: compact, each platform escaping what its encoder escapes
(docs/platforms.md, QuickFlow: JSON text; QuickCom: JSON text; SMSFlow: JSON text)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Answer, Api
from smsmock.spec import Spec, load_bundled
from smsmock.wire import PLAIN, STYLES, dumps, style_of

TEXT = "Zoë/Ä 😀"  # a Latin-1 letter, a slash and a character beyond the BMP (a surrogate pair when escaped)


def written_by(value: Any, platform: str) -> str:
    """``value`` as the platform's encoder writes it: Python's json.dumps (Frappe) or PHP's json_encode
    (Laravel: no options; AltumCode: JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), compact."""
    if platform == "frappe":  # ensure_ascii: everything outside " ".."~" escaped, DEL too
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if platform == "laravel":  # from 0x80 up as \uXXXX (DEL as it is), and "/" as "\/"
        text = "".join(c if ord(c) < 0x80 else json.dumps(c)[1:-1] for c in text).replace("/", "\\/")
    return text


def assert_written(answer: Answer, platform: str) -> None:
    assert answer.text == written_by(answer.json, platform)


def test_each_bundled_spec_names_its_platforms_encoder() -> None:
    styles = {name: spec.json_style for name, spec in load_bundled().items()}
    assert styles == {"quickflow": STYLES["frappe"], "quickcom": STYLES["laravel"], "smsflow": STYLES["altumcode"]}


def test_a_spec_that_says_nothing_is_written_compact_in_utf8() -> None:
    assert style_of({}) == style_of({"x-smsmock-json": "yaml"}) == PLAIN
    assert Spec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}).json_style == PLAIN
    assert dumps({"a": [1, "é/"]}) == '{"a":[1,"é/"]}'.encode()


def test_quickcom_writes_as_laravel_json_encode(api: Api) -> None:
    answer = api.get("/api/v1/send-message", params={
        "app_key": "YOUR_KEY", "app_secret": "YOUR_SECRET", "mobile_numbers": "9876543210",
        "dlt_template_id": "1507162019748109480", "route_type": "1", "v1": TEXT, "v2": "5",
    })
    assert answer.status == 200, answer.text
    assert TEXT in answer.json["data"]["message"]
    assert '"message":"Your OTP is Zo\\u00eb\\/\\u00c4 \\ud83d\\ude00.' in answer.text
    assert_written(answer, "laravel")
    refused = api.get("/api/v1/check-balance")  # an error answer too
    assert refused.status == 401 and refused.text.startswith('{"status":false,')
    assert_written(refused, "laravel")


def test_smsflow_writes_utf8_and_slashes_as_they_are(api: Api) -> None:
    bearer = {"Authorization": "Bearer YOUR_API_KEY"}
    created = api.post("/api/contacts", headers=bearer, data={"phone_number": "+447700900123", "name": TEXT})
    assert created.status == 201, created.text
    answer = api.get(f"/api/contacts/{created.json['data']['id']}", headers=bearer)
    assert f'"name":"{TEXT}"' in answer.text
    listed = api.get("/api/contacts", headers=bearer)
    assert '"first":"http://' in listed.text  # the page links' slashes as they are
    for each in (created, answer, listed):
        assert_written(each, "altumcode")


def test_quickflow_writes_as_frappe_json_dumps(api: Api) -> None:
    answer = api.post("/api/method/quickflow.contact.store_contact", headers={"Authorization": "token your_api_key:your_api_secret"},
                      json={"sender_id": "YOUR_SENDER_ID", "group_id": "GRP-0001", "phone": "+254712345678", "first_name": TEXT})
    assert answer.status == 200, answer.text
    assert '"Zo\\u00eb/\\u00c4 \\ud83d\\ude00"' in answer.text
    assert_written(answer, "frappe")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(value=JSON, platform=st.sampled_from(sorted(STYLES)))
def test_dumps_writes_what_the_platforms_encoders_write(value: Any, platform: str) -> None:
    # Integers of any size (past 64 bits orjson refuses them and the standard library writes them) and any text,
    # surrogates aside: a lone one is refused before it reaches an answer (validation: a JSON body's \u escapes).
    if any(0xD800 <= ord(c) <= 0xDFFF for c in json.dumps(value, ensure_ascii=False)):
        return
    assert dumps(value, STYLES[platform]) == written_by(value, platform).encode("utf-8")


def test_what_orjson_refuses_is_written_by_the_standard_library_the_same_way() -> None:
    assert dumps({"n": 2**70, 1: "é/\x7f"}, STYLES["laravel"]) == b'{"n":1180591620717411303424,"1":"\\u00e9\\/\x7f"}'
    assert dumps({"n": 2**70, 1: "é/\x7f"}, STYLES["frappe"]) == b'{"n":1180591620717411303424,"1":"\\u00e9/\\u007f"}'


@pytest.mark.parametrize("value", [1.5, 100000.0, 0.25, 12345.678])
def test_ordinary_floats_are_written_as_python_writes_them(value: float) -> None:
    assert dumps({"balance": value}, STYLES["frappe"]) == json.dumps({"balance": value}, separators=(",", ":")).encode()
