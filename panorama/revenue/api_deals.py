"""Pipelines, deals (with stage moves and stage history), quotes and orders in the REST API.

Reads start from ``revenue.queries`` (``*_for_list``/``access_*``): a record of an account the
caller may not see answers 404 and is left as it was. Writes go through
``revenue.services`` only, which write the record, its timeline entry and its audit row in
one transaction, attributed to the caller (source ``api``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from panorama.core.models import User
from panorama.customers.api_base import READ_ERRORS, WRITE_ERRORS, authored_by, caller, keyset_page
from panorama.customers.schemas import PageParams
from panorama.revenue import queries, services
from panorama.revenue.api_records import (
    active_user,
    in_window,
    refuse_read_only,
    visible_account,
    visible_contacts_of,
    visible_record,
    with_visible_contacts,
)
from panorama.revenue.models import (
    Deal,
    DealStageChange,
    Order,
    Pipeline,
    PipelineStage,
    Quote,
)
from panorama.revenue.schemas import (
    DealFilters,
    DealIn,
    DealOut,
    DealPageOut,
    DealPatch,
    OrderFilters,
    OrderIn,
    OrderOut,
    OrderPageOut,
    OrderPatch,
    PipelinePageOut,
    QuoteFilters,
    QuoteIn,
    QuoteOut,
    QuotePageOut,
    QuotePatch,
    StageChangePageOut,
    StageMoveIn,
)

router = Router()

MOVE_WITH_STAGE = "Move the deal with POST /api/revenue/deals/{id}/stage."
DEAL_READ_ONLY = {
    "account": "A deal stays with its account.",
    "pipeline": f"The pipeline follows the stage. {MOVE_WITH_STAGE}",
    "stage": MOVE_WITH_STAGE,
    "status": f"The status follows the stage. {MOVE_WITH_STAGE}",
}


# --- Pipelines ------------------------------------------------------------------------------


@router.get("/pipelines", response={200: PipelinePageOut, **READ_ERRORS}, tags=["deals"])
def list_pipelines(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """The sales pipelines with their stages in order (admins set them up in the admin)."""
    pipelines = Pipeline.objects.prefetch_related("stages")
    return keyset_page(pipelines, paging)


def _stage(pk: int | None, field: str = "stage") -> PipelineStage | None:
    return visible_record(
        PipelineStage.objects.select_related("pipeline"), pk, field, "pipeline stage"
    )


# --- Deals ----------------------------------------------------------------------------------


def _deals(user: User) -> QuerySet[Deal]:
    """The caller's deals with what an answer shows (two queries per page)."""
    return queries.deals_for_list(user).prefetch_related(with_visible_contacts(user))


def _deal(user: User, pk: int) -> Deal:
    deal = _deals(user).filter(pk=pk).first()
    if deal is None:
        raise Http404("No such deal")
    return deal


def _deal_field(user: User, pk: int | None) -> Deal | None:
    return visible_record(queries.deals_for_list(user), pk, "deal", "deal")


@router.get("/deals", response={200: DealPageOut, **READ_ERRORS}, tags=["deals"])
def list_deals(request: HttpRequest, filters: Query[DealFilters]) -> dict[str, Any]:
    """The deals you may see, by id, filtered; pass ``next`` as ``after`` for more."""
    deals = in_window(_deals(caller(request)), "created_at", filters.since, filters.until)
    for name in ("account", "pipeline", "stage", "owner", "status", "external_id"):
        value = getattr(filters, name)
        if value is not None:
            deals = deals.filter(**{name: value})
    if filters.contact is not None:
        deals = deals.filter(contacts__id=filters.contact)
    if filters.updated_since is not None:
        deals = deals.filter(updated_at__gte=filters.updated_since)
    return keyset_page(deals, filters)


