"""Hypothesis strategies built from the specs: valid and invalid requests, answers, numbers and SMS texts.

Everything is read from ``specs/*.yaml``: an operation's parameters are merged per location into one
object schema (schemathesis' idea: ``Operation.location_schema``, which the validator checks them
against too), its body schema is taken per documented media type, and values are generated from those
schemas (the JSON Schema subset the specs use, references inlined) and then made sensible where the
state is involved: ids, sender IDs and templates the mock holds, phone numbers the provider accepts,
texts around the SMS segment boundaries. Every value survives the wire: strings hold no NUL or
surrogate, and form, query and path values are sent as strings.

    import requests
    from hypothesis import given
    from smsmock.strategies import arguments

    @given(arguments("quickflow", "send_sms"))
    def test_send(request):
        response = request.send(requests.Session())  # the documented URL (the smsmock fixture catches it)

The modules, each importing only those above it: ``schemas`` (JSON Schema -> strategy), ``shapes`` (what
an operation takes, and the wire), ``texts`` (phone numbers, SMS texts, template variables), ``values``
(the state: credentials, held ids, sensible values) and ``requests`` (the records and the strategies
that build them).
"""
from __future__ import annotations

from .requests import Answer, InvalidRequest, Request, answers, arguments, invalid_arguments
from .schemas import schema_values
from .texts import phone_numbers, sms_texts, template_variables

__all__ = [
    "Answer",
    "InvalidRequest",
    "Request",
    "answers",
    "arguments",
    "invalid_arguments",
    "phone_numbers",
    "schema_values",
    "sms_texts",
    "template_variables",
]
