"""Testing an SMSFlow contacts client with smsmock: seeded records, faults and rate limits."""
from __future__ import annotations

import httpx
import pytest

from smsflow_client import SMSFlowClient, SMSFlowError


@pytest.fixture
def client(smsmock) -> SMSFlowClient:
    return SMSFlowClient(smsmock.smsflow.credentials["api_key"])


def test_create_and_read_back(client):
    contact_id = client.create_contact("+14155550100", "Ada Lovelace", plan="pro")

    contact = client.contact(contact_id)
    assert (contact["name"], contact["country_code"]) == ("Ada Lovelace", "US")
    assert contact["custom_parameters"] == {"plan": "pro"}
    assert [c["id"] for c in client.find("Ada")] == [contact_id]


def test_the_seeded_contact_is_there(client):
    [john] = client.find("John")
    assert john["phone_number"] == "+393331234567"


def test_an_unknown_contact_is_an_smsflow_error(client):
    with pytest.raises(SMSFlowError) as raised:
        client.delete_contact(999)

    assert raised.value.status == 404


def test_an_injected_fault_is_an_smsflow_error(client, smsmock):
    smsmock.smsflow.fail("create_contact", 401)

    with pytest.raises(SMSFlowError, match="401"):
        client.create_contact("+14155550100")


@pytest.mark.smsmock(rate_limits={"smsflow": 2})
def test_the_rate_limit_is_an_smsflow_error(client, smsmock):
    client.find("John")
    client.find("John")

    with pytest.raises(SMSFlowError) as raised:
        client.find("John")
    assert raised.value.status == 429

    smsmock.advance(60)  # the window passes
    assert client.find("John")


def test_any_http_client_over_a_real_socket(smsmock_server):
    smsflow = smsmock_server.smsflow
    bearer = {"Authorization": f"Bearer {smsflow.credentials['api_key']}"}
    with httpx.Client(base_url=smsflow.base_url, headers=bearer) as http:
        created = http.post("/contacts", data={"phone_number": "+447700900123", "name": "Grace"})
        listed = http.get("/contacts/")

    assert created.status_code == 201
    assert [c["name"] for c in listed.json()["data"]] == ["Grace", "John Doe"]
