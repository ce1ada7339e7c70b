"""Importing accounts: upsert by external id, else by domain; parent, owner, stage, plan and
tags by natural key; custom fields by key or label."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError

from panorama.customers.models import Account, Plan, Stage, Tag, check_web_urls
from panorama.imports.columns import KINDS
from panorama.imports.engine import (
    AccountLookup,
    Importer,
    ParsedRow,
    Planned,
    ProblemList,
    RowProblem,
    by_name,
    display,
    domain_key,
    errors_of,
    find_named,
    find_user,
    load_users,
)
from panorama.imports.report import ERROR, Change, RowResult

# Columns written as they are (after parsing) to the field of the same name.
PLAIN_FIELDS = (
    "name",
    "domain",
    "account_type",
    "status",
    "segment",
    "service_tier",
    "customer_since",
    "csm_pulse",
    "qualification_state",
    "industry",
    "employee_count",
    "annual_revenue",
    "city",
    "country",
    "linkedin_url",
    "logo_url",
    "description",
)
RELATIONS = ("parent", "owner", "stage", "plan")


def field_label(model: type[Any], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def shown_value(model: type[Any], name: str, value: Any) -> str:
    """A field's value as people read it (a choice by its label)."""
    choices = getattr(model._meta.get_field(name), "flatchoices", None)
    if choices and value:
        return str(dict(choices).get(value, value))
    return display(value)


def set_plain(
    record: Any, row: ParsedRow, names: Sequence[str], changes: list[Change]
) -> list[str]:
    """Set the row's values of ``names`` on ``record``; return the fields that changed."""
    model = type(record)
    changed = []
    for name in names:
        if name not in row.values:
            continue
        old, new = getattr(record, name), row.values[name]
        if old == new:
            continue
        setattr(record, name, new)
        changed.append(name)
        changes.append(
            Change(
                field_label(model, name),
                shown_value(model, name, old),
                shown_value(model, name, new),
            )
        )
    return changed


def validate_fields(record: Any, *, created: bool, touched: Sequence[str]) -> list[RowProblem]:
    """The model's own checks of each field (type, length, choices, validators)."""
    relations = [f.name for f in record._meta.fields if f.is_relation]
    exclude = {*relations, "custom_fields"}
    if not created:
        exclude |= {f.name for f in record._meta.fields if f.name not in touched}
    try:
        record.clean_fields(exclude=exclude)
    except ValidationError as exc:
        return errors_of(exc)
    return []


