"""What a test holds: the mock of every provider, its outbox, journal, faults, clock and contract."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask import Flask

from smsmock.engine import Mock
from smsmock.extension import feed_for, get_mock
from smsmock.feed import CODE, NoCode, NoMessage
from smsmock.journal import JournalEntry
from smsmock.overrides import Fault
from smsmock.spec import Spec

from .contract import ContractViolation, explain, violations_of
from .operations import QuickComOperation, QuickFlowOperation, SMSFlowOperation

if TYPE_CHECKING:
    import httpx

__all__ = ["ProviderHandle", "SentMessage", "SmsMock"]


@dataclass(frozen=True)
class SentMessage:
    """A text the mock accepted, as the outbox shows it now."""

    id: str
    provider: str
    sender: str
    recipient: str
    text: str
    encoding: str
    segments: int
    credits: int
    status: str
    created_at: str
    sent_at: str | None
    delivered_at: str | None
    campaign: str | None
    operation: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SentMessage:
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})  # type: ignore[arg-type]


Operation = TypeVar("Operation", bound=str)


class ProviderHandle(Generic[Operation]):
    """One provider of the mock: its base URL, messages, journal, seed, faults and rate limit.

    Typed by the provider's operationIds (``ProviderHandle[QuickComOperation]``), so that a type checker
    catches a misspelt operation in ``fail``, ``answer_with``, ``delay`` and ``drop``.
    """

    def __init__(self, owner: SmsMock, name: str, base_url: str) -> None:
        self._owner = owner
        self.name = name
        self.base_url = base_url

    @property
    def _mock(self) -> Mock:
        return self._owner.mock

    @property
    def spec(self) -> Spec:
        """The provider's loaded OpenAPI spec."""
        return self._mock.providers[self.name].spec

    @property
    def credentials(self) -> dict[str, Any]:
        """The first seeded account's credentials (``api_key``, ``app_secret``, …)."""
        accounts = (self._mock.seed.get(self.name) or {}).get("accounts") or [{}]
        return {k: v for k, v in accounts[0].items() if k.endswith(("_key", "_secret"))}

    @property
    def outbox(self) -> list[SentMessage]:
        """Messages this provider sent, oldest first."""
        return [m for m in self._owner.outbox if m.provider == self.name]

    @property
    def journal(self) -> list[JournalEntry]:
        """This provider's requests in the journal, oldest first."""
        return [e for e in self._owner.journal if e.provider == self.name]

    @property
    def violations(self) -> list[ContractViolation]:
        """Contract violations of this provider's requests during the test."""
        return [v for v in self._owner.violations if v.provider == self.name]

    def seed(self, section: dict[str, Any]) -> None:
        """Add accounts and records (the seed file's section for this provider)."""
        self._mock.load({self.name: section})

    def fail(self, operation: Operation, status: int | None = None, example: str | None = None, times: int | None = 1) -> None:
        """Answer the next ``times`` calls of an operation with a documented status (and named example)."""
        self._mock.add_fault(Fault(self.name, operation, status, example, times))

    def answer_with(
        self, operation: Operation, status: int, body: Any = None, headers: dict[str, str] | None = None, times: int | None = 1
    ) -> None:
        """Answer the next calls of an operation with exactly this status, body and headers.

        Meant for answers generated from the spec (``smsmock.strategies.answers``): the mock still
        checks them against the spec and records any mismatch in the journal.
        """
        if str(status) not in self.spec.by_id[operation].responses:
            raise ValueError(f"{operation} documents no {status} response")
        self._mock.add_fault(Fault(self.name, operation, status, times=times, body=body, headers=headers or {}))

    def delay(self, operation: Operation, seconds: float, times: int | None = 1) -> None:
        """Answer the next calls of an operation after a delay."""
        self._mock.add_fault(Fault(self.name, operation, times=times, latency=seconds))

    def drop(self, operation: Operation, times: int | None = 1) -> None:
        """Drop the connection on the next calls of an operation."""
        self._mock.add_fault(Fault(self.name, operation, times=times, drop=True))

    def rate_limit(self, limit: int | None, window: int | None = None) -> None:
        """Allow ``limit`` requests per ``window`` seconds per account (None: no limit)."""
        rule = self._mock.providers[self.name].limiter.rule
        self._mock.set_limit(self.name, limit, window or rule.window)

    def wait_for_message(self, to: str | None = None, text: str | None = None, timeout: float = 5.0) -> SentMessage:
        """The newest message matching the filters, waiting up to ``timeout`` seconds for one to arrive."""
        return self._owner.wait_for_message(to=to, text=text, timeout=timeout, provider=self.name)

    def latest_code(self, to: str, timeout: float = 5.0, pattern: re.Pattern[str] | str = CODE) -> str:
        """The one-time code (4-8 digits, or ``pattern``'s first group) in the newest message to a number."""
        return self._owner.latest_code(to, timeout=timeout, pattern=pattern, provider=self.name)


