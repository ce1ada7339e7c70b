import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from panorama.customers.models import Account, Contact, Membership
from panorama.timeline import paging, queries
from panorama.timeline.entries import post_entry
from panorama.timeline.models import Entry
from panorama.timeline.queries import timeline_for_account, timeline_for_contact

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def _entry(account, hours, title="Entry", kind="note_added", body="", contacts=(), actor=None):
    accounts = account if isinstance(account, list) else [account]
    return post_entry(
        kind=kind,
        occurred_at=_at(hours),
        title=title,
        body=body,
        accounts=accounts,
        contacts=contacts,
        actor=actor,
    )


def _titles(page):
    return [e.title for e in page.entries]


@pytest.fixture
def quiet_book(book):
    """The book without its contact_added entries, so tests count only their own."""
    Entry.objects.all().delete()
    return book


def test_newest_first_in_keyset_pages(quiet_book, member):
    book = quiet_book
    for i in range(7):
        _entry(book.acme, i, f"e{i}")
    _entry(book.globex, 3, "elsewhere")
    first = timeline_for_account(book.acme, user=member, limit=3)
    assert _titles(first) == ["e6", "e5", "e4"]
    second = timeline_for_account(book.acme, user=member, limit=3, cursor=first.next_cursor)
    assert _titles(second) == ["e3", "e2", "e1"]
    last = timeline_for_account(book.acme, user=member, limit=3, cursor=second.next_cursor)
    assert _titles(last) == ["e0"]
    assert last.next_cursor is None


def test_entries_at_the_same_time_page_by_id(quiet_book, admin):
    book = quiet_book
    same = [_entry(book.acme, 1, f"s{i}") for i in range(5)]
    first = timeline_for_account(book.acme, user=admin, limit=2)
    rest = timeline_for_account(book.acme, user=admin, limit=10, cursor=first.next_cursor)
    assert [e.pk for e in first.entries + rest.entries] == [e.pk for e in reversed(same)]


@pytest.mark.parametrize("cursor", ["garbage", "", "!!!", "MjAyNnwx", "bm90aGluZw"])
def test_a_bad_cursor_is_an_error_naming_it(quiet_book, admin, cursor):
    if not cursor:
        assert timeline_for_account(quiet_book.acme, user=admin, cursor=cursor).entries == []
        return
    with pytest.raises(ValidationError) as error:
        timeline_for_account(quiet_book.acme, user=admin, cursor=cursor)
    assert "cursor" in error.value.message_dict


def test_filters_by_types_and_groups(quiet_book, admin):
    book = quiet_book
    _entry(book.acme, 1, "call", kind="call_logged")
    _entry(book.acme, 2, "deal", kind="deal_created")
    _entry(book.acme, 3, "mail", kind="email_received")
    _entry(book.acme, 4, "task", kind="task_completed")
    assert _titles(timeline_for_account(book.acme, user=admin, kinds=["call_logged"])) == ["call"]
    assert _titles(timeline_for_account(book.acme, user=admin, kinds=["communications"])) == [
        "mail",
        "call",
    ]
    assert _titles(
        timeline_for_account(book.acme, user=admin, kinds=["deals", "task_completed"])
    ) == ["task", "deal"]
    with pytest.raises(ValidationError) as error:
        timeline_for_account(book.acme, user=admin, kinds=["fax"])
    assert "kinds" in error.value.message_dict


def test_type_filter_pages_across_types(quiet_book, admin):
    book = quiet_book
    for i in range(6):
        _entry(book.acme, i, f"c{i}", kind="call_logged" if i % 2 else "meeting")
    _entry(book.acme, 10, "note")
    first = timeline_for_account(book.acme, user=admin, kinds=["call_logged", "meeting"], limit=4)
    assert _titles(first) == ["c5", "c4", "c3", "c2"]
    rest = timeline_for_account(
        book.acme, user=admin, kinds=["call_logged", "meeting"], limit=4, cursor=first.next_cursor
    )
    assert _titles(rest) == ["c1", "c0"]


def test_date_range_is_since_inclusive_until_exclusive(quiet_book, admin):
    book = quiet_book
    for i in range(5):
        _entry(book.acme, i, f"e{i}")
    page = timeline_for_account(book.acme, user=admin, since=_at(1), until=_at(3))
    assert _titles(page) == ["e2", "e1"]


