"""The dispatch path every transport shares: route, authenticate, validate, handle, render, check."""
from __future__ import annotations

import base64
import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import Kind, ProviderError
from .providers import provider_class
from .providers.base import Ok, Provider, RateLimit, Reply
from .routing import Match, Miss, Router
from .spec import Operation, Spec, load_bundled, pointer_join
from .state import WIRE, Clock, Ids, Journal, Outbox, SharedState
from .validation import Incoming, Violation, validate_request, validate_response

__all__ = ["ContractDrift", "Fault", "Mock", "Outcome"]

MAX_BODY = 1024 * 1024
JOURNAL_TEXT = 4096


class ContractDrift(AssertionError):
    """The mock answered with something its own spec does not allow (a bug in smsmock)."""


@dataclass
class Fault:
    """An injected answer for matching requests: a documented status/example, latency, or a dropped connection."""

    provider: str | None = None
    operation: str | None = None
    status: int | None = None
    example: str | None = None
    times: int | None = 1  # None: until cleared
    latency: float = 0.0
    drop: bool = False
    body: Any = None  # with ``status``: answer exactly this body (a generated, spec-valid answer)
    headers: dict[str, str] | None = None

    def matches(self, provider: str, operation: str) -> bool:
        """Whether this fault applies to a request for that provider and operation."""
        return self.provider in (None, provider) and self.operation in (None, operation)

    def to_json(self) -> dict[str, Any]:
        """The fault as the admin API shows it."""
        return dict(self.__dict__)


@dataclass
class Outcome:
    """What the transport sends: the reply, and whether to wait or drop first."""

    reply: Reply
    latency: float = 0.0
    drop: bool = False
    entry: dict[str, Any] = field(default_factory=dict)
    routing: str | None = None  # the x-smsmock-routing response an unmatched request got
    wire: bytes | None = None  # the JSON body as sent (None: no body), serialised once by dispatch


JOURNAL_ITEMS = 50
JOURNAL_WIRE = 4096  # answers up to this size are kept whole, as their wire bytes; longer ones abridged


def _abridged(value: Any, depth: int = 0) -> Any:
    """An answer as the journal keeps it: long lists cut, so 1,000 entries stay small whatever was listed."""
    if depth > 6:
        return value
    if isinstance(value, list):
        kept = [_abridged(item, depth + 1) for item in value[:JOURNAL_ITEMS]]
        return kept + [f"… {len(value) - JOURNAL_ITEMS} more"] if len(value) > JOURNAL_ITEMS else kept
    if isinstance(value, dict):
        return {key: _abridged(item, depth + 1) for key, item in value.items()}
    if isinstance(value, str):
        return _truncate(value)
    return value


def _truncate(text: str) -> str:
    return text if len(text) <= JOURNAL_TEXT else text[:JOURNAL_TEXT] + f"… ({len(text)} characters)"


