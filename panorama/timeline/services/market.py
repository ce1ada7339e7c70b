"""What the world says about a customer: market signals and enrichment updates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from panorama.core import clock
from panorama.customers.models import Account, Contact
from panorama.timeline import describe, rules
from panorama.timeline.models import EnrichmentUpdate, MarketSignal
from panorama.timeline.services.common import (
    apply_changes,
    audited_update,
    log_created,
    post_record_entry,
    rewrite_record_entry,
)


def record_market_signal(
    *,
    account: Account,
    title: str,
    sentiment: str,
    occurred_at: dt.datetime,
    summary: str = "",
    source_url: str = "",
) -> MarketSignal:
    """Record news about the customer (funding, layoffs, a launch) with its sentiment."""
    rules.check_aware(occurred_at=occurred_at)
    signal = MarketSignal(
        account=account,
        title=title,
        sentiment=sentiment,
        occurred_at=occurred_at,
        summary=summary,
        source_url=source_url,
    )
    rules.check_record(signal, urls=("source_url",))
    with transaction.atomic():
        signal.save()
        log_created(signal)
        post_record_entry(signal, account, describe.market_signal_entry(signal))
    return signal


SIGNAL_EDITABLE = frozenset({"title", "sentiment", "occurred_at", "summary", "source_url"})


def update_market_signal(*, signal: MarketSignal, **changes: Any) -> MarketSignal:
    """Change a market signal's fields (``SIGNAL_EDITABLE``) and re-sync its entry."""
    rules.refuse_unknown(changes, SIGNAL_EDITABLE)
    rules.check_aware(occurred_at=changes.get("occurred_at"))
    with transaction.atomic(), audited_update(signal, changes):
        apply_changes(signal, changes, SIGNAL_EDITABLE)
        rules.check_record(signal, urls=("source_url",))
        signal.save()
        rewrite_record_entry(signal, describe.market_signal_entry(signal))
    return signal


def record_enrichment_update(
    *,
    account: Account,
    source: str,
    changes: Mapping[str, Any],
    contact: Contact | None = None,
    occurred_at: dt.datetime | None = None,
) -> EnrichmentUpdate:
    """Record which fields an integration changed on ``account`` or one of its contacts.

    This records, it does not apply: the integration writes the new values through the
    models (so attribute history and synced-field rules apply there) and calls this to put
    the change on the timeline. ``changes`` is ``{"field": {"old": …, "new": …}}``.
    """
    rules.check_aware(occurred_at=occurred_at)
    if contact is not None:
        rules.check_members(account, [contact], field="contact")
    update = EnrichmentUpdate(
        account=account,
        contact=contact,
        source=(source or "").strip(),
        changes=rules.check_changes(changes),
        occurred_at=occurred_at or clock.now(),
    )
    rules.check_record(update)
    with transaction.atomic():
        update.save()
        log_created(update)
        post_record_entry(update, account, describe.enrichment_entry(update))
    return update
