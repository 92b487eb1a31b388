"""Independent check of the specs against the three provider documents.

The table below was written by hand from the documents in ``/work/shared/provider-docs`` (not from the
specs): endpoints, operationIds, every documented parameter/body field with its location, required flag
and type, the enumerations, the defaults, and the security each operation needs. The tests load the
bundled specs and compare them with that table, so a mistake in transcribing a document shows up here as
a named difference ("document says X, spec says Y").

How the specs express the documents is fixed by ``docs/spec-conventions.md``: credentials are security
schemes, QuickCom's ``v1, v2, ...`` are one ``template_variables`` form/explode object parameter, QuickFlow
bodies are a ``$ref``'d JSON object schema, SMSFlow bodies are multipart and urlencoded forms whose
``custom_parameter_key[i]`` / ``custom_parameter_value[i]`` fields are ``patternProperties``.
"""
from __future__ import annotations

from typing import Any

import pytest
import yaml

from smsmock.spec import bundled_spec_paths

# ---------------------------------------------------------------------------------------------------------
# The table: what the documents say
# ---------------------------------------------------------------------------------------------------------

QUERY, PATH, BODY = "query", "path", "body"
# QuickCom lists app_key / app_secret in its parameter tables; by convention they are security schemes.
CREDENTIAL = "credential"
REQ, OPT = True, False
STRING, INTEGER, BOOLEAN = "string", "integer", "boolean"
ANY_TYPE = None  # the document gives no type for this parameter

# Base URLs, as each document states them (and as README.md repeats).
SERVERS: dict[str, str] = {
    "quickflow": "http://127.0.0.1:8017/api/method",  # 000: "Base URL ... http://127.0.0.1:8017/api/method"
    "quickcom": "https://ok-go.in/api/v1",  # 001: "Base URL  https://ok-go.in/api/v1"
    "smsflow": "https://smsflow.su/api",  # 002: every URL starts https://smsflow.su/api
}

# Each row: (name, location, required, type). Order follows the document.
Row = tuple[str, str, bool, "str | None"]

_QC_CREDENTIALS: list[Row] = [
    ("app_key", CREDENTIAL, REQ, STRING),  # "app_key string Required Your API application key"
    ("app_secret", CREDENTIAL, REQ, STRING),  # "app_secret string Required Your API application secret"
]

