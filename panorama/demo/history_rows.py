"""Database rows for generated histories, in exactly the shape the record services write.

Going through the ``record_*`` services costs several queries per record (validation, the
record, its links, its timeline entry, its audit row): far too slow for a demo of thousands of
accounts. ``HistoryRows`` builds the same rows in memory instead, for ``RowWriter``:

- each record's row, with the values the service would store (the clock the service would
  read is the record's ``recorded_at``; see ``history_services``, which runs the services
  under that clock and is what ``tests/test_history_shapes.py`` compares this with);
- its timeline entries (``Entry`` with ``subject_type``/``subject_id``, ``EntryAccount`` and
  ``EntryContact`` links carrying copies of ``occurred_at`` and ``kind``), built by the same
  ``timeline.describe`` functions the services call, or, for revenue and support records
  (``history_rows_revenue``), to the letter of their services' entry contents;
- the audit rows (``core.RecordChange``) of creations and of the updates the services would
  make (a deal's stage moves, an invoice paid or voided, a task completed);
- many-to-many rows (an e-mail's contacts, meeting attendees, a deal's contacts), e-mail
  thread counters and deal stage history.

Ids are given explicitly, counted up per table in the order the reference writer calls the
services, so both produce the same rows up to an offset per table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from django.db.models.base import ModelState

from panorama.core.audit import json_value
from panorama.core.models import ChangeAction, RecordChange, User
from panorama.customers.models import Account, Contact, Membership, Plan
from panorama.demo.history_records import (
    AccountHistory,
)
from panorama.demo.history_rows_revenue import (
    add_contract,
    add_deal,
    add_invoice,
    add_survey,
    add_ticket,
)
from panorama.revenue.models import (
    Contract,
    Deal,
    Invoice,
    Order,
    Pipeline,
    PipelineStage,
    Quote,
)
from panorama.support.models import SurveyResponse, Ticket
from panorama.timeline import describe
from panorama.timeline.describe import EntryContent
from panorama.timeline.entries import TITLE_LENGTH
from panorama.timeline.mail.threads import normalise_subject
from panorama.timeline.models import (
    Call,
    Email,
    EmailThread,
    EnrichmentUpdate,
    Entry,
    EntryAccount,
    EntryContact,
    MarketSignal,
    Meeting,
    Note,
    Task,
)

SOURCE = "demo"  # the actor the demo loads as (``Actor(source="demo")``, no person)
LABEL_LENGTH = RecordChange._meta.get_field("record_label").max_length or 300
CENT = Decimal("0.01")
M = TypeVar("M", bound=models.Model)
# Tables whose ids the rows give (the others get theirs from the database).
NUMBERED: tuple[type[models.Model], ...] = (
    Deal,
    Quote,
    Order,
    Contract,
    Invoice,
    EmailThread,
    Email,
    Call,
    Meeting,
    Note,
    Task,
    Ticket,
    SurveyResponse,
    MarketSignal,
    EnrichmentUpdate,
    Entry,
)
EMAIL_CONTACTS = Email.contacts.through
CALL_CONTACTS = Call.contacts.through
MEETING_CONTACTS = Meeting.external_attendees.through
MEETING_USERS = Meeting.internal_attendees.through


@dataclass
class Known:
    """What rows point to, read once from the database (see ``history_loader``)."""

    accounts: dict[int, Account]  # by index; instances with pk and name
    contacts: dict[str, Contact]  # by e-mail; pk, names, e-mail, title
    memberships: dict[tuple[int, str], Membership]  # by (account index, e-mail)
    users: dict[str, User]  # by e-mail
    pipeline: Pipeline
    stages: dict[str, PipelineStage]  # the default pipeline's, by name
    plans: dict[str, Plan]
    content_types: dict[type[models.Model], int]


@dataclass
class HistoryRows:
    """Rows of every table, ready for ``RowWriter``; ``add`` one account history at a time."""

    known: Known
    next_ids: dict[type[models.Model], int]
    rows: dict[type[models.Model], list[dict[str, Any]]] = field(default_factory=dict)
    deal_people: dict[int, list[Contact]] = field(default_factory=dict)  # this account's

    def take(self) -> dict[type[models.Model], list[dict[str, Any]]]:
        """The rows built so far (emptied)."""
        rows, self.rows = self.rows, {}
        return rows

    # --- plumbing ----------------------------------------------------------------------------

    def new_id(self, model: type[models.Model]) -> int:
        pk = self.next_ids[model]
        self.next_ids[model] = pk + 1
        return pk

    def add_row(self, model: type[models.Model], **values: Any) -> None:
        self.rows.setdefault(model, []).append(values)

    def add_entry(
        self,
        content: EntryContent,
        *,
        subject: type[models.Model],
        subject_id: int,
        account_id: int,
        created_at: dt.datetime,
    ) -> int:
        """An entry as ``post_entry`` writes it, with its account and contact links."""
        pk = self.new_id(Entry)
        actor = content.actor
        self.add_row(
            Entry,
            id=pk,
            kind=content.kind,
            occurred_at=content.occurred_at,
            title=content.title[:TITLE_LENGTH],
            body=content.body,
            actor_id=actor.pk if actor is not None else None,
            source=SOURCE,
            details=dict(content.details),
            subject_type_id=self.known.content_types[subject],
            subject_id=subject_id,
            created_at=created_at,
        )
        link = {"entry_id": pk, "occurred_at": content.occurred_at, "kind": content.kind}
        self.add_row(EntryAccount, account_id=account_id, **link)
        for contact_id in dict.fromkeys(c.pk for c in content.contacts):
            self.add_row(EntryContact, contact_id=contact_id, **link)
        return pk

    def add_audit(
        self,
        model: type[models.Model],
        record_id: int,
        label: str,
        account_id: int,
        at: dt.datetime,
        changes: Mapping[str, Any] | None = None,
    ) -> None:
        """An audit row as ``core.audit.log_change`` writes it (created without values)."""
        self.add_row(
            RecordChange,
            account_id=account_id,
            record_type_id=self.known.content_types[model],
            record_id=record_id,
            record_label=label[:LABEL_LENGTH],
            action=ChangeAction.UPDATED if changes else ChangeAction.CREATED,
            changes=dict(changes or {}),
            changed_by_id=None,
            source=SOURCE,
            changed_at=at,
        )

    def people(self, emails: Iterable[str]) -> list[Contact]:
        contacts = self.known.contacts
        return list({c.pk: c for c in (contacts[e] for e in emails)}.values())

    # --- one account -------------------------------------------------------------------------

    def add(self, history: AccountHistory) -> None:
        """Rows of one account's history, in the order ``history_services`` writes it."""
        account = self.known.accounts[history.account_index]
        self.deal_people = {}
        for member in history.contacts_added:
            self._contact_added(account, history.account_index, member.email)
        deal_ids = [add_deal(self, account, deal) for deal in history.deals]
        contract_ids: list[int] = []
        for contract in history.contracts:
            contract_ids.append(add_contract(self, account, contract, deal_ids, contract_ids))
        for invoice in history.invoices:
            add_invoice(self, account, invoice, contract_ids)
        for thread in history.threads:
            self._thread(account, thread.messages)
        for call in history.calls:
            self._call(account, call)
        for meeting in history.meetings:
            self._meeting(account, meeting, deal_ids)
        for note in history.notes:
            self._note(account, note)
        for task in history.tasks:
            self._task(account, task)
        ticket_ids = [add_ticket(self, account, ticket) for ticket in history.tickets]
        for survey in history.surveys:
            add_survey(self, account, survey, ticket_ids)
        for signal in history.signals:
            self._signal(account, signal)
        for update in history.enrichments:
            self._enrichment(account, update)

    # --- contacts joining --------------------------------------------------------------------

    def _contact_added(self, account: Account, index: int, email: str) -> None:
        membership = self.known.memberships[(index, email)]
        contact = self.known.contacts[email]
        content = describe.contact_added_entry(membership, account, contact)
        self.add_entry(
            content,
            subject=Membership,
            subject_id=membership.pk,
            account_id=account.pk,
            created_at=membership.created_at,
        )

    # --- e-mails -----------------------------------------------------------------------------

    def _thread(self, account: Account, messages: Sequence[Any]) -> None:
        thread_id = self.new_id(EmailThread)
        first = messages[0]
        self.add_row(
            EmailThread,
            id=thread_id,
            account_id=account.pk,
            subject=first.subject,
            normalized_subject=normalise_subject(first.subject),
            first_message_at=min(m.sent_at for m in messages),
            last_message_at=max(m.sent_at for m in messages),
            message_count=len(messages),
        )
        for message in messages:
            pk = self.new_id(Email)
            values = {
                "id": pk,
                "account_id": account.pk,
                "thread_id": thread_id,
                "message_id": message.message_id,
                "in_reply_to": message.in_reply_to,
                "references": "\n".join(message.references),
                "direction": message.direction,
                "from_address": message.from_address,
                "from_name": message.from_name,
                "to": list(message.to),
                "cc": list(message.cc),
                "subject": message.subject,
                "body": message.body,
                "new_text": message.new_text,
                "sent_at": message.sent_at,
                "attachments": [dict(a) for a in message.attachments],
                "created_at": message.sent_at,
            }
            self.add_row(Email, **values)
            people = self.people(message.contacts)
            for contact in people:
                self.add_row(EMAIL_CONTACTS, email_id=pk, contact_id=contact.pk)
            sender = None
            if message.direction == "outbound":
                sender = self.known.users.get(message.from_address.lower())
            email = _instance(Email, values)
            content = describe.email_entry(email, people, sender)
            self.add_entry(
                content,
                subject=Email,
                subject_id=pk,
                account_id=account.pk,
                created_at=message.sent_at,
            )
            self.add_audit(Email, pk, str(email), account.pk, message.sent_at)

    # --- calls, meetings, notes, tasks -------------------------------------------------------

    def _call(self, account: Account, demo: Any) -> None:
        pk = self.new_id(Call)
        user = self.known.users[demo.logged_by]
        values = {
            "id": pk,
            "account_id": account.pk,
            "direction": demo.direction,
            "started_at": demo.started_at,
            "duration_seconds": demo.duration_seconds,
            "disposition": demo.disposition,
            "logged_by_id": user.pk,
            "notes": demo.notes,
            "recording_url": demo.recording_url,
            "created_at": demo.recorded_at,
        }
        self.add_row(Call, **values)
        people = self.people(demo.contacts)
        for contact in people:
            self.add_row(CALL_CONTACTS, call_id=pk, contact_id=contact.pk)
        call = _instance(Call, values, logged_by=user)
        self.add_audit(Call, pk, str(call), account.pk, demo.recorded_at)
        content = describe.call_entry(call, people)
        self.add_entry(
            content,
            subject=Call,
            subject_id=pk,
            account_id=account.pk,
            created_at=demo.recorded_at,
        )

    def _meeting(self, account: Account, demo: Any, deal_ids: list[int]) -> None:
        pk = self.new_id(Meeting)
        values = {
            "id": pk,
            "account_id": account.pk,
            "title": demo.title,
            "meeting_type": demo.meeting_type,
            "starts_at": demo.starts_at,
            "ends_at": demo.ends_at,
            "agenda": demo.agenda,
            "notes": demo.notes,
            "outcome": demo.outcome,
            "deal_id": None if demo.deal is None else deal_ids[demo.deal],
            "created_at": demo.recorded_at,
        }
        self.add_row(Meeting, **values)
        people = self.people(demo.external)
        team = list({u.pk: u for u in (self.known.users[e] for e in demo.internal)}.values())
        for contact in people:
            self.add_row(MEETING_CONTACTS, meeting_id=pk, contact_id=contact.pk)
        for user in team:
            self.add_row(MEETING_USERS, meeting_id=pk, user_id=user.pk)
        meeting = _instance(Meeting, values)
        self.add_audit(Meeting, pk, str(meeting), account.pk, demo.recorded_at)
        content = describe.meeting_entry(meeting, people, team)
        self.add_entry(
            content,
            subject=Meeting,
            subject_id=pk,
            account_id=account.pk,
            created_at=demo.recorded_at,
        )

    def _note(self, account: Account, demo: Any) -> None:
        pk = self.new_id(Note)
        author = self.known.users[demo.author]
        contact = self.known.contacts[demo.contact] if demo.contact else None
        self.add_row(
            Note,
            id=pk,
            account_id=account.pk,
            contact_id=contact.pk if contact else None,
            author_id=author.pk,
            body=demo.body,
            created_at=demo.created_at,
        )
        note = _instance(
            Note,
            {"id": pk, "body": demo.body, "created_at": demo.created_at},
            contact=contact,
            author=author,
        )
        self.add_audit(Note, pk, str(note), account.pk, demo.created_at)
        self.add_entry(
            describe.note_entry(note),
            subject=Note,
            subject_id=pk,
            account_id=account.pk,
            created_at=demo.created_at,
        )

    def _task(self, account: Account, demo: Any) -> None:
        pk = self.new_id(Task)
        assignee = self.known.users[demo.assignee]
        contact = self.known.contacts[demo.contact] if demo.contact else None
        done = demo.completed_at is not None
        values = {
            "id": pk,
            "account_id": account.pk,
            "contact_id": contact.pk if contact else None,
            "title": demo.title,
            "description": demo.description,
            "due_on": demo.due_on,
            "status": "completed" if done else "open",
            "assignee_id": assignee.pk,
            "completed_at": demo.completed_at,
            "created_at": demo.created_at,
        }
        self.add_row(Task, **values)
        task = _instance(Task, values, contact=contact, assignee=assignee)
        self.add_audit(Task, pk, str(task), account.pk, demo.created_at)
        # Created open, then completed: the "created" entry shows the task's final state.
        self.add_entry(
            describe.task_created_entry(task),
            subject=Task,
            subject_id=pk,
            account_id=account.pk,
            created_at=demo.created_at,
        )
        if done:
            changes = {
                "completed_at": {"old": None, "new": json_value(demo.completed_at)},
                "status": {"old": "open", "new": "completed"},
            }
            self.add_audit(Task, pk, str(task), account.pk, demo.completed_at, changes)
            self.add_entry(
                describe.task_completed_entry(task, assignee),
                subject=Task,
                subject_id=pk,
                account_id=account.pk,
                created_at=demo.completed_at,
            )

    # --- market signals and enrichment -------------------------------------------------------

    def _signal(self, account: Account, demo: Any) -> None:
        pk = self.new_id(MarketSignal)
        values = {
            "id": pk,
            "account_id": account.pk,
            "title": demo.title,
            "summary": demo.summary,
            "sentiment": demo.sentiment,
            "source_url": demo.source_url,
            "occurred_at": demo.occurred_at,
            "created_at": demo.occurred_at,
        }
        self.add_row(MarketSignal, **values)
        signal = _instance(MarketSignal, values)
        self.add_audit(MarketSignal, pk, str(signal), account.pk, demo.occurred_at)
        self.add_entry(
            describe.market_signal_entry(signal),
            subject=MarketSignal,
            subject_id=pk,
            account_id=account.pk,
            created_at=demo.occurred_at,
        )

    def _enrichment(self, account: Account, demo: Any) -> None:
        pk = self.new_id(EnrichmentUpdate)
        contact = self.known.contacts[demo.contact] if demo.contact else None
        changes = {name: {"old": c.get("old"), "new": c["new"]} for name, c in demo.changes.items()}
        self.add_row(
            EnrichmentUpdate,
            id=pk,
            account_id=account.pk,
            contact_id=contact.pk if contact else None,
            source=demo.source,
            changes=changes,
            occurred_at=demo.occurred_at,
            created_at=demo.occurred_at,
        )
        update = _instance(
            EnrichmentUpdate,
            {"id": pk, "source": demo.source, "changes": changes, "occurred_at": demo.occurred_at},
            account=account,
            contact=contact,
        )
        self.add_audit(EnrichmentUpdate, pk, str(update), account.pk, demo.occurred_at)
        self.add_entry(
            describe.enrichment_entry(update),
            subject=EnrichmentUpdate,
            subject_id=pk,
            account_id=account.pk,
            created_at=demo.occurred_at,
        )


def _instance(model: type[M], values: Mapping[str, Any], **related: Any) -> M:
    """An unsaved-looking ``model`` instance with ``values`` (attribute names) and related
    objects, for ``describe``: ``Model.__init__`` would cost more than all the rest of a row.
    Only what ``describe`` reads is set."""
    obj = model.__new__(model)
    obj.__dict__.update(values)
    obj._state = ModelState()
    for name, value in related.items():
        obj.__dict__[f"{name}_id"] = value.pk if value is not None else None
        obj._state.fields_cache[name] = value
    return obj