class AccountImporter(Importer):
    spec = KINDS["accounts"]

    def prefetch(self, rows: Sequence[ParsedRow]) -> None:
        used = set(self.mapping.used.values())
        refs = {
            str(r.values[t])
            for r in rows
            for t in ("external_id", "domain", "parent")
            if t in r.values
        }
        self.accounts = AccountLookup()
        self.accounts.load(refs, select=RELATIONS)
        self.users = load_users(r.values["owner"] for r in rows if "owner" in r.values)
        self.stages = by_name(Stage.objects.all()) if "stage" in used else {}
        self.plans = by_name(Plan.objects.all()) if "plan" in used else {}
        self.tags = by_name(Tag.objects.all()) if "tags" in used else {}
        self.tag_ids: dict[int, set[int]] = {}
        if "tags" in used:
            ids = [a.pk for a in self.accounts.by_external_id.values()] + [
                a.pk for same in self.accounts.by_domain.values() for a in same
            ]
            through = Account.tags.through.objects.filter(account_id__in=set(ids))
            for account_id, tag_id in through.values_list("account_id", "tag_id"):
                self.tag_ids.setdefault(account_id, set()).add(tag_id)
        self.failed_refs: dict[str, int] = {}

    def plan(self, row: ParsedRow) -> Planned:
        planned = super().plan(row)
        if planned.result.action == ERROR:
            for target in ("external_id", "domain"):
                if target in row.values:
                    ref = str(row.values[target])
                    self.failed_refs.setdefault(ref, row.number)
                    self.failed_refs.setdefault(domain_key(ref), row.number)
        return planned

    def file_keys(self, row: ParsedRow) -> list[tuple[str, Any]]:
        if "external_id" in row.values:
            return [("external_id", row.values["external_id"])]
        if "domain" in row.values:
            return [("domain", domain_key(row.values["domain"]))]
        return []

    def _find(self, row: ParsedRow) -> tuple[Account | None, str]:
        external_id, domain = row.values.get("external_id"), row.values.get("domain")
        if external_id and external_id in self.accounts.by_external_id:
            return self.accounts.by_external_id[external_id], "external_id"
        if domain:
            # With an external id the row names another account than those holding one.
            candidates = [
                a
                for a in self.accounts.by_domain.get(domain_key(domain), [])
                if not external_id or not a.external_id
            ]
            if len(candidates) > 1:
                ids = ", ".join(f"#{a.pk}" if a.pk else "a new one" for a in candidates[:5])
                raise RowProblem(
                    "domain",
                    f"{len(candidates)} accounts have the domain {domain} ({ids}): add an "
                    "external_id column to say which",
                )
            if candidates:
                return candidates[0], "domain"
        return None, ""

    def _parent(self, ref: str, account: Account) -> Account:
        try:
            parent = self.accounts.find(ref, "parent")
        except RowProblem:
            row = self.failed_refs.get(ref, self.failed_refs.get(domain_key(ref)))
            if row is not None:
                raise RowProblem(
                    "parent", f"the parent account is on row {row}, which has errors"
                ) from None
            raise
        if parent is account:
            raise RowProblem("parent", "an account cannot be its own parent")
        return parent

    def plan_row(self, row: ParsedRow, result: RowResult) -> Planned:
        account, key = self._find(row)
        created = account is None
        if account is None:
            account = Account()
        else:
            self.claim(account, row, key)
        old_domain = account.domain
        changes: list[Change] = []
        problems: list[RowProblem] = []
        planned = Planned(result)
        v = row.values

        if "external_id" in v and v["external_id"] != account.external_id:
            if account.external_id:
                problems.append(
                    RowProblem(
                        "external_id",
                        f"external_id is the product's id for this record; it is read-only once "
                        f"set (it is {account.external_id!r})",
                    )
                )
            else:
                account.external_id = v["external_id"]
                changes.append(Change("External ID", "", v["external_id"]))
        touched = set_plain(account, row, PLAIN_FIELDS, changes)
        if created and not account.name:
            problems.append(RowProblem("name", "a new account needs a name"))

        finders = {
            "parent": lambda ref: self._parent(ref, account),
            "owner": lambda email: find_user(self.users, email),
            "stage": lambda name: find_named(self.stages, name, "stage", "lifecycle stage"),
            "plan": lambda name: find_named(self.plans, name, "plan", "plan"),
        }
        relations: dict[str, Any] = {}
        for name, find in finders.items():
            if name in v:
                try:
                    relations[name] = find(v[name])
                except RowProblem as problem:
                    problems.append(problem)
        for name, related in relations.items():
            old = getattr(account, name) if getattr(account, f"{name}_id") else None
            if old is related or (
                related.pk is not None and old is not None and old.pk == related.pk
            ):
                continue
            setattr(account, name, related)
            changes.append(Change(field_label(Account, name), display(old), display(related)))
            if related.pk is None and id(related) in self.planned_of:
                planned.depends_on.append(self.planned_of[id(related)])

        tags: list[Tag] | None = None
        if "tags" in v:
            try:
                tags = [find_named(self.tags, n, "tags", "tag") for n in v["tags"]]
            except RowProblem as problem:
                problems.append(problem)
            else:
                old_ids = self.tag_ids.get(account.pk, set()) if account.pk else set()
                if {t.pk for t in tags} == old_ids:
                    tags = None
                else:
                    old_names = sorted(t.name for t in self.tags.values() if t.pk in old_ids)
                    changes.append(
                        Change(
                            "Tags", "; ".join(old_names), "; ".join(sorted(t.name for t in tags))
                        )
                    )
        try:
            custom = self.custom_values(row, account.custom_fields or {}, changes)
        except ProblemList as exc:
            problems.extend(exc.problems)
        else:
            account.custom_fields = custom

        problems += validate_fields(account, created=created, touched=touched)
        try:
            check_web_urls(account, ("logo_url", "linkedin_url"))
        except ValidationError as exc:
            problems += errors_of(exc)
        if not created and "parent" in relations and account.parent_id is not None:
            try:
                account._check_hierarchy()
            except ValidationError as exc:
                problems += errors_of(exc)
        if problems:
            raise ProblemList(problems)

        self.result_for(result, created=created, label=account.name, changes=changes)
        if old_domain != account.domain and not created:
            self.accounts.forget_domain(account, old_domain)
        self.accounts.add(account)
        if created:
            self.claimed[id(account)] = row.number
            self.planned_of[id(account)] = planned
        if created or changes:
            planned.write = lambda: self._write(account, tags)
        return planned

    @staticmethod
    def _write(account: Account, tags: list[Tag] | None) -> None:
        account.save()
        if tags is not None:
            account.tags.set(tags)
