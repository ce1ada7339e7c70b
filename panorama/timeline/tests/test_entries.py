import datetime as dt

import pytest

from panorama.core.actors import Actor, acting_as
from panorama.timeline.entries import entries_about, post_entry
from panorama.timeline.models import Entry, EntryAccount, Note

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def test_an_entry_is_linked_to_its_accounts_and_contacts_with_their_order_keys(book, admin):
    note = Note.objects.create(account=book.acme, body="Renewal call went well")
    with acting_as(Actor("web", admin)):
        entry = post_entry(
            kind="note_added",
            occurred_at=WHEN,
            title="Note",
            body=note.body,
            accounts=[book.acme, book.acme],
            contacts=[book.jane],
            subject=note,
        )
    assert entry.actor == admin
    assert entry.source == "web"
    assert list(entry.accounts.all()) == [book.acme]
    assert list(entry.contacts.all()) == [book.jane]
    link = EntryAccount.objects.get(entry=entry)
    assert (link.occurred_at, link.kind) == (WHEN, "note_added")
    assert list(entries_about(note)) == [entry]


def test_an_unregistered_kind_writes_nothing(book):
    before = Entry.objects.count()  # the book's contacts joining their accounts
    with pytest.raises(KeyError, match="No timeline entry type 'fax'"):
        post_entry(kind="fax", occurred_at=WHEN, title="Fax", accounts=[book.acme])
    assert Entry.objects.count() == before
