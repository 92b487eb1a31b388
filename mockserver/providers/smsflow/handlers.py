"""SMSFlowProvider: Bearer authentication and the five contact operations over SMSFlow's records."""
from __future__ import annotations

import functools
import math
import operator
import re
from dataclasses import dataclass
from typing import Any, Iterable

from ...auth import value_pattern
from ...errors import Kind, ProviderError
from ...spec import Operation, Spec
from ...state import SharedState
from ...timestamps import datetime_text
from ..base import Ok, RateLimit
from .envelope import Page, SMSFlowEnvelope, contact_payload
from .records import CONTINENTS, KEY_MAX, NAME_MAX, VALUE_MAX, Account, Contact
from .seed import read_section

__all__ = ["SMSFlowProvider", "custom_parameters", "input_clean"]

_CUSTOM = re.compile(r"^custom_parameter_(key|value)\[([0-9]+)\]$")
_BY_ID = operator.attrgetter("id")


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


class SMSFlowProvider(SMSFlowEnvelope):
    """SMSFlow's contacts: Bearer keys, AltumCode's envelopes, 60 requests per minute per key."""

    name = "smsflow"
    default_limit = RateLimit(60, 60)

    def __init__(self, spec: Spec, env: SharedState) -> None:
        self._accounts: dict[str, Account] = {}
        super().__init__(spec, env)
        self._countries = frozenset(spec.at("#/components/schemas/CountryCode")["enum"])
        self._continents = frozenset(spec.at("#/components/schemas/ContinentCode")["enum"])
        self._listing = _listing(spec)
        # How AltumCode reads the key, from the spec (docs/platforms.md, SMSFlow: Bearer keys).
        bearer = value_pattern(spec.security_schemes.get("bearerAuth") or {})
        assert bearer is not None, "the SMSFlow spec says how the Bearer key is read (x-smsmock-value-pattern)"
        self._bearer = bearer

    # -- state ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget every account and contact."""
        super().reset()
        self._accounts = {}

    def load(self, seed: dict[str, Any]) -> None:
        """Add the accounts and contacts of the seed's `smsflow` section (all or nothing)."""
        for entry in read_section(seed, self._accounts):
            account = Account(entry.api_key, entry.user_id)
            for fields in entry.contacts:
                # A contact stored without a name holds "", as the platform's create stores it.
                contact = self._new_contact(entry.user_id, fields.pop("phone_number"), fields.pop("name", ""))
                for key, value in fields.items():
                    setattr(contact, key, value)
                account.contacts[contact.id] = contact
            self._accounts[entry.api_key] = account

    def snapshot(self) -> dict[str, Any]:
        """Every account with its contacts, as the API would show them."""
        return {
            "accounts": [
                {
                    "api_key": account.api_key,
                    "user_id": account.user_id,
                    "contacts": [contact_payload(account.contacts[i]) for i in sorted(account.contacts)],
                }
                for account in self._accounts.values()
            ]
        }

    # -- the request ----------------------------------------------------------

    def authenticate(self, credentials: dict[str, str], operation: Operation) -> str:
        """The API key of `Authorization: Bearer {api_key}`, or raise AUTH_MISSING / AUTH_INVALID."""
        names = [name for requirement in operation.security for name in requirement] or list(credentials)
        raw = next((credentials[name] for name in names if credentials.get(name)), "")
        match = self._bearer.search(raw)
        if not match:
            raise ProviderError(Kind.AUTH_MISSING, "The request is missing the Bearer Authentication header.")
        if match.group(1) not in self._accounts:
            raise ProviderError(Kind.AUTH_INVALID, "Unknown API key.")
        return match.group(1)

    def locate(self, operation: Operation, account: str, path_args: dict[str, Any]) -> None:
        """AltumCode loads the contact before it reads the form: an unknown id is 404 whatever the body."""
        if "contact_id" in path_args:
            self._contact(account, path_args["contact_id"])

    # -- operations -------------------------------------------------------------

    def list_contacts(self, account: str, args: dict[str, Any]) -> Ok:
        """One page of the account's contacts, filtered and ordered as AltumCode's ``Filters`` does.

        docs/platforms.md, SMSFlow: list parameters; filters; the page and the links.
        """
        contacts = self._accounts[account].contacts.values()
        where = _Where.of(args, self._listing.search_by)
        rows = [c for c in contacts if where.matches(c)] if where else list(contacts)
        order_by, order_type = self._listing.default_order_by, self._listing.default_order_type
        applied = list(where.names) if where else []
        if args.get("order_by") in self._listing.order_by:  # order_type counts only beside a valid order_by
            order_by = args["order_by"]
            order_type = args["order_type"] if args.get("order_type") in self._listing.order_type else "ASC"
            applied += ["order_by", "order_type"]
        attribute = "id" if order_by == "contact_id" else order_by
        if attribute == "id":  # unique, never null, already held in order: the default sorts in C, in linear time
            rows.sort(key=_BY_ID, reverse=order_type == "DESC")
        else:
            rows.sort(key=lambda c: (*_sort_key(getattr(c, attribute)), c.id), reverse=order_type == "DESC")
        size = _pick(args.get("results_per_page"), self._listing.sizes, self._listing.default_size)
        if size == args.get("results_per_page"):
            applied.append("results_per_page")
        page = args.get("page")
        page = page if type(page) is int and page >= 1 else self._listing.default_page
        pages = math.ceil(len(rows) / size)
        items = [contact_payload(c) for c in rows[(page - 1) * size : page * size]]
        meta = {"page": page, "results_per_page": size, "total": len(rows), "total_pages": pages}
        return Ok(Page(items, meta, page, pages, tuple(applied)))

    def get_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """One contact of the account."""
        return Ok(contact_payload(self._contact(account, args["contact_id"])))

    def create_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """A new contact from the form fields; its id."""
        phone = _phone_number(args.get("phone_number"))
        # input_clean($_POST['name'] ?? '', 256): a missing name is stored as "" (docs/platforms.md, SMSFlow:
        # input cleaning).
        contact = self._new_contact(self._accounts[account].user_id, phone, input_clean(str(args.get("name") or ""), NAME_MAX))
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
            contact.name = input_clean(str(args["name"]), NAME_MAX)
        replacement = custom_parameters(args)
        if replacement is not None:
            contact.custom_parameters = replacement
        return Ok({"id": contact.id})

    def delete_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """Remove a contact of the account; the answer has no body."""
        contact = self._contact(account, args["contact_id"])
        del self._accounts[account].contacts[contact.id]
        # The API's JSON response type with nothing echoed (docs/platforms.md, SMSFlow: envelope).
        return Ok(None, headers={"Content-Type": "application/json"})

    # -- helpers ----------------------------------------------------------------

    def _new_contact(self, user_id: int, phone: str, name: str | None) -> Contact:
        continent, country = self._codes(phone)
        return Contact(
            # One counter for every account, like the platform's autoincrement: ids are never reused.
            id=self.env.ids.next("smsflow.contact"),
            user_id=user_id,
            phone_number=phone,
            datetime=datetime_text(self.now),
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
        if region is None or region not in self._countries:
            return None, None  # "001" (non-geographic) and "ZZ" (unknown) are not countries
        continent = CONTINENTS.get(region)
        return (continent if continent in self._continents else None), region



# -- arguments ----------------------------------------------------------------------------------------------


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
        key = input_clean(str(keys[index] or ""), KEY_MAX)
        if key:
            found[key] = input_clean(str(values.get(index) or ""), VALUE_MAX)
    return found


# AltumCode's filter_var_filter_string_polyfill: NUL bytes and anything from "<" to the next ">" (or the end) go.
_TAGS = re.compile(r"\x00|<[^>]*>?")
_PHP_TRIM = " \t\n\r\x00\x0b"
# What MySQL reads as a number at the start of a string (the rest is dropped; no number at all is 0).
_MYSQL_NUMBER = re.compile(r"^[ \t\n\r]*([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)")


def input_clean(value: str, limit: int | None = None) -> str:
    """AltumCode's ``input_clean``: tags stripped, quotes HTML-encoded (``&#39;``, ``&#34;``), trimmed, then cut
    at ``limit`` characters (docs/platforms.md, SMSFlow: input cleaning)."""
    text = _TAGS.sub("", value).replace("'", "&#39;").replace('"', "&#34;").strip(_PHP_TRIM)
    return text[:limit] if limit else text


def _mysql_number(text: str) -> float:
    """A string as MySQL casts it to compare with a number column: its leading number, else 0."""
    found = _MYSQL_NUMBER.match(text)
    return float(found.group(1)) if found else 0.0


def _like(search: str) -> re.Pattern[str]:
    """``LIKE '%search%'`` under a case-insensitive collation: ``%`` and ``_`` are wildcards."""
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in search)
    return re.compile(f".*{body}.*", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class _Where:
    """The WHERE clause AltumCode's ``Filters`` builds from the query, compared as MySQL compares it.

    Each filter sent non-empty is cleaned and compared with ``=`` under the case-insensitive collation (a
    number column compares with the string cast to a number: ``true`` is 0); the search is a ``LIKE`` and
    applies when ``search`` is truthy to PHP beside an allowed ``search_by``. ``names`` are the parameters it
    took, in the order ``Filters::get_get`` writes them into the list's links.
    """

    equal: tuple[tuple[str, str], ...]
    like: tuple[str, re.Pattern[str]] | None
    names: tuple[str, ...]

    @classmethod
    def of(cls, args: dict[str, Any], search_by: tuple[str, ...]) -> _Where | None:
        equal = tuple((name, input_clean(_php_text(args[name]))) for name in _FILTERS if _php_text(args.get(name)) != "")
        names = [name for name, _ in equal]
        like = None
        if args.get("search") is not None and args.get("search_by") in search_by:
            names += ["search", "search_by"]
            search = input_clean(str(args["search"]))
            if search not in ("", "0"):  # PHP's `if($this->search && ...)`
                like = (str(args["search_by"]), _like(search))
        return cls(equal, like, tuple(names)) if names else None

    def matches(self, contact: Contact) -> bool:
        for name, value in self.equal:
            held = getattr(contact, name)
            if held is None:
                return False  # NULL = '...' is never true
            if isinstance(held, (bool, int)):
                if _mysql_number(value) != int(held):
                    return False
            elif held.casefold() != value.casefold():
                return False
        if self.like is not None:
            held = getattr(contact, self.like[0])
            return held is not None and self.like[1].fullmatch(held) is not None
        return True


_FILTERS = ("continent_code", "country_code", "has_opted_out")


def _php_text(value: Any) -> str:
    """A query value back as the string PHP holds (the validator may have read "1" as True)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _listing(spec: Spec) -> _Listing:
    """The allowed values and defaults of list_contacts' parameters, from the spec."""
    params = {p.name: p for p in spec.by_id["list_contacts"].parameters}

    def enum(name: str) -> tuple[Any, ...]:
        return tuple(params[name].schema.get("enum", ()))

    def default(name: str) -> Any:
        # A default may sit beside a $ref (results_per_page), which resolving the schema drops. The order's
        # defaults are the platform's own (x-smsmock-default), not a value a client should send.
        declared = spec.at(params[name].schema_pointer)
        return declared.get("default", declared.get("x-smsmock-default", params[name].schema.get("default")))

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
    """The value if allowed; AltumCode silently uses the default otherwise (docs/platforms.md, SMSFlow: list parameters)."""
    return value if value is not None and type(value) is not bool and value in tuple(allowed) else fallback


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
    return phonenumbers.region_code_for_country_code(parsed.country_code or 0)  # 0: "ZZ"
