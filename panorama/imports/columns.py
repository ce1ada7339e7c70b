"""What each kind of import accepts: its columns, how a header finds its column, and the
mapping of a file's headers to fields (no ORM; custom field definitions are passed in).

A header matches a field by the field's name or one of its aliases, compared without case,
spaces or punctuation ("Company Name" = "company_name" = "companyname"). ``custom:<key>``, a
custom field's key or its label map to that custom field. An explicit mapping ("Header=field",
or "Header=ignore") wins over the automatic one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from panorama.customers.models import (
    AccountStatus,
    AccountType,
    BuyingRole,
    QualificationState,
    Segment,
    ServiceTier,
)
from panorama.imports import values

IGNORE = "ignore"
CUSTOM_PREFIX = "custom:"


class Definition(Protocol):
    """What matching needs of a custom field definition."""

    key: str
    label: str


@dataclass(frozen=True)
class Column:
    """A field a CSV column can fill: its parser, aliases and what people should put in it."""

    field: str
    parse: Callable[[str], Any]
    aliases: tuple[str, ...] = ()
    help: str = ""
    read_only: str = ""  # why it can't be imported, when it can't


def _choice(choices: Iterable[tuple[str, str]]) -> Callable[[str], str]:
    return partial(values.parse_choice, choices=list(choices))


TEXT = values.parse_text
ACCOUNT_KEY_HELP = "the account's external id or domain"

ACCOUNT_COLUMNS = (
    Column(
        "name",
        TEXT,
        ("account name", "company", "company name", "organisation", "organization", "account"),
        "required for a new account",
    ),
    Column(
        "domain",
        values.parse_domain,
        ("website", "domain name", "company domain", "url", "web site"),
        "acme.com; a key when there is no external id",
    ),
    Column(
        "external_id",
        TEXT,
        ("external id", "id", "account id", "group id", "crm id", "record id"),
        "the product's or CRM's id: the first key",
    ),
    Column(
        "parent",
        TEXT,
        ("parent account", "parent external id", "parent domain", "parent company"),
        "the parent's external id or domain",
    ),
    Column("account_type", _choice(AccountType.choices), ("type", "account type")),
    Column(
        "owner",
        values.parse_email,
        ("csm", "account owner", "owner email", "csm email", "company owner"),
        "a user's e-mail",
    ),
    Column("stage", TEXT, ("lifecycle stage", "lifecycle"), "a lifecycle stage's name"),
    Column("status", _choice(AccountStatus.choices), ("account status",)),
    Column("segment", _choice(Segment.choices)),
    Column("service_tier", _choice(ServiceTier.choices), ("tier", "service tier")),
    Column("plan", TEXT, ("plan name",), "a plan's name"),
    Column("customer_since", values.parse_date, ("customer since",), "YYYY-MM-DD"),
    Column("csm_pulse", values.parse_int, ("pulse", "csm pulse"), "1 to 5"),
    Column("qualification_state", _choice(QualificationState.choices), ("qualification",)),
    Column("industry", TEXT),
    Column(
        "employee_count",
        values.parse_int,
        ("employees", "number of employees", "headcount", "employee count"),
    ),
    Column("annual_revenue", values.parse_decimal, ("revenue", "annual revenue")),
    Column("city", TEXT),
    Column("country", TEXT),
    Column("linkedin_url", TEXT, ("linkedin", "linkedin url", "linkedin company page")),
    Column("logo_url", TEXT, ("logo", "logo url")),
    Column("description", TEXT),
    Column("tags", values.parse_list, ("tag",), "tag names separated by ;"),
)

CONTACT_COLUMNS = (
    Column(
        "email",
        values.parse_email,
        ("e-mail", "email address", "e-mail address", "mail", "work email"),
        "the first key",
    ),
    Column(
        "external_id",
        TEXT,
        ("external id", "id", "user id", "contact id", "record id"),
        "the product's id (Segment userId): the key when there is no e-mail",
    ),
    Column("first_name", TEXT, ("first name", "firstname", "given name")),
    Column("last_name", TEXT, ("last name", "lastname", "surname", "family name")),
    Column("title", TEXT, ("job title", "position")),
    Column("phone", TEXT, ("phone number", "mobile", "telephone")),
    Column("avatar_url", TEXT, ("avatar", "photo", "picture")),
    Column("buying_role", _choice(BuyingRole.choices), ("buying role", "persona")),
    Column("is_sponsor", values.parse_bool, ("sponsor", "is sponsor"), "yes or no"),
    Column(
        "account",
        TEXT,
        (
            "company domain",
            "account domain",
            "account external id",
            "account id",
            "company id",
            "group id",
        ),
        f"{ACCOUNT_KEY_HELP}; required for a new contact",
    ),
    Column("role", TEXT, ("role in account", "account role"), "their role in that account"),
    Column(
        "traits",
        TEXT,
        read_only="traits are synced from the product (Segment identify) and read-only",
    ),
)

DEAL_COLUMNS = (
    Column(
        "external_id",
        TEXT,
        ("external id", "id", "deal id", "opportunity id", "record id"),
        "the first key",
    ),
    Column(
        "name",
        TEXT,
        ("deal name", "deal", "opportunity", "opportunity name"),
        "required for a new deal; with the account, the key when there is no external id",
    ),
    Column(
        "account",
        TEXT,
        ("company", "company domain", "account id", "account external id", "account domain"),
        ACCOUNT_KEY_HELP,
    ),
    Column("pipeline", TEXT, ("pipeline name",), "a pipeline's name (default: the default one)"),
    Column("stage", TEXT, ("deal stage",), "a stage of the pipeline, by name"),
    Column("value", values.parse_decimal, ("amount", "deal value")),
    Column("currency", TEXT, ("currency code",), "ISO 4217, e.g. EUR"),
    Column("close_date", values.parse_date, ("close date", "expected close date")),
    Column("owner", values.parse_email, ("deal owner",), "a user's e-mail"),
    Column("next_step", TEXT, ("next step",)),
    Column("products", values.parse_list, ("product", "skus"), "names separated by ;"),
    Column("lost_reason", TEXT, ("lost reason", "closed lost reason")),
    Column(
        "contacts",
        values.parse_list,
        ("contact emails", "contact"),
        "members' e-mails separated by ;",
    ),
    Column(
        "created_at",
        values.parse_datetime,
        ("created", "created at", "create date", "created date"),
        "when the deal was opened",
    ),
    Column(
        "closed_at",
        values.parse_datetime,
        ("closed", "closed at", "closed date"),
        "when a won or lost deal closed",
    ),
)

CONTRACT_COLUMNS = (
    Column(
        "external_id",
        TEXT,
        ("external id", "id", "contract id", "subscription id", "record id"),
        "the first key",
    ),
    Column(
        "account",
        TEXT,
        ("company", "company domain", "account id", "account external id", "account domain"),
        f"{ACCOUNT_KEY_HELP}; required",
    ),
    Column("plan", TEXT, ("plan name",), "a plan's name"),
    Column(
        "mrr",
        values.parse_decimal,
        ("monthly recurring revenue", "monthly amount"),
        "required for a new contract",
    ),
    Column("currency", TEXT, ("currency code",), "ISO 4217, e.g. EUR"),
    Column(
        "start_date",
        values.parse_date,
        ("start", "start date", "starts", "starts on"),
        "YYYY-MM-DD; required; with the account, the key when there is no external id",
    ),
    Column("end_date", values.parse_date, ("end", "end date", "ends", "ends on")),
    Column(
        "auto_renew",
        values.parse_bool,
        ("auto renew", "autorenew", "auto-renew", "tacit renewal", "renews automatically"),
    ),
    Column(
        "notice_period_days",
        values.parse_int,
        ("notice period", "notice days", "notice period days"),
    ),
    Column("signed_at", values.parse_datetime, ("signed", "signed on", "signature date")),
    Column("deal", TEXT, ("deal external id", "deal id"), "the deal's external id"),
)


@dataclass(frozen=True)
class KindSpec:
    """One kind of import: its columns, and the entity its custom fields belong to."""

    kind: str
    columns: tuple[Column, ...]
    custom_entity: str | None = None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


KINDS: dict[str, KindSpec] = {
    "accounts": KindSpec("accounts", ACCOUNT_COLUMNS, "account"),
    "contacts": KindSpec("contacts", CONTACT_COLUMNS, "contact"),
    "deals": KindSpec("deals", DEAL_COLUMNS),
    "contracts": KindSpec("contracts", CONTRACT_COLUMNS),
}


def squash(name: str) -> str:
    """A header as matching compares it: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", name.casefold())


