"""Deals, stage moves, quotes and orders: their rules, timeline entries and audit rows."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import Book
from panorama.core.audit import changes_of
from panorama.core.clock import frozen_at
from panorama.core.models import RecordChange
from panorama.customers.models import Contact
from panorama.revenue import services
from panorama.revenue.models import (
    Deal,
    DealStageChange,
    Order,
    Pipeline,
    PipelineStage,
    Quote,
)
from panorama.revenue.queries import cycle_length, days_in_stage
from panorama.revenue.tests.conftest import NOW
from panorama.timeline.entries import entries_about
from panorama.timeline.models import Entry

pytestmark = pytest.mark.django_db


def _deal(book: Book, **kwargs) -> Deal:
    defaults: dict[str, Any] = {
        "account": book.acme,
        "name": "Acme expansion",
        "value": 12000,
        "currency": "EUR",
    }
    return services.record_deal_created(**(defaults | kwargs))


def test_a_new_deal_starts_in_the_first_open_stage_with_its_entry(book, sales, member, now):
    deal = _deal(book, owner=member, contacts=[book.jane], products=["Seats", " API ", "Seats"])
    assert (deal.stage, deal.status, deal.pipeline.name) == (
        sales["Qualification"],
        "open",
        "Sales",
    )
    assert deal.products == ["Seats", "API"]
    assert (deal.created_at, deal.stage_entered_at, deal.closed_at) == (NOW, NOW, None)
    change = DealStageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage, change.days_in_from_stage) == (
        None,
        sales["Qualification"],
        None,
    )
    entry = entries_about(deal).get()
    assert (entry.kind, entry.subject, entry.occurred_at) == ("deal_created", deal, NOW)
    assert entry.title == "Deal created: Acme expansion"
    assert list(entry.accounts.all()) == [book.acme]
    assert list(entry.contacts.all()) == [book.jane]
    assert entry.details["value"] == "12000.00" and entry.details["stage"] == "Qualification"
    assert RecordChange.objects.get().action == "created"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"value": -1}, "value"),
        ({"currency": "euro"}, "currency"),
        ({"products": "Seats"}, "products"),
        ({"products": ["ok", ""]}, "products"),
    ],
)
def test_a_bad_deal_is_refused_naming_the_field_and_nothing_is_written(book, sales, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        _deal(book, **kwargs)
    assert field in caught.value.message_dict
    assert not Deal.objects.exists()
    assert not DealStageChange.objects.exists()
    assert not Entry.objects.filter(kind__startswith="deal").exists()
    assert not RecordChange.objects.exists()


def test_a_currency_is_upper_cased(book, sales):
    assert _deal(book, currency=" eur ").currency == "EUR"


def test_deal_contacts_must_be_members_of_the_account(book, sales):
    with pytest.raises(ValidationError) as caught:
        _deal(book, contacts=[book.john])  # John is at Initech only
    assert "contacts" in caught.value.message_dict
    assert not Deal.objects.exists()


def test_a_stage_of_another_pipeline_is_refused(book, sales):
    other = Pipeline.objects.create(name="Renewals")
    with pytest.raises(ValidationError) as caught:
        _deal(book, pipeline=other, stage=sales["Demo"])
    assert "stage" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _deal(book, pipeline=other)  # no stage at all
    assert "pipeline" in caught.value.message_dict


def test_moving_a_deal_records_days_in_the_stage_left_and_an_entry(book, sales, member):
    with frozen_at(NOW):
        deal = _deal(book, contacts=[book.jane])
    later = NOW + dt.timedelta(days=9, hours=3)
    with frozen_at(later):
        change = services.move_deal_stage(deal=deal, stage=sales["Demo"], changed_by=member)
        assert days_in_stage(deal) == 0
    assert (change.from_stage, change.to_stage, change.days_in_from_stage) == (
        sales["Qualification"],
        sales["Demo"],
        9,
    )
    assert (change.changed_at, change.changed_by) == (later, member)
    deal.refresh_from_db()
    assert (deal.stage, deal.stage_entered_at, deal.status) == (sales["Demo"], later, "open")
    entry = Entry.objects.get(kind="deal_stage_changed")
    assert entry.title == "Acme expansion: Qualification → Demo"
    assert entry.actor == member and entry.occurred_at == later
    assert entry.details["days_in_from_stage"] == 9
    assert list(entry.contacts.all()) == [book.jane]
    with frozen_at(later + dt.timedelta(days=4)):
        assert days_in_stage(deal) == 4
        assert cycle_length(deal) == 13  # an open deal's age
    audit = changes_of(deal).first()
    assert audit is not None and audit.changes["stage"]["new_display"] == "Demo"


def test_winning_closes_the_deal_and_sets_its_close_date(book, sales):
    with frozen_at(NOW):
        deal = _deal(book, close_date=dt.date(2026, 6, 30))
    closing = NOW + dt.timedelta(days=40)
    with frozen_at(closing):
        services.move_deal_stage(deal=deal, stage=sales["Closed won"])
    deal.refresh_from_db()
    assert (deal.status, deal.closed_at, deal.close_date) == ("won", closing, closing.date())
    assert cycle_length(deal) == 40
    with frozen_at(closing + dt.timedelta(days=100)):
        assert cycle_length(deal) == 40 and days_in_stage(deal) == 0


def test_losing_needs_a_reason(book, sales, now):
    deal = _deal(book)
    with pytest.raises(ValidationError) as caught:
        services.move_deal_stage(deal=deal, stage=sales["Closed lost"])
    assert "lost_reason" in caught.value.message_dict
    assert deal.stage == sales["Qualification"]  # the instance is put back
    assert DealStageChange.objects.count() == 1
    assert Entry.objects.filter(kind="deal_stage_changed").count() == 0
    services.move_deal_stage(deal=deal, stage=sales["Closed lost"], lost_reason="Went with Rival")
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == ("lost", "Went with Rival")
    assert Entry.objects.get(kind="deal_stage_changed").body == "Went with Rival"


def test_a_reason_is_refused_for_a_stage_that_does_not_lose(book, sales, now):
    deal = _deal(book)
    with pytest.raises(ValidationError) as caught:
        services.move_deal_stage(deal=deal, stage=sales["Demo"], lost_reason="Why?")
    assert "lost_reason" in caught.value.message_dict


def test_reopening_a_lost_deal_clears_its_close_and_reason(book, sales, now):
    deal = _deal(book)
    services.move_deal_stage(deal=deal, stage=sales["Closed lost"], lost_reason="Budget")
    services.move_deal_stage(deal=deal, stage=sales["Negotiation"])
    deal.refresh_from_db()
    assert (deal.status, deal.closed_at, deal.lost_reason) == ("open", None, "")


def test_a_move_to_the_same_stage_or_back_in_time_is_refused(book, sales, now):
    deal = _deal(book)
    with pytest.raises(ValidationError) as caught:
        services.move_deal_stage(deal=deal, stage=sales["Qualification"])
    assert "stage" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.move_deal_stage(
            deal=deal, stage=sales["Demo"], changed_at=NOW - dt.timedelta(days=1)
        )
    assert "changed_at" in caught.value.message_dict


def test_a_deal_imported_as_won_is_closed_at_its_closing_time(book, sales):
    created = NOW - dt.timedelta(days=90)
    deal = _deal(book, stage=sales["Closed won"], created_at=created, closed_at=NOW)
    assert (deal.status, deal.closed_at, deal.close_date) == ("won", NOW, NOW.date())
    assert cycle_length(deal) == 90
    with pytest.raises(ValidationError) as caught:
        _deal(book, name="Open one", closed_at=NOW)
    assert "closed_at" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _deal(book, name="Lost one", stage=sales["Closed lost"])
    assert "lost_reason" in caught.value.message_dict


def test_updating_a_deal_is_audited_and_refreshes_its_entry(book, sales, as_member, now):
    deal = _deal(book)
    services.update_deal(deal=deal, value=Decimal("15000"), contacts=[book.jane], next_step="Call")
    entry = entries_about(deal).get()
    assert entry.details["value"] == "15000.00" and entry.body == "Call"
    assert list(entry.contacts.all()) == [book.jane]
    change = changes_of(deal).first()
    assert change is not None and change.action == "updated"
    assert change.changes["value"] == {"old": "12000.00", "new": "15000.00"}
    assert change.changes["contacts"]["new"] == [book.jane.pk]
    assert change.changed_by == as_member.user


def test_an_update_that_changes_nothing_writes_nothing(book, sales, now):
    deal = _deal(book)
    entry = entries_about(deal).get()
    services.update_deal(deal=deal, name="Acme expansion")
    assert entries_about(deal).get().title == entry.title
    assert RecordChange.objects.filter(action="updated").count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stage": None}, "stage"),
        ({"status": "won"}, "status"),
        ({"colour": "red"}, "colour"),
        ({"value": -5}, "value"),
        ({"lost_reason": "Nope"}, "lost_reason"),
        ({"contacts": []} | {"currency": "12"}, "currency"),
    ],
)
def test_a_bad_update_names_the_field_and_changes_nothing(book, sales, now, changes, field):
    deal = _deal(book)
    with pytest.raises(ValidationError) as caught:
        services.update_deal(deal=deal, **changes)
    assert field in caught.value.message_dict
    stored = Deal.objects.get()
    assert (stored.value, stored.currency, stored.stage) == (Decimal(12000), "EUR", deal.stage)
    assert not RecordChange.objects.filter(action="updated").exists()


def test_an_update_refuses_contacts_from_elsewhere(book, sales, now):
    deal = _deal(book)
    with pytest.raises(ValidationError) as caught:
        services.update_deal(deal=deal, contacts=[book.john])
    assert "contacts" in caught.value.message_dict


def test_deleting_a_deal_removes_its_history_quotes_and_entries_but_keeps_the_audit(
    book, sales, now
):
    deal = _deal(book)
    services.move_deal_stage(deal=deal, stage=sales["Proposal"])
    quote = services.record_quote_sent(deal=deal, number="Q-1", amount=12000)
    order = services.record_order_placed(account=book.acme, number="O-1", amount=5, deal=deal)
    deal_pk = deal.pk
    services.delete_deal(deal=deal)
    assert not Deal.objects.exists() and not DealStageChange.objects.exists()
    assert not Quote.objects.exists()
    kinds = Entry.objects.exclude(kind="contact_added").values_list("kind", flat=True)
    assert list(kinds) == ["order_placed"]
    order.refresh_from_db()
    assert order.deal is None
    deleted = RecordChange.objects.get(action="deleted", record_id=deal_pk, record_label=str(deal))
    assert deleted.changes["name"]["old"] == "Acme expansion"
    assert RecordChange.objects.filter(action="deleted", record_id=quote.pk).exists()


def test_deleting_an_account_deletes_its_deals_and_their_entries(book, sales, now):
    _deal(book)
    book.acme.delete()
    assert not Deal.objects.exists() and not Entry.objects.filter(kind="deal_created").exists()


def test_a_quote_is_sent_in_the_deal_currency_with_its_entry(book, sales, now):
    deal = _deal(book, contacts=[book.jane])
    quote = services.record_quote_sent(
        deal=deal, number="Q-2026-001", amount="11500.5", valid_until=dt.date(2026, 4, 1)
    )
    assert quote.currency == "EUR"
    entry = entries_about(quote).get()
    assert entry.kind == "quote_sent"
    assert entry.title == "Quote Q-2026-001 sent: 11,500.50 EUR"
    assert list(entry.accounts.all()) == [book.acme]
    assert list(entry.contacts.all()) == [book.jane]
    services.update_quote(quote=quote, amount=11000)
    assert entries_about(quote).get().title == "Quote Q-2026-001 sent: 11,000.00 EUR"
    services.delete_quote(quote=quote)
    assert not entries_about(quote).exists()


def test_quote_rules(book, sales, now):
    deal = _deal(book)
    services.record_quote_sent(deal=deal, number="Q-1", amount=1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"number": "Q-1"}, "number"),
        ({"number": "Q-2", "amount": -1}, "amount"),
        ({"number": "Q-3", "valid_until": dt.date(2026, 3, 1)}, "valid_until"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as caught:
            services.record_quote_sent(deal=deal, **({"amount": 1, **kwargs}))
        assert field in caught.value.message_dict
    assert Quote.objects.count() == 1


def test_an_order_for_another_accounts_deal_is_refused(book, sales, now):
    deal = _deal(book)
    with pytest.raises(ValidationError) as caught:
        services.record_order_placed(account=book.globex, number="O-1", amount=10, deal=deal)
    assert "deal" in caught.value.message_dict
    assert not Order.objects.exists() and not Entry.objects.filter(kind="order_placed").exists()


def test_an_order_writes_its_entry_and_follows_updates(book, sales, now):
    order = services.record_order_placed(account=book.globex, number="O-7", amount=990)
    entry = entries_about(order).get()
    assert (entry.kind, entry.title) == ("order_placed", "Order O-7 placed: 990.00 USD")
    assert list(entry.accounts.all()) == [book.globex]
    services.update_order(order=order, currency="GBP")
    assert entries_about(order).get().title == "Order O-7 placed: 990.00 GBP"
    services.delete_order(order=order)
    assert not entries_about(order).exists()


def test_stage_rules(sales):
    pipeline = sales["Demo"].pipeline
    cases: list[tuple[dict[str, Any], str]] = [
        ({"probability": 101}, "probability"),
        ({"is_won": True, "probability": 90}, "probability"),
        ({"is_lost": True, "probability": 10}, "probability"),
        ({"is_won": True, "is_lost": True, "probability": 100}, "is_lost"),
        ({"name": "Demo"}, "__all__"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as caught:
            PipelineStage(pipeline=pipeline, **{"name": "New", **kwargs}).save()
        assert field in caught.value.message_dict


def test_the_default_pipeline_is_made_again_when_missing(db):
    Pipeline.objects.all().delete()
    pipeline = services.ensure_default_pipeline()
    assert pipeline.is_default
    assert [(s.name, s.probability) for s in pipeline.stages.all()] == [
        ("Qualification", 10),
        ("Discovery", 20),
        ("Demo", 40),
        ("Proposal", 60),
        ("Negotiation", 80),
        ("Closed won", 100),
        ("Closed lost", 0),
    ]


def test_a_contact_leaving_does_not_break_the_deal(book, sales, now):
    deal = _deal(book, contacts=[book.jane])
    Contact.objects.filter(pk=book.jane.pk).delete()
    assert list(deal.contacts.all()) == []
