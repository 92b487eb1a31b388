"""SMSFlow (an AltumCode-style product API): contacts per account behind a Bearer key."""
from __future__ import annotations

import dataclasses
import functools
import math
import operator
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..errors import Kind, ProviderError
from ..spec import Operation, Spec
from ..state import SharedState
from .base import Ok, Provider, RateLimit, Reply

__all__ = ["Account", "CONTINENTS", "Contact", "Page", "SMSFlowProvider", "custom_parameters"]

# Country code -> continent code, for every code of the spec's CountryCode enum (data, not code).
CONTINENTS: dict[str, str] = yaml.load(  # libyaml when present: part of every start-up
    Path(__file__).with_name("continents.yaml").read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
)

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
# The auth scheme is case-insensitive (RFC 7235); the key is the one token after it.
_BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)
_CUSTOM = re.compile(r"^custom_parameter_(key|value)\[([0-9]+)\]$")
# AltumCode cuts custom parameter keys at 64 characters and values at 512 (PROVIDERS.md, SMSFlow).
KEY_MAX, VALUE_MAX = 64, 512

_NOT_FOUND = "The resource you are looking for does not exist."
# Kind -> (status, title). The titles are the platform's own (PROVIDERS.md, SMSFlow); None: the error's message.
# AltumCode answers validation failures with 401, and unknown ids and unsupported verbs with 404, never 405.
# CONFLICT and INSUFFICIENT_BALANCE never happen on this contacts-only API; they render as 401, the one error
# status every operation of the spec declares, as AltumCode refuses other API requests (plan limits) with 401.
_ERRORS: dict[Kind, tuple[int, str | None]] = {
    Kind.AUTH_MISSING: (401, "The request is missing the Bearer Authentication header."),
    Kind.AUTH_INVALID: (401, "You do not have access to the API."),
    Kind.VALIDATION: (401, "You must fill all the required fields."),
    Kind.NOT_FOUND: (404, _NOT_FOUND),
    Kind.NO_ROUTE: (404, _NOT_FOUND),
    Kind.WRONG_METHOD: (404, _NOT_FOUND),
    Kind.RATE_LIMITED: (429, "You reached the limit of requests in one minute, please wait."),
    Kind.TOO_LARGE: (413, "The request body is too large."),
    Kind.CONFLICT: (401, None),
    Kind.INSUFFICIENT_BALANCE: (401, None),
}

_SEED_CONTACT_FIXED = ("id", "user_id", "continent_code", "country_code")


@dataclass
class Contact:
    """One contact, as the platform stores it (times as `YYYY-MM-DD HH:MM:SS`, UTC)."""

    id: int
    user_id: int
    phone_number: str
    datetime: str
    name: str | None = None
    custom_parameters: dict[str, Any] = field(default_factory=dict)
    continent_code: str | None = None
    country_code: str | None = None
    has_opted_out: bool = False
    total_sent_sms: int = 0
    total_pending_sms: int = 0
    total_failed_sms: int = 0
    total_received_sms: int = 0
    last_sent_datetime: str | None = None
    last_received_datetime: str | None = None
    last_datetime: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The contact as the API shows it, in the order of the document's example."""
        return {
            "id": self.id,
            "user_id": self.user_id,
            "name": self.name,
            "phone_number": self.phone_number,
            # PHP's json_encode of an empty array is `[]`, not `{}` (PROVIDERS.md, SMSFlow).
            "custom_parameters": dict(self.custom_parameters) or [],
            "continent_code": self.continent_code,
            "country_code": self.country_code,
            "has_opted_out": self.has_opted_out,
            "total_sent_sms": self.total_sent_sms,
            "total_pending_sms": self.total_pending_sms,
            "total_failed_sms": self.total_failed_sms,
            "total_received_sms": self.total_received_sms,
            "last_sent_datetime": self.last_sent_datetime,
            "last_received_datetime": self.last_received_datetime,
            "last_datetime": self.last_datetime,
            "datetime": self.datetime,
        }


@dataclass
class Account:
    """One API key: its user and that user's contacts by id."""

    api_key: str
    user_id: int
    contacts: dict[int, Contact] = field(default_factory=dict)


@dataclass
class Page:
    """One page of a list: the items and the envelope's `meta` and `links`."""

    items: list[dict[str, Any]]
    meta: dict[str, int]
    links: dict[str, str | None]


