"""Importing contacts: upsert by e-mail, else by external id; the account column (external
id or domain) makes the contact a member of that account, with the role column's role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from panorama.customers.models import Contact, Membership, check_web_urls
from panorama.imports.accounts import set_plain, validate_fields
from panorama.imports.columns import KINDS
from panorama.imports.engine import (
    AccountLookup,
    Importer,
    ParsedRow,
    Planned,
    ProblemList,
    RowProblem,
    batches,
    errors_of,
)
from panorama.imports.report import Change, RowResult
from panorama.imports.values import shown

PLAIN_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "title",
    "phone",
    "avatar_url",
    "buying_role",
    "is_sponsor",
)


class ContactImporter(Importer):
    spec = KINDS["contacts"]

    def prefetch(self, rows: Sequence[ParsedRow]) -> None:
        emails = sorted({r.values["email"] for r in rows if "email" in r.values})
        external_ids = sorted({r.values["external_id"] for r in rows if "external_id" in r.values})
        self.by_email: dict[str, Contact] = {}
        self.by_external_id: dict[str, Contact] = {}
        found: dict[int, Contact] = {}
        for field, keys in (("email", emails), ("external_id", external_ids)):
            for chunk in batches(keys):
                for contact in Contact.objects.filter(Q(**{f"{field}__in": chunk})):
                    found.setdefault(contact.pk, contact)
        for contact in found.values():
            self._index(contact)
        self.memberships: dict[int, list[Membership]] = {}
        for chunk in batches(sorted(found)):
            for membership in Membership.objects.filter(contact_id__in=chunk):
                self.memberships.setdefault(membership.contact_id, []).append(membership)
        self.accounts = AccountLookup()
        self.accounts.load(r.values["account"] for r in rows if "account" in r.values)

    def file_keys(self, row: ParsedRow) -> list[tuple[str, Any]]:
        return [(t, row.values[t]) for t in ("email", "external_id") if t in row.values]

    def _index(self, contact: Contact) -> None:
        if contact.email:
            self.by_email[contact.email] = contact
        if contact.external_id:
            self.by_external_id[contact.external_id] = contact

    def plan_row(self, row: ParsedRow, result: RowResult) -> Planned:
        v = row.values
        email, external_id = v.get("email"), v.get("external_id")
        if not email and not external_id:
            raise RowProblem("email", "a contact needs an e-mail or an external id")
        contact, key = None, ""
        if email:
            contact, key = self.by_email.get(email), "email"
        if contact is None and external_id:
            contact, key = self.by_external_id.get(external_id), "external_id"
        created = contact is None
        if contact is None:
            contact = Contact()
        else:
            self.claim(contact, row, key)
        changes: list[Change] = []
        problems: list[RowProblem] = []

        if email and self.by_email.get(email, contact) is not contact:
            problems.append(RowProblem("email", f"{shown(email)} is another contact's e-mail"))
        if external_id and external_id != contact.external_id:
            other = self.by_external_id.get(external_id)
            if contact.external_id:
                problems.append(
                    RowProblem(
                        "external_id",
                        f"external_id is the product's id for this record; it is read-only once "
                        f"set (it is {contact.external_id!r})",
                    )
                )
            elif other is not None and other is not contact:
                problems.append(
                    RowProblem(
                        "external_id", f"{shown(external_id)} is another contact's external id"
                    )
                )
            else:
                contact.external_id = external_id
                changes.append(Change("External ID", "", external_id))
        touched = set_plain(contact, row, PLAIN_FIELDS, changes)

        membership: Membership | None = None
        if "account" in v:
            try:
                account = self.accounts.find(v["account"], "account")
            except RowProblem as problem:
                problems.append(problem)
            else:
                held = self.memberships.get(contact.pk, []) if contact.pk else []
                membership = next((m for m in held if m.account_id == account.pk), None)
                role = v.get("role", "")
                if membership is None:
                    primary = not any(m.is_primary for m in held)
                    membership = Membership(account=account, role=role, is_primary=primary)
                    changes.append(
                        Change("Accounts", "", f"+ {account.name}" + (f" ({role})" if role else ""))
                    )
                elif "role" in v and membership.role != role:
                    changes.append(Change(f"Role at {account.name}", membership.role, role))
                    membership.role = role
                else:
                    membership = None
        elif "role" in v:
            problems.append(RowProblem("role", "a role needs the account column too"))
        elif created:
            problems.append(
                RowProblem("account", "a new contact needs an account (its external id or domain)")
            )
        try:
            contact.custom_fields = self.custom_values(row, contact.custom_fields or {}, changes)
        except ProblemList as exc:
            problems.extend(exc.problems)
        problems += validate_fields(contact, created=created, touched=touched)
        try:
            check_web_urls(contact, ("avatar_url",))
        except ValidationError as exc:
            problems += errors_of(exc)
        if problems:
            raise ProblemList(problems)

        label = contact.full_name or contact.email or contact.external_id or ""
        self.result_for(result, created=created, label=label, changes=changes)
        self._index(contact)
        if created:
            self.claimed[id(contact)] = row.number
        planned = Planned(result)
        if created or changes:
            planned.write = lambda: self._write(contact, membership)
        return planned

    @staticmethod
    def _write(contact: Contact, membership: Membership | None) -> None:
        contact.save()
        if membership is None:
            return
        if membership.pk is None:
            membership.contact = contact
        membership.save()
