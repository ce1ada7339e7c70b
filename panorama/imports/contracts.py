"""Importing contracts through the revenue services (timeline entry and audit row for each):
upsert by external id, else by account + start date (exactly one contract of that account
starting that day)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from panorama.customers.models import Account, Plan
from panorama.imports.accounts import field_label, shown_value
from panorama.imports.columns import KINDS
from panorama.imports.deals import copy_of, existing_records, validate_candidate
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
    find_named,
)
from panorama.imports.report import Change, RowResult
from panorama.imports.values import shown
from panorama.revenue.models import Contract, Deal
from panorama.revenue.models.common import DEFAULT_CURRENCY
from panorama.revenue.services import record_contract_signed, update_contract

PLAIN_FIELDS = (
    "mrr",
    "currency",
    "start_date",
    "end_date",
    "auto_renew",
    "notice_period_days",
    "signed_at",
)
RELATED = ("account", "plan", "deal")


class ContractImporter(Importer):
    spec = KINDS["contracts"]

    def prefetch(self, rows: Sequence[ParsedRow]) -> None:
        self.accounts = AccountLookup()
        self.accounts.load(r.values["account"] for r in rows if "account" in r.values)
        contracts: dict[int, Contract] = existing_records(
            Contract.objects.select_related(*RELATED), rows, self.accounts
        )
        self.by_external_id = {c.external_id: c for c in contracts.values() if c.external_id}
        self.by_start: dict[tuple[int, Any], list[Contract]] = {}
        for contract in contracts.values():
            self.by_start.setdefault((contract.account_id, contract.start_date), []).append(
                contract
            )
        used = set(self.mapping.used.values())
        self.plans = by_name(Plan.objects.all()) if "plan" in used else {}
        deal_ids = sorted({r.values["deal"] for r in rows if "deal" in r.values})
        self.deals: dict[str, Deal] = {}
        for chunk in batches(deal_ids):
            self.deals.update(
                {
                    d.external_id: d
                    for d in Deal.objects.filter(external_id__in=chunk)
                    if d.external_id
                }
            )

    def file_keys(self, row: ParsedRow) -> list[tuple[str, Any]]:
        v = row.values
        if "external_id" in v:
            return [("external_id", v["external_id"])]
        if "account" in v and "start_date" in v:
            return [("start_date", (domain_key(v["account"]), v["start_date"]))]
        return []

    def _find(self, row: ParsedRow, account: Account | None) -> tuple[Contract | None, str]:
        external_id, start = row.values.get("external_id"), row.values.get("start_date")
        if external_id and external_id in self.by_external_id:
            return self.by_external_id[external_id], "external_id"
        if account is None or start is None or account.pk is None:
            return None, ""
        candidates = [
            c
            for c in self.by_start.get((account.pk, start), [])
            if not external_id or not c.external_id
        ]
        if len(candidates) > 1:
            raise RowProblem(
                "start_date",
                f"{account.name} has {len(candidates)} contracts starting {start}: add an "
                "external_id column to say which",
            )
        return (candidates[0], "start_date") if candidates else (None, "")

    def plan_row(self, row: ParsedRow, result: RowResult) -> Planned:
        v = row.values
        account = self.accounts.find(v["account"], "account") if "account" in v else None
        contract, key = self._find(row, account)
        if contract is not None:
            self.claim(contract, row, key)
        problems: list[RowProblem] = []
        plan = deal = None
        try:
            if "plan" in v:
                plan = find_named(self.plans, v["plan"], "plan", "plan")
            if "deal" in v:
                deal = self.deals.get(v["deal"])
                if deal is None:
                    raise RowProblem("deal", f"no deal has the external id {shown(v['deal'])}")
        except RowProblem as problem:
            problems.append(problem)
        if contract is None:
            if account is None:
                problems.append(RowProblem("account", "a new contract needs an account"))
            for name in ("mrr", "start_date"):
                if name not in v:
                    problems.append(RowProblem(name, f"a new contract needs {name}"))
            if problems:
                raise ProblemList(problems)
            assert account is not None
            return self._plan_create(row, result, account, plan, deal)
        if account is not None and account.pk != contract.account_id:
            problems.append(
                RowProblem("account", "an import can't move a contract to another account")
            )
        if problems:
            raise ProblemList(problems)
        return self._plan_update(row, result, contract, plan, deal)

    def _plan_create(
        self, row: ParsedRow, result: RowResult, account: Account, plan: Any, deal: Any
    ) -> Planned:
        v = row.values
        candidate = Contract(
            account=account,
            plan=plan,
            deal=deal,
            external_id=v.get("external_id"),
            mrr=v["mrr"],
            currency=v.get("currency", DEFAULT_CURRENCY),
            start_date=v["start_date"],
            end_date=v.get("end_date"),
            auto_renew=v.get("auto_renew", False),
            notice_period_days=v.get("notice_period_days", 0),
            signed_at=v.get("signed_at"),
        )
        problems = validate_candidate(candidate)
        if problems:
            raise ProblemList(problems)
        changes = [Change("Account", "", account.name)]
        if plan is not None:
            changes.append(Change("Plan", "", plan.name))
        changes += [
            Change(field_label(Contract, n), "", shown_value(Contract, n, getattr(candidate, n)))
            for n in PLAIN_FIELDS
            if n in v
        ]
        label = f"{account.name} from {candidate.start_date:%Y-%m-%d}"
        self.result_for(result, created=True, label=label, changes=changes)
        if candidate.external_id:
            self.by_external_id[candidate.external_id] = candidate
        self.by_start.setdefault((account.pk, candidate.start_date), []).append(candidate)
        self.claimed[id(candidate)] = row.number

        def write() -> None:
            record_contract_signed(
                account=account,
                mrr=candidate.mrr,
                start_date=candidate.start_date,
                end_date=candidate.end_date,
                currency=candidate.currency,
                plan=plan,
                auto_renew=candidate.auto_renew,
                notice_period_days=candidate.notice_period_days,
                signed_at=candidate.signed_at,
                deal=deal,
                external_id=candidate.external_id,
            )

        return Planned(result, write)

    def _plan_update(
        self, row: ParsedRow, result: RowResult, contract: Contract, plan: Any, deal: Any
    ) -> Planned:
        v = row.values
        candidate = copy_of(contract, RELATED)
        problems: list[RowProblem] = []
        changes: dict[str, Any] = {}
        if "external_id" in v and v["external_id"] != contract.external_id:
            if contract.external_id:
                problems.append(
                    RowProblem(
                        "external_id",
                        f"external_id is read-only once set (it is {contract.external_id!r})",
                    )
                )
            else:
                changes["external_id"] = candidate.external_id = v["external_id"]
        for name in PLAIN_FIELDS:
            if name in v:
                setattr(candidate, name, v[name])
        candidate.normalise()
        for name in PLAIN_FIELDS:
            if name in v and getattr(candidate, name) != getattr(contract, name):
                changes[name] = getattr(candidate, name)
        for name, related in (("plan", plan), ("deal", deal)):
            if related is not None and related.pk != getattr(contract, f"{name}_id"):
                changes[name] = related
                setattr(candidate, name, related)
        problems += validate_candidate(candidate, list(changes))
        if problems:
            raise ProblemList(problems)
        shown_changes = [
            Change(field_label(Contract, name), display(getattr(contract, name)), display(value))
            if name in ("plan", "deal")
            else Change(
                field_label(Contract, name),
                shown_value(Contract, name, getattr(contract, name)),
                shown_value(Contract, name, value),
            )
            for name, value in changes.items()
        ]
        label = f"{contract.account.name} from {contract.start_date:%Y-%m-%d}"
        self.result_for(result, created=False, label=label, changes=shown_changes)
        planned = Planned(result)
        if changes:

            def write() -> None:
                update_contract(contract=contract, **changes)

            planned.write = write
        return planned