# operationId -> (METHOD, path key, documented parameters)
OPERATIONS: dict[str, dict[str, tuple[str, str, list[Row]]]] = {
    # ----- 000_80500754d940af56.txt: QuickFlow ---------------------------------------------------------
    "quickflow": {
        # POST/quickflow.sms.send -- Send SMS -- "Parameters (JSON Body)"
        "send_sms": ("POST", "/quickflow.sms.send", [
            ("recipient", BODY, REQ, STRING),
            ("sender_id", BODY, REQ, STRING),
            ("message", BODY, REQ, STRING),
            ("type", BODY, OPT, STRING),  # default: "plain"
            ("schedule_time", BODY, OPT, STRING),
            ("dlt_template_id", BODY, OPT, STRING),
        ]),
        # POST/quickflow.sms.campaign -- Send Campaign -- "Parameters (JSON Body)"
        "send_campaign": ("POST", "/quickflow.sms.campaign", [
            ("contact_list_id", BODY, REQ, STRING),
            ("sender_id", BODY, REQ, STRING),
            ("message", BODY, REQ, STRING),
            ("type", BODY, OPT, STRING),  # default: "plain"
            ("schedule_time", BODY, OPT, STRING),
            ("dlt_template_id", BODY, OPT, STRING),
        ]),
        # GET/quickflow.sms.get -- Get SMS Status -- "Query Parameters"
        "get_sms": ("GET", "/quickflow.sms.get", [
            ("uid", QUERY, REQ, STRING),
        ]),
        # GET/quickflow.sms.list_all -- List All SMS -- no parameters
        "list_sms": ("GET", "/quickflow.sms.list_all", []),
        # GET/quickflow.sms.balance -- Check Balance
        "get_balance": ("GET", "/quickflow.sms.balance", [
            ("sender_id", QUERY, REQ, STRING),
        ]),
        # POST/quickflow.contact.store_contact -- Create Contact
        "create_contact": ("POST", "/quickflow.contact.store_contact", [
            ("sender_id", BODY, REQ, STRING),
            ("group_id", BODY, REQ, STRING),
            ("phone", BODY, REQ, STRING),
            ("first_name", BODY, OPT, STRING),
            ("last_name", BODY, OPT, STRING),
        ]),
        # GET/quickflow.contact.search_contact -- Get Contact
        "get_contact": ("GET", "/quickflow.contact.search_contact", [
            ("sender_id", QUERY, REQ, STRING),
            ("group_id", QUERY, REQ, STRING),
            ("uid", QUERY, REQ, STRING),
        ]),
        # POST/quickflow.contact.update_contact -- Update Contact
        "update_contact": ("POST", "/quickflow.contact.update_contact", [
            ("sender_id", BODY, REQ, STRING),
            ("group_id", BODY, REQ, STRING),
            ("uid", BODY, REQ, STRING),
            ("phone", BODY, OPT, STRING),
            ("first_name", BODY, OPT, STRING),
            ("last_name", BODY, OPT, STRING),
        ]),
        # POST/quickflow.contact.delete_contact -- Delete Contact
        "delete_contact": ("POST", "/quickflow.contact.delete_contact", [
            ("sender_id", BODY, REQ, STRING),
            ("group_id", BODY, REQ, STRING),
            ("uid", BODY, REQ, STRING),
        ]),
        # GET/quickflow.contact.all_contacts -- List All Contacts
        "list_contacts": ("GET", "/quickflow.contact.all_contacts", [
            ("sender_id", QUERY, REQ, STRING),
            ("group_id", QUERY, REQ, STRING),
        ]),
        # POST/quickflow.contact.store_group -- Create Group
        "create_group": ("POST", "/quickflow.contact.store_group", [
            ("sender_id", BODY, REQ, STRING),
            ("name", BODY, REQ, STRING),
        ]),
        # GET/quickflow.contact.show_group -- Get Group Details
        "get_group": ("GET", "/quickflow.contact.show_group", [
            ("sender_id", QUERY, REQ, STRING),
            ("group_id", QUERY, REQ, STRING),
        ]),
        # POST/quickflow.contact.update_group -- Update Group
        "update_group": ("POST", "/quickflow.contact.update_group", [
            ("sender_id", BODY, REQ, STRING),
            ("group_id", BODY, REQ, STRING),
            ("name", BODY, REQ, STRING),
        ]),
        # POST/quickflow.contact.delete_group -- Delete Group
        "delete_group": ("POST", "/quickflow.contact.delete_group", [
            ("sender_id", BODY, REQ, STRING),
            ("group_id", BODY, REQ, STRING),
        ]),
        # GET/quickflow.contact.all_groups -- List All Groups
        "list_groups": ("GET", "/quickflow.contact.all_groups", [
            ("sender_id", QUERY, REQ, STRING),
        ]),
    },
    # ----- 001_536db0d0e20f0663.txt: QuickCom (all GET, all parameters in the query string) ------------
    "quickcom": {
        # Check Account Status -- GET /api/v1/account-status
        "get_account_status": ("GET", "/account-status", [*_QC_CREDENTIALS]),
        # Check Balance -- GET /api/v1/check-balance
        "check_balance": ("GET", "/check-balance", [*_QC_CREDENTIALS]),
        # Get Approved Sender IDs -- GET /api/v1/approved-senderids
        "list_sender_ids": ("GET", "/approved-senderids", [*_QC_CREDENTIALS]),
        # Get Templates -- GET /api/v1/templates
        "list_templates": ("GET", "/templates", [*_QC_CREDENTIALS]),
        # Send SMS -- GET /api/v1/send-message
        "send_message": ("GET", "/send-message", [
            *_QC_CREDENTIALS,
            ("dlt_template_id", QUERY, REQ, STRING),
            ("mobile_numbers", QUERY, REQ, STRING),
            ("route_type", QUERY, REQ, INTEGER),  # 0 (OTP), 1 (Transactional), 2 (Promotional)
            ("schedule_date", QUERY, OPT, STRING),  # YYYY-MM-DD HH:MM:SS
            ("is_flash", QUERY, OPT, BOOLEAN),
            ("v1, v2, v3...", QUERY, OPT, STRING),  # -> the `template_variables` object parameter
            ("country_code", QUERY, OPT, STRING),  # default: 91 for India
        ]),
        # Campaign List -- GET /api/v1/campaign-list
        "list_campaigns": ("GET", "/campaign-list", [
            *_QC_CREDENTIALS,
            ("per_page_record", QUERY, OPT, INTEGER),  # default: 20
            ("page_number", QUERY, OPT, INTEGER),  # default: 1
        ]),
    },
    # ----- 002_009a40aac2948715.txt: SMSFlow --------------------------------------------------------------
    "smsflow": {
        # GET https://smsflow.su/api/contacts/  (note the trailing slash)
        "list_contacts": ("GET", "/contacts/", [
            ("search", QUERY, OPT, STRING),
            ("search_by", QUERY, OPT, STRING),
            ("continent_code", QUERY, OPT, STRING),
            ("country_code", QUERY, OPT, STRING),
            ("has_opted_out", QUERY, OPT, BOOLEAN),
            ("order_by", QUERY, OPT, STRING),
            ("order_type", QUERY, OPT, STRING),
            ("page", QUERY, OPT, INTEGER),  # Defaults to 1.
            ("results_per_page", QUERY, OPT, INTEGER),  # Defaults to 25.
        ]),
        # GET https://smsflow.su/api/contacts/{contact_id}
        "get_contact": ("GET", "/contacts/{contact_id}", [
            ("contact_id", PATH, REQ, ANY_TYPE),
        ]),
        # POST https://smsflow.su/api/contacts  (no trailing slash), --form fields
        "create_contact": ("POST", "/contacts", [
            ("phone_number", BODY, REQ, STRING),
            ("name", BODY, OPT, STRING),
            ("custom_parameter_key[index]", BODY, OPT, STRING),
            ("custom_parameter_value[index]", BODY, OPT, STRING),
        ]),
        # POST https://smsflow.su/api/contacts/{contact_id}, --form fields
        "update_contact": ("POST", "/contacts/{contact_id}", [
            ("contact_id", PATH, REQ, ANY_TYPE),
            ("phone_number", BODY, OPT, STRING),
            ("name", BODY, OPT, STRING),
            ("custom_parameter_key[index]", BODY, OPT, STRING),
            ("custom_parameter_value[index]", BODY, OPT, STRING),
        ]),
        # DELETE https://smsflow.su/api/contacts/{contact_id}
        "delete_contact": ("DELETE", "/contacts/{contact_id}", [
            ("contact_id", PATH, REQ, ANY_TYPE),
        ]),
    },
}

