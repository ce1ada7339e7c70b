"""Tickets and survey answers: their rules, timeline entries and audit rows."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError

from panorama.core.audit import changes_of
from panorama.core.clock import frozen_at
from panorama.core.models import RecordChange
from panorama.support import services
from panorama.support.models import SurveyResponse, Ticket
from panorama.timeline.entries import entries_about
from panorama.timeline.models import Entry

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def now() -> Iterator[dt.datetime]:
    with frozen_at(NOW):
        yield NOW


def _ticket(book, **kwargs) -> Ticket:
    defaults = {"account": book.acme, "subject": "Export fails", "contact": book.jane}
    return services.record_ticket_opened(**(defaults | kwargs))


def test_an_opened_ticket_has_its_entry(book, now):
    ticket = _ticket(book, description="CSV export times out", priority="high", channel="chat")
    assert (ticket.status, ticket.created_at, ticket.resolved_at) == ("new", NOW, None)
    entry = entries_about(ticket).get()
    assert (entry.kind, entry.title, entry.body) == (
        "ticket_opened",
        "Ticket opened: Export fails",
        "CSV export times out",
    )
    assert entry.occurred_at == NOW
    assert list(entry.accounts.all()) == [book.acme]
    assert list(entry.contacts.all()) == [book.jane]
    assert entry.details["priority"] == "high"
    assert RecordChange.objects.get().action == "created"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject": " "}, "subject"),
        ({"status": "lost"}, "status"),
        ({"priority": "blocker"}, "priority"),
        ({"channel": "fax"}, "channel"),
        ({"csat": 6}, "csat"),
        ({"csat": 0}, "csat"),
        ({"first_response_at": NOW - HOUR}, "first_response_at"),
        ({"status": "solved", "resolved_at": NOW - HOUR}, "resolved_at"),
        ({"status": "open", "resolved_at": NOW + HOUR}, "resolved_at"),
        ({"escalated_at": NOW + HOUR}, "escalated_at"),
        ({"escalated": True, "escalated_at": NOW - HOUR}, "escalated_at"),
        ({"contact": "john"}, "contact"),
    ],
)
def test_a_bad_ticket_is_refused_naming_the_field_and_nothing_is_written(book, now, kwargs, field):
    if kwargs.get("contact") == "john":
        kwargs = {"contact": book.john}  # John is not at Acme
    with pytest.raises(ValidationError) as caught:
        _ticket(book, **kwargs)
    assert field in caught.value.message_dict
    assert not Ticket.objects.exists()
    assert not Entry.objects.filter(kind__startswith="ticket").exists()
    assert not RecordChange.objects.exists()


def test_resolving_a_ticket_posts_its_entry(book, now):
    ticket = _ticket(book)
    services.update_ticket(ticket=ticket, status="open", first_response_at=NOW + HOUR)
    with frozen_at(NOW + 5 * HOUR):
        services.resolve_ticket(ticket=ticket)
    assert (ticket.status, ticket.resolved_at) == ("solved", NOW + 5 * HOUR)
    assert ticket.resolution_time == 5 * HOUR and ticket.first_response_time == HOUR
    entry = entries_about(ticket).get(kind="ticket_resolved")
    assert entry.title == "Ticket resolved: Export fails"
    assert entry.details["resolution_seconds"] == 5 * 3600
    assert list(entry.contacts.all()) == [book.jane]
    with pytest.raises(ValidationError) as caught:
        services.resolve_ticket(ticket=ticket)
    assert "status" in caught.value.message_dict


def test_reopening_clears_the_resolution_and_solving_again_adds_an_entry(book, now):
    ticket = _ticket(book)
    services.resolve_ticket(ticket=ticket, resolved_at=NOW + HOUR)
    services.update_ticket(ticket=ticket, status="open")
    assert ticket.resolved_at is None
    services.update_ticket(ticket=ticket, status="closed", resolved_at=NOW + 3 * HOUR)
    resolved = entries_about(ticket).filter(kind="ticket_resolved").order_by("occurred_at")
    assert [e.occurred_at for e in resolved] == [NOW + HOUR, NOW + 3 * HOUR]
    services.update_ticket(ticket=ticket, status="solved")  # still resolved: no new entry
    assert entries_about(ticket).filter(kind="ticket_resolved").count() == 2


def test_an_imported_solved_ticket_has_both_entries(book):
    ticket = _ticket(
        book,
        status="closed",
        created_at=NOW - 48 * HOUR,
        first_response_at=NOW - 47 * HOUR,
        resolved_at=NOW - 24 * HOUR,
        external_id="zendesk-1",
    )
    kinds = sorted(entries_about(ticket).values_list("kind", flat=True))
    assert kinds == ["ticket_opened", "ticket_resolved"]
    assert entries_about(ticket).get(kind="ticket_resolved").occurred_at == NOW - 24 * HOUR
    with pytest.raises(ValidationError) as caught:
        _ticket(book, external_id="zendesk-1")
    assert "external_id" in caught.value.message_dict


def test_escalating_sets_and_clears_its_time(book, now):
    ticket = _ticket(book)
    with frozen_at(NOW + HOUR):
        services.update_ticket(ticket=ticket, escalated=True)
    assert ticket.escalated_at == NOW + HOUR
    with frozen_at(NOW + 2 * HOUR):
        services.update_ticket(ticket=ticket, escalated=False)
    assert ticket.escalated_at is None
    change = changes_of(ticket).first()
    assert change is not None and change.changes["escalated"] == {"old": True, "new": False}


def test_editing_what_the_entry_shows_rewrites_it(book, now):
    ticket = _ticket(book)
    services.update_ticket(ticket=ticket, subject="Export fails on big files", contact=None)
    entry = entries_about(ticket).get()
    assert entry.title == "Ticket opened: Export fails on big files"
    assert list(entry.contacts.all()) == []


def test_a_bad_update_changes_nothing(book, now):
    ticket = _ticket(book)
    with pytest.raises(ValidationError) as caught:
        services.update_ticket(ticket=ticket, priority="whenever", account=book.globex)
    assert set(caught.value.message_dict) == {"account"}
    with pytest.raises(ValidationError) as caught:
        services.update_ticket(ticket=ticket, priority="whenever")
    assert "priority" in caught.value.message_dict
    assert ticket.priority == "normal" and Ticket.objects.get().priority == "normal"
    assert not RecordChange.objects.filter(action="updated").exists()


def test_deleting_a_ticket_removes_its_entries(book, now):
    ticket = _ticket(book, status="solved")
    response = services.record_survey_response(
        account=book.acme, kind="csat", score=4, ticket=ticket
    )
    services.delete_ticket(ticket=ticket)
    assert not Entry.objects.filter(kind__startswith="ticket").exists()
    response.refresh_from_db()
    assert response.ticket is None
    assert RecordChange.objects.filter(action="deleted", record_label="Export fails").exists()


# --- Survey answers ----------------------------------------------------------------------


def test_an_nps_answer_has_its_entry(book, now):
    response = services.record_survey_response(
        account=book.acme, kind="nps", score=9, contact=book.jane, comment="Great support"
    )
    assert response.nps_category == "promoter"
    entry = entries_about(response).get()
    assert (entry.kind, entry.title, entry.body) == (
        "survey_response",
        "NPS 9 from Jane Doe",
        "Great support",
    )
    assert list(entry.accounts.all()) == [book.acme]
    assert list(entry.contacts.all()) == [book.jane]
    assert entry.details["nps_category"] == "promoter"


@pytest.mark.parametrize(
    ("kind", "score", "valid"),
    [
        ("nps", 0, True),
        ("nps", 10, True),
        ("nps", 11, False),
        ("csat", 1, True),
        ("csat", 5, True),
        ("csat", 0, False),
        ("csat", 6, False),
    ],
)
def test_scores_are_validated_per_kind(book, now, kind, score, valid):
    if valid:
        services.record_survey_response(account=book.acme, kind=kind, score=score)
        return
    with pytest.raises(ValidationError) as caught:
        services.record_survey_response(account=book.acme, kind=kind, score=score)
    assert "score" in caught.value.message_dict
    assert (
        not SurveyResponse.objects.exists()
        and not Entry.objects.filter(kind="survey_response").exists()
    )


def test_survey_answer_rules(book, now):
    ticket = _ticket(book)
    other = _ticket(book, account=book.globex, contact=None)
    for kwargs, field in [
        ({"kind": "nps", "score": 5, "ticket": ticket}, "ticket"),
        ({"kind": "csat", "score": 5, "ticket": other}, "ticket"),
        ({"kind": "csat", "score": 5, "contact": book.john}, "contact"),
        ({"kind": "ces", "score": 5}, "kind"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.record_survey_response(account=book.acme, **kwargs)
        assert field in caught.value.message_dict
    assert not SurveyResponse.objects.exists()


def test_a_csat_answer_about_a_ticket_becomes_its_rating(book, now):
    ticket = _ticket(book)
    first = services.record_survey_response(account=book.acme, kind="csat", score=2, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.csat == 2
    with frozen_at(NOW + HOUR):
        second = services.record_survey_response(
            account=book.acme, kind="csat", score=5, ticket=ticket
        )
    ticket.refresh_from_db()
    assert ticket.csat == 5
    services.update_survey_response(response=second, score=4)
    ticket.refresh_from_db()
    assert ticket.csat == 4
    services.delete_survey_response(response=second)
    ticket.refresh_from_db()
    assert ticket.csat == 2
    assert entries_about(first).get().title == "CSAT 2"
    assert not entries_about(second).exists()