def automatic_target(header: str, spec: KindSpec, definitions: Iterable[Definition]) -> str | None:
    """The field ``header`` names by itself, or None."""
    squashed = squash(header)
    for column in spec.columns:
        if squashed == squash(column.field) or squashed in {squash(a) for a in column.aliases}:
            return column.field
    return custom_target(header, definitions)


def custom_target(name: str, definitions: Iterable[Definition]) -> str | None:
    """``custom:<key>``, a key or a label of a custom field, as ``custom:<key>``."""
    stripped = name.strip()
    if stripped.casefold().startswith(CUSTOM_PREFIX):
        stripped = stripped[len(CUSTOM_PREFIX) :].strip()
    squashed = squash(stripped)
    for definition in definitions:
        if stripped == definition.key or squashed in (
            squash(definition.key),
            squash(definition.label),
        ):
            return f"{CUSTOM_PREFIX}{definition.key}"
    return None


class MappingError(ValueError):
    """The headers can't be mapped; the message names the columns at fault."""


@dataclass
class ColumnMapping:
    """Each header of the file and the field it fills (``ignore`` for none)."""

    targets: dict[str, str] = field(default_factory=dict)

    def header_of(self, target: str) -> str:
        return next((h for h, t in self.targets.items() if t == target), target)

    @property
    def used(self) -> dict[str, str]:
        return {h: t for h, t in self.targets.items() if t != IGNORE}


