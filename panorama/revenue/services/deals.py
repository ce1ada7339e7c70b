"""Writing deals, their stage moves, quotes and orders, each with its timeline entry.

Every function runs in one transaction: the record, its timeline entry (``post_entry``) and
its audit row (``RecordChange``) are written together or not at all. Errors are
``ValidationError``s naming the fields.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from panorama.core import clock
from panorama.core.actors import current_actor
from panorama.core.audit import apply_changes, log_change, values_of
from panorama.core.models import ChangeAction, User
from panorama.customers.models import Account, Contact
from panorama.revenue.models import (
    Deal,
    DealStageChange,
    Order,
    Pipeline,
    PipelineStage,
    Quote,
)
from panorama.revenue.models.common import DEFAULT_CURRENCY
from panorama.revenue.models.deals import calendar_days
from panorama.revenue.services.common import (
    check_members,
    money_text,
    refresh_entry,
    save_or_restore,
)
from panorama.timeline.entries import post_entry

# What ``update_deal`` may change; the stage moves with ``move_deal_stage`` only.
DEAL_EDITABLE = frozenset(
    {
        "name",
        "value",
        "currency",
        "close_date",
        "owner",
        "next_step",
        "products",
        "contacts",
        "external_id",
        "lost_reason",
    }
)
# What the audit log follows on a deal (the editable fields and the stage's consequences).
DEAL_AUDITED = (*sorted(DEAL_EDITABLE), "pipeline", "stage", "status", "closed_at")
# A change of one of these re-posts the "deal created" entry, which shows them.
DEAL_SHOWN = frozenset({"name", "value", "currency", "owner", "next_step", "products", "contacts"})

QUOTE_EDITABLE = frozenset({"number", "amount", "currency", "sent_at", "valid_until"})
ORDER_EDITABLE = frozenset({"number", "amount", "currency", "placed_at", "deal"})


def ensure_default_pipeline() -> Pipeline:
    """The default pipeline, created with the default stages when there is no pipeline at all
    (a migration creates it; flushed test databases and fresh demos may not have it)."""
    pipeline = Pipeline.objects.default()
    if pipeline is not None:
        return pipeline
    migration = importlib.import_module("panorama.revenue.migrations.0002_default_pipeline")
    from django.apps import apps

    migration.create_pipeline(apps, None)
    created = Pipeline.objects.default()
    assert created is not None
    return created


def _deal_entry(deal: Deal, contacts: Iterable[Contact]) -> dict[str, Any]:
    """What the "deal created" entry shows of ``deal``."""
    return {
        "title": f"Deal created: {deal.name}",
        "body": deal.next_step,
        "occurred_at": deal.created_at,
        "accounts": [deal.account],
        "contacts": list(contacts),
        "details": {
            "deal_id": deal.pk,
            "value": str(deal.value),
            "currency": deal.currency,
            "pipeline": deal.pipeline.name,
            "stage": deal.stage.name,
            "probability": deal.stage.probability,
            "owner_id": deal.owner_id,
            "products": deal.products,
            "close_date": deal.close_date,
        },
    }


@transaction.atomic
def record_deal_created(
    *,
    account: Account,
    name: str,
    value: Decimal | int | str = 0,
    currency: str = DEFAULT_CURRENCY,
    pipeline: Pipeline | None = None,
    stage: PipelineStage | None = None,
    close_date: dt.date | None = None,
    owner: User | None = None,
    next_step: str = "",
    products: Iterable[str] = (),
    contacts: Iterable[Contact] = (),
    lost_reason: str = "",
    external_id: str | None = None,
    created_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
) -> Deal:
    """Open a deal for ``account`` (its first stage history row and a "deal created" entry).

    Without ``stage`` the deal starts in the first open stage of ``pipeline`` (default: the
    default pipeline). A deal recorded in a won or lost stage (an import of history) is
    closed at ``closed_at`` (default: ``created_at``) and a lost one needs ``lost_reason``.
    """
    contacts = list(contacts)
    check_members(account, contacts)
    created_at = created_at or clock.now()
    if stage is not None:
        if pipeline is not None and stage.pipeline_id != pipeline.pk:
            raise ValidationError({"stage": f"{stage.name!r} is not a stage of {pipeline.name}."})
        pipeline = stage.pipeline
    else:
        pipeline = pipeline or ensure_default_pipeline()
        stage = pipeline.stages.filter(is_won=False, is_lost=False).order_by("position").first()
        if stage is None:
            raise ValidationError({"pipeline": f"{pipeline.name} has no open stage."})
    if stage.is_closing:
        closed_at = closed_at or created_at
    elif closed_at is not None:
        raise ValidationError({"closed_at": "Only a won or lost deal has a closing time."})
    deal = Deal(
        account=account,
        name=name,
        pipeline=pipeline,
        stage=stage,
        value=value,
        currency=currency,
        close_date=timezone.localdate(closed_at) if closed_at else close_date,
        owner=owner,
        next_step=next_step,
        products=products if isinstance(products, str) else list(products),
        lost_reason=lost_reason,
        external_id=external_id,
        created_at=created_at,
        stage_entered_at=created_at,
        closed_at=closed_at,
    )
    save_or_restore(deal)
    deal.contacts.set(contacts)
    DealStageChange.objects.create(
        deal=deal, from_stage=None, to_stage=stage, changed_at=created_at, changed_by=_person()
    )
    post_entry(kind="deal_created", subject=deal, **_deal_entry(deal, contacts))
    log_change(record=deal, account=account, action=ChangeAction.CREATED)
    return deal


def _person() -> User | None:
    return current_actor().user


@transaction.atomic
def move_deal_stage(
    *,
    deal: Deal,
    stage: PipelineStage,
    lost_reason: str = "",
    changed_at: dt.datetime | None = None,
    changed_by: User | None = None,
) -> DealStageChange:
    """Move ``deal`` to ``stage`` (of its pipeline or another one, which it then joins).

    Writes the stage history row (with the days spent in the stage left) and a "deal stage
    change" entry. A won or lost stage closes the deal at ``changed_at``, a lost one needs
    ``lost_reason``; moving a closed deal to an open stage reopens it. ``changed_by``
    defaults to the person acting now.
    """
    deal.refresh_from_db(from_queryset=Deal.objects.select_for_update())
    changed_at = changed_at or clock.now()
    changed_by = changed_by or _person()
    if stage.pk == deal.stage_id:
        raise ValidationError({"stage": f"The deal is already in {stage.name}."})
    if changed_at < deal.stage_entered_at:
        raise ValidationError(
            {"changed_at": "A stage change cannot be earlier than the deal's last one."}
        )
    if lost_reason.strip() and not stage.is_lost:
        raise ValidationError({"lost_reason": "Only a lost deal has a lost reason."})
    before = values_of(deal, DEAL_AUDITED)
    from_stage = deal.stage
    days = calendar_days(deal.stage_entered_at, changed_at)
    deal.pipeline = stage.pipeline
    deal.stage = stage
    deal.stage_entered_at = changed_at
    deal.lost_reason = lost_reason if stage.is_lost else ""
    if stage.is_closing:
        deal.closed_at = changed_at
        deal.close_date = timezone.localdate(changed_at)
    else:
        deal.closed_at = None
    save_or_restore(deal)
    change = DealStageChange.objects.create(
        deal=deal,
        from_stage=from_stage,
        to_stage=stage,
        changed_at=changed_at,
        changed_by=changed_by,
        days_in_from_stage=days,
    )
    post_entry(
        kind="deal_stage_changed",
        subject=deal,
        occurred_at=changed_at,
        actor=changed_by,
        title=f"{deal.name}: {from_stage.name} → {stage.name}",
        body=deal.lost_reason,
        accounts=[deal.account],
        contacts=list(deal.contacts.all()),
        details={
            "deal_id": deal.pk,
            "from_stage": from_stage.name,
            "to_stage": stage.name,
            "from_stage_id": from_stage.pk,
            "to_stage_id": stage.pk,
            "status": deal.status,
            "probability": stage.probability,
            "days_in_from_stage": days,
            "lost_reason": deal.lost_reason,
            "value": str(deal.value),
            "currency": deal.currency,
        },
    )
    log_change(
        record=deal,
        account=deal.account,
        action=ChangeAction.UPDATED,
        before=before,
        after=values_of(deal, DEAL_AUDITED),
    )
    return change


@transaction.atomic
def update_deal(*, deal: Deal, **changes: Any) -> Deal:
    """Change a deal's fields (any of ``DEAL_EDITABLE``; ``contacts`` replaces the list).

    The stage moves with ``move_deal_stage`` only. The change is written to the audit log,
    and the "deal created" entry is refreshed when something it shows changed.
    """
    before = values_of(deal, DEAL_AUDITED)
    apply_changes(deal, changes, DEAL_EDITABLE)
    contacts = list(changes["contacts"]) if "contacts" in changes else None
    if contacts is not None:
        check_members(deal.account, contacts)
    save_or_restore(deal)
    if contacts is not None:
        deal.contacts.set(contacts)
    after = values_of(deal, DEAL_AUDITED)
    changed = {name for name in after if before[name] != after[name]}
    if changed & DEAL_SHOWN:
        shown = contacts if contacts is not None else list(deal.contacts.all())
        refresh_entry(deal, "deal_created", _deal_entry(deal, shown))
    log_change(
        record=deal, account=deal.account, action=ChangeAction.UPDATED, before=before, after=after
    )
    return deal


@transaction.atomic
def delete_deal(*, deal: Deal) -> None:
    """Delete a deal with its stage history, quotes and timeline entries (its orders and
    contracts stay, unlinked). The audit log keeps its last values."""
    log_change(
        record=deal,
        account=deal.account,
        action=ChangeAction.DELETED,
        before=values_of(deal, DEAL_AUDITED),
    )
    for quote in deal.quotes.all():
        delete_quote(quote=quote)
    deal.delete()


# --- Quotes ------------------------------------------------------------------------------


def _quote_entry(quote: Quote) -> dict[str, Any]:
    deal = quote.deal
    return {
        "title": f"Quote {quote.number} sent: {money_text(quote.amount)} {quote.currency}",
        "occurred_at": quote.sent_at,
        "accounts": [deal.account],
        "contacts": list(deal.contacts.all()),
        "details": {
            "deal_id": deal.pk,
            "deal": deal.name,
            "number": quote.number,
            "amount": str(quote.amount),
            "currency": quote.currency,
            "valid_until": quote.valid_until,
        },
    }


@transaction.atomic
def record_quote_sent(
    *,
    deal: Deal,
    number: str,
    amount: Decimal | int | str,
    currency: str | None = None,
    sent_at: dt.datetime | None = None,
    valid_until: dt.date | None = None,
) -> Quote:
    """Record a quote sent for ``deal`` (currency: the deal's unless given) and its entry."""
    quote = Quote(
        deal=deal,
        number=number,
        amount=amount,
        currency=currency or deal.currency,
        sent_at=sent_at or clock.now(),
        valid_until=valid_until,
    )
    save_or_restore(quote)
    post_entry(kind="quote_sent", subject=quote, **_quote_entry(quote))
    log_change(record=quote, account=deal.account, action=ChangeAction.CREATED)
    return quote


@transaction.atomic
def update_quote(*, quote: Quote, **changes: Any) -> Quote:
    """Change a quote's fields (any of ``QUOTE_EDITABLE``) and refresh its entry."""
    before = values_of(quote, QUOTE_EDITABLE)
    apply_changes(quote, changes, QUOTE_EDITABLE)
    save_or_restore(quote)
    after = values_of(quote, QUOTE_EDITABLE)
    if before != after:
        refresh_entry(quote, "quote_sent", _quote_entry(quote))
    log_change(
        record=quote,
        account=quote.deal.account,
        action=ChangeAction.UPDATED,
        before=before,
        after=after,
    )
    return quote


@transaction.atomic
def delete_quote(*, quote: Quote) -> None:
    """Delete a quote and its entry; the audit log keeps its last values."""
    log_change(
        record=quote,
        account=quote.deal.account,
        action=ChangeAction.DELETED,
        before=values_of(quote, QUOTE_EDITABLE),
    )
    quote.delete()


# --- Orders ------------------------------------------------------------------------------


def _order_entry(order: Order) -> dict[str, Any]:
    deal = order.deal
    return {
        "title": f"Order {order.number} placed: {money_text(order.amount)} {order.currency}",
        "occurred_at": order.placed_at,
        "accounts": [order.account],
        "contacts": list(deal.contacts.all()) if deal is not None else [],
        "details": {
            "deal_id": order.deal_id,
            "deal": deal.name if deal is not None else None,
            "number": order.number,
            "amount": str(order.amount),
            "currency": order.currency,
        },
    }


@transaction.atomic
def record_order_placed(
    *,
    account: Account,
    number: str,
    amount: Decimal | int | str,
    currency: str | None = None,
    placed_at: dt.datetime | None = None,
    deal: Deal | None = None,
) -> Order:
    """Record an order ``account`` placed (for ``deal``, of the same account, if given)."""
    order = Order(
        account=account,
        deal=deal,
        number=number,
        amount=amount,
        currency=currency or (deal.currency if deal is not None else DEFAULT_CURRENCY),
        placed_at=placed_at or clock.now(),
    )
    save_or_restore(order)
    post_entry(kind="order_placed", subject=order, **_order_entry(order))
    log_change(record=order, account=account, action=ChangeAction.CREATED)
    return order


@transaction.atomic
def update_order(*, order: Order, **changes: Any) -> Order:
    """Change an order's fields (any of ``ORDER_EDITABLE``) and refresh its entry."""
    before = values_of(order, ORDER_EDITABLE)
    apply_changes(order, changes, ORDER_EDITABLE)
    save_or_restore(order)
    after = values_of(order, ORDER_EDITABLE)
    if before != after:
        refresh_entry(order, "order_placed", _order_entry(order))
    log_change(
        record=order, account=order.account, action=ChangeAction.UPDATED, before=before, after=after
    )
    return order


@transaction.atomic
def delete_order(*, order: Order) -> None:
    """Delete an order and its entry; the audit log keeps its last values."""
    log_change(
        record=order,
        account=order.account,
        action=ChangeAction.DELETED,
        before=values_of(order, ORDER_EDITABLE),
    )
    order.delete()
