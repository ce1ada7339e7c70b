import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from panorama.core.actors import Actor, acting_as
from panorama.core.models import RecordChange
from panorama.customers.models import Contact, Membership
from panorama.timeline import services
from panorama.timeline.entries import entries_about
from panorama.timeline.models import (
    Call,
    Email,
    EmailThread,
    Entry,
    EntryAccount,
    EntryContact,
    Note,
    Task,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _email(book, **overrides):
    fields = {
        "account": book.acme,
        "message_id": "<m1@acme.com>",
        "direction": "inbound",
        "from_address": "jane@acme.com",
        "from_name": "Jane Doe",
        "to": ["bob@example.com"],
        "subject": "Renewal questions",
        "body": "Can we talk about the renewal?\n\n> quoted",
        "new_text": "Can we talk about the renewal?",
        "sent_at": T0,
        "contacts": [book.jane],
    }
    return services.record_email(**{**fields, **overrides})


def test_an_inbound_email_starts_a_thread_and_is_received_on_the_timelines(book):
    email = _email(book)
    assert email.message_id == "m1@acme.com"
    thread = email.thread
    assert (thread.message_count, thread.first_message_at, thread.last_message_at) == (1, T0, T0)
    assert thread.normalized_subject == "renewal questions"
    entry = entries_about(email).get()
    assert (entry.kind, entry.title, entry.body) == (
        "email_received",
        "Renewal questions",
        "Can we talk about the renewal?",
    )
    assert list(entry.accounts.all()) == [book.acme]
    assert list(entry.contacts.all()) == [book.jane]
    assert entry.actor is None


def test_a_reply_joins_the_thread_and_an_outbound_one_is_by_the_sender(book, member):
    first = _email(book)
    reply = _email(
        book,
        message_id="m2@example.com",
        thread=first.thread,
        direction="outbound",
        from_address="BOB@example.com",
        to=["jane@acme.com"],
        subject="Re: Renewal questions",
        sent_at=T0 + dt.timedelta(hours=2),
    )
    thread = EmailThread.objects.get()
    assert thread.message_count == 2
    assert thread.last_message_at == T0 + dt.timedelta(hours=2)
    entry = entries_about(reply).get()
    assert entry.kind == "email_sent"
    assert entry.actor == member


def test_an_email_is_refused_naming_the_field(book):
    _email(book)
    with pytest.raises(ValidationError) as duplicate:
        _email(book)
    assert duplicate.value.error_dict["message_id"][0].code == "duplicate"
    with pytest.raises(ValidationError) as naive:
        _email(book, message_id="m3", sent_at=dt.datetime(2026, 3, 2, 9, 30))
    assert "sent_at" in naive.value.message_dict
    with pytest.raises(ValidationError) as bad_to:
        _email(book, message_id="m4", to=["not an address"])
    assert "to" in bad_to.value.message_dict
    with pytest.raises(ValidationError) as bad_direction:
        _email(book, message_id="m5", direction="sideways")
    assert "direction" in bad_direction.value.message_dict
    other = EmailThread.objects.create(account=book.globex, subject="x")
    with pytest.raises(ValidationError) as foreign:
        _email(book, message_id="m6", thread=other)
    assert "thread" in foreign.value.message_dict
    assert Email.objects.count() == 1
    assert EmailThread.objects.count() == 2  # the first message's and the Globex one


def test_updating_an_email_resyncs_its_entry_and_deleting_the_last_removes_the_thread(book):
    email = _email(book)
    services.update_email(email=email, direction="outbound", subject="Renewal", sent_at=T0)
    entry = Entry.objects.get(kind="email_sent")
    assert entry.title == "Renewal"
    assert not Entry.objects.filter(kind="email_received").exists()
    with pytest.raises(ValidationError) as unknown:
        services.update_email(email=email, message_id="other", colour="red")
    assert set(unknown.value.message_dict) == {"message_id", "colour"}
    services.delete_record(record=email)
    assert not Entry.objects.exclude(kind="contact_added").exists()
    assert not EmailThread.objects.exists()


def test_a_call_is_logged_by_the_person_acting_with_its_contacts(book, member):
    with acting_as(Actor("web", member)):
        call = services.record_call_logged(
            account=book.acme,
            direction="outbound",
            started_at=T0,
            disposition="connected",
            duration_seconds=754,
            contacts=[book.jane],
            notes="Talked budget for next year.",
        )
    entry = entries_about(call).get()
    assert call.logged_by == member
    assert entry.actor == member
    assert entry.title == "Outbound call with Jane Doe"
    assert entry.body == "Talked budget for next year."
    assert ["Duration", "12 min 34 s"] in entry.details["facts"]
    assert EntryContact.objects.get(entry=entry).contact == book.jane


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"disposition": "busy"}, "disposition"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"started_at": dt.datetime(2026, 1, 1)}, "started_at"),
    ],
)
def test_a_call_breaking_a_rule_is_refused_naming_the_field(book, changes, field):
    fields = {
        "account": book.acme,
        "direction": "inbound",
        "started_at": T0,
        "disposition": "connected",
        **changes,
    }
    with pytest.raises(ValidationError) as error:
        services.record_call_logged(**fields)
    assert field in error.value.message_dict
    assert not Call.objects.exists()


