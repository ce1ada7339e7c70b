"""Importing deals and contracts: through the revenue services, so their timeline entries,
stage history and audit rows are written too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import Book
from panorama.core.models import RecordChange
from panorama.imports.tests.conftest import errors, run, table_counts
from panorama.revenue.models import Contract, Deal, DealStageChange
from panorama.revenue.services import ensure_default_pipeline
from panorama.timeline.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pipeline(db: None) -> None:
    ensure_default_pipeline()


DEALS = """
    Deal ID,Deal Name,Company Domain,Stage,Amount,Currency,Close date,Deal owner,Contacts
    d-1,Acme expansion,acme.com,Demo,"12,000",eur,2026-06-30,bob@example.com,jane@acme.com
    d-2,Initech renewal,initech.com,,5000,,,,
"""


def test_deals_are_created_with_their_timeline_entries_then_updated(book: Book, admin, member):
    before = table_counts(Deal, Entry, RecordChange)
    dry = run("deals", DEALS, user=admin, dry_run=True)
    assert dry.created == 2, errors(dry)
    assert table_counts(Deal, Entry, RecordChange) == before

    report = run("deals", DEALS, user=admin)
    assert report.created == 2
    deal = Deal.objects.get(external_id="d-1")
    assert (deal.name, deal.stage.name, deal.value, deal.currency) == (
        "Acme expansion",
        "Demo",
        Decimal("12000.00"),
        "EUR",
    )
    assert deal.owner == member and list(deal.contacts.all()) == [book.jane]
    assert Deal.objects.get(external_id="d-2").stage.name == "Qualification"
    entry = Entry.objects.get(kind="deal_created", title="Deal created: Acme expansion")
    assert entry.source == "import" and entry.actor == admin
    assert RecordChange.objects.filter(action="created", changed_by=admin).count() == 2

    report = run(
        "deals",
        "deal id,stage,amount,lost reason\nd-1,Closed lost,12000,Went with a competitor\n",
        user=admin,
    )
    assert report.updated == 1, errors(report)
    assert [c.field for c in report.rows[0].changes] == ["Stage"]
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == ("lost", "Went with a competitor")
    assert DealStageChange.objects.filter(deal=deal).count() == 2
    assert Entry.objects.filter(kind="deal_stage_changed").count() == 1


def test_a_deal_without_external_id_is_found_by_account_and_name(book: Book):
    run("deals", "name,account,amount\nPilot,acme.com,100\n")
    report = run("deals", "name,account,amount\npilot,acme.com,250\n")
    assert report.updated == 1 and Deal.objects.get().value == 250


def test_bad_deal_rows(book: Book):
    report = run(
        "deals",
        """
        external_id,name,account,stage,amount,contacts,currency
        d-1,,acme.com,,,,
        d-2,X,acme.com,Nope,,,
        d-3,Y,acme.com,,-5,,
        d-4,Z,acme.com,,,john@initech.com,
        d-5,W,acme.com,,,,E1
        d-5,V,acme.com,,,,
        """,
    )
    found = errors(report)
    assert found[0] == (2, "name", "a new deal needs a name")
    assert found[1][:2] == (3, "stage") and "no stage of Sales is named 'Nope'" in found[1][2]
    assert found[2] == (4, "amount", "Ensure this value is greater than or equal to 0.")
    assert found[3] == (5, "contacts", "john@initech.com is not a member of Acme")
    assert found[4][:2] == (6, "currency") and "ISO 4217" in found[4][2]
    assert found[-1] == (7, "external_id", "duplicate key: row 6 has the same external_id")
    assert not Deal.objects.exists()


CONTRACTS = """
    Contract ID,Account,Plan,MRR,Start date,End date,Auto-renew,Notice period
    c-1,acme.com,Growth,490,2026-01-01,2026-12-31,yes,60
    ,globex.io,,1000,2026-02-01,,no,
"""


def test_contracts_are_created_then_updated_by_external_id_or_account_and_start(book: Book, admin):
    report = run("contracts", CONTRACTS, user=admin)
    assert report.created == 2, errors(report)
    contract = Contract.objects.get(external_id="c-1")
    assert contract.plan is not None and contract.plan.name == "Growth"
    assert contract.notice_date == dt.date(2026, 11, 1) and contract.auto_renew
    assert Entry.objects.filter(kind="contract_signed").count() == 2

    report = run(
        "contracts",
        "external_id,mrr\nc-1,590\n",
        user=admin,
    )
    assert report.updated == 1
    report = run("contracts", "account,start date,mrr,end\nglobex.io,2026-02-01,1100,2027-01-31\n")
    assert report.updated == 1, errors(report)
    globex = Contract.objects.get(account=book.globex)
    assert (globex.mrr, globex.end_date) == (Decimal("1100.00"), dt.date(2027, 1, 31))
    assert RecordChange.objects.filter(action="updated").count() == 2


def test_bad_contract_rows(book: Book):
    report = run(
        "contracts",
        """
        account,mrr,start_date,end_date,auto_renew
        acme.com,,2026-01-01,,
        acme.com,10,2026-03-01,2025-01-01,
        acme.com,10,2026-02-01,,maybe
        """,
    )
    assert errors(report) == [
        (2, "mrr", "a new contract needs mrr"),
        (3, "end_date", "A contract ends after it starts."),
        (4, "auto_renew", "expects yes or no (true/false, 1/0), got 'maybe'"),
    ]
