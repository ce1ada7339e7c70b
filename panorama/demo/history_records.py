"""Plain records of an account's history: interactions, deals, contracts, invoices, support.

The history generator (``history.py``) produces them, independent of the ORM; the bulk loader
(``history_loader.py``) and the reference writer through the services
(``history_services.py``) turn them into rows. People are referred to by e-mail (contacts and
team members), records of the same account by their position in its lists, stages by name.

``recorded_at`` is when the record was written down (the clock the services would read):
an e-mail when it was sent, a call when it ended, a meeting's notes after it, a ticket when
the helpdesk last changed it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from panorama.demo.personalities import AccountCast


@dataclass(frozen=True, slots=True)
class DemoMember:
    """A contact of an account, as the history generator needs it."""

    email: str
    first_name: str
    last_name: str
    title: str
    buying_role: str
    is_sponsor: bool
    is_primary: bool
    role: str  # the membership's role (a second account's "Consultant"…)
    joined_at: dt.datetime  # the membership's creation

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class DemoTeamMember:
    """Someone on our side: a CSM or the admin."""

    email: str
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class DemoMessage:
    """One e-mail of a thread."""

    message_id: str
    direction: str  # inbound or outbound
    from_address: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str  # the whole text, quoted history included
    new_text: str  # what this message adds
    sent_at: dt.datetime
    contacts: tuple[str, ...]  # participants who are contacts of the account (e-mails)
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class DemoThread:
    topic: str
    messages: tuple[DemoMessage, ...]

    @property
    def subject(self) -> str:
        return self.messages[0].subject


@dataclass(frozen=True, slots=True)
class DemoCall:
    direction: str
    started_at: dt.datetime
    duration_seconds: int
    disposition: str  # connected, voicemail, no_answer
    contacts: tuple[str, ...]
    notes: str
    logged_by: str
    recording_url: str = ""

    @property
    def recorded_at(self) -> dt.datetime:
        return self.started_at + dt.timedelta(seconds=self.duration_seconds)


@dataclass(frozen=True, slots=True)
class DemoMeeting:
    title: str
    meeting_type: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    internal: tuple[str, ...]  # team members' e-mails
    external: tuple[str, ...]  # contacts' e-mails
    agenda: str
    notes: str
    outcome: str
    recorded_at: dt.datetime
    deal: int | None = None  # position in the account's deals: what the meeting was about


@dataclass(frozen=True, slots=True)
class DemoNote:
    body: str
    author: str
    created_at: dt.datetime
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class DemoTask:
    title: str
    description: str
    due_on: dt.date | None
    assignee: str
    created_at: dt.datetime
    completed_at: dt.datetime | None = None  # completed when set, else open
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class DemoStageMove:
    stage: str
    at: dt.datetime
    lost_reason: str = ""


@dataclass(frozen=True, slots=True)
class DemoQuote:
    number: str
    amount: Decimal
    sent_at: dt.datetime
    valid_until: dt.date


@dataclass(frozen=True, slots=True)
class DemoOrder:
    number: str
    amount: Decimal
    placed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DemoDeal:
    """A deal opened in ``first_stage`` at ``created_at`` then moved through ``moves``."""

    name: str
    value: Decimal
    currency: str
    close_date: dt.date  # expected when opened
    owner: str
    next_step: str
    products: tuple[str, ...]
    contacts: tuple[str, ...]
    created_at: dt.datetime
    first_stage: str
    moves: tuple[DemoStageMove, ...] = ()
    quotes: tuple[DemoQuote, ...] = ()
    orders: tuple[DemoOrder, ...] = ()

    @property
    def stage(self) -> str:
        return self.moves[-1].stage if self.moves else self.first_stage


@dataclass(frozen=True, slots=True)
class DemoContract:
    plan: str | None
    mrr: Decimal
    currency: str
    start_date: dt.date
    end_date: dt.date
    auto_renew: bool
    notice_period_days: int
    signed_at: dt.datetime | None  # None: renewed tacitly, nobody signed
    recorded_at: dt.datetime
    deal: int | None = None  # position in the account's deals
    renewed_from: int | None = None  # position in the account's contracts (always earlier)

    @property
    def notice_date(self) -> dt.date:
        if self.auto_renew:
            return self.end_date - dt.timedelta(days=self.notice_period_days)
        return self.end_date


@dataclass(frozen=True, slots=True)
class DemoInvoice:
    number: str
    amount: Decimal
    currency: str
    issued_on: dt.date
    due_on: dt.date
    status: str  # open, paid or void (drafts are not generated)
    contract: int | None = None  # position in the account's contracts
    paid_on: dt.date | None = None
    voided_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class DemoTicket:
    subject: str
    description: str
    status: str
    priority: str
    channel: str
    created_at: dt.datetime
    external_id: str
    contact: str | None = None
    first_response_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    csat: int | None = None

    @property
    def recorded_at(self) -> dt.datetime:
        """The helpdesk's last change, when the ticket was synced."""
        times = [self.created_at, self.first_response_at, self.resolved_at, self.escalated_at]
        return max(t for t in times if t is not None)


@dataclass(frozen=True, slots=True)
class DemoSurvey:
    kind: str  # nps or csat
    score: int
    responded_at: dt.datetime
    contact: str | None = None
    comment: str = ""
    ticket: int | None = None  # position in the account's tickets (CSAT about a ticket)


@dataclass(frozen=True, slots=True)
class DemoSignal:
    title: str
    summary: str
    sentiment: str
    source_url: str
    occurred_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DemoEnrichment:
    source: str
    changes: Mapping[str, Mapping[str, Any]]
    occurred_at: dt.datetime
    contact: str | None = None


@dataclass(frozen=True)
class AccountHistory:
    """Everything generated for one account over the year before ``today``."""

    account_index: int
    cast: AccountCast
    contacts_added: tuple[DemoMember, ...] = ()  # memberships made during the year
    threads: tuple[DemoThread, ...] = ()
    calls: tuple[DemoCall, ...] = ()
    meetings: tuple[DemoMeeting, ...] = ()
    notes: tuple[DemoNote, ...] = ()
    tasks: tuple[DemoTask, ...] = ()
    deals: tuple[DemoDeal, ...] = ()
    contracts: tuple[DemoContract, ...] = ()
    invoices: tuple[DemoInvoice, ...] = ()
    tickets: tuple[DemoTicket, ...] = ()
    surveys: tuple[DemoSurvey, ...] = ()
    signals: tuple[DemoSignal, ...] = ()
    enrichments: tuple[DemoEnrichment, ...] = ()