def _prefer(header: str | None) -> dict[str, str]:
    """``Prefer: code=404, example=unknown_uid`` (Prism's convention) as a dict."""
    found: dict[str, str] = {}
    if not header:
        return found
    for part in re.split(r"[,;]", header):
        key, _, value = part.strip().partition("=")
        if key and value:
            found[key.strip().lower()] = value.strip().strip('"')
    return found


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
        self.listeners: list[Callable[[dict[str, Any]], None]] = []  # told of every journal entry
        self.seed: dict[str, Any] = seed if seed is not None else {}
        self.providers: dict[str, Provider] = {}
        for spec in self.specs:
            name = spec.provider or _stem(spec)
            self.providers[name] = provider_class(spec.provider)(spec, self.env)
        self._names = {id(spec): name for spec, name in zip(self.specs, self.providers)}
        self._check_seed(self.seed, dry_run=False)  # a bad seed fails the load below: no state to keep intact yet
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
                self._check_seed(seed)
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

    def _check_seed(self, seed: dict[str, Any], dry_run: bool = True) -> None:
        if not isinstance(seed, dict):
            raise ValueError("a seed is a mapping of provider name to its section")
        unknown = set(seed) - set(self.providers)
        if unknown:
            raise ValueError(f"seed names unknown providers: {sorted(unknown)} (known: {sorted(self.providers)})")
        for name, section in seed.items():
            if section is not None and not isinstance(section, dict):
                raise ValueError(f"seed section {name!r} must be a mapping, not {type(section).__name__}")
            if not dry_run:
                continue
            # A dry run on a scratch provider, so that a bad seed changes nothing at all.
            provider = self.providers[name]
            scratch = SharedState(Clock(), Ids(self.env.ids.seed), Outbox(), dict(self.env.limits))
            type(provider)(provider.spec, scratch).load(section or {})

    def load(self, seed: dict[str, Any]) -> None:
        """Add a seed's accounts and records to the current state."""
        with self.env.lock:
            self._check_seed(seed)
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
        """Answer one normalised request, record it in the journal and check the answer against the spec."""
        entry: dict[str, Any] = {
            "time": self.env.clock.now(),  # formatted when the journal is read
            "method": incoming.method,
            "path": incoming.path,
            "query": incoming.query,
            "headers": incoming.headers,
            "content_type": incoming.content_type or None,
            "body": _truncate(incoming.body.decode("utf-8", "replace")) if incoming.body else None,
            "form": incoming.form,
            "violations": [],
        }
        with self.env.lock:
            found = self.router.match(incoming.method, incoming.path)
            if isinstance(found, Miss):
                outcome = self._unmatched(found, incoming, entry)
            else:
                outcome = self._matched(found, incoming, entry, too_large)
            self._check_answer(found, outcome, entry)
            reply = outcome.reply
            outcome.wire = None if reply.body is None else dumps(reply.body)
            entry["status"] = reply.status
            entry["reply"] = {"status": reply.status, "headers": reply.headers}
            if outcome.wire is not None and len(outcome.wire) > JOURNAL_WIRE:
                entry["reply"]["body"] = _abridged(reply.body)
            else:  # decoded from the wire bytes when the journal is read (a deep copy, paid only then)
                entry["reply"]["body"] = None
                entry[WIRE] = outcome.wire
            outcome.entry = self.journal.add(entry)
            for listener in list(self.listeners):
                listener(entry)
        return outcome

    def _unmatched(self, miss: Miss, incoming: Incoming, entry: dict[str, Any]) -> Outcome:
        entry.update(outcome="unmatched", reason=miss.reason, nearest=miss.nearest)
        if miss.spec is None:
            entry["provider"] = None
            body = {
                "error": "smsmock: no provider serves this path",
                "providers": {name: p.spec.base_path + "/" for name, p in self.providers.items()},
                "admin": "/__smsmock/",
            }
            return Outcome(Reply(404, body, {}))
        name = self._names[id(miss.spec)]
        entry["provider"] = name
        provider = self.providers[name]
        routing = miss.spec.document.get("x-smsmock-routing") or {}
        if "unauthorized" in routing and miss.spec.operations:
            # This platform checks credentials before it routes: wrong ones are refused whatever the path.
            operation = miss.spec.operations[0]
            credentials, _ = _credentials(miss.spec, operation, incoming)
            try:
                provider.authenticate(credentials, operation)
            except ProviderError as error:
                if error.kind is Kind.AUTH_INVALID:
                    return Outcome(self._render_error(provider, error), routing="unauthorized")
        kind = Kind.WRONG_METHOD if miss.wrong_method else Kind.NO_ROUTE
        command = incoming.path[len(miss.spec.base_path):].strip("/")
        message = (
            f"{incoming.method} is not allowed here (allowed: {', '.join(miss.allowed)})"
            if miss.wrong_method
            else f"no operation at {incoming.path}"
        )
        error = ProviderError(kind, message, detail={"command": command, "allowed": list(miss.allowed), "method": incoming.method})
        return Outcome(self._render_error(provider, error), routing="method_not_allowed" if miss.wrong_method else "not_found")

    def _matched(self, match: Match, incoming: Incoming, entry: dict[str, Any], too_large: bool) -> Outcome:
        spec, op = match.spec, match.operation
        name = self._names[id(spec)]
        provider = self.providers[name]
        entry["provider"], entry["operation"], entry["outcome"] = name, op.operation_id, "ok"
        latency, drop = 0.0, False
        credentials, reserved = _credentials(spec, op, incoming)
        # Validation is pure: done first, so that the journal holds every contract violation even
        # when a fault, an override or an auth failure decides the answer.
        args, violations = validate_request(spec, op, incoming, match.path_params, reserved)
        violations = _auth_violations(spec, op, credentials) + violations
        if violations:
            entry["violations"] = [v.to_json() for v in violations]
        try:
            prefer = _prefer(incoming.headers.get("prefer"))
            fault = self._take_fault(name, op.operation_id) if self.faults else None
            if fault is not None:
                entry["fault"] = fault.to_json()
                latency, drop = fault.latency, fault.drop
                if fault.status is not None and (fault.body is not None or fault.headers is not None):
                    entry["outcome"] = "fault"
                    headers = {**self._common(provider), **(fault.headers or {})}
                    return Outcome(Reply(fault.status, fault.body, headers), latency, drop)
                if fault.status is not None or fault.example is not None:
                    prefer = {"code": str(fault.status) if fault.status else "", "example": fault.example or ""}
            if prefer and (prefer.get("code") or prefer.get("example")):
                try:
                    code_text = prefer.get("code", "")
                    if code_text and not code_text.isdigit():
                        raise ValueError(f"code={code_text!r} is not an HTTP status")
                    code = int(code_text) if code_text else None
                    status, body, _ = spec.example(op, code, prefer.get("example") or None)
                except ValueError as exc:  # a Prefer header naming an undocumented answer
                    error = ProviderError(Kind.VALIDATION, f"Prefer: {exc}", fields={"Prefer": [str(exc)]})
                    refusal = self._render_error(provider, error)
                    if str(refusal.status) in op.responses:
                        entry["outcome"] = "rejected"
                        return Outcome(refusal, latency, drop)
                    # The operation documents no refusal of bad input (QuickFlow's list_sms takes no argument):
                    # the Prefer is ignored, as the platform ignores what it does not know, and recorded.
                    entry["violations"].append(
                        Violation("header", "Prefer", "prefer", f"asks for an answer the spec does not document: {exc}", received=incoming.header("prefer"), ignored=True).to_json()
                    )
                else:
                    entry["outcome"] = "fault" if fault else "override"
                    return Outcome(Reply(status, body, self._common(provider)), latency, drop)
            if too_large and op.body:  # a body on an operation that takes none is not read at all
                raise ProviderError(Kind.TOO_LARGE, f"the body is larger than {self.max_body} bytes")
            account = provider.authenticate(credentials, op)
            entry["account"] = account
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
            entry["args"] = args
            result: Ok = provider.handler(op)(account, args)
            body = provider.render(op, result)
            status = op.success_status
            common = self._common(provider)
            if headers or result.headers:
                common.update(headers)
                common.update(result.headers)
            return Outcome(Reply(status, body, common), latency, drop)
        except ProviderError as error:
            entry["outcome"] = "rejected"
            entry["error"] = {"kind": error.kind.value, "message": error.message, "fields": error.fields}
            error.detail.setdefault("operation", op)
            # With no limit set there is nothing to count down: no limit headers, as on a success.
            if error.kind is not Kind.RATE_LIMITED and "account" in entry and provider.limiter.rule.limit is not None:
                error.headers = {**provider.rate_headers(*provider.limiter.peek(entry["account"])), **error.headers}
            return Outcome(self._render_error(provider, error), latency, drop)

    def _common(self, provider: Provider) -> dict[str, str]:
        common = getattr(provider, "common_headers", None)
        return dict(common()) if common else {}

    def _render_error(self, provider: Provider, error: ProviderError) -> Reply:
        reply = provider.render_error(error)
        reply.headers = {**self._common(provider), **error.headers, **reply.headers}
        return reply

    def _check_answer(self, found: Match | Miss, outcome: Outcome, entry: dict[str, Any]) -> None:
        """Every answer must match the spec's response for its status; drift is recorded, and raised when strict."""
        reply = outcome.reply
        if isinstance(found, Match):
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
            entry["response_problems"] = problems
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


