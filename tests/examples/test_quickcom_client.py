"""Testing a QuickCom client with smsmock: the outbox, one-time codes, faults, the clock, any answer."""
from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from smsmock.strategies import answers
from quickcom_client import Campaign, QuickComClient, QuickComError

OTP_TEMPLATE = "1507162019748109480"  # seeded: "Your OTP is {#var#}. Valid for {#var#} minutes."


@pytest.fixture
def client(smsmock) -> QuickComClient:
    return QuickComClient(**smsmock.quickcom.credentials)  # the seed's app_key and app_secret


def test_the_code_reaches_the_phone(client, smsmock):
    campaign = client.send_otp(OTP_TEMPLATE, ["9876543210"], "482913", "10")

    assert smsmock.quickcom.latest_code("9876543210") == "482913"
    assert campaign.text == "Your OTP is 482913. Valid for 10 minutes."
    [message] = smsmock.quickcom.outbox
    assert (message.recipient, message.sender, message.credits) == ("919876543210", "QCOMM", 1)


def test_each_valid_number_costs_a_credit(client, smsmock):
    before = client.balance()

    campaign = client.send_otp(OTP_TEMPLATE, ["9876543210", "+918765432109", "12345"], "1111", "5")

    assert (campaign.credits, campaign.invalid_numbers) == (2, 1)
    assert client.balance() == before - 2
    assert len(smsmock.quickcom.outbox) == 2


def test_delivery_follows_the_clock(client, smsmock):
    client.send_otp(OTP_TEMPLATE, ["9876543210", "9000000666"], "1234", "5")  # the seed's failing number
    assert {m.status for m in smsmock.outbox} == {"queued"}

    smsmock.advance(5)

    assert {m.recipient[-10:]: m.status for m in smsmock.outbox} == {"9876543210": "delivered", "9000000666": "failed"}


def test_insufficient_balance_is_a_quickcom_error(client, smsmock):
    smsmock.quickcom.fail("send_message", 402)

    with pytest.raises(QuickComError) as raised:
        client.send_otp(OTP_TEMPLATE, ["9876543210"], "1234", "5")

    assert (raised.value.status, raised.value.error_code) == (402, "INSUFFICIENT_BALANCE")
    assert smsmock.outbox == []


def test_an_unknown_template_is_a_quickcom_error(client):
    with pytest.raises(QuickComError) as raised:
        client.send_otp("1507162019748100000", ["9876543210"], "1234")

    assert raised.value.status == 404


def test_any_http_client_over_a_real_socket(smsmock_server):
    quickcom = smsmock_server.quickcom
    otp = {"dlt_template_id": OTP_TEMPLATE, "mobile_numbers": "9876543210", "route_type": 0, "v1": "7070", "v2": "5"}
    with httpx.Client(base_url=quickcom.base_url, params=quickcom.credentials) as http:
        answer = http.get("/send-message", params=otp)

    assert answer.json()["status"] is True
    assert quickcom.wait_for_message(to="9876543210").text.startswith("Your OTP is 7070.")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50, deadline=None)
@given(answer=answers("quickcom", "send_message"))
def test_the_client_survives_every_documented_answer(smsmock, answer):
    # The next send-message call gets this answer: any documented status, a body valid by the spec.
    smsmock.quickcom.answer_with("send_message", answer.status, answer.body, answer.headers)
    client = QuickComClient(**smsmock.quickcom.credentials)
    try:
        campaign = client.send_otp(OTP_TEMPLATE, ["9876543210"], "1234", "5")
    except QuickComError:
        return  # a documented error, reported as the client's own error
    assert isinstance(campaign, Campaign)