@router.post("/deals", response={201: DealOut, **WRITE_ERRORS}, tags=["deals"])
def create_deal(request: HttpRequest, payload: DealIn) -> Status[Deal]:
    """Open a deal for an account you may see; you own it unless you name another ``owner``."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["owner"] = active_user(values.get("owner", user.pk), "owner")
    values["contacts"] = visible_contacts_of(user, payload.contacts)
    values["stage"] = _stage(payload.stage)
    values["pipeline"] = visible_record(
        Pipeline.objects.all(), payload.pipeline, "pipeline", "pipeline"
    )
    with authored_by(request):
        deal = services.record_deal_created(**values)
    return Status(201, _deal(user, deal.pk))


@router.get("/deals/{deal_id}", response={200: DealOut, **READ_ERRORS}, tags=["deals"])
def read_deal(request: HttpRequest, deal_id: int) -> Deal:
    """One deal."""
    return _deal(caller(request), deal_id)


@router.patch("/deals/{deal_id}", response={200: DealOut, **WRITE_ERRORS}, tags=["deals"])
def update_deal(request: HttpRequest, deal_id: int, payload: DealPatch) -> Deal:
    """Change the fields sent, all or nothing; ``contacts`` replaces the list."""
    user = caller(request)
    deal = queries.access_deal(user, deal_id)
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(deal, changes, DEAL_READ_ONLY)
    if "owner" in changes:
        changes["owner"] = active_user(changes["owner"], "owner")
    if "contacts" in changes:
        changes["contacts"] = visible_contacts_of(user, changes["contacts"])
    with authored_by(request):
        services.update_deal(deal=deal, **changes)
    return _deal(user, deal_id)


@router.delete("/deals/{deal_id}", response={204: None, **WRITE_ERRORS}, tags=["deals"])
def delete_deal(request: HttpRequest, deal_id: int) -> Status[None]:
    """Delete a deal with its stage history and quotes (its orders and contracts stay)."""
    deal = queries.access_deal(caller(request), deal_id)
    with authored_by(request):
        services.delete_deal(deal=deal)
    return Status(204, None)


@router.post("/deals/{deal_id}/stage", response={200: DealOut, **WRITE_ERRORS}, tags=["deals"])
def move_deal(request: HttpRequest, deal_id: int, payload: StageMoveIn) -> Deal:
    """Move the deal to another stage: a won or lost stage closes it (a lost one needs a
    ``lost_reason``), an open stage reopens a closed deal."""
    user = caller(request)
    deal = queries.access_deal(user, deal_id)
    stage = _stage(payload.stage)
    assert stage is not None
    with authored_by(request):
        services.move_deal_stage(
            deal=deal,
            stage=stage,
            lost_reason=payload.lost_reason,
            changed_at=payload.changed_at,
            changed_by=user,
        )
    return _deal(user, deal_id)


@router.get(
    "/deals/{deal_id}/stage-changes",
    response={200: StageChangePageOut, **READ_ERRORS},
    tags=["deals"],
)
def deal_stage_changes(
    request: HttpRequest, deal_id: int, paging: Query[PageParams]
) -> dict[str, Any]:
    """The stages the deal went through, oldest first (by id), with the days in each."""
    deal = queries.access_deal(caller(request), deal_id)
    changes = DealStageChange.objects.filter(deal_id=deal.pk).select_related(
        "from_stage", "to_stage", "changed_by"
    )
    return keyset_page(changes, paging)


# --- Quotes ---------------------------------------------------------------------------------


def _quote(user: User, pk: int) -> Quote:
    return queries.access_quote(user, pk)


@router.get("/quotes", response={200: QuotePageOut, **READ_ERRORS}, tags=["deals"])
def list_quotes(request: HttpRequest, filters: Query[QuoteFilters]) -> dict[str, Any]:
    """The quotes you may see, by id; ``since``/``until`` bound when they were sent."""
    quotes = in_window(
        queries.quotes_for_list(caller(request)), "sent_at", filters.since, filters.until
    )
    if filters.account is not None:
        quotes = quotes.filter(deal__account_id=filters.account)
    if filters.deal is not None:
        quotes = quotes.filter(deal_id=filters.deal)
    return keyset_page(quotes, filters)


@router.post("/quotes", response={201: QuoteOut, **WRITE_ERRORS}, tags=["deals"])
def create_quote(request: HttpRequest, payload: QuoteIn) -> Status[Quote]:
    """Record a quote sent for a deal you may see."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["deal"] = _deal_field(user, payload.deal)
    with authored_by(request):
        quote = services.record_quote_sent(**values)
    return Status(201, _quote(user, quote.pk))


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **READ_ERRORS}, tags=["deals"])
def read_quote(request: HttpRequest, quote_id: int) -> Quote:
    """One quote."""
    return _quote(caller(request), quote_id)