@pytest.mark.parametrize("walk_limit", [20_000, 1], ids=["walk-their-entries", "walk-account"])
def test_person_filter_by_contact_or_team_member(
    quiet_book, admin, member, monkeypatch, walk_limit
):
    monkeypatch.setattr(paging, "ACTOR_WALK_LIMIT", walk_limit)
    book = quiet_book
    _entry(book.acme, 1, "with jane", contacts=[book.jane])
    _entry(book.initech, 2, "jane at initech", contacts=[book.jane])
    _entry(book.acme, 3, "by bob", actor=member)
    _entry(book.acme, 4, "by ada", actor=admin)
    page = timeline_for_account(book.acme, user=admin, contact=book.jane)
    assert _titles(page) == ["with jane"]
    assert _titles(timeline_for_account(book.acme, user=admin, actor=member)) == ["by bob"]
    _entry(book.globex, 5, "bob elsewhere", actor=member)
    _entry(book.acme_emea, 6, "bob at emea", actor=member)
    assert _titles(
        timeline_for_account(
            book.acme, user=member, actor=member, include_sub_accounts=True, search="bob"
        )
    ) == ["bob at emea", "by bob"]


def test_a_contact_timeline_shows_only_visible_accounts(quiet_book, admin, member, outsider):
    book = quiet_book
    _entry(book.acme, 1, "acme call", contacts=[book.jane])
    _entry(book.initech, 2, "initech call", contacts=[book.jane])
    assert _titles(timeline_for_contact(book.jane, user=admin)) == ["initech call", "acme call"]
    assert _titles(timeline_for_contact(book.jane, user=member)) == ["acme call"]
    assert _titles(timeline_for_contact(book.jane, user=outsider)) == []


def test_a_hidden_account_is_a_404(quiet_book, member, outsider):
    with pytest.raises(Http404):
        timeline_for_account(quiet_book.initech, user=member)
    with pytest.raises(Http404):
        timeline_for_account(quiet_book.acme, user=outsider)


def test_a_parent_includes_the_sub_accounts_the_user_may_see(quiet_book, admin, member):
    book = quiet_book
    hidden = Account.objects.create(name="Acme Labs", parent=book.acme, owner=admin)
    grandchild = Account.objects.create(name="Acme Paris", parent=book.acme_emea, owner=member)
    _entry(book.acme, 1, "parent")
    _entry(book.acme_emea, 2, "emea")
    _entry(hidden, 3, "labs")
    _entry(grandchild, 4, "paris")
    _entry([book.acme, book.acme_emea], 5, "both")
    assert _titles(timeline_for_account(book.acme, user=member)) == ["both", "parent"]
    page = timeline_for_account(book.acme, user=member, include_sub_accounts=True)
    assert _titles(page) == ["both", "paris", "emea", "parent"]
    assert [a.name for a in page.entries[1].on_accounts] == ["Acme Paris"]
    everything = timeline_for_account(book.acme, user=admin, include_sub_accounts=True, limit=2)
    assert _titles(everything) == ["both", "paris"]
    more = timeline_for_account(
        book.acme, user=admin, include_sub_accounts=True, cursor=everything.next_cursor
    )
    assert _titles(more) == ["labs", "emea", "parent"]


def test_grouped_mode_shows_each_groups_latest(quiet_book, admin):
    book = quiet_book
    for i in range(7):
        _entry(book.acme, i, f"mail{i}", kind="email_sent")
    _entry(book.acme, 1, "deal", kind="deal_created")
    page = timeline_for_account(book.acme, user=admin, grouped=True)
    assert [(g.group.value, g.has_more) for g in page.groups] == [
        ("communications", True),
        ("deals", False),
    ]
    assert [e.title for e in page.groups[0].entries] == [
        "mail6",
        "mail5",
        "mail4",
        "mail3",
        "mail2",
    ]


def test_contacts_shown_on_entries_link_only_when_visible(quiet_book, member):
    book = quiet_book
    _entry(book.acme, 1, "cc", kind="email_received", contacts=[book.jane, book.john])
    (entry,) = timeline_for_account(book.acme, user=member).entries
    assert [(str(c), c.linkable) for c in entry.people] == [
        ("Jane Doe", True),
        ("John Smith", False),
    ]