def test_contacts_of_a_call_must_belong_to_its_account(book):
    with pytest.raises(ValidationError) as error:
        services.record_call_logged(
            account=book.acme,
            direction="inbound",
            started_at=T0,
            disposition="voicemail",
            contacts=[book.john],
        )
    assert "John Smith" in error.value.message_dict["contacts"][0]


def test_updating_a_call_moves_its_entry_and_links(book):
    call = services.record_call_logged(
        account=book.acme, direction="inbound", started_at=T0, disposition="voicemail"
    )
    later = T0 + dt.timedelta(days=1)
    services.update_call(call=call, started_at=later, contacts=[book.jane], notes="Left a message")
    entry = entries_about(call).get()
    assert (entry.occurred_at, entry.body) == (later, "Left a message")
    assert entry.title == "Inbound call with Jane Doe (voicemail)"
    assert EntryAccount.objects.get(entry=entry).occurred_at == later
    assert EntryContact.objects.get(entry=entry).occurred_at == later
    services.update_call(call=call, contacts=[])
    assert not EntryContact.objects.filter(entry=entry).exists()


def test_a_meeting_ends_after_it_starts(book, member):
    with pytest.raises(ValidationError) as error:
        services.record_meeting(
            account=book.acme, title="QBR", meeting_type="qbr", starts_at=T0, ends_at=T0
        )
    assert "ends_at" in error.value.message_dict
    meeting = services.record_meeting(
        account=book.acme,
        title="QBR",
        meeting_type="qbr",
        starts_at=T0,
        ends_at=T0 + dt.timedelta(hours=1),
        external_attendees=[book.jane],
        internal_attendees=[member],
        agenda="Usage review",
        outcome="Expansion to EMEA",
    )
    meeting.refresh_from_db()
    assert list(meeting.external_attendees.all()) == [book.jane]
    assert list(meeting.internal_attendees.all()) == [member]
    entry = entries_about(meeting).get()
    assert entry.body == "Agenda\nUsage review\n\nOutcome\nExpansion to EMEA"
    assert ["Our team", "Bob Member"] in entry.details["facts"]


def test_a_note_is_titled_by_its_first_line_and_deleting_it_removes_its_entry(book, member):
    with acting_as(Actor("web", member)):
        note = services.record_note_added(
            account=book.acme, body="Champion is leaving\nFind a new sponsor.", contact=book.jane
        )
    entry = entries_about(note).get()
    assert (entry.title, entry.actor) == ("Champion is leaving", member)
    services.update_note(note=note, body="Champion stays")
    entry.refresh_from_db()
    assert entry.title == "Champion stays"
    note.delete()  # however it is deleted, its entry goes too
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert not Note.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.record_note_added(account=book.acme, body="  ")
    assert "body" in error.value.message_dict


def test_completing_a_task_posts_task_completed_and_reopening_removes_it(book, member):
    task = services.record_task_created(
        account=book.acme, title="Send the QBR deck", due_on=dt.date(2026, 3, 9), assignee=member
    )
    assert [e.kind for e in entries_about(task)] == ["task_created"]
    with acting_as(Actor("web", member)):
        services.complete_task(task=task, completed_at=T0)
    completed = entries_about(task).get(kind="task_completed")
    assert (completed.occurred_at, completed.actor) == (T0, member)
    services.update_task(task=task, status="open")
    task.refresh_from_db()
    assert task.completed_at is None
    assert [e.kind for e in entries_about(task)] == ["task_created"]
    with pytest.raises(ValidationError) as error:
        services.update_task(task=task, completed_at=T0)
    assert "completed_at" in error.value.message_dict


