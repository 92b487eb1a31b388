"""The handle's types: each provider has a typed attribute, and its operation names are the spec's operationIds."""
from __future__ import annotations

import typing

import pytest

from smsmock.pytest_plugin.handle import ProviderHandle, SmsMock
from smsmock.pytest_plugin.operations import QuickComOperation, QuickFlowOperation, SMSFlowOperation
from smsmock.spec import load_bundled

LITERALS = {"quickflow": QuickFlowOperation, "quickcom": QuickComOperation, "smsflow": SMSFlowOperation}


@pytest.mark.parametrize("provider", sorted(LITERALS))
def test_operation_literals_are_the_specs_operation_ids(provider: str) -> None:
    spec = load_bundled()[provider]
    assert list(typing.get_args(LITERALS[provider])) == [op.operation_id for op in spec.operations]


@pytest.mark.parametrize("provider", sorted(LITERALS))
def test_each_provider_attribute_is_typed_by_its_operations(provider: str) -> None:
    hints = typing.get_type_hints(getattr(SmsMock, provider).fget, globalns=vars(__import__(SmsMock.__module__, fromlist=["*"])))
    assert hints["return"] == ProviderHandle[LITERALS[provider]]


def test_an_unknown_provider_is_an_attribute_error_naming_the_known_ones(smsmock: SmsMock) -> None:
    with pytest.raises(AttributeError, match="'quickcomm': no such provider \\(have quickflow, quickcom, smsflow\\)"):
        smsmock.quickcomm  # type: ignore[attr-defined]
