"""What a test holds: the mock of every provider, its outbox, journal, faults, clock and contract."""
from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask import Flask

from smsmock.engine import Mock
from smsmock.extension import feed_for, get_mock
from smsmock.feed import CODE, NoCode, NoMessage
from smsmock.journal import JournalEntry
from smsmock.overrides import Fault, answer_problems
from smsmock.spec import Spec

from .contract import ContractViolation, explain, violations_of
from .operations import QuickComOperation, QuickFlowOperation, SMSFlowOperation

if TYPE_CHECKING:
    import httpx

    from .intercept import Interception

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
    def base_urls(self) -> list[str]:
        """Every base URL answered for this provider: the documented one and those configured (in-process)."""
        interception = self._owner.interception
        if interception is None or interception.core is None:
            return [self.base_url]
        return list(interception.sites.urls.get(self.name, [self.base_url]))

    def add_base_url(self, url: str) -> str:
        """Answer this base URL in-process too from now on (the path must be the documented base path)."""
        interception = self._owner.interception
        if interception is None or interception.core is None:
            raise RuntimeError("smsmock_server serves at its own base_url: add_base_url is for the smsmock fixture")
        return interception.sites.add(self.name, url)

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
        """Answer the next ``times`` calls of an operation with a documented status (and named example).

        The answer is the spec's example, its clock fields at the mock's time, with the headers the provider
        sends for that status in the mock's state (rate-limit windows) and every header the spec requires.
        """
        self._mock.add_fault(Fault(self.name, operation, status, example, times))

    def answer_with(
        self,
        operation: Operation,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int | None = 1,
        *,
        strict: bool = True,
    ) -> None:
        """Answer the next calls of an operation with exactly this status, body and headers.

        Meant for answers generated from the spec (``smsmock.strategies.answers``). An answer the provider
        never sends is refused with ValueError naming what is wrong: an undocumented status, a body outside
        the status's schema, a header the status does not declare or a value its schema refuses. With
        ``strict=False`` it is sent all the same and recorded as a contract violation of the test's own
        making. Required headers left out are added from the mock's state, as for any fault.
        """
        op = self.spec.by_id.get(operation)
        if op is None:
            raise ValueError(f"{self.name} has no operation {operation!r}")
        problems = answer_problems(self.spec, op, status, body, headers or {})
        if problems and strict:
            raise ValueError(f"{self.name} {operation} never answers like this: " + "; ".join(problems))
        self._mock.add_fault(Fault(self.name, operation, status, times=times, body=body, headers=headers or {}))

    def delay(self, operation: Operation, seconds: float, times: int | None = 1) -> None:
        """Answer the next calls of an operation after a delay."""
        self._mock.add_fault(Fault(self.name, operation, times=times, latency=seconds))

    def drop(self, operation: Operation, times: int | None = 1, when: str = "after") -> None:
        """Drop the connection on the next calls of an operation: ``after`` it was processed (state changed,
        the answer lost) or ``before`` (nothing changed). The client sees a broken connection either way."""
        self._mock.add_fault(Fault(self.name, operation, times=times, drop=True, drop_when=when))

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

    async def wait_for_message_async(self, to: str | None = None, text: str | None = None, timeout: float = 5.0) -> SentMessage:
        """:meth:`wait_for_message` for async tests: awaits without blocking the event loop."""
        return await self._owner.wait_for_message_async(to=to, text=text, timeout=timeout, provider=self.name)

    async def latest_code_async(self, to: str, timeout: float = 5.0, pattern: re.Pattern[str] | str = CODE) -> str:
        """:meth:`latest_code` for async tests: awaits without blocking the event loop."""
        return await self._owner.latest_code_async(to, timeout=timeout, pattern=pattern, provider=self.name)


_RUNNERS = ("anyio.", "pytest_asyncio", "_pytest.")  # modules whose tasks run the test rather than send


def _runner(task: asyncio.Task[Any]) -> bool:
    """Whether a task belongs to the test runner (anyio's runs each test from a task of its own)."""
    frame = getattr(task.get_coro(), "cr_frame", None)
    return frame is not None and str(frame.f_globals.get("__name__", "")).startswith(_RUNNERS)


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
        self.interception: Interception | None = None  # the fixture's interceptors and network guard
        self._threads: set[int | None] = set()  # threads alive at the start (a wait does not count on them)

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
        self._threads = {t.ident for t in threading.enumerate()}
        return self

    def end(self) -> list[ContractViolation]:
        """Stop listening; the violations of the test."""
        if self._listen in self.mock.listeners:
            self.mock.listeners.remove(self._listen)
        return list(self._violations)

    def _listen(self, entry: JournalEntry) -> None:
        self._violations.extend(violations_of(entry))

    def failure(self) -> str | None:
        """Why the test fails, if it does: requests refused by the network guard, then contract violations."""
        parts = []
        if self.refused:
            parts.append("smsmock refused {} request(s) to a provider's host that nothing answered:\n  {}".format(
                len(self.refused), "\n  ".join(self.refused)))
        if self.strict and self._violations:
            parts.append(explain(self._violations))
        return "\n".join(parts) or None

    @property
    def refused(self) -> list[str]:
        """Every attempt the network guard refused during the test (the URL, or host:port for unpatched clients)."""
        return list(self.interception.guard.attempts) if self.interception is not None else []

    def _pending(self, in_loop: bool = False) -> bool:
        """Whether a message could still arrive: always on a live server; in-process, a request in flight,
        a thread the test started, or (awaiting) another task of the event loop."""
        interception = self.interception
        if interception is None or interception.core is None:
            return True
        if interception.in_flight:
            return True
        if any(t.ident not in self._threads and t.is_alive() for t in threading.enumerate()):
            return True
        if in_loop:
            current = asyncio.current_task()
            return any(not task.done() and not _runner(task) for task in asyncio.all_tasks() if task is not current)
        return False


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
            return SentMessage.from_json(feed_for(self.app).wait(provider, to, text, timeout, pending=self._pending))
        except NoMessage as miss:
            raise AssertionError(str(miss)) from None

    async def wait_for_message_async(
        self, to: str | None = None, text: str | None = None, timeout: float = 5.0, provider: str | None = None
    ) -> SentMessage:
        """:meth:`wait_for_message` for async tests: awaits (other tasks run meanwhile) and never blocks the loop."""
        try:
            found = await feed_for(self.app).wait_async(provider, to, text, timeout, pending=lambda: self._pending(True))
        except NoMessage as miss:
            raise AssertionError(str(miss)) from None
        return SentMessage.from_json(found)

    def latest_code(
        self, to: str, timeout: float = 5.0, pattern: re.Pattern[str] | str = CODE, provider: str | None = None
    ) -> str:
        """The one-time code in the newest message to a number (as GET /__smsmock/api/code finds it)."""
        try:
            return feed_for(self.app).latest_code(to, provider, timeout, pattern, pending=self._pending)[0]
        except (NoMessage, NoCode) as missing:
            raise AssertionError(str(missing)) from None

    async def latest_code_async(
        self, to: str, timeout: float = 5.0, pattern: re.Pattern[str] | str = CODE, provider: str | None = None
    ) -> str:
        """:meth:`latest_code` for async tests: awaits (other tasks run meanwhile) and never blocks the loop."""
        feed = feed_for(self.app)
        try:
            return (await feed.latest_code_async(to, provider, timeout, pattern, pending=lambda: self._pending(True)))[0]
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