def test_a_task_created_completed_gets_a_completion_time(book):
    task = services.record_task_created(account=book.acme, title="Done", status="completed")
    assert task.completed_at is not None
    assert sorted(e.kind for e in entries_about(task)) == ["task_completed", "task_created"]
    assert Task.objects.get().status == "completed"


def test_a_market_signal_and_an_enrichment_update_are_recorded_not_applied(book):
    signal = services.record_market_signal(
        account=book.acme,
        title="Acme raises a Series C",
        sentiment="positive",
        occurred_at=T0,
        source_url="https://news.example.com/acme",
    )
    assert entries_about(signal).get().details["url"] == "https://news.example.com/acme"
    update = services.record_enrichment_update(
        account=book.acme,
        contact=book.jane,
        source="clearbit",
        changes={"title": {"old": "VP Ops", "new": "COO"}},
        occurred_at=T0,
    )
    entry = entries_about(update).get()
    assert entry.title == "clearbit updated Jane Doe: title"
    assert entry.body == "title: VP Ops → COO"
    book.jane.refresh_from_db()
    assert book.jane.title == "VP Ops"  # applying is the integration's job
    with pytest.raises(ValidationError) as error:
        services.record_enrichment_update(account=book.acme, source="clearbit", changes={})
    assert "changes" in error.value.message_dict


def test_a_contact_joining_an_account_is_on_both_timelines(book):
    # The book's memberships went through post_save: each has its entry.
    jane_at_acme = Membership.objects.get(contact=book.jane, account=book.acme)
    entry = entries_about(jane_at_acme).get()
    assert (entry.kind, entry.title) == ("contact_added", "Jane Doe joined Acme")
    assert list(entry.accounts.all()) == [book.acme]
    assert list(entry.contacts.all()) == [book.jane]
    assert Entry.objects.filter(kind="contact_added").count() == 3

    services.record_contact_added(account=book.acme, contact=book.jane)  # again: still one
    assert entries_about(jane_at_acme).count() == 1
    with pytest.raises(ValidationError):
        services.record_contact_added(account=book.globex, contact=book.jane)

    jane_at_acme.delete()
    assert not entries_about(jane_at_acme).exists()


def test_bulk_memberships_write_no_entries(book):
    ann = Contact.objects.create(email="ann@globex.io")
    Membership.objects.bulk_create([Membership(contact=ann, account=book.globex)])
    assert not Entry.objects.filter(contacts=ann).exists()


def test_every_write_to_an_interaction_is_in_the_audit_log_with_its_author(book, member):
    with acting_as(Actor("api", member)):
        call = services.record_call_logged(
            account=book.acme, direction="outbound", started_at=T0, disposition="no_answer"
        )
        services.update_call(call=call, disposition="connected", notes="Talked pricing")
        services.update_call(call=call, disposition="connected")  # changes nothing: no row
        services.delete_record(record=call)

    log = list(RecordChange.objects.order_by("id"))
    assert [(c.action, c.changed_by, c.source, c.account) for c in log] == [
        ("created", member, "api", book.acme),
        ("updated", member, "api", book.acme),
        ("deleted", member, "api", book.acme),
    ]
    assert log[1].changes == {
        "disposition": {"old": "no_answer", "new": "connected"},
        "notes": {"old": "", "new": "Talked pricing"},
    }
    # The deletion keeps the record's last values: all that is left of it.
    assert log[2].changes["notes"]["old"] == "Talked pricing"
    assert log[2].record_label == str(call)


def test_a_meeting_links_a_deal_of_its_own_account_only(book):
    from panorama.revenue.services import record_deal_created

    ours = record_deal_created(account=book.acme, name="Acme expansion", value=12000)
    theirs = record_deal_created(account=book.globex, name="Globex pilot", value=5000)
    hour = dt.timedelta(hours=1)
    meeting = services.record_meeting(
        account=book.acme, title="Pricing", meeting_type="negotiation", starts_at=T0,
        ends_at=T0 + hour, deal=ours,
    )  # fmt: skip
    assert list(ours.meetings.all()) == [meeting]

    with pytest.raises(ValidationError) as error:
        services.update_meeting(meeting=meeting, deal=theirs)
    assert error.value.message_dict == {"deal": ["That deal belongs to another account."]}
    meeting.refresh_from_db()
    assert meeting.deal == ours
