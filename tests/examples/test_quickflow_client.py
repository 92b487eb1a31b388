"""Testing a QuickFlow client with smsmock: the outbox, one-time codes, faults and the clock."""
from __future__ import annotations

import httpx
import pytest

from quickflow_client import QuickFlowClient, QuickFlowError

SENDER = "YOUR_SENDER_ID"  # seeded, with 100000 credits


@pytest.fixture
def client(smsmock) -> QuickFlowClient:
    return QuickFlowClient(**smsmock.quickflow.credentials)  # the seed's api_key and api_secret


def test_send_a_code(client, smsmock):
    [uid] = client.send_sms(SENDER, ["254700000001"], "Your login code is 550142")

    assert smsmock.quickflow.latest_code("254700000001") == "550142"
    assert smsmock.quickflow.outbox[0].sender == SENDER
    assert client.balance(SENDER) == 100000 - 1
    assert client.status(uid) == "queued"


def test_delivery_follows_the_clock(client, smsmock):
    ok, bad = client.send_sms(SENDER, ["254700000001", "254700000666"], "Hello")  # 254700000666 always fails

    smsmock.advance(5)

    assert (client.status(ok), client.status(bad)) == ("delivered", "failed")


def test_an_unknown_message_is_a_quickflow_error(client):
    with pytest.raises(QuickFlowError) as raised:
        client.status("SMS-9999")

    assert (raised.value.status, raised.value.exc_type) == (404, "DoesNotExistError")
    assert "SMS-9999" in raised.value.messages[0]


def test_an_injected_fault_is_a_quickflow_error(client, smsmock):
    smsmock.quickflow.fail("send_sms", 417)

    with pytest.raises(QuickFlowError, match="ValidationError"):
        client.send_sms(SENDER, ["254700000001"], "Hello")

    assert smsmock.outbox == []


def test_wrong_credentials_are_a_quickflow_error(smsmock):
    with pytest.raises(QuickFlowError) as raised:
        QuickFlowClient("your_api_key", "not-the-secret").balance(SENDER)

    assert (raised.value.status, raised.value.exc_type) == (401, "AuthenticationError")


def test_any_http_client_over_a_real_socket(smsmock_server):
    quickflow = smsmock_server.quickflow
    token = "token {api_key}:{api_secret}".format(**quickflow.credentials)
    with httpx.Client(base_url=quickflow.base_url, headers={"Authorization": token}) as http:
        http.post("/quickflow.sms.send", json={"recipient": "254711000002", "sender_id": SENDER, "message": "PIN 9182"})

    assert quickflow.latest_code("254711000002") == "9182"
