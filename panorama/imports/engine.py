"""What every kind of import shares: typed rows, the planned write of a row, look-ups of
related records by natural key loaded in bulk, and turning validation errors into row errors.

An importer first *plans* each row (find the record by its key, set the row's values on it,
validate it with the model's own rules) without writing anything: that is the dry run. Then,
when applying, it runs each planned row's write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from panorama.core.models import User
from panorama.customers.custom_fields import FieldType, clean_value
from panorama.customers.models import Account, CustomFieldDefinition
from panorama.imports import values
from panorama.imports.columns import CUSTOM_PREFIX, ColumnMapping, KindSpec
from panorama.imports.csvfile import CsvRow
from panorama.imports.report import CREATE, ERROR, UNCHANGED, UPDATE, Change, RowError, RowResult

BATCH = 900  # values per IN (…) look-up: under SQLite's limit on query parameters
T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


def batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def display(value: Any) -> str:
    """A value as the preview shows it."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, list | tuple):
        return "; ".join(display(v) for v in value)
    return str(value)


@dataclass
class ParsedRow:
    """A row's non-empty cells, parsed: ``values`` by target field, ``texts`` as typed."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def has(self, target: str) -> bool:
        return target in self.values


def parse_rows(
    rows: Sequence[CsvRow], header: list[str], mapping: ColumnMapping, spec: KindSpec
) -> list[ParsedRow]:
    """Parse every cell with its column's parser; an empty cell leaves the field as it is."""
    used = [(i, name, mapping.targets[name]) for i, name in enumerate(header)]
    used = [(i, name, target) for i, name, target in used if target != "ignore"]
    parsed: list[ParsedRow] = []
    for row in rows:
        result = ParsedRow(row.number)
        extra = [c for c in row.cells[len(header) :] if c.strip()]
        if extra:
            result.errors.append(
                RowError(
                    row.number,
                    "",
                    f"has {len(row.cells)} cells but the header has {len(header)} columns "
                    "(a separator inside a value needs quotes)",
                )
            )
        for index, name, target in used:
            text = row.cells[index].strip() if index < len(row.cells) else ""
            if not text:
                continue
            result.texts[target] = text
            if target.startswith(CUSTOM_PREFIX):
                result.values[target] = text  # parsed against its definition later
                continue
            column = spec.column(target)
            assert column is not None
            if column.read_only:
                result.errors.append(RowError(row.number, name, column.read_only))
                continue
            try:
                result.values[target] = column.parse(text)
            except ValueError as exc:
                result.errors.append(RowError(row.number, name, str(exc)))
        parsed.append(result)
    return parsed


def parse_custom(definition: CustomFieldDefinition, text: str) -> Any:
    """A custom field's cell as its definition stores it; ValueError naming the field."""
    value: Any = text
    try:
        if definition.field_type == FieldType.BOOLEAN:
            value = values.parse_bool(text)
        elif definition.field_type == FieldType.CHOICE:
            value = next((o for o in definition.options if o.casefold() == text.casefold()), text)
        return clean_value(definition, value)
    except ValueError as exc:
        raise ValueError(f"custom field {definition.label!r} ({definition.key}) {exc}") from None


class RowProblem(Exception):
    """Stops planning a row: ``target`` is the field at fault ("" for the row)."""

    def __init__(self, target: str, message: str) -> None:
        super().__init__(message)
        self.target = target
        self.message = message


@dataclass
class Planned:
    """A row ready to be written: its result (as the preview shows it) and its write."""

    result: RowResult
    write: Callable[[], None] | None = None
    depends_on: list[Planned] = field(default_factory=list)
    failed: bool = False


def by_name(queryset: Iterable[M], attr: str = "name") -> dict[str, M]:
    return {str(getattr(obj, attr)).casefold(): obj for obj in queryset}


def domain_key(domain: str) -> str:
    """How domains are compared: lower case, without scheme, path or "www."."""
    try:
        return values.parse_domain(domain)
    except ValueError:
        return domain.strip().lower()


class AccountLookup:
    """Accounts by external id and by domain, loaded in one pass for all the rows' references;
    accounts an accounts import is about to create are added as their rows are planned."""

    def __init__(self) -> None:
        self.by_external_id: dict[str, Account] = {}
        self.by_domain: dict[str, list[Account]] = {}

    def load(self, refs: Iterable[str], *, select: Sequence[str] = ()) -> None:
        refs = {r for r in refs if r}
        domains = {domain_key(r) for r in refs}
        domains |= {f"www.{d}" for d in domains}
        for chunk in batches(sorted(refs | domains)):
            query = Q(external_id__in=[r for r in chunk if r in refs]) | Q(domain_lower__in=chunk)
            rows = Account.objects.annotate(domain_lower=Lower("domain")).filter(query)
            for account in rows.select_related(*select) if select else rows:
                self.add(account)

    def add(self, account: Account) -> None:
        if account.external_id:
            self.by_external_id[account.external_id] = account
        if account.domain:
            same = self.by_domain.setdefault(domain_key(account.domain), [])
            if all(a is not account for a in same):
                same.append(account)

    def forget_domain(self, account: Account, domain: str) -> None:
        same = self.by_domain.get(domain_key(domain), [])
        self.by_domain[domain_key(domain)] = [a for a in same if a is not account]

    def find(self, ref: str, what: str = "account") -> Account:
        """The account ``ref`` names (external id, else domain); RowProblem if none or many."""
        found = self.by_external_id.get(ref)
        if found is not None:
            return found
        candidates = self.by_domain.get(domain_key(ref), [])
        if len(candidates) > 1:
            ids = ", ".join(f"#{a.pk}" if a.pk else "a new one" for a in candidates[:5])
            raise RowProblem(
                what,
                f"{len(candidates)} accounts have the domain {domain_key(ref)} ({ids}): "
                "name it by its external id",
            )
        if candidates:
            return candidates[0]
        raise RowProblem(what, f"no account has the external id or domain {values.shown(ref)}")


