"""E-mails, calls, meetings, notes, tasks, market signals and enrichment updates in the REST
API (``/api/timeline``): every kind's create, read, update, delete with its timeline entry,
visibility (404 and nothing changed outside the book), validation naming the field,
read-only fields, filters and query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from conftest import Book
from panorama.core.actors import Actor, acting_as
from panorama.core.audit import changes_of
from panorama.core.models import User
from panorama.core.tests.api_client import Api, database, ids
from panorama.customers.models import Account, Contact, Membership
from panorama.revenue import services as revenue
from panorama.timeline import services
from panorama.timeline.models import (
    Call,
    Email,
    EmailThread,
    EnrichmentUpdate,
    Entry,
    MarketSignal,
    Meeting,
    Note,
    Task,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def api(book: Book, admin: User, member: User, outsider: User) -> Api:
    return Api("/timeline", {"admin": admin, "member": member, "outsider": outsider})


def _email(account: Account, n: int = 0, **kw: Any) -> Email:
    values: dict[str, Any] = {
        "message_id": f"m{account.pk}-{n}",
        "direction": "inbound",
        "from_address": "someone@example.com",
        "subject": "Renewal",
        "sent_at": T0,
    }
    return services.record_email(account=account, **values | kw)


def _call(account: Account, n: int = 0, **kw: Any) -> Call:
    values: dict[str, Any] = {"direction": "outbound", "started_at": T0, "disposition": "connected"}
    return services.record_call_logged(account=account, **values | kw)


def _meeting(account: Account, n: int = 0, **kw: Any) -> Meeting:
    values: dict[str, Any] = {
        "title": "QBR",
        "meeting_type": "qbr",
        "starts_at": T0,
        "ends_at": T0 + dt.timedelta(hours=1),
    }
    return services.record_meeting(account=account, **values | kw)


def _note(account: Account, n: int = 0, **kw: Any) -> Note:
    return services.record_note_added(account=account, body=f"Note {n}", **kw)


def _task(account: Account, n: int = 0, **kw: Any) -> Task:
    return services.record_task_created(account=account, title=f"Task {n}", **kw)


def _signal(account: Account, n: int = 0, **kw: Any) -> Any:
    values: dict[str, Any] = {
        "title": "Raised a B round",
        "sentiment": "positive",
        "occurred_at": T0,
    }
    return services.record_market_signal(account=account, **values | kw)


def _enrichment(account: Account, n: int = 0, **kw: Any) -> Any:
    return services.record_enrichment_update(
        account=account, source="clearbit", changes={"industry": {"old": None, "new": "SaaS"}}
    )


# Each kind: path, "No such …" name, how to make one, a valid change, its other operations.
KINDS: dict[str, tuple[str, str, Callable[..., Any], dict[str, Any] | None, list[str]]] = {
    "email": ("/emails", "e-mail", _email, {"subject": "Mine now"}, []),
    "call": ("/calls", "call", _call, {"notes": "Mine now"}, []),
    "meeting": ("/meetings", "meeting", _meeting, {"title": "Mine now"}, []),
    "note": ("/notes", "note", _note, {"body": "Mine now"}, []),
    "task": ("/tasks", "task", _task, {"title": "Mine now"}, ["/complete"]),
    "signal": ("/market-signals", "market signal", _signal, {"title": "Mine now"}, []),
    "enrichment": ("/enrichment-updates", "enrichment update", _enrichment, None, []),
}


def make(kind: str, account: Account, n: int = 0, **kw: Any) -> Any:
    with acting_as(Actor(source="test")):
        return KINDS[kind][2](account, n, **kw)


# Who sees what, for every kind


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("persona", "account"), [("outsider", "acme"), ("member", "initech")])
def test_records_outside_the_book_answer_404_and_nothing_changes(
    api: Api, book: Book, kind: str, persona: str, account: str
):
    path, name, _, change, actions = KINDS[kind]
    record = make(kind, getattr(book, account))
    url = f"{path}/{record.pk}"
    before = database()

    answers = [api.get(url, as_=persona), api.delete(url, as_=persona)]
    if change is not None:
        answers.append(api.patch(url, change, as_=persona))
    answers += [api.post(url + action, {}, as_=persona) for action in actions]

    assert [r.status_code for r in answers] == [404] * len(answers)
    assert answers[0].json() == {"detail": f"No such {name}"}
    assert database() == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("persona", "visible"),
    [("admin", {"acme", "globex", "initech"}), ("member", {"acme", "globex"}), ("outsider", set())],
)
def test_lists_hold_exactly_the_visible_records(
    api: Api, book: Book, kind: str, persona: str, visible: set[str]
):
    records = {name: make(kind, getattr(book, name)) for name in ("acme", "globex", "initech")}

    response = api.get(KINDS[kind][0], as_=persona)
    hidden = api.get(f"{KINDS[kind][0]}?account={book.initech.pk}", as_=persona)

    assert response.status_code == 200
    assert ids(response) == {records[name].pk for name in visible}
    assert ids(hidden) == ({records["initech"].pk} if "initech" in visible else set())


@pytest.mark.parametrize("kind", KINDS)
def test_a_hidden_account_in_a_body_is_no_such_account(
    api: Api, book: Book, member: User, kind: str
):
    before = database()

    response = api.post(KINDS[kind][0], {**_body(kind, book, member), "account": book.initech.pk})

    assert response.status_code == 400, response.json()
    assert response.json()["errors"] == {"account": ["No such account."]}
    assert database() == before


@pytest.mark.parametrize("kind", [k for k, v in KINDS.items() if v[3] is not None])
def test_a_record_stays_with_its_account(api: Api, book: Book, kind: str):
    record = make(kind, book.acme)
    before = database()

    moved = api.patch(f"{KINDS[kind][0]}/{record.pk}", {"account": book.globex.pk})
    same = api.patch(f"{KINDS[kind][0]}/{record.pk}", {"account": book.acme.pk})

    assert moved.status_code == 400 and list(moved.json()["errors"]) == ["account"]
    assert same.status_code == 200, same.json()
    assert database() == before


# Creating each kind, with its entry


BODIES: dict[str, dict[str, Any]] = {
    "email": {
        "message_id": "<cafe@acme.com>",
        "direction": "inbound",
        "from_address": "jane@acme.com",
        "to": ["bob@example.com"],
        "subject": "Re: Renewal",
        "body": "Sounds good.\n> earlier",
        "new_text": "Sounds good.",
        "sent_at": "2026-03-01T10:00:00Z",
        "attachments": [{"filename": "quote.pdf", "content_type": "application/pdf", "size": 10}],
        "contacts": ["jane"],
    },
    "call": {
        "direction": "outbound",
        "started_at": "2026-03-01T10:00:00Z",
        "disposition": "voicemail",
        "duration_seconds": 42,
        "contacts": ["jane"],
        "notes": "Left a message",
    },
    "meeting": {
        "title": "QBR",
        "meeting_type": "qbr",
        "starts_at": "2026-03-01T10:00:00Z",
        "ends_at": "2026-03-01T11:00:00Z",
        "external_attendees": ["jane"],
        "internal_attendees": ["me"],
        "agenda": "Usage review",
    },
    "note": {"body": "Champion is leaving in May", "contact": "jane"},
    "task": {"title": "Send the deck", "due_on": "2026-03-10", "assignee": "me", "contact": "jane"},
    "signal": {
        "title": "Raised a B round",
        "sentiment": "positive",
        "occurred_at": "2026-02-01T00:00:00Z",
        "source_url": "https://news.example.com/acme",
    },
    "enrichment": {
        "source": "clearbit",
        "contact": "jane",
        "changes": {"title": {"old": "VP Ops", "new": "COO"}},
    },
}
MODELS: dict[str, type[Any]] = {
    "email": Email,
    "call": Call,
    "meeting": Meeting,
    "note": Note,
    "task": Task,
    "signal": MarketSignal,
    "enrichment": EnrichmentUpdate,
}
ENTRY_KINDS = {
    "email": "email_received",
    "call": "call_logged",
    "meeting": "meeting",
    "note": "note_added",
    "task": "task_created",
    "signal": "market_signal",
    "enrichment": "enrichment_update",
}


def _body(kind: str, book: Book, user: User) -> dict[str, Any]:
    refs = {"jane": book.jane.pk, "me": user.pk}

    def ref(value: Any) -> Any:
        if isinstance(value, list):
            return [ref(v) for v in value]
        return refs.get(value, value) if isinstance(value, str) else value

    body = {k: ref(v) if k not in {"body", "title"} else v for k, v in BODIES[kind].items()}
    return {"account": book.acme.pk, **body}


@pytest.mark.parametrize("kind", KINDS)
def test_a_member_creates_each_kind_with_its_entry(api: Api, book: Book, member: User, kind: str):
    response = api.post(KINDS[kind][0], _body(kind, book, member))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["account"] == {"id": book.acme.pk, "name": "Acme"}
    entry = Entry.objects.get(kind=ENTRY_KINDS[kind])
    assert entry.source == "api" and entry.subject_id == body["id"]
    (created,) = changes_of(MODELS[kind](pk=body["id"]))
    assert (created.action, created.changed_by, created.source) == ("created", member, "api")
    read = api.get(f"{KINDS[kind][0]}/{body['id']}")
    assert read.status_code == 200 and read.json() == body


def test_an_email_reads_with_its_thread_and_participants(api: Api, book: Book, member: User):
    first = api.post("/emails", _body("email", book, member)).json()
    thread = first["thread"]["id"]

    reply = api.post(
        "/emails",
        {
            **_body("email", book, member),
            "message_id": "reply@example.com",
            "thread": thread,
            "direction": "outbound",
            "from_address": "bob@example.com",
            "in_reply_to": "cafe@acme.com",
            "references": ["cafe@acme.com"],
        },
    )

    assert first["message_id"] == "cafe@acme.com" and first["new_text"] == "Sounds good."
    assert first["contacts"] == [{"id": book.jane.pk, "name": "Jane Doe", "email": "jane@acme.com"}]
    assert reply.status_code == 201, reply.json()
    assert reply.json()["thread"] == {"id": thread, "subject": "Re: Renewal", "message_count": 2}
    assert reply.json()["references"] == ["cafe@acme.com"]
    assert Entry.objects.get(kind="email_sent").actor == member  # the sender, by address
    assert ids(api.get(f"/emails?thread={thread}")) == {first["id"], reply.json()["id"]}


@pytest.mark.parametrize(
    ("kind", "change", "status", "field"),
    [
        ("email", {"message_id": "m-dup"}, 409, "message_id"),
        ("email", {"to": ["not an address"]}, 400, "to"),
        ("email", {"thread": "hidden"}, 400, "thread"),
        ("email", {"contacts": ["john"]}, 400, "contacts"),
        ("email", {"sent_at": "2026-03-01T10:00:00"}, 201, None),  # the organisation's zone
        ("call", {"contacts": ["john"]}, 400, "contacts"),
        ("call", {"duration_seconds": -1}, 422, "duration_seconds"),
        ("call", {"recording_url": "javascript:alert(1)"}, 400, "recording_url"),
        ("call", {"logged_by": 999_999}, 400, "logged_by"),
        ("call", {"disposition": "busy"}, 422, "disposition"),
        ("meeting", {"ends_at": "2026-03-01T09:00:00Z"}, 400, "ends_at"),
        ("meeting", {"internal_attendees": [999_999]}, 400, "internal_attendees"),
        ("meeting", {"external_attendees": ["globex-only"]}, 400, "external_attendees"),
        ("meeting", {"deal": "hidden-deal"}, 400, "deal"),
        ("meeting", {"deal": "globex-deal"}, 400, "deal"),
        ("note", {"body": ""}, 422, "body"),
        ("note", {"body": "   "}, 400, "body"),
        ("note", {"contact": "john"}, 400, "contact"),
        ("task", {"status": "open", "completed_at": "2026-03-01T10:00:00Z"}, 400, "completed_at"),
        ("task", {"due_on": "0001-01-01"}, 422, "due_on"),
        ("signal", {"sentiment": "bullish"}, 422, "sentiment"),
        ("signal", {"source_url": "ftp://x"}, 400, "source_url"),
        ("enrichment", {"changes": {}}, 422, "changes"),
        ("enrichment", {"changes": {"title": {"old": "A"}}}, 422, "new"),
        ("enrichment", {"changes": {"title": {"new": "a\u0000b"}}}, 422, "new"),
        ("enrichment", {"source": ""}, 422, "source"),
    ],
)
def test_a_refused_record_names_the_field_and_writes_nothing(
    api: Api,
    book: Book,
    member: User,
    admin: User,
    kind: str,
    change: dict[str, Any],
    status: int,
    field: str | None,
):
    with acting_as(Actor(source="test")):
        _email(book.acme, message_id="m-dup")
        hidden = _email(book.initech, 1).thread_id
        hidden_deal = revenue.record_deal_created(account=book.initech, name="Hidden").pk
        globex_deal = revenue.record_deal_created(account=book.globex, name="Globex").pk
    gina = Contact.objects.create(email="gina@globex.io", first_name="Gina")
    Membership.objects.create(contact=gina, account=book.globex)
    refs: dict[str, Any] = {
        "john": book.john.pk,
        "hidden": hidden,
        "globex-only": gina.pk,
        "hidden-deal": hidden_deal,
        "globex-deal": globex_deal,
    }
    change = {
        k: [refs.get(i, i) for i in v]
        if k.endswith(("contacts", "attendees"))
        else refs.get(v, v)
        if isinstance(v, str) and k in {"thread", "contact", "deal"}
        else v
        for k, v in change.items()
    }
    before = database()

    response = api.post(KINDS[kind][0], {**_body(kind, book, member), **change})

    assert response.status_code == status, response.json()
    if status == 201:
        return
    if status == 422:
        assert field in {str(part) for e in response.json()["detail"] for part in e["loc"]}
    else:
        assert list(response.json()["errors"]) == [field]
    assert database() == before


# Updating


@pytest.mark.parametrize(
    ("kind", "change", "check"),
    [
        ("email", {"direction": "outbound", "subject": "Fwd: x"}, "email_sent"),
        ("call", {"disposition": "no_answer", "contacts": []}, "call_logged"),
        ("meeting", {"outcome": "Signed", "internal_attendees": []}, "meeting"),
        ("note", {"body": "Rewritten"}, "note_added"),
        ("task", {"status": "completed"}, "task_completed"),
        ("signal", {"sentiment": "negative"}, "market_signal"),
    ],
)
def test_a_patch_changes_the_record_and_its_entry(
    api: Api, book: Book, member: User, kind: str, change: dict[str, Any], check: str
):
    record = make(kind, book.acme)

    response = api.patch(f"{KINDS[kind][0]}/{record.pk}", change)

    assert response.status_code == 200, response.json()
    for name, value in change.items():
        assert response.json()[name] == value
    assert Entry.objects.filter(kind=check, subject_id=record.pk).exists()
    update = changes_of(record).get(action="updated")
    assert (update.changed_by, update.source) == (member, "api")


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("email", {"message_id": "other"}),
        ("email", {"from_address": "x@y.z"}),
        ("email", {"thread": 999}),
        ("note", {"author": 999}),
        ("note", {"created_at": "2020-01-01T00:00:00Z"}),
        ("task", {"created_at": "2020-01-01T00:00:00Z"}),
    ],
)
def test_read_only_fields_are_refused_by_name_and_nothing_changes(
    api: Api, book: Book, kind: str, change: dict[str, Any]
):
    record = make(kind, book.acme)
    before = database()

    response = api.patch(f"{KINDS[kind][0]}/{record.pk}", {**change})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(change)
    assert database() == before


def test_enrichment_updates_are_not_edited(api: Api, book: Book):
    update = make("enrichment", book.acme)

    assert api.patch(f"/enrichment-updates/{update.pk}", {"source": "x"}).status_code == 405


def test_completing_a_task(api: Api, book: Book, member: User):
    task = make("task", book.acme)

    response = api.post(f"/tasks/{task.pk}/complete", {"completed_at": "2026-03-05T12:00:00Z"})
    reopened = api.patch(f"/tasks/{task.pk}", {"status": "open"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "completed"
    assert response.json()["completed_at"] == "2026-03-05T12:00:00Z"
    assert reopened.json()["completed_at"] is None
    assert not Entry.objects.filter(kind="task_completed").exists()


# Deleting


@pytest.mark.parametrize("kind", KINDS)
def test_deleting_a_record_deletes_its_entries(api: Api, book: Book, kind: str):
    record = make(kind, book.acme)

    response = api.delete(f"{KINDS[kind][0]}/{record.pk}")

    assert response.status_code == 204
    assert not type(record).objects.filter(pk=record.pk).exists()
    assert not Entry.objects.filter(kind=ENTRY_KINDS[kind]).exists()
    assert changes_of(record).get(action="deleted").source == "api"


def test_deleting_the_last_message_deletes_its_thread(api: Api, book: Book):
    email = make("email", book.acme)

    api.delete(f"/emails/{email.pk}")

    assert not EmailThread.objects.exists()


# Filters and query counts


def test_filters(api: Api, book: Book, member: User):
    with acting_as(Actor(source="test")):
        early = _call(book.acme, started_at=T0 - dt.timedelta(days=40), contacts=[book.jane])
        late = _call(book.globex, direction="inbound", started_at=T0)
        due_soon = _task(book.acme, due_on=dt.date(2026, 3, 5), assignee=member)
        later = _task(book.acme, 1, due_on=dt.date(2026, 6, 1), status="completed")
        qbr = _meeting(book.acme, external_attendees=[book.jane], internal_attendees=[member])
        demo = services.record_meeting(
            account=book.globex,
            title="Demo",
            meeting_type="demo",
            starts_at=T0,
            ends_at=T0 + dt.timedelta(hours=1),
        )
        bad = _signal(book.acme, sentiment="negative")
        _signal(book.globex)
    cut = (T0 - dt.timedelta(days=30)).isoformat().replace("+", "%2B")

    assert ids(api.get(f"/calls?until={cut}")) == {early.pk}
    assert ids(api.get(f"/calls?since={cut}")) == {late.pk}
    assert ids(api.get("/calls?direction=inbound")) == {late.pk}
    assert ids(api.get(f"/calls?contact={book.jane.pk}")) == {early.pk}
    assert ids(api.get("/tasks?until=2026-04-01")) == {due_soon.pk}
    assert ids(api.get("/tasks?status=completed")) == {later.pk}
    assert ids(api.get(f"/tasks?assignee={member.pk}")) == {due_soon.pk}
    assert ids(api.get("/meetings?meeting_type=demo")) == {demo.pk}
    assert ids(api.get(f"/meetings?attendee={member.pk}")) == {qbr.pk}
    assert ids(api.get(f"/meetings?contact={book.jane.pk}")) == {qbr.pk}
    assert ids(api.get("/market-signals?sentiment=negative")) == {bad.pk}


@pytest.mark.parametrize(
    ("kind", "queries"),
    [
        ("email", 3),  # token, e-mails (account, thread), contacts
        ("call", 3),  # token, calls (account, logged by), contacts
        ("meeting", 4),  # token, meetings, contacts, team
        ("note", 2),  # token, notes (account, contact, author)
        ("task", 2),  # token, tasks (account, contact, assignee)
        ("signal", 2),
        ("enrichment", 2),
    ],
)
def test_lists_cost_the_same_queries_for_one_record_or_many(
    api: Api,
    book: Book,
    member: User,
    kind: str,
    queries: int,
    django_assert_num_queries: Any,
):
    everyone: dict[str, dict[str, Any]] = {
        "email": {"contacts": [book.jane]},
        "call": {"contacts": [book.jane], "logged_by": member},
        "meeting": {"external_attendees": [book.jane], "internal_attendees": [member]},
        "note": {"contact": book.jane, "author": member},
        "task": {"contact": book.jane, "assignee": member},
    }
    people = everyone.get(kind, {})
    make(kind, book.acme, 0, **people)
    path = KINDS[kind][0] + "?limit=200"
    api.get(path)  # the token's "last used" is written at most once a minute
    with django_assert_num_queries(queries):
        one = api.get(path)
    for n in range(1, 25):
        make(kind, book.acme, n, **people)
    with django_assert_num_queries(queries):
        many = api.get(path)

    assert (len(one.json()["items"]), len(many.json()["items"])) == (1, 25)


def test_a_meeting_names_the_deal_it_was_about(api: Api, book: Book, member: User):
    with acting_as(Actor(source="test")):
        deal = revenue.record_deal_created(account=book.acme, name="Expansion")

    response = api.post("/meetings", {**_body("meeting", book, member), "deal": deal.pk})

    assert response.status_code == 201, response.json()
    assert response.json()["deal"] == {"id": deal.pk, "name": "Expansion"}
    assert ids(api.get(f"/meetings?deal={deal.pk}")) == {response.json()["id"]}
