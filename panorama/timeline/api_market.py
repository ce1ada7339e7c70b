"""Market signals and enrichment updates in the REST API.

As for the other interactions: visible with their account (else 404, unchanged), written by
``timeline.services`` only. An enrichment update records what an integration changed; it is
created and deleted, not edited.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from panorama.core.models import User
from panorama.core.visibility import with_contact_visibility
from panorama.customers.api_base import READ_ERRORS, WRITE_ERRORS, authored_by, caller, keyset_page
from panorama.revenue.api_records import (
    in_window,
    refuse_read_only,
    visible_account,
    visible_contact,
)
from panorama.timeline import services
from panorama.timeline.api_activities import STAYS, filtered, one, visible
from panorama.timeline.models import EnrichmentUpdate, MarketSignal
from panorama.timeline.schemas import (
    EnrichmentUpdateFilters,
    EnrichmentUpdateIn,
    EnrichmentUpdateOut,
    EnrichmentUpdatePageOut,
    MarketSignalFilters,
    MarketSignalIn,
    MarketSignalOut,
    MarketSignalPageOut,
    MarketSignalPatch,
)

router = Router(tags=["market"])


# --- Market signals -------------------------------------------------------------------------


def _signals(user: User) -> QuerySet[MarketSignal]:
    return visible(MarketSignal.objects.select_related("account"), user)


@router.get("/market-signals", response={200: MarketSignalPageOut, **READ_ERRORS})
def list_market_signals(
    request: HttpRequest, filters: Query[MarketSignalFilters]
) -> dict[str, Any]:
    """The market signals you may see, by id; ``since``/``until`` bound the time of the news."""
    signals = in_window(_signals(caller(request)), "occurred_at", filters.since, filters.until)
    return keyset_page(filtered(signals, filters, ("account", "sentiment")), filters)


@router.post("/market-signals", response={201: MarketSignalOut, **WRITE_ERRORS})
def create_market_signal(request: HttpRequest, payload: MarketSignalIn) -> Status[MarketSignal]:
    """Record news about an account you may see, with its sentiment."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    with authored_by(request):
        signal = services.record_market_signal(**values)
    return Status(201, one(_signals(user), signal.pk, "market signal"))


@router.get("/market-signals/{signal_id}", response={200: MarketSignalOut, **READ_ERRORS})
def read_market_signal(request: HttpRequest, signal_id: int) -> MarketSignal:
    """One market signal."""
    return one(_signals(caller(request)), signal_id, "market signal")


@router.patch("/market-signals/{signal_id}", response={200: MarketSignalOut, **WRITE_ERRORS})
def update_market_signal(
    request: HttpRequest, signal_id: int, payload: MarketSignalPatch
) -> MarketSignal:
    """Change the fields sent, all or nothing."""
    user = caller(request)
    signal = one(_signals(user), signal_id, "market signal")
    changes = payload.model_dump(exclude_unset=True)
    refuse_read_only(signal, changes, {"account": STAYS.format("A market signal")})
    with authored_by(request):
        services.update_market_signal(signal=signal, **changes)
    return one(_signals(user), signal_id, "market signal")


@router.delete("/market-signals/{signal_id}", response={204: None, **WRITE_ERRORS})
def delete_market_signal(request: HttpRequest, signal_id: int) -> Status[None]:
    """Delete a market signal."""
    signal = one(_signals(caller(request)), signal_id, "market signal")
    with authored_by(request):
        services.delete_record(record=signal)
    return Status(204, None)


# --- Enrichment updates ---------------------------------------------------------------------


def _updates(user: User) -> QuerySet[EnrichmentUpdate]:
    updates = EnrichmentUpdate.objects.select_related("account", "contact")
    return with_contact_visibility(visible(updates, user), user)


@router.get("/enrichment-updates", response={200: EnrichmentUpdatePageOut, **READ_ERRORS})
def list_enrichment_updates(
    request: HttpRequest, filters: Query[EnrichmentUpdateFilters]
) -> dict[str, Any]:
    """The enrichment updates you may see, by id; ``since``/``until`` bound their time."""
    updates = in_window(_updates(caller(request)), "occurred_at", filters.since, filters.until)
    return keyset_page(filtered(updates, filters, ("account", "contact", "source")), filters)


@router.post("/enrichment-updates", response={201: EnrichmentUpdateOut, **WRITE_ERRORS})
def create_enrichment_update(
    request: HttpRequest, payload: EnrichmentUpdateIn
) -> Status[EnrichmentUpdate]:
    """Record which fields an integration changed on an account you may see or one of its
    contacts (the values themselves are written through the customers endpoints)."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    values["account"] = visible_account(user, payload.account)
    values["contact"] = visible_contact(user, payload.contact)
    with authored_by(request):
        update = services.record_enrichment_update(**values)
    return Status(201, one(_updates(user), update.pk, "enrichment update"))


@router.get("/enrichment-updates/{update_id}", response={200: EnrichmentUpdateOut, **READ_ERRORS})
def read_enrichment_update(request: HttpRequest, update_id: int) -> EnrichmentUpdate:
    """One enrichment update."""
    return one(_updates(caller(request)), update_id, "enrichment update")


@router.delete("/enrichment-updates/{update_id}", response={204: None, **WRITE_ERRORS})
def delete_enrichment_update(request: HttpRequest, update_id: int) -> Status[None]:
    """Delete an enrichment update (the values it recorded stay as they are)."""
    update = one(_updates(caller(request)), update_id, "enrichment update")
    with authored_by(request):
        services.delete_record(record=update)
    return Status(204, None)