@pytest.mark.parametrize("persona_name", ["admin", "member"])
def test_a_page_costs_the_same_queries_whatever_its_size(quiet_book, request, persona_name):
    user = request.getfixturevalue(persona_name)
    book = quiet_book
    others = [Contact.objects.create(email=f"c{i}@acme.com") for i in range(3)]
    for contact in others:
        Membership.objects.create(contact=contact, account=book.acme)
    Entry.objects.all().delete()
    for i in range(60):
        _entry(book.acme_emea if i % 3 else book.acme, i, f"renewal {i}", contacts=others[: i % 4])

    def count(**kwargs):
        with CaptureQueriesContext(connection) as ctx:
            timeline_for_account(book.acme, user=user, **kwargs)
        return len(ctx.captured_queries)

    for kwargs in (
        {},
        {"include_sub_accounts": True},
        {"search": "renewal"},
        {"kinds": ["note_added", "call_logged"]},
        {"include_sub_accounts": True, "search": "renew"},
    ):
        assert count(limit=1, **kwargs) == count(limit=50, **kwargs), kwargs


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def searchable(quiet_book):
    book = quiet_book
    _entry(book.acme, 1, "Renewal call", body="Discussed the renewal and pricing")
    _entry(book.acme, 2, "QBR deck", body="Usage is up 20% — champion happy")
    _entry(book.acme, 3, "Pricing objection", body="They compare us with Globex-Analytics")
    _entry(book.acme, 4, "Security review", body="SOC2 report sent to jane@acme.com")
    _entry(book.globex, 5, "Renewal at Globex", body="renewal elsewhere")
    return book


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("renewal", ["Renewal call"]),
        ("RENEWAL pricing", ["Renewal call"]),
        ("pric", ["Pricing objection", "Renewal call"]),  # the last word as a prefix
        ("pricing ", ["Pricing objection", "Renewal call"]),
        ("analytics", ["Pricing objection"]),
        ("globex analytics", ["Pricing objection"]),
        ("jane", ["Security review"]),
        ("soc2", ["Security review"]),
        ("champion", ["QBR deck"]),
        ("nothing like this", []),
        ("", ["Security review", "Pricing objection", "QBR deck", "Renewal call"]),
    ],
)
def test_search_finds_words_in_titles_and_bodies(searchable, admin, text, titles):
    assert _titles(timeline_for_account(searchable.acme, user=admin, search=text)) == titles


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"renewal',
        "renewal OR",
        "AND",
        "NEAR(renewal pricing)",
        "renewal*",
        "-renewal",
        "title:renewal",
        "^renewal",
        "(renewal",
        "{title}: x",
        "'; DROP TABLE timeline_entry; --",
        "renewal\x00",
        "*",
        "a" * 500,
        "ÿ" * 3,
    ],
)
def test_search_syntax_from_a_person_is_never_an_error(searchable, admin, text):
    timeline_for_account(searchable.acme, user=admin, search=text)
    assert Entry.objects.count() == 5


def test_search_on_a_contact_timeline(searchable, member):
    book = searchable
    _entry(book.acme, 6, "Renewal lunch", contacts=[book.jane])
    _entry(book.initech, 7, "Renewal at Initech", contacts=[book.jane])
    assert _titles(timeline_for_contact(book.jane, user=member, search="renewal")) == [
        "Renewal lunch"
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan choice is SQLite's")
@pytest.mark.parametrize("plan", ["lookup", "walk", "tiny-window"])
def test_every_search_plan_gives_the_same_pages(quiet_book, admin, monkeypatch, plan):
    book = quiet_book
    for i in range(40):
        words = "common" + (" rare" if i % 10 == 0 else "")
        _entry(book.acme, i, f"t{i}", body=words)
        _entry(book.globex, i, f"g{i}", body="common rare")
    real = paging.plan_search

    def forced(terms, limit):
        match = real(terms, limit)
        if match is None:
            return None
        if plan == "lookup":
            return paging.SearchPlan(match.query, lookup_first=True)
        window = 3 if plan == "tiny-window" else 100_000
        return paging.SearchPlan(match.query, window=window)

    monkeypatch.setattr(queries, "plan_search", forced)
    seen = []
    cursor = None
    while True:
        page = timeline_for_account(book.acme, user=admin, search="rare", limit=2, cursor=cursor)
        seen += _titles(page)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == ["t30", "t20", "t10", "t0"]
    page = timeline_for_account(book.acme, user=admin, search="common", limit=3)
    assert _titles(page) == ["t39", "t38", "t37"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5's unicode61 tokenizer")
def test_search_ignores_accents_on_sqlite(quiet_book, admin):
    _entry(quiet_book.acme, 1, "Café meeting", body="Réunion à Paris")
    assert _titles(timeline_for_account(quiet_book.acme, user=admin, search="cafe reunion")) == [
        "Café meeting"
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers")
def test_the_full_text_index_follows_inserts_updates_and_deletes(quiet_book, admin):
    entry = _entry(quiet_book.acme, 1, "Kickoff", body="onboarding plan")
    Entry.objects.filter(pk=entry.pk).update(body="migration plan")
    assert _titles(timeline_for_account(quiet_book.acme, user=admin, search="onboarding")) == []
    assert _titles(timeline_for_account(quiet_book.acme, user=admin, search="migration")) == [
        "Kickoff"
    ]
    entry.delete()
    assert _titles(timeline_for_account(quiet_book.acme, user=admin, search="migration")) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        triggers = [row[0] for row in cursor.fetchall()]
    assert {
        "timeline_entry_fts_delete",
        "timeline_entry_fts_insert",
        "timeline_entry_fts_update",
    } <= set(triggers)