# Documented rows that the specs express as a pattern rather than a fixed name (spec-conventions.md).
# QuickCom "v1, v2, v3..." -> query parameter `template_variables`, an object with this patternProperty.
TEMPLATE_VARIABLES_ROW = "v1, v2, v3..."
TEMPLATE_VARIABLES_PARAM = "template_variables"
TEMPLATE_VARIABLES_PATTERN = "^v[1-9][0-9]*$"
# SMSFlow "custom_parameter_key[index]" / "custom_parameter_value[index]" -> body patternProperties.
BODY_PATTERN_FIELDS: dict[str, str] = {
    "custom_parameter_key[index]": r"^custom_parameter_key\[[0-9]+\]$",
    "custom_parameter_value[index]": r"^custom_parameter_value\[[0-9]+\]$",
}

# 002, list contacts, country_code: "Allowed values: AF , AX , ... , ZW" -- copied verbatim, in order.
SMSFLOW_COUNTRY_CODES: list[str] = [
    "AF", "AX", "AL", "DZ", "AS", "AD", "AO", "AI", "AQ", "AG", "AR", "AM", "AW", "AU", "AT", "AZ",
    "BS", "BH", "BD", "BB", "BY", "BE", "BZ", "BJ", "BM", "BT", "BO", "BQ", "BA", "BW", "BV", "BR",
    "IO", "BN", "BG", "BF", "BI", "KH", "CM", "CA", "CV", "KY", "CF", "TD", "CL", "CN", "CX", "CC",
    "CO", "KM", "CG", "CD", "CK", "CR", "CI", "HR", "CU", "CW", "CY", "CZ", "DK", "DJ", "DM", "DO",
    "EC", "EG", "SV", "GQ", "ER", "EE", "ET", "FK", "FO", "FJ", "FI", "FR", "GF", "PF", "TF", "GA",
    "GM", "GE", "DE", "GH", "GI", "GR", "GL", "GD", "GP", "GU", "GT", "GG", "GN", "GW", "GY", "HT",
    "HM", "VA", "HN", "HK", "HU", "IS", "IN", "ID", "IR", "IQ", "IE", "IM", "IL", "IT", "JM", "JP",
    "JE", "JO", "KZ", "KE", "KI", "KP", "KR", "KW", "KG", "LA", "LV", "LB", "LS", "LR", "LY", "LI",
    "LT", "LU", "MO", "MK", "MG", "MW", "MY", "MV", "ML", "MT", "MH", "MQ", "MR", "MU", "YT", "MX",
    "FM", "MD", "MC", "MN", "ME", "MS", "MA", "MZ", "MM", "NA", "NR", "NP", "NL", "NC", "NZ", "NI",
    "NE", "NG", "NU", "NF", "MP", "NO", "OM", "PK", "PW", "PS", "PA", "PG", "PY", "PE", "PH", "PN",
    "PL", "PT", "PR", "QA", "RE", "RO", "RU", "RW", "BL", "SH", "KN", "LC", "MF", "PM", "VC", "WS",
    "SM", "ST", "SA", "SN", "RS", "SC", "SL", "SG", "SX", "SK", "SI", "SB", "SO", "ZA", "GS", "SS",
    "ES", "LK", "SD", "SR", "SJ", "SZ", "SE", "CH", "SY", "TW", "TJ", "TZ", "TH", "TL", "TG", "TK",
    "TO", "TT", "TN", "TR", "TM", "TC", "TV", "UG", "UA", "AE", "GB", "US", "UM", "UY", "UZ", "VU",
    "VE", "VN", "VG", "VI", "WF", "EH", "YE", "ZM", "ZW",
]