@dataclass(frozen=True)
class _Listing:
    """What list_contacts accepts, read from the spec: allowed values and defaults."""

    search_by: tuple[str, ...]
    order_by: tuple[str, ...]
    order_type: tuple[str, ...]
    sizes: tuple[int, ...]
    default_order_by: str
    default_order_type: str
    default_size: int
    default_page: int


def custom_parameters(args: dict[str, Any]) -> dict[str, str] | None:
    """The custom parameters a form sends, paired by index; None when it sends no key at all."""
    keys: dict[tuple[int, str], Any] = {}
    values: dict[tuple[int, str], Any] = {}
    for name, value in args.items():
        match = _CUSTOM.match(name)
        if match:
            # The index in numeric order without int(): it may have more digits than Python will parse.
            digits = match.group(2).lstrip("0") or "0"
            (keys if match.group(1) == "key" else values)[(len(digits), digits)] = value
    if not keys:
        return None  # values without keys are skipped: nothing to replace the set with
    found: dict[str, str] = {}
    for index in sorted(keys):
        key = str(keys[index] or "")[:KEY_MAX]
        if key.strip():
            found[key] = str(values.get(index) or "")[:VALUE_MAX]
    return found


class SMSFlowProvider(Provider):
    """SMSFlow's contacts: Bearer keys, AltumCode's envelopes, 60 requests per minute per key."""

    name = "smsflow"
    default_limit = RateLimit(60, 60)

    def __init__(self, spec: Spec, env: SharedState) -> None:
        self._accounts: dict[str, Account] = {}
        super().__init__(spec, env)
        self._countries = frozenset(spec.at("#/components/schemas/CountryCode")["enum"])
        self._continents = frozenset(spec.at("#/components/schemas/ContinentCode")["enum"])
        self._listing = _listing(spec)
        # The links of a list page point at the collection without its trailing slash, as the document's do.
        self._collection_url = spec.base_url + spec.by_id["list_contacts"].path.rstrip("/")

    # -- state ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget every account and contact."""
        super().reset()
        self._accounts = {}

    def load(self, seed: dict[str, Any]) -> None:
        """Add the accounts and contacts of the seed's `smsflow` section (all or nothing)."""
        accounts = _seed_accounts(seed, self._accounts)
        for api_key, user_id, contacts in accounts:
            account = Account(api_key, user_id)
            for fields in contacts:
                contact = self._new_contact(user_id, fields.pop("phone_number"), fields.pop("name", None))
                for key, value in fields.items():
                    setattr(contact, key, value)
                account.contacts[contact.id] = contact
            self._accounts[api_key] = account

    def snapshot(self) -> dict[str, Any]:
        """Every account with its contacts, as the API would show them."""
        return {
            "accounts": [
                {
                    "api_key": account.api_key,
                    "user_id": account.user_id,
                    "contacts": [account.contacts[i].to_json() for i in sorted(account.contacts)],
                }
                for account in self._accounts.values()
            ]
        }

    # -- the request ----------------------------------------------------------

    def authenticate(self, credentials: dict[str, str], operation: Operation) -> str:
        """The API key of `Authorization: Bearer {api_key}`, or raise AUTH_MISSING / AUTH_INVALID."""
        names = [name for requirement in operation.security for name in requirement] or list(credentials)
        raw = next((credentials[name] for name in names if credentials.get(name)), "")
        match = _BEARER.match(raw)
        if not match:
            raise ProviderError(Kind.AUTH_MISSING, "The request is missing the Bearer Authentication header.")
        if match.group(1) not in self._accounts:
            raise ProviderError(Kind.AUTH_INVALID, "Unknown API key.")
        return match.group(1)

    def rate_headers(self, limit: int, remaining: int, reset: int) -> dict[str, str]:
        """AltumCode's limit headers on every answer after the key was accepted (no reset header there)."""
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}

    def render(self, operation: Operation, result: Ok) -> Any:
        """`{"data": ...}`; a list adds `meta` and `links`; a delete has an empty body."""
        if isinstance(result.data, Page):
            return {"data": result.data.items, "meta": result.data.meta, "links": result.data.links}
        return None if result.data is None else {"data": result.data}

    def render_error(self, error: ProviderError) -> Reply:
        """`{"errors": [{"title", "status"}]}` with the platform's status and title for the kind."""
        status, title = _ERRORS[error.kind]
        # The missing-Bearer answer is the one that sends `status` as a string (PROVIDERS.md, SMSFlow).
        body_status: int | str = str(status) if error.kind is Kind.AUTH_MISSING else status
        headers = dict(error.headers)
        if error.kind is Kind.RATE_LIMITED:
            headers.update(self._limit_headers(error.detail))
        return Reply(status, {"errors": [{"title": title or error.message, "status": body_status}]}, headers)

    # -- operations -------------------------------------------------------------

    def list_contacts(self, account: str, args: dict[str, Any]) -> Ok:
        """One page of the account's contacts, filtered and ordered."""
        contacts = self._accounts[account].contacts.values()
        filtered = any(args.get(name) is not None for name in ("search", "continent_code", "country_code", "has_opted_out"))
        rows = [c for c in contacts if self._matches(c, args)] if filtered else list(contacts)
        order_by = _pick(args.get("order_by"), self._listing.order_by, self._listing.default_order_by)
        order_type = _pick(args.get("order_type"), self._listing.order_type, self._listing.default_order_type)
        attribute = "id" if order_by == "contact_id" else order_by
        if attribute == "id":  # unique, never null, already held in order: the default sorts in C, in linear time
            rows.sort(key=_BY_ID, reverse=order_type == "DESC")
        else:
            rows.sort(key=lambda c: (*_sort_key(getattr(c, attribute)), c.id), reverse=order_type == "DESC")
        size = _pick(args.get("results_per_page"), self._listing.sizes, self._listing.default_size)
        page = args.get("page")
        page = page if type(page) is int and page >= 1 else self._listing.default_page
        pages = math.ceil(len(rows) / size)
        items = [c.to_json() for c in rows[(page - 1) * size : page * size]]
        meta = {"page": page, "results_per_page": size, "total": len(rows), "total_pages": pages}
        return Ok(Page(items, meta, self._links(page, pages)))

    def locate(self, operation: Operation, account: str, path_args: dict[str, Any]) -> None:
        """AltumCode loads the contact before it reads the form: an unknown id is 404 whatever the body."""
        if "contact_id" in path_args:
            self._contact(account, path_args["contact_id"])

    def get_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """One contact of the account."""
        return Ok(self._contact(account, args["contact_id"]).to_json())

    def create_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """A new contact from the form fields; its id."""
        phone = _phone_number(args.get("phone_number"))
        contact = self._new_contact(self._accounts[account].user_id, phone, args.get("name"))
        contact.custom_parameters = custom_parameters(args) or {}
        self._accounts[account].contacts[contact.id] = contact
        return Ok({"id": contact.id})

    def update_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Change the fields sent (a custom parameter sent replaces the whole set); the contact's id."""
        contact = self._contact(account, args["contact_id"])
        phone = None if args.get("phone_number") is None else _phone_number(args["phone_number"])
        if phone is not None:
            contact.phone_number = phone
            contact.continent_code, contact.country_code = self._codes(phone)
        if args.get("name") is not None:
            contact.name = args["name"]
        replacement = custom_parameters(args)
        if replacement is not None:
            contact.custom_parameters = replacement
        return Ok({"id": contact.id})

    def delete_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Remove a contact of the account; the answer has no body."""
        contact = self._contact(account, args["contact_id"])
        del self._accounts[account].contacts[contact.id]
        return Ok(None)

    # -- helpers ----------------------------------------------------------------

    def _new_contact(self, user_id: int, phone: str, name: str | None) -> Contact:
        continent, country = self._codes(phone)
        return Contact(
            # One counter for every account, like the platform's autoincrement: ids are never reused.
            id=self.env.ids.next("smsflow.contact"),
            user_id=user_id,
            phone_number=phone,
            datetime=_format(self.now),
            name=name,
            continent_code=continent,
            country_code=country,
        )

    def _contact(self, account: str, contact_id: Any) -> Contact:
        contact = self._accounts[account].contacts.get(contact_id)
        if contact is None:
            raise ProviderError(
                Kind.NOT_FOUND, f"No contact {contact_id}.", fields={"contact_id": [f"No contact {contact_id}."]}
            )
        return contact

    def _codes(self, phone: str) -> tuple[str | None, str | None]:
        """(continent_code, country_code) of a number written with a leading `+`, else (None, None)."""
        region = _region(phone.strip())
        if region not in self._countries:
            return None, None  # "001" (non-geographic) and "ZZ" (unknown) are not countries
        continent = CONTINENTS.get(region)
        return (continent if continent in self._continents else None), region

    def _matches(self, contact: Contact, args: dict[str, Any]) -> bool:
        search, search_by = args.get("search"), args.get("search_by")
        # The search applies only together with a valid search_by (PROVIDERS.md, SMSFlow).
        if search and search_by in self._listing.search_by:
            value = getattr(contact, search_by)
            if value is None or str(search).casefold() not in value.casefold():
                return False
        for name in ("continent_code", "country_code", "has_opted_out"):
            if args.get(name) is not None and getattr(contact, name) != args[name]:
                return False
        return True

    def _links(self, page: int, pages: int) -> dict[str, str | None]:
        def url(number: int) -> str:
            return f"{self._collection_url}?page={number}"

        return {
            "first": url(1),
            "last": url(max(pages, 1)),
            "next": url(page + 1) if page < pages else None,
            "prev": url(page - 1) if page > 1 else None,
            "self": url(page),
        }

    def _limit_headers(self, detail: dict[str, Any]) -> dict[str, str]:
        limit = detail.get("limit", self.limiter.rule.limit or 0)
        # A 429 carries the seconds left in the window, and no Retry-After (PROVIDERS.md, SMSFlow).
        headers = self.rate_headers(limit, detail.get("remaining", 0), detail.get("reset", 0))
        headers["X-RateLimit-Reset"] = str(detail.get("reset", 0))
        return headers


# -- list parameters ----------------------------------------------------------------------------------------


def _listing(spec: Spec) -> _Listing:
    """The allowed values and defaults of list_contacts' parameters, from the spec."""
    params = {p.name: p for p in spec.by_id["list_contacts"].parameters}

    def enum(name: str) -> tuple[Any, ...]:
        return tuple(params[name].schema.get("enum", ()))

    def default(name: str) -> Any:
        # A default may sit beside a $ref (results_per_page), which resolving the schema drops.
        return spec.at(params[name].schema_pointer).get("default", params[name].schema.get("default"))

    return _Listing(
        search_by=enum("search_by"),
        order_by=enum("order_by"),
        order_type=enum("order_type"),
        sizes=enum("results_per_page"),
        default_order_by=default("order_by"),
        default_order_type=default("order_type"),
        default_size=default("results_per_page"),
        default_page=default("page"),
    )