def _credentials(spec: Spec, op: Operation, incoming: Incoming) -> tuple[dict[str, str], set[str]]:
    """Raw credential values by security scheme name, and the query names that carry credentials."""
    query: dict[str, str] | None = None
    found: dict[str, str] = {}
    reserved: set[str] = set()
    for name, kind, where, key in _schemes(spec, op):
        if kind == "apiKey":
            if where == "query":
                reserved.add(key)
                query = dict(incoming.query) if query is None else query
                value = query.get(key)
            elif where == "header":
                value = incoming.header(key)
            else:
                value = _cookie(incoming.header("cookie"), key)
        elif kind == "http":
            value = incoming.header("authorization")
        else:
            value = None
        if value is not None:
            found[name] = value
    return found, reserved


def _schemes(spec: Spec, op: Operation) -> tuple[tuple[str, str, str, str], ...]:
    """(name, type, in, key name) of every scheme an operation's requirements name; looked up once per operation."""

    def look_up() -> tuple[tuple[str, str, str, str], ...]:
        schemes = spec.security_schemes
        named = [(name, schemes.get(name) or {}) for requirement in op.security for name in requirement]
        return tuple((name, s.get("type", ""), s.get("in", ""), s.get("name", "")) for name, s in named)

    return spec.derive(("schemes", op.pointer), look_up)


