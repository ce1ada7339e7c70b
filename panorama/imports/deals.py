"""Importing deals through the revenue services, so each gets its stage history, timeline
entry and audit row: upsert by external id, else by account + name (exactly one deal of
that account with that name); a new stage is a stage move (``move_deal_stage``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError

from panorama.core import clock
from panorama.customers.models import Account, Contact, Membership
from panorama.imports.accounts import field_label, shown_value
from panorama.imports.columns import KINDS
from panorama.imports.engine import (
    AccountLookup,
    Importer,
    ParsedRow,
    Planned,
    ProblemList,
    RowProblem,
    batches,
    by_name,
    display,
    domain_key,
    errors_of,
    find_named,
    find_user,
    load_users,
)
from panorama.imports.report import Change, RowResult
from panorama.imports.values import shown
from panorama.revenue.models import Deal, Pipeline, PipelineStage
from panorama.revenue.models.common import DEFAULT_CURRENCY
from panorama.revenue.services import move_deal_stage, record_deal_created, update_deal

# Columns that ``update_deal`` changes as they are.
PLAIN_FIELDS = ("name", "value", "currency", "close_date", "next_step", "products", "lost_reason")
RELATED = ("account", "pipeline", "stage", "owner")


def validate_candidate(record: Any, touched: Sequence[str] | None = None) -> list[RowProblem]:
    """A revenue record's own checks (normalise, each field, ``clean``), without the unique
    look-ups (the importer knows its keys) nor queries for relations (set as objects)."""
    record.normalise()
    relations = [f.name for f in record._meta.fields if f.is_relation]
    exclude = set(relations)
    if touched is not None:
        exclude |= {f.name for f in record._meta.fields if f.name not in touched}
    try:
        record.clean_fields(exclude=exclude)
    except ValidationError as exc:
        return errors_of(exc)
    try:
        record.clean()
    except ValidationError as exc:
        return errors_of(exc)
    return []


def copy_of(record: Any, related: Sequence[str]) -> Any:
    """An unsaved copy of ``record`` to validate changes on, with its loaded relations."""
    copy = type(record)(
        **{f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}
    )
    for name in related:
        if getattr(record, f"{name}_id") is not None:
            setattr(copy, name, getattr(record, name))
    return copy


def existing_records(query: Any, rows: Sequence[ParsedRow], accounts: Any) -> dict[int, Any]:
    """The records of ``query`` the rows may update, in bulk: by external id, and when a row
    has none (or an id is new), every record of the accounts the rows name."""
    records: dict[int, Any] = {}
    external_ids = sorted({r.values["external_id"] for r in rows if "external_id" in r.values})
    for chunk in batches(external_ids):
        records.update({r.pk: r for r in query.filter(external_id__in=chunk)})
    account_ids = {a.pk for a in accounts.by_external_id.values()}
    account_ids |= {a.pk for same in accounts.by_domain.values() for a in same}
    if any("external_id" not in r.values for r in rows) or len(records) < len(external_ids):
        for chunk in batches(sorted(account_ids)):
            for record in query.filter(account_id__in=chunk):
                records.setdefault(record.pk, record)
    return records


class DealImporter(Importer):
    spec = KINDS["deals"]

    def prefetch(self, rows: Sequence[ParsedRow]) -> None:
        self.accounts = AccountLookup()
        self.accounts.load(r.values["account"] for r in rows if "account" in r.values)
        deals = existing_records(Deal.objects.select_related(*RELATED), rows, self.accounts)
        self.by_external_id = {d.external_id: d for d in deals.values() if d.external_id}
        self.by_name: dict[tuple[int, str], list[Deal]] = {}
        for deal in deals.values():
            self.by_name.setdefault((deal.account_id, deal.name.casefold()), []).append(deal)
        self.contact_ids: dict[int, set[int]] = {}
        for chunk in batches(sorted(deals)):
            through = Deal.contacts.through.objects.filter(deal_id__in=chunk)
            for deal_id, contact_id in through.values_list("deal_id", "contact_id"):
                self.contact_ids.setdefault(deal_id, set()).add(contact_id)

        pipelines = list(Pipeline.objects.order_by("-is_default", "position", "id"))
        self.default_pipeline = pipelines[0] if pipelines else None
        self.pipelines = by_name(pipelines)
        self.stages: dict[int, dict[str, PipelineStage]] = {p.pk: {} for p in pipelines}
        self.first_open: dict[int, PipelineStage] = {}
        for stage in PipelineStage.objects.select_related("pipeline").order_by("position", "id"):
            self.stages[stage.pipeline_id][stage.name.casefold()] = stage
            if not stage.is_closing:
                self.first_open.setdefault(stage.pipeline_id, stage)
        self.users = load_users(r.values["owner"] for r in rows if "owner" in r.values)

        emails = sorted({e.lower() for r in rows for e in r.values.get("contacts", [])})
        self.contacts: dict[str, Contact] = {}
        for chunk in batches(emails):
            self.contacts.update(
                {c.email: c for c in Contact.objects.filter(email__in=chunk) if c.email}
            )
        self.members: set[tuple[int, int]] = set()
        ids = sorted(c.pk for c in self.contacts.values())
        for chunk in batches(ids):
            pairs = Membership.objects.filter(contact_id__in=chunk)
            self.members |= set(pairs.values_list("contact_id", "account_id"))

    def file_keys(self, row: ParsedRow) -> list[tuple[str, Any]]:
        v = row.values
        if "external_id" in v:
            return [("external_id", v["external_id"])]
        if "account" in v and "name" in v:
            return [("name", (domain_key(v["account"]), v["name"].casefold()))]
        return []

    def _find(self, row: ParsedRow, account: Account | None) -> tuple[Deal | None, str]:
        external_id, name = row.values.get("external_id"), row.values.get("name")
        if external_id and external_id in self.by_external_id:
            return self.by_external_id[external_id], "external_id"
        if account is None or not name or account.pk is None:
            return None, ""
        candidates = [
            d
            for d in self.by_name.get((account.pk, name.casefold()), [])
            if not external_id or not d.external_id
        ]
        if len(candidates) > 1:
            raise RowProblem(
                "name",
                f"{account.name} has {len(candidates)} deals named {shown(name)}: add an "
                "external_id column to say which",
            )
        return (candidates[0], "name") if candidates else (None, "")

    def _contacts(self, emails: list[str], account: Account) -> list[Contact]:
        found, problems = [], []
        for email in emails:
            contact = self.contacts.get(email.lower())
            if contact is None:
                problems.append(f"no contact has the e-mail {shown(email)}")
            elif (contact.pk, account.pk) not in self.members:
                problems.append(f"{email} is not a member of {account.name}")
            else:
                found.append(contact)
        if problems:
            raise RowProblem("contacts", "; ".join(problems))
        return found

    def _stage(self, row: ParsedRow, pipeline: Pipeline | None) -> PipelineStage | None:
        if "stage" not in row.values:
            return None
        if pipeline is None:
            raise RowProblem("stage", "there is no sales pipeline yet: create one in Settings")
        return find_named(
            self.stages[pipeline.pk], row.values["stage"], "stage", f"stage of {pipeline.name}"
        )

    def plan_row(self, row: ParsedRow, result: RowResult) -> Planned:
        v = row.values
        account = self.accounts.find(v["account"], "account") if "account" in v else None
        deal, key = self._find(row, account)
        if deal is not None:
            self.claim(deal, row, key)
        problems: list[RowProblem] = []
        pipeline = None
        try:
            if "pipeline" in v:
                pipeline = find_named(self.pipelines, v["pipeline"], "pipeline", "pipeline")
            stage = self._stage(row, pipeline or (deal.pipeline if deal else self.default_pipeline))
            owner = find_user(self.users, v["owner"]) if "owner" in v else None
            target_account = account or (deal.account if deal else None)
            contacts = (
                self._contacts(v["contacts"], target_account)
                if "contacts" in v and target_account is not None
                else None
            )
        except RowProblem as problem:
            raise ProblemList([*problems, problem]) from None
        if deal is None:
            return self._plan_create(row, result, account, pipeline, stage, owner, contacts)
        if account is not None and account.pk != deal.account_id:
            problems.append(RowProblem("account", "an import can't move a deal to another account"))
        if pipeline is not None and stage is None and pipeline.pk != deal.pipeline_id:
            problems.append(RowProblem("stage", f"give the deal's stage in {pipeline.name}"))
        if problems:
            raise ProblemList(problems)
        return self._plan_update(row, result, deal, stage, owner, contacts)

    def _plan_create(
        self,
        row: ParsedRow,
        result: RowResult,
        account: Account | None,
        pipeline: Pipeline | None,
        stage: PipelineStage | None,
        owner: Any,
        contacts: list[Contact] | None,
    ) -> Planned:
        v = row.values
        problems: list[RowProblem] = []
        if account is None:
            problems.append(RowProblem("account", "a new deal needs an account"))
        if not v.get("name"):
            problems.append(RowProblem("name", "a new deal needs a name"))
        pipeline = pipeline or (stage.pipeline if stage else self.default_pipeline)
        if pipeline is None:
            problems.append(RowProblem("pipeline", "there is no sales pipeline yet"))
        elif stage is None:
            stage = self.first_open.get(pipeline.pk)
            if stage is None:
                problems.append(RowProblem("stage", f"{pipeline.name} has no open stage"))
        if problems:
            raise ProblemList(problems)
        assert account is not None and stage is not None
        created_at = v.get("created_at") or clock.now()
        closed_at = v.get("closed_at")
        if closed_at is not None and not stage.is_closing:
            raise RowProblem("closed_at", "only a won or lost deal has a closing time")
        candidate = Deal(
            account=account,
            name=v["name"],
            pipeline=stage.pipeline,
            stage=stage,
            value=v.get("value", 0),
            currency=v.get("currency", DEFAULT_CURRENCY),
            close_date=v.get("close_date"),
            owner=owner,
            next_step=v.get("next_step", ""),
            products=v.get("products", []),
            lost_reason=v.get("lost_reason", ""),
            external_id=v.get("external_id"),
            created_at=created_at,
            stage_entered_at=created_at,
            closed_at=(closed_at or created_at) if stage.is_closing else None,
        )
        problems = validate_candidate(candidate)
        if problems:
            raise ProblemList(problems)
        shown_fields = [
            Change("Account", "", account.name),
            Change("Stage", "", f"{stage.pipeline.name} › {stage.name}"),
            *(
                Change(field_label(Deal, n), "", shown_value(Deal, n, getattr(candidate, n)))
                for n in ("value", "currency", "close_date", "next_step", "products")
                if n in v
            ),
        ]
        self.result_for(result, created=True, label=candidate.name, changes=shown_fields)
        if candidate.external_id:
            self.by_external_id[candidate.external_id] = candidate
        self.by_name.setdefault((account.pk, candidate.name.casefold()), []).append(candidate)
        self.claimed[id(candidate)] = row.number

        def write() -> None:
            record_deal_created(
                account=account,
                name=candidate.name,
                value=candidate.value,
                currency=candidate.currency,
                pipeline=candidate.pipeline,
                stage=stage,
                close_date=candidate.close_date,
                owner=owner,
                next_step=candidate.next_step,
                products=candidate.products,
                contacts=contacts or [],
                lost_reason=candidate.lost_reason,
                external_id=candidate.external_id,
                created_at=created_at,
                closed_at=closed_at,
            )

        return Planned(result, write)

    def _plan_update(
        self,
        row: ParsedRow,
        result: RowResult,
        deal: Deal,
        stage: PipelineStage | None,
        owner: Any,
        contacts: list[Contact] | None,
    ) -> Planned:
        v = row.values
        changes: dict[str, Any] = {}
        shown_changes: list[Change] = []
        candidate = copy_of(deal, ("account", "pipeline", "stage", "owner"))
        for name in PLAIN_FIELDS:
            if name in v:
                setattr(candidate, name, v[name])
        candidate.normalise()
        problems: list[RowProblem] = []
        if "external_id" in v and v["external_id"] != deal.external_id:
            if deal.external_id:
                problems.append(
                    RowProblem(
                        "external_id",
                        f"external_id is read-only once set (it is {deal.external_id!r})",
                    )
                )
            else:
                changes["external_id"] = v["external_id"]
        for name in PLAIN_FIELDS:
            if name in v and getattr(candidate, name) != getattr(deal, name):
                changes[name] = getattr(candidate, name)
        if owner is not None and owner.pk != deal.owner_id:
            changes["owner"] = owner
            candidate.owner = owner
        if contacts is not None and {c.pk for c in contacts} != self.contact_ids.get(
            deal.pk, set()
        ):
            changes["contacts"] = contacts
        move = stage if stage is not None and stage.pk != deal.stage_id else None
        lost_reason = ""
        if move is not None:
            candidate.pipeline, candidate.stage = move.pipeline, move
            candidate.closed_at = (v.get("closed_at") or clock.now()) if move.is_closing else None
            if move.is_lost:
                lost_reason = candidate.lost_reason
                changes.pop("lost_reason", None)
            else:
                candidate.lost_reason = ""
                if changes.pop("lost_reason", None):
                    problems.append(RowProblem("lost_reason", "only a lost deal has a lost reason"))
        touched = [*changes, "stage", "pipeline", "closed_at"]
        problems += validate_candidate(candidate, touched)
        if problems:
            raise ProblemList(problems)
        for name, value in changes.items():
            if name == "contacts":
                old = sorted(c for c in self.contact_ids.get(deal.pk, set()))
                shown_changes.append(
                    Change(
                        "Contacts",
                        f"{len(old)} contact(s)",
                        "; ".join(c.email or "" for c in value),
                    )
                )
            elif name == "owner":
                shown_changes.append(Change("Owner", display(deal.owner), display(value)))
            else:
                shown_changes.append(
                    Change(
                        field_label(Deal, name),
                        shown_value(Deal, name, getattr(deal, name)),
                        shown_value(Deal, name, value),
                    )
                )
        if move is not None:
            shown_changes.append(Change("Stage", deal.stage.name, move.name))
        self.result_for(result, created=False, label=deal.name, changes=shown_changes)
        planned = Planned(result)
        if changes or move is not None:
            closed_at = v.get("closed_at")

            def write() -> None:
                if changes:
                    update_deal(deal=deal, **changes)
                if move is not None:
                    move_deal_stage(
                        deal=deal,
                        stage=move,
                        lost_reason=lost_reason,
                        changed_at=closed_at if move.is_closing else None,
                    )

            planned.write = write
        return planned