@router.patch("/quotes/{quote_id}", response={200: QuoteOut, **WRITE_ERRORS}, tags=["deals"])
def update_quote(request: HttpRequest, quote_id: int, payload: QuotePatch) -> Quote:
    """Change the fields sent, all or nothing (a quote stays with its deal)."""
    user = caller(request)
    quote = _quote(user, quote_id)
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(quote, changes, {"deal": "A quote stays with its deal."})
    with authored_by(request):
        services.update_quote(quote=quote, **changes)
    return _quote(user, quote_id)


@router.delete("/quotes/{quote_id}", response={204: None, **WRITE_ERRORS}, tags=["deals"])
def delete_quote(request: HttpRequest, quote_id: int) -> Status[None]:
    """Delete a quote."""
    quote = _quote(caller(request), quote_id)
    with authored_by(request):
        services.delete_quote(quote=quote)
    return Status(204, None)


# --- Orders ---------------------------------------------------------------------------------


def _order(user: User, pk: int) -> Order:
    return queries.access_order(user, pk)


@router.get("/orders", response={200: OrderPageOut, **READ_ERRORS}, tags=["deals"])
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> dict[str, Any]:
    """The orders you may see, by id; ``since``/``until`` bound when they were placed."""
    orders = in_window(
        queries.orders_for_list(caller(request)), "placed_at", filters.since, filters.until
    )
    if filters.account is not None:
        orders = orders.filter(account_id=filters.account)
    if filters.deal is not None:
        orders = orders.filter(deal_id=filters.deal)
    return keyset_page(orders, filters)


@router.post("/orders", response={201: OrderOut, **WRITE_ERRORS}, tags=["deals"])
def create_order(request: HttpRequest, payload: OrderIn) -> Status[Order]:
    """Record an order an account you may see placed (for one of its deals, if given)."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["deal"] = _deal_field(user, payload.deal)
    with authored_by(request):
        order = services.record_order_placed(**values)
    return Status(201, _order(user, order.pk))


@router.get("/orders/{order_id}", response={200: OrderOut, **READ_ERRORS}, tags=["deals"])
def read_order(request: HttpRequest, order_id: int) -> Order:
    """One order."""
    return _order(caller(request), order_id)


@router.patch("/orders/{order_id}", response={200: OrderOut, **WRITE_ERRORS}, tags=["deals"])
def update_order(request: HttpRequest, order_id: int, payload: OrderPatch) -> Order:
    """Change the fields sent, all or nothing (an order stays with its account)."""
    user = caller(request)
    order = _order(user, order_id)
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(order, changes, {"account": "An order stays with its account."})
    if "deal" in changes:
        changes["deal"] = _deal_field(user, changes["deal"])
    with authored_by(request):
        services.update_order(order=order, **changes)
    return _order(user, order_id)


@router.delete("/orders/{order_id}", response={204: None, **WRITE_ERRORS}, tags=["deals"])
def delete_order(request: HttpRequest, order_id: int) -> Status[None]:
    """Delete an order."""
    order = _order(caller(request), order_id)
    with authored_by(request):
        services.delete_order(order=order)
    return Status(204, None)