_BEARER = re.compile(r"^[Bb][Ee][Aa][Rr][Ee][Rr] +\S+$")


def _auth_violations(spec: Spec, op: Operation, credentials: dict[str, str]) -> list[Violation]:
    """Missing credentials, or credentials in a form no security requirement accepts (values are not judged)."""
    requirements = _requirements(spec, op)
    if requirements is None:
        return []

    def well_formed(name: str, kind: str, pattern: re.Pattern[str] | None) -> bool:
        value = credentials.get(name)
        if value is None or not value.strip():
            return False
        if kind == "basic":
            return basic_credentials(value) is not None
        if kind == "bearer":
            return bool(_BEARER.match(value))
        return pattern is None or pattern.search(value) is not None

    if any(all(well_formed(*scheme) for scheme in requirement) for requirement in requirements):
        return []
    schemes = spec.security_schemes
    forms = " or ".join(" + ".join(_describe_scheme(schemes.get(n) or {}, n) for n in req) for req in op.security)
    if not any(value.strip() for value in credentials.values()):
        return [Violation("auth", "", "security", f"no credentials were sent (the spec wants {forms})", expected=forms)]
    sent = {name: value for name, value in credentials.items()}
    return [Violation("auth", ", ".join(sent), "security", f"credentials are not in a form the spec accepts (it wants {forms})", expected=forms, received=sent)]


Check = tuple[str, str, "re.Pattern[str] | None"]


def _requirements(spec: Spec, op: Operation) -> tuple[tuple[Check, ...], ...] | None:
    """Per security requirement, (scheme name, http scheme or "", value pattern) of each of its schemes;
    None when the operation takes no credentials. Worked out once per operation."""

    def compile_checks() -> tuple[tuple[Check, ...], ...] | None:
        if not op.security or not all(op.security):
            return None
        schemes = spec.security_schemes
        return tuple(tuple(_check(name, schemes.get(name) or {}) for name in requirement) for requirement in op.security)

    return spec.derive(("requirements", op.pointer), compile_checks)


def _check(name: str, scheme: dict[str, Any]) -> Check:
    if scheme.get("type") == "http":
        kind = str(scheme.get("scheme", "")).lower()
        return name, kind if kind in ("basic", "bearer") else "http", None
    pattern = scheme.get("x-smsmock-value-pattern")
    return name, "", re.compile(pattern) if pattern else None


def _describe_scheme(scheme: dict[str, Any], name: str) -> str:
    if scheme.get("type") == "http":
        return f"Authorization: {str(scheme.get('scheme', '')).capitalize()} …"
    if scheme.get("type") == "apiKey":
        return f"{scheme.get('in')} {scheme.get('name')}"
    return name


def _cookie(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def basic_credentials(value: str) -> tuple[str, str] | None:
    """``Basic base64(user:password)`` as (user, password), or None when malformed."""
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))  # json.dumps builds one per call


def dumps(body: Any) -> bytes:
    """A JSON body as sent on the wire."""
    return _ENCODER.encode(body).encode("utf-8")