# (provider, operationId, parameter) -> the allowed values, in the document's order.
ENUMS: dict[tuple[str, str, str], list[Any]] = {
    # 001: "Route type: 0 (OTP), 1 (Transactional), 2 (Promotional)"
    ("quickcom", "send_message", "route_type"): [0, 1, 2],
    # 002: "Allowed values are: phone_number , name."
    ("smsflow", "list_contacts", "search_by"): ["phone_number", "name"],
    # 002: "Allowed values: AF , AN , AS , EU , NA , OC , SA"
    ("smsflow", "list_contacts", "continent_code"): ["AF", "AN", "AS", "EU", "NA", "OC", "SA"],
    ("smsflow", "list_contacts", "country_code"): SMSFLOW_COUNTRY_CODES,
    # 002: "Allowed values are: contact_id , name , phone_number , datetime , ... , total_received_sms."
    ("smsflow", "list_contacts", "order_by"): [
        "contact_id", "name", "phone_number", "datetime", "last_datetime", "last_sent_datetime",
        "last_received_datetime", "total_sent_sms", "total_pending_sms", "total_failed_sms",
        "total_received_sms",
    ],
    # 002: "ASC for ascending ordering, and DESC for descending ordering."
    ("smsflow", "list_contacts", "order_type"): ["ASC", "DESC"],
    # 002: "Allowed values are: 10 , 25 , 50 , 100 , 250 , 500 , 1000. Defaults to 25."
    ("smsflow", "list_contacts", "results_per_page"): [10, 25, 50, 100, 250, 500, 1000],
}

# (provider, operationId, parameter or body field) -> the default the document states.
DEFAULTS: dict[tuple[str, str, str], Any] = {
    ("quickflow", "send_sms", "type"): "plain",  # 000: Type of message (default: "plain").
    ("quickflow", "send_campaign", "type"): "plain",  # 000: same
    ("quickcom", "send_message", "country_code"): "91",  # 001: Country code (default: 91 for India), a string
    ("quickcom", "list_campaigns", "per_page_record"): 20,  # 001: Records per page (default: 20)
    ("quickcom", "list_campaigns", "page_number"): 1,  # 001: Page number (default: 1)
    ("smsflow", "list_contacts", "page"): 1,  # 002: Defaults to 1.
    ("smsflow", "list_contacts", "results_per_page"): 25,  # 002: Defaults to 25.
}

# Security: the documents' authentication sections, as spec-conventions.md names them.
SECURITY_SCHEMES: dict[str, dict[str, dict[str, str]]] = {
    # 000: "Pass them in the Authorization header using the format token api_key:api_secret."
    "quickflow": {
        "tokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization"},
        "basicAuth": {"type": "http", "scheme": "basic"},
    },
    # 001: "Method 1: Query Parameters ?app_key=...&app_secret=...", "Method 2: Header Authorization: KEY-SECRET"
    "quickcom": {
        "appKey": {"type": "apiKey", "in": "query", "name": "app_key"},
        "appSecret": {"type": "apiKey", "in": "query", "name": "app_secret"},
        "keySecretHeader": {"type": "apiKey", "in": "header", "name": "Authorization"},
    },
    # 002: "--header 'Authorization: Bearer {api_key}'"
    "smsflow": {
        "bearerAuth": {"type": "http", "scheme": "bearer"},
    },
}
SECURITY_REQUIREMENT: dict[str, list[dict[str, list[str]]]] = {
    "quickflow": [{"tokenAuth": []}, {"basicAuth": []}],
    "quickcom": [{"appKey": [], "appSecret": []}, {"keySecretHeader": []}],
    "smsflow": [{"bearerAuth": []}],
}

# Body media types: QuickFlow's curl sends JSON; SMSFlow's curl sends multipart/form-data, and the
# platform (a PHP form handler) reads urlencoded forms the same way.
BODY_MEDIA_TYPES: dict[str, list[str]] = {
    "quickflow": ["application/json"],
    "quickcom": [],
    "smsflow": ["multipart/form-data", "application/x-www-form-urlencoded"],
}

# SMSFlow success status per operation.
SMSFLOW_SUCCESS_STATUS: dict[str, str] = {
    "list_contacts": "200",
    "get_contact": "200",
    "create_contact": "201",
    "update_contact": "200",
    "delete_contact": "200",
}

# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
PROVIDERS = list(OPERATIONS)
ALL_OPERATIONS = [(p, op_id) for p, ops in OPERATIONS.items() for op_id in ops]