def _pick(value: Any, allowed: Iterable[Any], fallback: Any) -> Any:
    """The value if allowed; AltumCode silently uses the default otherwise (PROVIDERS.md, SMSFlow)."""
    return value if value is not None and type(value) is not bool and value in tuple(allowed) else fallback


_BY_ID = operator.attrgetter("id")


def _sort_key(value: Any) -> tuple[int, Any]:
    """NULLs first (as MySQL sorts them ascending); text compared case-insensitively, as its collation does."""
    if value is None:
        return (0, "")
    return (1, value.casefold() if isinstance(value, str) else value)


def _phone_number(value: Any) -> str:
    """The phone number as given, or VALIDATION when it is missing or blank."""
    if value is None or not str(value).strip():
        raise ProviderError(
            Kind.VALIDATION, "phone_number is required.", fields={"phone_number": ["This field is required."]}
        )
    return str(value)


def _format(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC (not strftime: its ``%Y`` does not pad years below 1000 on Linux)."""
    at = moment.astimezone(timezone.utc)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (at.year, at.month, at.day, at.hour, at.minute, at.second)


# -- the seed -----------------------------------------------------------------------------------------------


def _seed_accounts(
    seed: dict[str, Any] | None, existing: dict[str, Account]
) -> list[tuple[str, int, list[dict[str, Any]]]]:
    """The seed section checked: (api_key, user_id, contact fields) per account, or ValueError."""
    seed = {} if seed is None else seed
    if not isinstance(seed, dict):
        raise ValueError("smsflow seed: the section must be a mapping with an `accounts` list")
    _no_unknown(seed, {"accounts"}, "smsflow seed")
    raw_accounts = seed.get("accounts")
    raw_accounts = [] if raw_accounts is None else raw_accounts
    if not isinstance(raw_accounts, list):
        raise ValueError("smsflow seed: `accounts` must be a list")
    keys = set(existing)
    users = {a.user_id for a in existing.values()}
    found = []
    for index, raw in enumerate(raw_accounts):
        where = f"smsflow seed: accounts[{index}]"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: must be a mapping (api_key, user_id, contacts)")
        _no_unknown(raw, {"api_key", "user_id", "contacts"}, where)
        api_key, user_id = raw.get("api_key"), raw.get("user_id")
        if not isinstance(api_key, str) or not api_key.strip() or any(ch.isspace() for ch in api_key):
            raise ValueError(f"{where}: api_key must be a non-empty string without spaces")
        if type(user_id) is not int or user_id < 1:
            raise ValueError(f"{where}: user_id must be an integer of at least 1")
        if api_key in keys or user_id in users:
            raise ValueError(f"{where}: api_key {api_key!r} or user_id {user_id} is already used")
        keys.add(api_key)
        users.add(user_id)
        contacts = [] if raw.get("contacts") is None else raw["contacts"]
        if not isinstance(contacts, list):
            raise ValueError(f"{where}: contacts must be a list")
        found.append((api_key, user_id, [_seed_contact(c, f"{where}.contacts[{i}]") for i, c in enumerate(contacts)]))
    return found


def _seed_contact(raw: Any, where: str) -> dict[str, Any]:
    """One seed contact checked: the Contact fields it sets (id, user_id and the codes are the mock's)."""
    allowed = {f.name for f in dataclasses.fields(Contact)} - set(_SEED_CONTACT_FIXED)
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a mapping with at least phone_number")
    _no_unknown(raw, allowed, where)
    fields = dict(raw)
    phone = fields.get("phone_number")
    if not isinstance(phone, str) or not phone.strip():
        raise ValueError(f"{where}: phone_number must be a non-empty string (quote it: YAML reads +39… as a number)")
    if fields.get("name") is not None and not isinstance(fields["name"], str):
        raise ValueError(f"{where}: name must be a string")
    fields["custom_parameters"] = _seed_custom(fields.get("custom_parameters") or {}, where)
    if type(fields.get("has_opted_out", False)) is not bool:
        raise ValueError(f"{where}: has_opted_out must be true or false")
    for name in ("total_sent_sms", "total_pending_sms", "total_failed_sms", "total_received_sms"):
        if type(fields.get(name, 0)) is not int or fields.get(name, 0) < 0:
            raise ValueError(f"{where}: {name} must be an integer of at least 0")
    for name in ("datetime", "last_sent_datetime", "last_received_datetime", "last_datetime"):
        if fields.get(name) is not None:
            fields[name] = _seed_datetime(fields[name], f"{where}: {name}")
    if fields.get("datetime") is None:
        fields.pop("datetime", None)  # the mock's clock sets it
    return fields


def _seed_custom(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: custom_parameters must be a mapping of name to value")
    for key, value in raw.items():
        if not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX:
            raise ValueError(f"{where}: custom parameter names must be non-blank strings of at most {KEY_MAX}")
        ok = isinstance(value, str) and len(value) <= VALUE_MAX or type(value) in (int, float)
        if not ok:
            raise ValueError(f"{where}: custom parameter {key!r} must be a number or a string of at most {VALUE_MAX}")
    return dict(raw)


def _seed_datetime(value: Any, where: str) -> str:
    if isinstance(value, datetime):  # YAML reads an unquoted `2026-02-28 23:07:07` as a datetime
        return _format(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise ValueError(f"{where} must be `YYYY-MM-DD HH:MM:SS`")
    try:
        datetime.strptime(value, DATETIME_FORMAT)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return value


def _no_unknown(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


@functools.lru_cache(maxsize=4096)
def _region(number: str) -> str | None:
    """The region (ISO country code, ``001`` or ``ZZ``) of a ``+``-prefixed number; parsed once per number."""
    if not number.startswith("+"):
        return None
    import phonenumbers  # its metadata is a tenth of a second: loaded with the first contact, not at start-up

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.region_code_for_number(parsed)
    return phonenumbers.region_code_for_country_code(parsed.country_code)
