"""The dispatch path every transport shares: route, authenticate, validate, override, handle, render, check, journal.

:class:`Mock` holds every provider, the shared state, the journal and the faults; :meth:`Mock.dispatch` answers
one request normalised at the edge (``edge.py``) as a pipeline of steps, each in a module of its own:
``routing`` (which operation), ``auth`` (credentials and their form), ``validation`` (arguments and contract
violations), ``overrides`` (faults and ``Prefer``), the provider's handler and envelope (``providers/<name>/``),
the answer check against the spec, and ``journal``. No HTTP here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from . import auth, overrides
from .errors import Kind, ProviderError
from .journal import Journal, JournalEntry, Rejection
from .overrides import Fault
from .providers import provider_class
from .providers.base import Ok, Provider, Reply
from .routing import Match, Miss, Router, as_documented
from .routing import rules as routing_rules
from .spec import Spec, load_bundled, pointer_join
from .state import Clock, Ids, Outbox, RateLimit, SharedState
from .validation import Incoming, Violation, validate_request, validate_response
from .wire import PLAIN, dumps

__all__ = ["ContractDrift", "Fault", "MAX_BODY", "Mock", "Outcome"]

MAX_BODY = 1024 * 1024


class ContractDrift(AssertionError):
    """The mock answered with something its own spec does not allow (a bug in smsmock)."""


@dataclass
class Outcome:
    """What the transport sends: the reply, and whether to wait or drop first."""

    reply: Reply
    latency: float = 0.0
    drop: bool = False
    entry: JournalEntry | None = None
    routing: str | None = None  # the x-smsmock-routing response an unmatched request got
    wire: bytes | None = None  # the JSON body as sent (None: no body), serialised once by dispatch
    media: str = "application/json"  # its Content-Type, unless the reply's headers name one


class Mock:
    """The mock of every loaded spec: providers, shared state, journal and faults; no HTTP here."""

    def __init__(
        self,
        specs: list[Spec] | None = None,
        seed: dict[str, Any] | None = None,
        *,
        clock: Clock | None = None,
        id_seed: int = 0,
        limits: dict[str, RateLimit] | None = None,
        strict: bool = False,
        journal_cap: int = 1000,
        outbox_cap: int = 10_000,
        max_body: int = MAX_BODY,
    ) -> None:
        self.specs = list(specs) if specs is not None else list(load_bundled().values())
        self._limits = dict(limits or {})
        self.env = SharedState(clock or Clock(), Ids(id_seed), Outbox(outbox_cap), dict(self._limits))
        self.router = Router(self.specs)
        self.journal = Journal(journal_cap)
        self.strict = strict
        self.max_body = max_body
        self.faults: list[Fault] = []
        self.listeners: list[Callable[[JournalEntry], None]] = []  # told of every journal entry
        self.seed: dict[str, Any] = seed if seed is not None else {}
        self.providers: dict[str, Provider] = {}
        for spec in self.specs:
            name = spec.provider or _stem(spec)
            self.providers[name] = provider_class(spec.provider)(spec, self.env)
        self._names = {id(spec): name for spec, name in zip(self.specs, self.providers)}
        self._check_seed_shape(self.seed)  # a bad seed fails the load below: no state to keep intact yet
        self._warm()
        self.reset()

    # -- state ----------------------------------------------------------------

    def _warm(self) -> None:
        """Compile every fast validator now, so that no conforming request pays for it.

        jsonschema's validators, which say why a value does not conform, compile on first use: importing
        jsonschema is a fifth of the start-up time, and a conforming request never needs them.
        """
        for spec in self.specs:
            for op in spec.operations:
                for param in op.parameters:
                    spec.is_valid(param.schema_pointer, None)  # validating compiles the validator
                for pointer in op.body.values():
                    spec.is_valid(pointer, None)
                for status in op.responses:
                    found = spec.response(op, status)
                    if found:
                        for media in (found[0].get("content") or {}):
                            if "schema" in found[0]["content"][media]:
                                spec.is_valid(pointer_join(found[1], "content", media, "schema"), None)

    def reset(self, seed: dict[str, Any] | None = None) -> None:
        """Back to the seed (or a new one): state, clock, ids, outbox, journal, faults and limits."""
        with self.env.lock:
            if seed is not None and seed is not self.seed:
                self._try_seed(seed)
                self.seed = seed
            self.env.clock.reset()
            self.env.ids.reset()
            self.env.outbox.clear()
            self.journal.clear()
            self.faults.clear()
            self.env.limits = dict(self._limits)
            for name, provider in self.providers.items():
                provider.limiter.rule = self.env.limits.get(name, provider.default_limit)
                provider.reset()
                provider.load(self.seed.get(name) or {})

    def _check_seed_shape(self, seed: dict[str, Any]) -> None:
        """A seed names known providers, each with a mapping (or nothing)."""
        if not isinstance(seed, dict):
            raise ValueError("a seed is a mapping of provider name to its section")
        unknown = set(seed) - set(self.providers)
        if unknown:
            raise ValueError(f"seed names unknown providers: {sorted(unknown)} (known: {sorted(self.providers)})")
        for name, section in seed.items():
            if section is not None and not isinstance(section, dict):
                raise ValueError(f"seed section {name!r} must be a mapping, not {type(section).__name__}")

    def _try_seed(self, seed: dict[str, Any]) -> None:
        """Load a seed into scratch providers first, so that a bad seed raises and changes nothing at all."""
        self._check_seed_shape(seed)
        for name, section in seed.items():
            provider = self.providers[name]
            scratch = SharedState(Clock(), Ids(self.env.ids.seed), Outbox(), dict(self.env.limits))
            type(provider)(provider.spec, scratch).load(section or {})

    def load(self, seed: dict[str, Any]) -> None:
        """Add a seed's accounts and records to the current state."""
        with self.env.lock:
            self._try_seed(seed)
            for name, section in seed.items():
                self.providers[name].load(section or {})

    def set_limit(self, provider: str, limit: int | None, window: int) -> None:
        """Change a provider's rate limit (None: no limit)."""
        with self.env.lock:
            rule = RateLimit(limit, window)
            self.env.limits[provider] = rule
            self.providers[provider].limiter.rule = rule
            self.providers[provider].limiter.reset()

    def snapshot(self) -> dict[str, Any]:
        """Every provider's state and the clock, as JSON."""
        with self.env.lock:
            return {
                "clock": self.env.clock.snapshot(),
                "providers": {name: p.snapshot() for name, p in self.providers.items()},
                "outbox": len(self.env.outbox),
                "journal": self.journal.total,
            }

    # -- faults ---------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        """Register a fault after checking it names a documented status and example."""
        if fault.provider is not None and fault.provider not in self.providers:
            raise ValueError(f"unknown provider {fault.provider!r}")
        if fault.operation is not None:
            specs = [self.providers[fault.provider].spec] if fault.provider else self.specs
            if not any(fault.operation in s.by_id for s in specs):
                raise ValueError(f"unknown operation {fault.operation!r}")
            if fault.status is not None or fault.example is not None:
                for spec in specs:
                    if fault.operation in spec.by_id:
                        spec.example(spec.by_id[fault.operation], fault.status, fault.example)
        elif fault.status is not None or fault.example is not None:
            raise ValueError("a fault with a status or example must name its operation")
        with self.env.lock:
            self.faults.append(fault)
        return fault

    def _take_fault(self, provider: str, operation: str) -> Fault | None:
        with self.env.lock:
            for fault in self.faults:
                if fault.matches(provider, operation):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None


    # -- the request ----------------------------------------------------------

    def dispatch(self, incoming: Incoming, too_large: bool = False) -> Outcome:
        """Answer one normalised request, check the answer against the spec and record both in the journal."""
        entry = JournalEntry.of(incoming, self.env.clock.now())
        # The router is built once and never changes: matching (and the nearest-operation search of a
        # miss) needs no state lock, so a slow miss never holds up other clients.
        found = self.router.match(incoming.method, incoming.path)
        with self.env.lock:
            try:
                if isinstance(found, Miss):
                    outcome = self._unmatched(found, incoming, entry)
                else:
                    outcome = self._matched(found, incoming, entry, too_large)
                self._check_answer(found, outcome, entry)
            except ContractDrift:
                raise
            except Exception as exc:  # a bug in a handler: answered once, journaled once, never re-run
                outcome = Outcome(self.internal_error(found.spec, exc), routing="internal_error")
                entry.outcome, entry.reason = "error", f"internal error: {type(exc).__name__}"
                self._check_answer(found, outcome, entry)
            self._present(found.spec, outcome, incoming, entry)
            outcome.entry = self.journal.add(entry)
            for listener in list(self.listeners):
                listener(entry)
        return outcome

    def _present(self, spec: Spec | None, outcome: Outcome, incoming: Incoming, entry: JournalEntry) -> None:
        """The checked answer as the platform sends it to this request, serialised once, and kept in the journal."""
        reply = outcome.reply
        if spec is not None:
            provider = self.providers[self._names[id(spec)]]
            reply = outcome.reply = provider.present(reply, incoming)
            if reply.body is None and reply.wire is None:
                outcome.media = provider.empty_type
        if reply.wire is not None:  # a page in place of the JSON body: the journal keeps its text
            outcome.wire = reply.wire
            text = reply.wire.decode("utf-8", "replace")
            entry.keep_answer(reply.status, reply.headers, text, dumps(text))
        else:
            outcome.wire = None if reply.body is None else dumps(reply.body, PLAIN if spec is None else spec.json_style)
            entry.keep_answer(reply.status, reply.headers, reply.body, outcome.wire)

    def internal_error(self, spec: Spec | None, exc: BaseException) -> Reply:
        """The answer to a failure of the mock itself: the 500 of the platform whose path was asked."""
        if spec is not None:
            detail = {"exc_type": type(exc).__name__}
            try:
                return self._render_error(self.providers[self._names[id(spec)]], ProviderError(Kind.INTERNAL, "internal error", detail=detail))
            except Exception:  # noqa: BLE001 - the provider cannot even render its 500: smsmock's own words
                pass
        return Reply(500, {"message": "Server Error"}, {})

    def _unmatched(self, miss: Miss, incoming: Incoming, entry: JournalEntry) -> Outcome:
        entry.reason, entry.nearest = miss.reason, miss.nearest
        if miss.spec is None:
            body = {
                "error": "smsmock: no provider serves this path",
                "providers": {name: p.spec.base_path + "/" for name, p in self.providers.items()},
                "admin": "/__smsmock/",
            }
            return Outcome(Reply(404, body, {}))
        name = self._names[id(miss.spec)]
        entry.provider = name
        provider = self.providers[name]
        policy = routing_rules(miss.spec)
        method = incoming.method.upper()
        account: str | None = None
        guest = False  # no credentials at all: Frappe refuses a guest before it looks at the verb
        checks_key = policy.key_before_verb and miss.wrong_method
        if (policy.unauthorized or checks_key) and miss.spec.operations:
            # This platform checks credentials before it routes (or before it turns a verb away): wrong ones
            # are refused whatever the path, and where the key comes first a missing one is refused too.
            operation = miss.documented.operation if miss.documented else miss.spec.operations[0]
            credentials, _ = auth.credentials(miss.spec, operation, incoming)
            try:
                account = provider.authenticate(credentials, operation)
            except ProviderError as error:
                if error.kind is Kind.AUTH_INVALID or checks_key:
                    reply = self._render_error(provider, error)
                    return Outcome(reply, routing=policy.key("unauthorized", reply.status))
                guest = error.kind is Kind.AUTH_MISSING
        if method == "OPTIONS" and policy.options and (miss.wrong_method or policy.options_anywhere):
            options = miss.spec.at(policy.options)
            headers = {"Allow": policy.allow(miss)} if "Allow" in (options.get("headers") or {}) else {}
            return Outcome(Reply(200, None, {**self._common(provider), **headers}), routing="options")
        if miss.documented is not None and method in policy.methods:
            # The platform takes this verb too: answered as the documented operation, and recorded.
            reread, violation = as_documented(miss.documented, incoming)
            entry.reason, entry.nearest = None, None
            length = incoming.header("content-length") or ""
            too_large = not incoming.body and length.isdigit() and int(length) > self.max_body
            outcome = self._matched(miss.documented, reread, entry, too_large)
            entry.violations = [violation, *entry.violations]
            self._check_answer(miss.documented, outcome, entry)
            outcome.routing = "as_documented"
            return outcome
        kind = Kind.WRONG_METHOD if miss.wrong_method else Kind.NO_ROUTE
        command = incoming.path[len(miss.spec.base_path):].strip("/")
        message = (
            f"{incoming.method} is not allowed here (allowed: {', '.join(miss.allowed)})"
            if miss.wrong_method
            else f"no operation at {incoming.path}"
        )
        refusal = ProviderError(kind, message, detail={"command": command, "allowed": list(miss.allowed), "method": incoming.method, "guest": guest})
        if checks_key and account is not None:
            # The key was good: the refusal counts against its limit and reports its window.
            entry.account = account
            try:
                refusal.headers = provider.rate_limit(account)
            except ProviderError as error:
                return Outcome(self._render_error(provider, error), routing="rate_limited")
            refusal.detail["window"] = provider.limiter.peek(account)
        reply = self._render_error(provider, refusal)
        return Outcome(reply, routing=policy.key("method_not_allowed" if miss.wrong_method else "not_found", reply.status))

    def _matched(self, match: Match, incoming: Incoming, entry: JournalEntry, too_large: bool) -> Outcome:
        spec, op = match.spec, match.operation
        name = self._names[id(spec)]
        provider = self.providers[name]
        entry.provider, entry.operation, entry.outcome = name, op.operation_id, "ok"
        credentials, reserved = auth.credentials(spec, op, incoming)
        # Validation is pure: done first, so that the journal holds every contract violation even
        # when a fault, an override or an auth failure decides the answer.
        args, violations = validate_request(spec, op, incoming, match.path_params, reserved)
        violations = auth.form_violations(spec, op, credentials) + violations
        entry.violations = violations
        fault = self._take_fault(name, op.operation_id) if self.faults else None
        latency, drop = (fault.latency, fault.drop) if fault is not None else (0.0, False)
        if fault is not None:
            entry.fault = fault.to_json()
            if drop:
                entry.dropped = fault.drop_when
            if drop and fault.drop_when == "before":  # lost on the way in: nothing is processed or changed
                entry.outcome = "fault"
                code, body, _ = spec.example(op, None, None)  # what the journal shows; the client gets nothing
                return Outcome(Reply(code, body, self._common(provider)), latency, drop)
        try:
            try:
                override = overrides.decide(spec, op, fault, incoming.header("prefer"))
            except ValueError as exc:  # a Prefer header naming an undocumented answer
                self._refuse_prefer(provider, op, incoming, entry, exc)
            else:
                if override is not None:
                    entry.account, window = overrides.caller(provider, op, credentials)
                    entry.outcome, entry.violations = override.source, [*entry.violations, *override.violations]
                    return Outcome(overrides.reply(provider, op, override, window), latency, drop)
            if too_large and op.body:  # a body on an operation that takes none is not read at all
                raise ProviderError(Kind.TOO_LARGE, f"the body is larger than {self.max_body} bytes")
            account = provider.authenticate(credentials, op)
            entry.account = account
            headers = provider.rate_limit(account)
            refused = [v for v in violations if not v.ignored and v.location != "auth"] if violations else None
            impossible = [v for v in refused if v.location == "path"] if refused else None
            if impossible:  # an id its schema rules out cannot exist, whatever else is wrong
                raise _refusal(impossible, provider)
            path_params = op.parameters_in("path")
            if path_params:
                provider.locate(op, account, {p.name: args[p.name] for p in path_params if p.name in args})
            if refused:
                raise _refusal(refused, provider)
            entry.args = args
            result: Ok = provider.handler(op)(account, args)
            body = provider.render(op, result, incoming)
            common = self._common(provider)
            if headers or result.headers:
                common.update(headers)
                common.update(result.headers)
            return Outcome(Reply(op.success_status, body, common), latency, drop)
        except ProviderError as error:
            entry.outcome = "rejected"
            entry.error = Rejection(error.kind.value, error.message, error.fields)
            error.detail.setdefault("operation", op)
            if entry.account is not None:  # the answer reports the account's window (a 429 carries its own)
                error.detail.setdefault("window", provider.limiter.peek(entry.account))
            return Outcome(self._render_error(provider, error), latency, drop)

    def _refuse_prefer(self, provider: Provider, op: Any, incoming: Incoming, entry: JournalEntry, exc: ValueError) -> None:
        """A ``Prefer`` naming an undocumented answer: refused where the operation documents refusals, else ignored."""
        error = ProviderError(Kind.VALIDATION, f"Prefer: {exc}", fields={"Prefer": [str(exc)]})
        if str(provider.render_error(error).status) in op.responses:
            raise error
        # The operation documents no refusal of bad input (QuickFlow's list_sms takes no argument):
        # the Prefer is ignored, as the platform ignores what it does not know, and recorded.
        entry.violations = [
            *entry.violations,
            Violation("header", "Prefer", "prefer", f"asks for an answer the spec does not document: {exc}", received=incoming.header("prefer"), ignored=True),
        ]

    def _common(self, provider: Provider) -> dict[str, str]:
        return dict(provider.common_headers())

    def _render_error(self, provider: Provider, error: ProviderError) -> Reply:
        reply = provider.render_error(error)
        reply.headers = {**self._common(provider), **error.headers, **reply.headers}
        return reply

    def _check_answer(self, found: Match | Miss, outcome: Outcome, entry: JournalEntry) -> None:
        """Every answer must match the spec's response for its status; drift is recorded, and raised when strict."""
        reply = outcome.reply
        if isinstance(found, Match) and outcome.routing != "internal_error":
            spec, declared = found.spec, found.operation.responses.get(str(reply.status))
            where = f"{found.operation.operation_id} {reply.status}"
            if declared is None:
                problems = [f"status {reply.status} is not documented for {found.operation.operation_id}"]
            else:
                problems = validate_response(spec, declared, "application/json", reply.body)
        elif found.spec is not None:
            spec = found.spec
            routing = spec.document.get("x-smsmock-routing") or {}
            pointer = routing.get(outcome.routing or "not_found")
            where = f"{spec.provider} routing {reply.status}"
            problems = validate_response(spec, pointer, "application/json", reply.body) if pointer else []
        else:
            return
        if problems:
            entry.response_problems = problems
            if self.strict:
                raise ContractDrift(f"smsmock answered {where} outside its own spec: " + "; ".join(problems))


def _stem(spec: Spec) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", spec.title.lower()).strip("_") or "api"


def _refusal(violations: list[Violation], provider: Provider) -> ProviderError:
    """The provider error for refused violations, worded by the provider: ids that cannot exist are not found."""
    fields: dict[str, list[str]] = {}
    texts: list[str] = []
    for v in violations:
        text = provider.describe_violation(v)
        fields.setdefault(v.name or v.location, []).append(text)
        texts.append(text)
    kind = Kind.NOT_FOUND if all(v.location == "path" for v in violations) else Kind.VALIDATION
    return ProviderError(kind, "; ".join(dict.fromkeys(texts)), fields, detail={"violations": violations})