def _op_ids(params: list[tuple[str, str]]) -> list[str]:
    return [f"{p}.{op_id}" for p, op_id in params]


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    paths = bundled_spec_paths()
    loaded: dict[str, dict[str, Any]] = {}
    for provider in PROVIDERS:
        assert provider in paths, f"bundled_spec_paths() has no entry for {provider!r}: {sorted(paths)}"
        with open(paths[provider], encoding="utf-8") as fh:
            loaded[provider] = yaml.safe_load(fh)
    return loaded


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s (``#/...``); keywords beside a ``$ref`` (3.1 allows them) win over the target."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert isinstance(ref, str) and ref.startswith("#/"), f"non-local $ref {ref!r}"
        assert ref not in seen, f"$ref cycle at {ref!r}"
        seen.add(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(target, dict) and part in target, f"$ref {ref!r} does not resolve"
            target = target[part]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings} if siblings and isinstance(target, dict) else target
    return node


def object_view(spec: dict[str, Any], schema: Any) -> dict[str, Any]:
    """properties / required / patternProperties of an object schema, merging ``allOf`` branches."""
    schema = resolve(spec, schema) or {}
    view: dict[str, Any] = {
        "properties": {k: resolve(spec, v) for k, v in (schema.get("properties") or {}).items()},
        "required": set(schema.get("required") or []),
        "patternProperties": {
            k: resolve(spec, v) for k, v in (schema.get("patternProperties") or {}).items()
        },
        "type": schema.get("type"),
    }
    for branch in schema.get("allOf") or []:
        sub = object_view(spec, branch)
        view["properties"].update(sub["properties"])
        view["required"] |= sub["required"]
        view["patternProperties"].update(sub["patternProperties"])
        view["type"] = view["type"] or sub["type"]
    return view


def find_operation(spec: dict[str, Any], method: str, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    path_item = (spec.get("paths") or {}).get(path)
    assert path_item is not None, f"spec has no path {path!r} (paths: {sorted(spec.get('paths') or {})})"
    path_item = resolve(spec, path_item)
    op = path_item.get(method.lower())
    assert op is not None, f"spec has no {method} {path!r}"
    return path_item, op


def operation(specs: dict[str, dict[str, Any]], provider: str, op_id: str):
    spec = specs[provider]
    method, path, _ = OPERATIONS[provider][op_id]
    path_item, op = find_operation(spec, method, path)
    return spec, path_item, op


def spec_parameters(spec: dict[str, Any], path_item: dict[str, Any], op: dict[str, Any]) -> dict[tuple[str, str], dict]:
    """(name, in) -> resolved parameter object; operation-level parameters override path-level ones."""
    out: dict[tuple[str, str], dict] = {}
    for raw in [*(path_item.get("parameters") or []), *(op.get("parameters") or [])]:
        param = resolve(spec, raw)
        out[(param["name"], param["in"])] = param
    return out


def spec_bodies(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """media type -> object_view of its schema ({} if the operation has no requestBody)."""
    body = op.get("requestBody")
    if body is None:
        return {}
    body = resolve(spec, body)
    return {media: object_view(spec, (mt or {}).get("schema")) for media, mt in (body.get("content") or {}).items()}


def schema_of_param(spec: dict[str, Any], param: dict[str, Any]) -> dict[str, Any]:
    return resolve(spec, param.get("schema")) or {}


def doc_rows(provider: str, op_id: str, location: str | None = None) -> list[Row]:
    rows = OPERATIONS[provider][op_id][2]
    return [r for r in rows if location is None or r[1] == location]


def find_field_schemas(specs, provider: str, op_id: str, name: str) -> list[tuple[str, Any]]:
    """Where the documented parameter/field `name` lives in the spec: [(where, schema)] (one per body media)."""
    spec, path_item, op = operation(specs, provider, op_id)
    location = next(r[1] for r in doc_rows(provider, op_id) if r[0] == name)
    if location == BODY:
        bodies = spec_bodies(spec, op)
        assert bodies, f"{provider} {op_id}: spec has no requestBody, document has body field {name!r}"
        found = []
        for media, view in bodies.items():
            assert name in view["properties"], f"{provider} {op_id}: {media} body has no field {name!r}"
            found.append((f"body {media}", view["properties"][name]))
        return found
    params = spec_parameters(spec, path_item, op)
    assert (name, location) in params, f"{provider} {op_id}: spec has no {location} parameter {name!r}"
    return [(f"{location} parameter", schema_of_param(spec, params[(name, location)]))]


def enum_values(schema: dict[str, Any]) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema and all(isinstance(b, dict) and "const" in b for b in schema[key]):
            return [b["const"] for b in schema[key]]
    return None


def same_typed(a: Any, b: Any) -> bool:
    """Equal and of the same Python type (so True != 1 and 91 != "91")."""
    return type(a) is type(b) and a == b


# ---------------------------------------------------------------------------------------------------------
# 1. Endpoints and operationIds
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_server_url(specs, provider):
    servers = specs[provider].get("servers") or []
    assert servers, f"{provider}: spec has no servers"
    assert servers[0].get("url") == SERVERS[provider], (
        f"{provider}: servers[0].url is {servers[0].get('url')!r}, the document says {SERVERS[provider]!r}"
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_documented_endpoints(specs, provider):
    spec = specs[provider]
    base = (spec.get("servers") or [{}])[0].get("url", "")
    in_spec = {
        (method.upper(), base + path)
        for path, item in (spec.get("paths") or {}).items()
        for method in resolve(spec, item)
        if method in HTTP_METHODS
    }
    documented = {(m, SERVERS[provider] + p) for m, p, _ in OPERATIONS[provider].values()}
    missing = sorted(documented - in_spec)
    extra = sorted(in_spec - documented)
    assert not missing and not extra, (
        f"{provider}: endpoints differ from the document.\n"
        f"  documented but missing from spec: {missing}\n  in spec but not documented: {extra}"
    )


@pytest.mark.parametrize("provider,op_id", ALL_OPERATIONS, ids=_op_ids(ALL_OPERATIONS))
def test_operation_id(specs, provider, op_id):
    _, _, op = operation(specs, provider, op_id)
    method, path, _ = OPERATIONS[provider][op_id]
    assert op.get("operationId") == op_id, (
        f"{provider} {method} {path}: operationId is {op.get('operationId')!r}, expected {op_id!r}"
    )


# ---------------------------------------------------------------------------------------------------------
# 2. Parameters and body fields
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider,op_id", ALL_OPERATIONS, ids=_op_ids(ALL_OPERATIONS))
def test_documented_parameters(specs, provider, op_id):
    """Every documented query/path parameter and body field: location, required flag, JSON type."""
    spec, path_item, op = operation(specs, provider, op_id)
    params = spec_parameters(spec, path_item, op)
    bodies = spec_bodies(spec, op)
    problems: list[str] = []

    for name, location, required, typ in doc_rows(provider, op_id):
        if location == CREDENTIAL:
            continue  # test_quickcom_credentials_are_security_schemes
        if name == TEMPLATE_VARIABLES_ROW:
            continue  # test_quickcom_template_variables
        if location == BODY:
            if not bodies:
                problems.append(f"body field {name!r}: the spec has no requestBody")
                continue
            for media, view in bodies.items():
                if name in BODY_PATTERN_FIELDS:
                    pattern = BODY_PATTERN_FIELDS[name]
                    schema = view["patternProperties"].get(pattern)
                    if schema is None:
                        problems.append(
                            f"body field {name!r} ({media}): no patternProperties {pattern!r} "
                            f"(has {sorted(view['patternProperties'])})"
                        )
                    elif schema.get("type") != typ:
                        problems.append(
                            f"body field {name!r} ({media}): type is {schema.get('type')!r}, document says {typ!r}"
                        )
                    continue
                if name not in view["properties"]:
                    problems.append(f"body field {name!r}: missing from the {media} schema's properties")
                    continue
                if (name in view["required"]) != required:
                    problems.append(
                        f"body field {name!r} ({media}): required is {name in view['required']}, "
                        f"document says {required}"
                    )
                got = view["properties"][name].get("type")
                if got != typ:
                    problems.append(f"body field {name!r} ({media}): type is {got!r}, document says {typ!r}")
            continue

        # query / path parameter
        if (name, location) not in params:
            elsewhere = [loc for (n, loc) in params if n == name]
            in_body = [m for m, v in bodies.items() if name in v["properties"]]
            problems.append(
                f"{location} parameter {name!r}: missing"
                + (f" (the spec has it in {elsewhere})" if elsewhere else "")
                + (f" (the spec has it as a body field in {in_body})" if in_body else "")
            )
            continue
        param = params[(name, location)]
        if bool(param.get("required", False)) != required:
            problems.append(
                f"{location} parameter {name!r}: required is {param.get('required', False)}, document says {required}"
            )
        got = schema_of_param(spec, param).get("type")
        if typ is ANY_TYPE:
            if got not in ("string", "integer"):
                problems.append(f"{location} parameter {name!r}: type is {got!r}, expected a string or integer id")
        elif got != typ:
            problems.append(f"{location} parameter {name!r}: type is {got!r}, document says {typ!r}")

    assert not problems, f"{provider} {op_id} differs from the document:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("provider,op_id", ALL_OPERATIONS, ids=_op_ids(ALL_OPERATIONS))
def test_no_undocumented_parameters(specs, provider, op_id):
    spec, path_item, op = operation(specs, provider, op_id)
    documented = {r[0] for r in doc_rows(provider, op_id) if r[1] in (QUERY, PATH)}
    if any(r[0] == TEMPLATE_VARIABLES_ROW for r in doc_rows(provider, op_id)):
        documented.add(TEMPLATE_VARIABLES_PARAM)
    credentials = {r[0] for r in doc_rows(provider, op_id) if r[1] == CREDENTIAL}
    problems = []
    for name, location in spec_parameters(spec, path_item, op):
        if name in credentials:
            problems.append(f"{location} parameter {name!r} is a credential: it must be a security scheme, not a parameter")
        elif name not in documented:
            problems.append(f"{location} parameter {name!r} is not in the document")
    assert not problems, f"{provider} {op_id}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("provider,op_id", ALL_OPERATIONS, ids=_op_ids(ALL_OPERATIONS))
def test_no_undocumented_body_fields(specs, provider, op_id):
    spec, _, op = operation(specs, provider, op_id)
    body_rows = doc_rows(provider, op_id, BODY)
    bodies = spec_bodies(spec, op)
    if not body_rows:
        assert "requestBody" not in op, f"{provider} {op_id}: the document has no body, the spec has a requestBody"
        return
    names = {r[0] for r in body_rows if r[0] not in BODY_PATTERN_FIELDS}
    patterns = {BODY_PATTERN_FIELDS[r[0]] for r in body_rows if r[0] in BODY_PATTERN_FIELDS}
    problems = []
    for media, view in bodies.items():
        for field in sorted(set(view["properties"]) - names):
            problems.append(f"{media}: body field {field!r} is not in the document")
        for pattern in sorted(set(view["patternProperties"]) - patterns):
            problems.append(f"{media}: patternProperties {pattern!r} is not in the document")
    assert not problems, f"{provider} {op_id}:\n  " + "\n  ".join(problems)


REQUIRED_BODIES = [
    (p, op_id) for p, op_id in ALL_OPERATIONS if any(r[1] == BODY and r[2] for r in doc_rows(p, op_id))
]


@pytest.mark.parametrize("provider,op_id", REQUIRED_BODIES, ids=_op_ids(REQUIRED_BODIES))
def test_body_with_required_fields_is_required(specs, provider, op_id):
    spec, _, op = operation(specs, provider, op_id)
    assert "requestBody" in op, f"{provider} {op_id}: no requestBody"
    body = resolve(spec, op["requestBody"])
    required_fields = [r[0] for r in doc_rows(provider, op_id, BODY) if r[2]]
    assert body.get("required") is True, (
        f"{provider} {op_id}: the document requires body fields {required_fields}, "
        f"but requestBody.required is {body.get('required')!r}"
    )


QUICKCOM_OPS = [("quickcom", op_id) for op_id in OPERATIONS["quickcom"]]


@pytest.mark.parametrize("provider,op_id", QUICKCOM_OPS, ids=_op_ids(QUICKCOM_OPS))
def test_quickcom_credentials_are_security_schemes(specs, provider, op_id):
    """001 lists app_key/app_secret as required string parameters of every call: they are query apiKey
    schemes, and every operation requires both together (the alternative is the Authorization header)."""
    spec, _, op = operation(specs, provider, op_id)
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    requirement = op.get("security", spec.get("security")) or []
    rows = [r for r in doc_rows(provider, op_id) if r[1] == CREDENTIAL]
    assert [r[0] for r in rows] == ["app_key", "app_secret"]
    scheme_for: dict[str, str] = {}
    for name, _, required, typ in rows:
        assert required and typ == STRING
        resolved = {key: resolve(spec, s) for key, s in schemes.items()}
        matching = [
            key for key, s in resolved.items()
            if s.get("type") == "apiKey" and s.get("in") == "query" and s.get("name") == name
        ]
        assert len(matching) == 1, (
            f"quickcom: expected exactly one apiKey security scheme in query named {name!r}, found {matching}"
        )
        scheme_for[name] = matching[0]
    both = {scheme_for["app_key"], scheme_for["app_secret"]}
    assert any(both <= set(req) for req in requirement), (
        f"quickcom {op_id}: no security requirement asks for both {sorted(both)} together; security is {requirement}"
    )


def test_quickcom_template_variables(specs):
    """001 send-message: "v1, v2, v3...  string  Optional  Template variables to replace {#var#} placeholders"."""
    spec, path_item, op = operation(specs, "quickcom", "send_message")
    params = spec_parameters(spec, path_item, op)
    key = (TEMPLATE_VARIABLES_PARAM, "query")
    assert key in params, f"quickcom send_message: no query parameter {TEMPLATE_VARIABLES_PARAM!r} for v1, v2, ..."
    param = params[key]
    schema = schema_of_param(spec, param)
    problems = []
    if param.get("required", False):
        problems.append("it is required; the document says Optional")
    if param.get("style", "form") != "form":
        problems.append(f"style is {param.get('style')!r}, expected 'form'")
    if param.get("explode", True) is not True:
        problems.append(f"explode is {param.get('explode')!r}, expected true")
    if schema.get("type") != "object":
        problems.append(f"schema type is {schema.get('type')!r}, expected 'object'")
    pattern_schema = resolve(spec, (schema.get("patternProperties") or {}).get(TEMPLATE_VARIABLES_PATTERN))
    if pattern_schema is None:
        problems.append(
            f"schema has no patternProperties {TEMPLATE_VARIABLES_PATTERN!r} "
            f"(has {sorted(schema.get('patternProperties') or {})})"
        )
    elif pattern_schema.get("type") != STRING:
        problems.append(f"v1, v2, ... have type {pattern_schema.get('type')!r}, the document says 'string'")
    assert not problems, f"quickcom send_message {TEMPLATE_VARIABLES_PARAM}:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------------------------------------
# 3. Enumerations
# ---------------------------------------------------------------------------------------------------------


def test_country_code_table_is_complete():
    """Guard on the hand-copied table itself: 249 distinct two-letter codes, AF first, ZW last."""
    assert len(SMSFLOW_COUNTRY_CODES) == 249
    assert len(set(SMSFLOW_COUNTRY_CODES)) == 249
    assert all(isinstance(c, str) and len(c) == 2 and c.isupper() for c in SMSFLOW_COUNTRY_CODES)
    assert (SMSFLOW_COUNTRY_CODES[0], SMSFLOW_COUNTRY_CODES[-1]) == ("AF", "ZW")


@pytest.mark.parametrize("key", list(ENUMS), ids=[".".join(k) for k in ENUMS])
def test_enumeration(specs, key):
    provider, op_id, name = key
    expected = ENUMS[key]
    for where, schema in find_field_schemas(specs, provider, op_id, name):
        got = enum_values(schema)
        assert got is not None, f"{provider} {op_id} {where} {name!r}: no enum; the document lists {expected}"
        wrong_type = [v for v in got if type(v) is not type(expected[0])]
        assert not wrong_type, (
            f"{provider} {op_id} {where} {name!r}: enum values of the wrong type {wrong_type!r} "
            f"(expected {type(expected[0]).__name__}; YAML 1.1 bool/number trap?)"
        )
        if got != expected:
            missing = [v for v in expected if v not in got]
            extra = [v for v in got if v not in expected]
            first_diff = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), None)
            pytest.fail(
                f"{provider} {op_id} {where} {name!r}: enum differs from the document "
                f"(spec {len(got)} values, document {len(expected)}); missing {missing}, extra {extra}, "
                f"first position that differs: {first_diff}"
                + (f" (spec {got[first_diff]!r}, document {expected[first_diff]!r})" if first_diff is not None else "")
            )


# ---------------------------------------------------------------------------------------------------------
# 4. Security
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_security_schemes(specs, provider):
    spec = specs[provider]
    schemes = {k: resolve(spec, v) for k, v in ((spec.get("components") or {}).get("securitySchemes") or {}).items()}
    assert set(schemes) == set(SECURITY_SCHEMES[provider]), (
        f"{provider}: security schemes are {sorted(schemes)}, expected {sorted(SECURITY_SCHEMES[provider])}"
    )
    problems = []
    for name, expected in SECURITY_SCHEMES[provider].items():
        for key, value in expected.items():
            got = schemes[name].get(key)
            if key == "scheme" and isinstance(got, str):
                got = got.lower()  # HTTP auth scheme names are case-insensitive
            if got != value:
                problems.append(f"{name}.{key} is {got!r}, expected {value!r}")
    assert not problems, f"{provider} security schemes:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("provider,op_id", ALL_OPERATIONS, ids=_op_ids(ALL_OPERATIONS))
def test_operation_security(specs, provider, op_id):
    spec, _, op = operation(specs, provider, op_id)
    assert "security" in op, f"{provider} {op_id}: no operation-level security (spec-conventions: every operation has one)"
    got = [{k: list(v or []) for k, v in req.items()} for req in op["security"]]
    assert got == SECURITY_REQUIREMENT[provider], (
        f"{provider} {op_id}: security is {got}, expected {SECURITY_REQUIREMENT[provider]}"
    )


# ---------------------------------------------------------------------------------------------------------
# 5. Media types and status codes
# ---------------------------------------------------------------------------------------------------------

BODY_OPERATIONS = [(p, op_id) for p, op_id in ALL_OPERATIONS if doc_rows(p, op_id, BODY)]


@pytest.mark.parametrize("provider,op_id", BODY_OPERATIONS, ids=_op_ids(BODY_OPERATIONS))
def test_body_media_types(specs, provider, op_id):
    spec, _, op = operation(specs, provider, op_id)
    assert "requestBody" in op, f"{provider} {op_id}: no requestBody"
    content = resolve(spec, op["requestBody"]).get("content") or {}
    missing = [m for m in BODY_MEDIA_TYPES[provider] if m not in content]
    assert not missing, f"{provider} {op_id}: requestBody lacks media types {missing} (has {sorted(content)})"
    for media in BODY_MEDIA_TYPES[provider]:
        view = object_view(spec, (content[media] or {}).get("schema"))
        assert view["type"] == "object", f"{provider} {op_id} {media}: schema type is {view['type']!r}, expected object"


QUICKFLOW_BODY_OPERATIONS = [(p, op_id) for p, op_id in BODY_OPERATIONS if p == "quickflow"]


@pytest.mark.parametrize("provider,op_id", QUICKFLOW_BODY_OPERATIONS, ids=_op_ids(QUICKFLOW_BODY_OPERATIONS))
def test_quickflow_body_is_component_ref(specs, provider, op_id):
    spec, _, op = operation(specs, provider, op_id)
    content = resolve(spec, op["requestBody"]).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema") or {}
    ref = schema.get("$ref")
    assert isinstance(ref, str) and ref.startswith("#/components/schemas/"), (
        f"quickflow {op_id}: application/json schema should be a $ref to #/components/schemas/..., got {schema!r}"
    )


@pytest.mark.parametrize("op_id", list(SMSFLOW_SUCCESS_STATUS))
def test_smsflow_success_status(specs, op_id):
    _, _, op = operation(specs, "smsflow", op_id)
    codes = {str(code) for code in (op.get("responses") or {})}
    expected = SMSFLOW_SUCCESS_STATUS[op_id]
    success = sorted(c for c in codes if c.startswith("2"))
    assert success == [expected], f"smsflow {op_id}: success responses are {success}, expected [{expected!r}]"


# ---------------------------------------------------------------------------------------------------------
# 6. Defaults
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(DEFAULTS), ids=[".".join(k) for k in DEFAULTS])
def test_default(specs, key):
    provider, op_id, name = key
    expected = DEFAULTS[key]
    for where, schema in find_field_schemas(specs, provider, op_id, name):
        assert "default" in schema, f"{provider} {op_id} {where} {name!r}: no default; the document says {expected!r}"
        assert same_typed(schema["default"], expected), (
            f"{provider} {op_id} {where} {name!r}: default is {schema['default']!r} "
            f"({type(schema['default']).__name__}), the document says {expected!r} ({type(expected).__name__})"
        )