def valid_targets(spec: KindSpec, definitions: Iterable[Definition]) -> list[str]:
    return [c.field for c in spec.columns] + [f"{CUSTOM_PREFIX}{d.key}" for d in definitions]


def resolve_target(name: str, spec: KindSpec, definitions: Iterable[Definition]) -> str | None:
    """The target an explicit mapping names: a field, ``ignore`` or a custom field."""
    definitions = list(definitions)
    if name.strip().casefold() == IGNORE:
        return IGNORE
    if spec.column(name.strip()) is not None:
        return name.strip()
    return automatic_target(name, spec, definitions)


def map_columns(
    header: list[str],
    spec: KindSpec,
    definitions: Iterable[Definition],
    explicit: Mapping[str, str] | None = None,
) -> ColumnMapping:
    """Map every header to a field; raise ``MappingError`` naming unknown or doubled ones."""
    definitions = list(definitions)
    explicit = {h.strip().casefold(): t for h, t in (explicit or {}).items()}
    unknown_explicit = [h for h in explicit if h not in {x.casefold() for x in header}]
    if unknown_explicit:
        raise MappingError(
            f"The mapping names columns the file doesn't have: {', '.join(unknown_explicit)}. "
            f"The file's columns are: {', '.join(header)}."
        )
    targets: dict[str, str] = {}
    unknown: list[str] = []
    bad_targets: list[str] = []
    for name in header:
        wanted = explicit.get(name.casefold())
        if wanted is not None:
            target = resolve_target(wanted, spec, definitions)
            if target is None:
                bad_targets.append(f"{name}={wanted}")
                continue
        else:
            target = automatic_target(name, spec, definitions)
            if target is None:
                unknown.append(name)
                continue
        targets[name] = target
    allowed = ", ".join(valid_targets(spec, definitions))
    if bad_targets:
        raise MappingError(
            f"Unknown field in the mapping: {', '.join(bad_targets)}. Fields of {spec.kind}: "
            f"{allowed}, or ignore."
        )
    if unknown and len(unknown) == len(header):
        raise MappingError(
            f"No column of the first row names a field of {spec.kind} ({', '.join(header[:5])}"
            f"{'…' if len(header) > 5 else ''}): the first row must be a header naming the "
            f"columns, e.g. {', '.join(c.field for c in spec.columns[:3])}."
        )
    if unknown:
        raise MappingError(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. Map "
            f"{'each' if len(unknown) > 1 else 'it'} to a field of {spec.kind} ({allowed}) or "
            "to ignore."
        )
    doubled = _doubled(targets)
    if doubled:
        raise MappingError(f"Several columns fill the same field: {doubled}.")
    return ColumnMapping(targets)


def _doubled(targets: Mapping[str, str]) -> str:
    by_target: dict[str, list[str]] = {}
    for header, target in targets.items():
        if target != IGNORE:
            by_target.setdefault(target, []).append(header)
    return "; ".join(
        f"{', '.join(headers)} → {target}"
        for target, headers in by_target.items()
        if len(headers) > 1
    )


def parse_mapping_options(pairs: Iterable[str]) -> dict[str, str]:
    """``["Header=field", …]`` (the command's ``--map``) as a dict; ValueError if malformed."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, target = pair.partition("=")
        if not sep or not header.strip() or not target.strip():
            raise ValueError(f"--map {pair!r}: expected HEADER=FIELD (or HEADER=ignore)")
        mapping[header.strip()] = target.strip()
    return mapping


def automatic_mapping(
    header: list[str], spec: KindSpec, definitions: Iterable[Definition]
) -> dict[str, str]:
    """The headers that name a field by themselves, and that field (unknown ones left out)."""
    definitions = list(definitions)
    found = {}
    for name in header:
        target = automatic_target(name, spec, definitions)
        if target is not None:
            found[name] = target
    return found
