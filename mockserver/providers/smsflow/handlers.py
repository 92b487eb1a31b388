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
from .records import CONTINENTS, KEY_MAX, VALUE_MAX, Account, Contact
from .seed import read_section

__all__ = ["SMSFlowProvider", "custom_parameters"]

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
        # The links of a list page point at the collection without its trailing slash, as the document's do.
        self._collection_url = spec.base_url + spec.by_id["list_contacts"].path.rstrip("/")

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
                contact = self._new_contact(entry.user_id, fields.pop("phone_number"), fields.pop("name", None))
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
        items = [contact_payload(c) for c in rows[(page - 1) * size : page * size]]
        meta = {"page": page, "results_per_page": size, "total": len(rows), "total_pages": pages}
        return Ok(Page(items, meta, self._links(page, pages)))

    def get_contact(self, account: str, args: dict[str, Any]) -> Ok:
        """One contact of the account."""
        return Ok(contact_payload(self._contact(account, args["contact_id"])))

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

    def _matches(self, contact: Contact, args: dict[str, Any]) -> bool:
        search, search_by = args.get("search"), args.get("search_by")
        # The search applies only together with a valid search_by (docs/platforms.md, SMSFlow: search_by).
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
        key = str(keys[index] or "")[:KEY_MAX]
        if key.strip():
            found[key] = str(values.get(index) or "")[:VALUE_MAX]
    return found


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
