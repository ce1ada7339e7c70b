"""The demo's bulk-written records are exactly what the record services write.

A small demo's histories are loaded twice into the same accounts and contacts: once as rows
(``history_loader``), once through the ``record_*`` services under the same clock
(``history_services``). Every row of every table they touch — records, timeline entries and
their account and contact links, many-to-many rows, deal stage history, audit rows — must be
the same, ids compared as distances from their table's first id (``snapshots``).
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.db import models

from panorama.core.models import RecordChange
from panorama.demo.generator import generate
from panorama.demo.history_loader import load_history
from panorama.demo.history_rows import NUMBERED
from panorama.demo.history_services import write_through_services
from panorama.demo.tests.snapshots import first_difference, snapshot
from panorama.revenue.models import DealStageChange, Invoice
from panorama.timeline.models import Entry

ACCOUNTS, SEED, TODAY = 12, 42, dt.date(2025, 6, 1)
EVERY_KIND = {
    "contact_added",
    "email_sent",
    "email_received",
    "call_logged",
    "meeting",
    "note_added",
    "task_created",
    "task_completed",
    "deal_created",
    "deal_stage_changed",
    "quote_sent",
    "order_placed",
    "contract_signed",
    "invoice_issued",
    "invoice_paid",
    "ticket_opened",
    "ticket_resolved",
    "survey_response",
    "market_signal",
    "enrichment_update",
}


def _delete_records() -> None:
    tables: list[type[models.Model]] = [Entry, RecordChange, DealStageChange]
    for model in (*tables, *reversed(NUMBERED)):
        model._default_manager.all().delete()


def test_bulk_rows_are_what_the_services_write(db: None) -> None:
    call_command(
        "demo",
        f"--accounts={ACCOUNTS}",
        f"--seed={SEED}",
        f"--today={TODAY}",
        "--no-usage",
        "--no-records",
        stdout=io.StringIO(),
    )
    dataset = generate(ACCOUNTS, SEED, TODAY)
    load_history(dataset)
    bulk = snapshot()
    # Every kind of record and update the services write takes part in the comparison.
    assert {dict(r)["kind"] for r in bulk["timeline.Entry"]} >= EVERY_KIND
    assert Invoice.objects.filter(status="open").exists()
    assert Entry.objects.filter(kind="meeting", details__has_key="meeting_type").exists()
    _delete_records()
    write_through_services(dataset)
    through_services = snapshot()
    difference = first_difference(bulk, through_services)
    assert not difference, difference