class SmsMock:
    """The handle both fixtures give a test: per-provider handles plus the shared clock and contract."""

    def __init__(self, app: Flask, base_urls: dict[str, str], strict: bool = True) -> None:
        self.app = app
        self.mock: Mock = get_mock(app)
        self.strict = strict
        self.reported = False  # the contract failure was already raised for this test
        self.providers: dict[str, ProviderHandle[str]] = {name: ProviderHandle(self, name, url) for name, url in base_urls.items()}
        self._violations: list[ContractViolation] = []
        self._start = self.mock.journal.total

    @property
    def quickflow(self) -> ProviderHandle[QuickFlowOperation]:
        """QuickFlow (a Frappe site's ``/api/method/quickflow.*``)."""
        return self._provider("quickflow")  # type: ignore[return-value]

    @property
    def quickcom(self) -> ProviderHandle[QuickComOperation]:
        """QuickCom (``ok-go.in/api/v1``)."""
        return self._provider("quickcom")  # type: ignore[return-value]

    @property
    def smsflow(self) -> ProviderHandle[SMSFlowOperation]:
        """SMSFlow (``smsflow.su/api/contacts``)."""
        return self._provider("smsflow")  # type: ignore[return-value]

    def _provider(self, name: str) -> ProviderHandle[str]:
        providers = self.__dict__.get("providers") or {}
        if name in providers:
            return providers[name]  # type: ignore[no-any-return]
        raise AttributeError(f"{name!r}: no such provider (have {', '.join(providers)})")

    if not TYPE_CHECKING:  # providers of other specs (``--spec``) by name; type checkers see only the three

        def __getattr__(self, name: str) -> ProviderHandle[str]:
            return self._provider(name)

    # -- lifecycle (the fixtures call these) -----------------------------------

    def begin(self, seed: dict[str, Any] | None = None) -> SmsMock:
        """Fresh state from the seed, and start collecting contract violations."""
        self.mock.reset(seed)
        self._start = self.mock.journal.total
        self.mock.listeners.append(self._listen)
        return self

    def end(self) -> list[ContractViolation]:
        """Stop listening; the violations of the test."""
        if self._listen in self.mock.listeners:
            self.mock.listeners.remove(self._listen)
        return list(self._violations)

    def _listen(self, entry: JournalEntry) -> None:
        self._violations.extend(violations_of(entry))

    # -- inspection -------------------------------------------------------------

    @property
    def violations(self) -> list[ContractViolation]:
        """Every contract violation of the test so far, in order."""
        return list(self._violations)

    def explain(self) -> str:
        """The failure message strict mode would give."""
        return explain(self._violations)

    @property
    def journal(self) -> list[JournalEntry]:
        """The requests answered during this test (oldest first; the journal is capped)."""
        return self.mock.journal.entries(self._start)

    @property
    def outbox(self) -> list[SentMessage]:
        """Every message sent, all providers, oldest first."""
        with self.mock.env.lock:
            now = self.mock.env.clock.now()
            return [SentMessage.from_json(m.to_json(now)) for m in self.mock.env.outbox]

    def advance(self, seconds: float) -> None:
        """Move the mock's clock forward (delivery statuses, schedules and rate-limit windows follow)."""
        with self.mock.env.lock:
            self.mock.env.clock.advance(seconds)

    def now(self) -> datetime:
        """The mock's current time."""
        return self.mock.env.clock.now()

    def deliver(self) -> int:
        """Deliver (or fail, for failing numbers) every pending message now."""
        with self.mock.env.lock:
            return self.mock.env.outbox.settle(self.mock.env.clock.now())

    def seed(self, seed: dict[str, Any]) -> None:
        """Add accounts and records for any providers (the seed file's format)."""
        self.mock.load(seed)

    def wait_for_message(
        self, to: str | None = None, text: str | None = None, timeout: float = 5.0, provider: str | None = None
    ) -> SentMessage:
        """The newest message matching the filters; waits up to ``timeout`` seconds (for other threads)."""
        # The same path as GET /__smsmock/api/outbox/wait: recipient in any form of the number.
        try:
            return SentMessage.from_json(feed_for(self.app).wait(provider, to, text, timeout))
        except NoMessage as miss:
            raise AssertionError(str(miss)) from None

    def latest_code(
        self, to: str, timeout: float = 5.0, pattern: re.Pattern[str] | str = CODE, provider: str | None = None
    ) -> str:
        """The one-time code in the newest message to a number (as GET /__smsmock/api/code finds it)."""
        try:
            return feed_for(self.app).latest_code(to, provider, timeout, pattern)[0]
        except (NoMessage, NoCode) as missing:
            raise AssertionError(str(missing)) from None

    # -- httpx, in-process ------------------------------------------------------

    def httpx_transport(self) -> httpx.WSGITransport:
        """An ``httpx.WSGITransport`` to the mock app: httpx clients reach it with no socket."""
        import httpx

        return httpx.WSGITransport(app=self.app)

    def httpx_client(self, provider: str | None = None, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` on that transport, its base URL the provider's (if named)."""
        import httpx

        if provider is not None:
            kwargs.setdefault("base_url", self.providers[provider].base_url)
        return httpx.Client(transport=self.httpx_transport(), **kwargs)
