"""Which conversation a message belongs to: by its threading headers, else by subject and people.

1. **Headers** (JWZ-style): a message joins the thread of any message it names in
   ``References`` or ``In-Reply-To`` that is already known, and the thread of any known message
   that names *it* (a reply imported before its original). Ids that known messages reference
   count too, so two replies to one missing original share a thread.
2. **Subject**, when the headers name nothing known: a thread of the same account with the same
   normalised subject, at least one participant in common (the organisation's own addresses
   don't count: every thread has those) and activity within ``THREAD_WINDOW`` of the message.
3. Otherwise the message starts a new thread.

Pure: the ``Threader`` is an in-memory index; the importer teaches it what the database knows
(``learn``) before asking (``match``), and tells it about each message it stores.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# How far apart (before the thread's first message or after its last) a message may be and
# still join a thread by subject and people alone. Headers have no such limit.
THREAD_WINDOW = dt.timedelta(days=30)

# Reply and forward prefixes of many languages and clients: Re, Fwd, FW, AW/WG (German),
# TR (French), SV/VS (Nordic), RIF/I/R (Italian), Antw/Doorst (Dutch), Odp/PD (Polish), Rv/Enc
# (Spanish/Portuguese), 回复/转发 (Chinese), with a counter ("Re[2]:", "Re(3):").
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|tr|sv|vs|rif|antw|doorst|odp|pd|rv|enc|r|i|"
    r"回复|回覆|转发|轉寄|答复)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)",
    re.IGNORECASE,
)
_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")  # "[EXTERNAL]", "[acme-support]"
_SPACES = re.compile(r"\s+")


def strip_subject(subject: str) -> str:
    """The subject without its reply/forward prefixes and leading ``[tags]``, any number of
    them in any order: ``"RE: [EXT] Fwd: Renewal"`` → ``"Renewal"``. Case is kept."""
    text = _SPACES.sub(" ", subject or "").strip()
    while True:
        shorter = _TAG.sub("", _PREFIX.sub("", text, count=1), count=1).strip()
        if shorter == text:
            return text
        text = shorter


MAX_SUBJECT_LENGTH = 500  # EmailThread.normalized_subject


def normalise_subject(subject: str) -> str:
    """The key threads are matched on: the stripped subject, lower-cased."""
    return strip_subject(subject).lower()[:MAX_SUBJECT_LENGTH]


def is_reply_subject(subject: str) -> bool:
    """True when the subject carries a reply or forward prefix."""
    return strip_subject(subject) != _SPACES.sub(" ", subject or "").strip()


@dataclass
class KnownThread:
    """A thread as the matcher sees it. ``key`` is the thread's id; ``account`` its account's."""

    key: int
    account: int
    normalized_subject: str
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    participants: set[str] = field(default_factory=set)

    def is_near(self, moment: dt.datetime, window: dt.timedelta) -> bool:
        """True when ``moment`` is within ``window`` of the thread's span of messages."""
        if self.first_at is None or self.last_at is None:
            return True
        return self.first_at - window <= moment <= self.last_at + window

    def widen(self, moment: dt.datetime) -> None:
        self.first_at = moment if self.first_at is None else min(self.first_at, moment)
        self.last_at = moment if self.last_at is None else max(self.last_at, moment)


@dataclass(frozen=True)
class ThreadingFacts:
    """What threading needs to know about a message."""

    message_id: str
    references: Sequence[str]  # References then In-Reply-To, oldest first, without duplicates
    subject: str
    sent_at: dt.datetime
    participants: frozenset[str]  # addresses, own ones left out


class Threader:
    """An index of message ids (seen or referenced) and threads, answering ``match``."""

    def __init__(self, window: dt.timedelta = THREAD_WINDOW) -> None:
        self.window = window
        self._thread_of_id: dict[str, int] = {}
        self._threads: dict[int, KnownThread] = {}
        self._by_subject: dict[str, set[int]] = {}

    def learn(self, thread: KnownThread, message_ids: Iterable[str] = ()) -> KnownThread:
        """Remember a thread (merging what is already known of it) and ids that belong to it.

        ``message_ids`` are its messages' own ids and the ids they reference. An id already
        known for another thread keeps that thread: the first answer wins, as in the database.
        """
        known = self._threads.get(thread.key)
        if known is None:
            known = self._threads[thread.key] = thread
            if thread.normalized_subject:
                self._by_subject.setdefault(thread.normalized_subject, set()).add(thread.key)
        else:
            known.participants |= thread.participants
            for moment in (thread.first_at, thread.last_at):
                if moment is not None:
                    known.widen(moment)
        for message_id in message_ids:
            self._thread_of_id.setdefault(message_id, thread.key)
        return known

    def add_message(self, thread: KnownThread, facts: ThreadingFacts) -> None:
        """Record a message just stored in ``thread``."""
        known = self.learn(thread, [facts.message_id, *facts.references])
        known.participants |= facts.participants
        known.widen(facts.sent_at)

    def thread(self, key: int) -> KnownThread | None:
        return self._threads.get(key)

    def match_by_headers(self, facts: ThreadingFacts) -> KnownThread | None:
        """The thread of the first known id among the message's references (root first),
        then of the message's own id (named by a message already known)."""
        for message_id in [*facts.references, facts.message_id]:
            key = self._thread_of_id.get(message_id)
            if key is not None:
                return self._threads[key]
        return None

    def match_by_subject(
        self, facts: ThreadingFacts, accounts: Sequence[int]
    ) -> KnownThread | None:
        """The most recently active thread of one of ``accounts`` (earlier ones preferred)
        with the same normalised subject, a participant in common and activity nearby."""
        subject = normalise_subject(facts.subject)
        if not subject or not facts.participants:
            return None
        candidates = [
            self._threads[key]
            for key in self._by_subject.get(subject, ())
            if self._threads[key].account in accounts
            and self._threads[key].participants & facts.participants
            and self._threads[key].is_near(facts.sent_at, self.window)
        ]
        if not candidates:
            return None
        rank = {account: position for position, account in enumerate(accounts)}
        oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
        return min(
            candidates,
            key=lambda t: (rank[t.account], -(t.last_at or oldest).timestamp(), t.key),
        )

    def match(self, facts: ThreadingFacts, accounts: Sequence[int]) -> KnownThread | None:
        """The thread the message joins: by headers, else by subject among ``accounts``."""
        return self.match_by_headers(facts) or self.match_by_subject(facts, accounts)
