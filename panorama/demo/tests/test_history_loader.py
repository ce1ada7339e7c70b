"""Loading demo records: deterministic, searchable, valid, and the cases health scoring needs."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.db.models import Avg, Count, F, Max, Q

from panorama.core.models import RecordChange, Role, User
from panorama.customers.models import Account, Contact
from panorama.demo.history_rows import NUMBERED
from panorama.demo.tests.snapshots import fingerprint, first_difference, snapshot
from panorama.revenue.models import Contract, Deal, DealStageChange, Invoice
from panorama.revenue.models.common import validate_record
from panorama.support.models import SurveyResponse, Ticket
from panorama.timeline.models import (
    Call,
    EmailThread,
    EnrichmentUpdate,
    Entry,
    EntryAccount,
    EntryContact,
    Meeting,
)
from panorama.timeline.queries import timeline_for_account

TODAY = dt.date(2025, 6, 1)
ARGS = ("--accounts=30", "--seed=42", f"--today={TODAY}", "--no-usage")


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *(args or ARGS), stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(db: None) -> str:
    return load()


def test_loading_twice_gives_the_same_records(loaded: str) -> None:
    first = snapshot(people=True)
    tables: list[type[models.Model]] = [Entry, RecordChange, DealStageChange]
    tables += [*reversed(NUMBERED), Contact, Account]
    for model in tables:
        model._default_manager.all().delete()
    load()
    again = snapshot(people=True)
    assert not first_difference(first, again), first_difference(first, again)
    assert fingerprint(first) == fingerprint(again)


def test_the_summary_counts_the_records(loaded: str) -> None:
    assert "timeline entries" in loaded and "e-mails" in loaded and "invoices" in loaded
    assert Entry.objects.count() > 1000
    for model in NUMBERED:
        assert model._default_manager.exists(), model


def test_every_entry_is_on_its_accounts_timeline(loaded: str) -> None:
    """Links copy their entry's time and kind; every entry is on one account's timeline and
    about a record that exists."""
    assert not EntryAccount.objects.exclude(
        occurred_at=F("entry__occurred_at"), kind=F("entry__kind")
    ).exists()
    assert not EntryContact.objects.exclude(
        occurred_at=F("entry__occurred_at"), kind=F("entry__kind")
    ).exists()
    links = Entry.objects.annotate(n=Count("account_links")).values_list("n", flat=True)
    assert set(links) == {1}
    for entry in Entry.objects.order_by("?")[:200]:
        assert entry.subject is not None, entry
    threads = EmailThread.objects.annotate(n=Count("messages"), last=Max("messages__sent_at"))
    assert not threads.exclude(message_count=F("n")).exists()
    assert not threads.exclude(last_message_at=F("last")).exists()


def test_loaded_records_obey_the_model_rules(loaded: str) -> None:
    """``full_clean`` (and the revenue and support records' own validation) on a sample of
    every table."""
    rng = random.Random(5)
    for model in NUMBERED:
        ids = list(model._default_manager.values_list("pk", flat=True))
        for record in model._default_manager.filter(pk__in=rng.sample(ids, min(25, len(ids)))):
            record.full_clean()
            if hasattr(record, "normalise"):
                validate_record(record)


def test_bulk_loaded_entries_are_searchable(loaded: str) -> None:
    admin = User.objects.create_user("search@example.com", "x", role=Role.ADMIN)
    ticket = Ticket.objects.order_by("pk").first()
    assert ticket is not None
    page = timeline_for_account(ticket.account, user=admin, search=ticket.subject)
    assert any(e.subject_id == ticket.pk and e.kind == "ticket_opened" for e in page.entries)
    email = Entry.objects.filter(kind="email_received").order_by("pk").first()
    assert email is not None
    word = max(email.body.split(), key=len).strip(".,!?:;()")
    account = email.account_links.get().account
    assert email in timeline_for_account(account, user=admin, search=word).entries
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO timeline_entry_fts(timeline_entry_fts, rank) "
                "VALUES ('integrity-check', 1)"
            )
            cursor.execute("SELECT count(*) FROM timeline_entry_fts")
            assert cursor.fetchone()[0] == Entry.objects.count()
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM timeline_entry WHERE search_vector IS NULL")
            assert cursor.fetchone()[0] == 0


def test_the_cases_health_scoring_needs_are_in_the_database(loaded: str) -> None:
    today = TODAY
    soon = Q(end_date__gte=today, start_date__lte=today)
    renewals = [
        c for c in Contract.objects.filter(soon) if 0 <= (c.days_to_renewal(today) or -1) < 30
    ]
    assert any(c.auto_renew for c in renewals) and any(not c.auto_renew for c in renewals)
    assert Invoice.objects.filter(status="open", due_on__lt=today).exists()
    assert (
        Invoice.objects.filter(status="paid").count()
        > Invoice.objects.exclude(status="paid").count()
    )
    # A champion or sponsor whose company changed.
    assert EnrichmentUpdate.objects.filter(
        Q(contact__is_sponsor=True) | Q(contact__buying_role="champion"),
        changes__has_key="company",
    ).exists()
    # A deal stalled: in its stage for longer than that stage's average.
    averages = dict(
        DealStageChange.objects.exclude(from_stage=None)
        .values("from_stage")
        .annotate(days=Avg("days_in_from_stage"))
        .values_list("from_stage", "days")
    )
    now = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    stalled = [
        d
        for d in Deal.objects.filter(status="open")
        if (now - d.stage_entered_at).days > (averages.get(d.stage_id) or 0)
        and d.stage_entered_at < now - dt.timedelta(days=40)
    ]
    assert stalled
    # A ghost: no inbound e-mail, meeting held or connected call for 30 days, but some before.
    month_ago = now - dt.timedelta(days=30)
    touched = set(
        Entry.objects.filter(
            Q(kind="email_received")
            | Q(kind="meeting", occurred_at__lt=now)
            | Q(kind="call_logged", details__disposition="connected"),
        ).values_list("account_links__account", "occurred_at")
    )
    last: dict[int, dt.datetime] = {}
    for account_id, at in touched:
        last[account_id] = max(at, last.get(account_id, at))
    assert any(at < month_ago for at in last.values())
    assert any(at >= month_ago for at in last.values())
    # Surveys and support with the figures seed 004 shows.
    assert SurveyResponse.objects.filter(kind="nps", score__lte=6).exists()
    assert SurveyResponse.objects.filter(kind="nps", score__gte=9).exists()
    assert Ticket.objects.filter(escalated=True).exists()
    assert Ticket.objects.filter(status__in=("new", "open", "pending")).exists()
    assert Ticket.objects.exclude(csat=None).exists()
    assert Call.objects.values("disposition").distinct().count() == 3
    assert Meeting.objects.values("meeting_type").distinct().count() == 5
    assert Meeting.objects.filter(starts_at__gt=now).exists()  # one coming up


def test_records_can_be_left_out_or_limited(db: None) -> None:
    output = load(*ARGS, "--no-records")
    assert "timeline entries" not in output
    assert not Entry.objects.exists()
    for model in (Entry, Contact, Account):
        model._default_manager.all().delete()
    load(*ARGS, "--records-accounts=3", "--competitors=Acme Analytics, Initrode")
    accounts = set(EntryAccount.objects.values_list("account", flat=True))
    assert 0 < len(accounts) <= 3
    assert Account.objects.filter(pk__in=accounts, external_id__isnull=False).count() == len(
        accounts
    )
    with pytest.raises(CommandError, match="--records-accounts"):
        load(*ARGS, "--records-accounts=-1")
    with pytest.raises(CommandError, match="--competitors"):
        load(*ARGS, "--competitors=,")


def test_the_records_are_the_demo_actors(loaded: str) -> None:
    assert set(Entry.objects.values_list("source", flat=True)) == {"demo"}
    assert set(RecordChange.objects.values_list("source", flat=True)) == {"demo"}
    # Outbound e-mails are by the CSM who sent them; inbound ones by nobody on our side.
    sent = Entry.objects.filter(kind="email_sent")
    assert not sent.filter(actor=None).exists()
    assert not Entry.objects.filter(kind="email_received").exclude(actor=None).exists()