def load_users(emails: Iterable[str]) -> dict[str, User]:
    users: dict[str, User] = {}
    for chunk in batches(sorted({e.lower() for e in emails if e})):
        users.update({u.email.lower(): u for u in User.objects.filter(email__in=chunk)})
    return users


def find_user(users: Mapping[str, User], email: str, target: str = "owner") -> User:
    user = users.get(email.lower())
    if user is None or not user.is_active:
        raise RowProblem(target, f"no active user has the e-mail {values.shown(email)}")
    return user


def find_named(named: Mapping[str, T], name: str, target: str, what: str) -> T:
    found = named.get(name.casefold())
    if found is None:
        known = ", ".join(sorted(str(v) for v in named.values())[:20]) or "none yet"
        raise RowProblem(target, f"no {what} is named {values.shown(name)} (known: {known})")
    return found


def errors_of(exc: ValidationError, fields: Mapping[str, str] | None = None) -> list[RowProblem]:
    """A model's ValidationError as row problems, each naming the field (``fields`` renames
    model fields to the importer's targets)."""
    problems: list[RowProblem] = []
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            target = (fields or {}).get(name, name)
            target = "" if target == "__all__" else target
            problems.extend(RowProblem(target, m) for m in messages)
    else:
        problems.extend(RowProblem("", m) for m in exc.messages)
    return problems


class Importer:
    """Base of the four importers: row bookkeeping and the result of a planned row."""

    spec: KindSpec

    def __init__(
        self,
        *,
        mapping: ColumnMapping,
        definitions: Sequence[CustomFieldDefinition] = (),
    ) -> None:
        self.mapping = mapping
        self.definitions = {d.key: d for d in definitions}
        self.claimed: dict[int, int] = {}  # id(record) -> row that imports it
        self.planned_of: dict[int, Planned] = {}  # id(record created by a row) -> its plan
        self.seen_keys: dict[tuple[str, Any], int] = {}  # (target, value) -> first row

    def prefetch(self, rows: Sequence[ParsedRow]) -> None:
        raise NotImplementedError

    def plan_row(self, row: ParsedRow, result: RowResult) -> Planned:
        raise NotImplementedError

    def header(self, target: str) -> str:
        """The CSV column of ``target`` (the field's name when no column fills it)."""
        return self.mapping.header_of(target) if target else ""

    def file_keys(self, row: ParsedRow) -> list[tuple[str, Any]]:
        """The row's keys (target, normalised value) that no other row may repeat."""
        return []

    def _repeated_keys(self, row: ParsedRow) -> list[RowError]:
        repeated = []
        for target, value in self.file_keys(row):
            first = self.seen_keys.setdefault((target, value), row.number)
            if first != row.number:
                repeated.append(
                    RowError(
                        row.number,
                        self.header(target),
                        f"duplicate key: row {first} has the same {target}",
                    )
                )
        return repeated

    def plan(self, row: ParsedRow) -> Planned:
        """Plan ``row``; a row with any problem is an error and writes nothing."""
        result = RowResult(row.number)
        repeated = self._repeated_keys(row)
        if repeated:
            result.action = ERROR
            result.errors = [*row.errors, *repeated]
            return Planned(result)
        if row.errors:
            result.action = ERROR
            result.errors = list(row.errors)
            return Planned(result)
        try:
            planned = self.plan_row(row, result)
        except RowProblem as problem:
            return self.failed(result, [problem])
        except ProblemList as problems:
            return self.failed(result, problems.problems)
        except ValidationError as exc:
            return self.failed(result, errors_of(exc))
        return planned

    def failed(self, result: RowResult, problems: Iterable[RowProblem]) -> Planned:
        result.action = ERROR
        result.changes = []
        result.errors = [RowError(result.row, self.header(p.target), p.message) for p in problems]
        return Planned(result)

    def claim(self, record: models.Model, row: ParsedRow, key: str) -> None:
        """Refuse a second row of the file for the same record (a duplicate key)."""
        first = self.claimed.get(id(record))
        if first is not None:
            raise RowProblem(key, f"duplicate key: row {first} imports the same record")
        self.claimed[id(record)] = row.number

    def custom_values(
        self, row: ParsedRow, stored: Mapping[str, Any], changes: list[Change]
    ) -> dict[str, Any]:
        """The record's custom values with the row's applied; synced ones are refused."""
        merged = dict(stored)
        problems: list[RowProblem] = []
        for target, text in row.values.items():
            if not target.startswith(CUSTOM_PREFIX):
                continue
            definition = self.definitions[target.removeprefix(CUSTOM_PREFIX)]
            try:
                value = parse_custom(definition, text)
            except ValueError as exc:
                problems.append(RowProblem(target, str(exc)))
                continue
            if value == stored.get(definition.key):
                continue
            if definition.is_synced:
                problems.append(
                    RowProblem(
                        target,
                        f"custom field {definition.label!r} ({definition.key}) is synced from "
                        f"{definition.source or 'an integration'} and read-only",
                    )
                )
                continue
            merged[definition.key] = value
            changes.append(
                Change(definition.label, display(stored.get(definition.key)), display(value))
            )
        if problems:
            raise ProblemList(problems)
        return merged

    def result_for(
        self, result: RowResult, *, created: bool, label: str, changes: list[Change]
    ) -> None:
        result.label = label
        result.changes = changes
        result.action = CREATE if created else (UPDATE if changes else UNCHANGED)


class ProblemList(Exception):
    """Several problems of one row at once."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
