"""Importing e-mail files into customers' timelines (``panorama import-emails``).

For each message, oldest first (docs/email-import.md has the rules in full):

1. Parse it (``message.parse_email``); a message without a sender or a date is rejected.
2. A message already stored (same Message-ID, or the same synthetic id) is counted as already
   imported and left alone.
3. Direction: sent from one of ``OWN_EMAIL_DOMAINS`` (or a sub-domain) is outbound, else
   inbound. Participants outside those domains are *external*; a message without any is
   internal and skipped.
4. Thread and account: a message whose headers name a known message joins its thread and
   the thread's account. Otherwise the external participants give the candidate accounts, in
   order: each known contact's accounts (primary first), then the accounts whose ``domain`` is
   the address's domain or a parent of it (``www.`` and sub-domains ignored). No candidate:
   skipped. A thread of a candidate account with the same normalised subject and people in
   common nearby (``threads.THREAD_WINDOW``) is joined; else a new thread of the first candidate.
5. Contacts: known participants are linked. An unknown external address at the account's own
   domain becomes a contact of that account (machine senders like ``no-reply@`` excepted).
6. The message is written through ``services.record_email`` in one transaction with its new
   thread and contacts: a message that fails leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import DatabaseError, IntegrityError, transaction

from panorama.core.actors import Actor, acting_as
from panorama.customers.models import Account, Contact, Membership
from panorama.timeline import services
from panorama.timeline.mail.addresses import (
    domain_of,
    domain_suffixes,
    is_at_domain,
    is_role_address,
    normalise_domain,
    split_display_name,
)
from panorama.timeline.mail.message import ParsedEmail, Person, UnreadableEmail, parse_email
from panorama.timeline.mail.sources import (
    LocatedMessage,
    MailReader,
    UnreadableSource,
    find_mail_files,
)
from panorama.timeline.mail.threads import (
    THREAD_WINDOW,
    KnownThread,
    Threader,
    ThreadingFacts,
    normalise_subject,
    strip_subject,
)
from panorama.timeline.models import Direction, Email, EmailThread

MAX_KEPT_ERRORS = 1000  # rejected messages remembered with their reason (all are counted)
SKIP_INTERNAL = "internal: every participant is at an own domain"
SKIP_NO_ACCOUNT = "no account matches the external participants"

_valid_address = EmailValidator()
_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)

Progress = Callable[[int], None]


@dataclass
class EmailImportSummary:
    """What an import did. Every message found is exactly one of imported, already imported,
    skipped or rejected; files that can't be read at all are rejected too."""

    found: int = 0
    imported: int = 0
    already_imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    unmatched_domains: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    threads_created: int = 0
    contacts_created: int = 0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def reject(self, label: str, reason: str) -> None:
        """Count a rejected message; remember its reason while under ``MAX_KEPT_ERRORS``."""
        self.rejected += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append((label, reason))


class EmailImport:
    """One run of the import over some paths: ``locate()`` the messages, then ``run()``."""

    def __init__(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        own_domains: Iterable[str],
        window: dt.timedelta = THREAD_WINDOW,
    ) -> None:
        """Raises ``FileNotFoundError`` naming the first path that doesn't exist."""
        self.files = find_mail_files(paths)
        self.own_domains = [d for d in (normalise_domain(x) for x in own_domains) if d]
        self.summary = EmailImportSummary()
        self.threader = Threader(window)
        self._located: list[LocatedMessage] | None = None
        self._reader = MailReader(self.files)
        self._domain_accounts: dict[str, list[int]] | None = None
        self._accounts: dict[int, Account] = {}
        self._primed_subjects: set[str] = set()

    def locate(self) -> int:
        """Find every message (reading each file once) and return how many there are."""
        located: list[LocatedMessage] = []
        for item in self._reader.locate():
            if isinstance(item, UnreadableSource):
                self.summary.reject(item.label, item.reason)
            else:
                located.append(item)
        # Oldest first: an original is stored before its replies, so threads and the
        # timeline come out the same whatever order the files were named in.
        located.sort(key=lambda m: (m.date is None, m.date or _EARLIEST, m.order))
        self._located = located
        self.summary.found = len(located)
        return len(located)

    def run(self, progress: Progress | None = None) -> EmailImportSummary:
        """Import every located message; ``progress`` is called with 1 after each."""
        if self._located is None:
            self.locate()
        assert self._located is not None
        try:
            with acting_as(Actor(source="import")):
                for located in self._located:
                    try:
                        raw = self._reader.read(located)
                    except (OSError, KeyError, ValueError) as exc:
                        self.summary.reject(located.label, f"cannot read: {exc}")
                    else:
                        self.import_message(raw, located.label)
                    if progress is not None:
                        progress(1)
        finally:
            self._reader.close()
        return self.summary

    # --- one message ------------------------------------------------------------------------

    def import_message(self, raw: bytes, label: str) -> None:
        """Parse, map and store one message, counting what happened in the summary."""
        try:
            parsed = parse_email(raw)
        except UnreadableEmail as exc:
            self.summary.reject(label, exc.reason)
            return
        except Exception as exc:  # a parser bug on hostile input must not stop the import
            self.summary.reject(label, f"cannot parse: {type(exc).__name__}: {exc}")
            return
        if not _is_valid(parsed.sender.address):
            self.summary.reject(label, f"sender {parsed.sender.address!r} is not an address")
            return
        if Email.objects.filter(message_id=parsed.message_id).exists():
            self.summary.already_imported += 1
            return
        external = [p for p in parsed.people if not self._is_own(p.address)]
        if not external:
            self.summary.skipped[SKIP_INTERNAL] += 1
            return
        facts = ThreadingFacts(
            message_id=parsed.message_id,
            references=parsed.thread_references,
            subject=parsed.subject,
            sent_at=parsed.sent_at,
            participants=frozenset(p.address for p in external),
        )
        self._prime(facts)
        known = {c.email: c for c in _contacts_with_memberships(p.address for p in external)}
        thread = self.threader.match_by_headers(facts)
        if thread is None:
            candidates = self._candidate_accounts(external, known)
            if not candidates:
                self.summary.skipped[SKIP_NO_ACCOUNT] += 1
                self.summary.unmatched_domains.update({domain_of(p.address) for p in external})
                return
            thread = self.threader.match_by_subject(facts, candidates)
            account_id = thread.account if thread is not None else candidates[0]
        else:
            account_id = thread.account
        self._store(parsed, facts, label, thread, self._account(account_id), external, known)

    def _store(
        self,
        parsed: ParsedEmail,
        facts: ThreadingFacts,
        label: str,
        thread: KnownThread | None,
        account: Account,
        external: Sequence[Person],
        known: dict[str | None, Contact],
    ) -> None:
        newcomers = [
            p
            for p in external
            if p.address not in known
            and account.domain
            and is_at_domain(p.address, [account.domain])
            and not is_role_address(p.address)
            and _is_valid(p.address)
        ]
        try:
            with transaction.atomic():
                if thread is None:
                    row = EmailThread.objects.create(
                        account=account,
                        subject=strip_subject(parsed.subject)[:500],
                        normalized_subject=normalise_subject(parsed.subject),
                        first_message_at=parsed.sent_at,
                        last_message_at=parsed.sent_at,
                    )
                else:
                    row = EmailThread.objects.get(pk=thread.key)
                created = [_create_contact(person, account) for person in newcomers]
                services.record_email(
                    account=account,
                    message_id=parsed.message_id,
                    thread=row,
                    direction=Direction.OUTBOUND
                    if self._is_own(parsed.sender.address)
                    else Direction.INBOUND,
                    from_address=parsed.sender.address,
                    from_name=parsed.sender.name,
                    to=[p.address for p in parsed.to if _is_valid(p.address)],
                    cc=[p.address for p in parsed.cc if _is_valid(p.address)],
                    subject=parsed.subject,
                    body=parsed.body,
                    new_text=parsed.new_text,
                    sent_at=parsed.sent_at,
                    attachments=[a.as_dict() for a in parsed.attachments],
                    contacts=[*known.values(), *created],
                    in_reply_to=parsed.in_reply_to,
                    references=parsed.references,
                )
        except ValidationError as exc:
            if _is_duplicate(exc) or Email.objects.filter(message_id=parsed.message_id).exists():
                self.summary.already_imported += 1
            else:
                self.summary.reject(label, f"not stored: {_describe(exc)}")
            return
        except IntegrityError as exc:  # a concurrent import stored it first (PostgreSQL)
            if Email.objects.filter(message_id=parsed.message_id).exists():
                self.summary.already_imported += 1
            else:
                self.summary.reject(label, f"not stored: {exc}")
            return
        except (DatabaseError, EmailThread.DoesNotExist) as exc:
            self.summary.reject(label, f"not stored: {exc}")
            return
        except Exception as exc:  # rolled back like any other: report it and go on
            self.summary.reject(label, f"not stored: {type(exc).__name__}: {exc}")
            return
        # Only what was committed is remembered, so a failed message leaves no trace here.
        self.summary.imported += 1
        self.summary.contacts_created += len(created)
        if thread is None:
            self.summary.threads_created += 1
            thread = KnownThread(row.pk, account.pk, row.normalized_subject)
        self.threader.add_message(thread, facts)

    # --- what the database knows ----------------------------------------------------------

    def _prime(self, facts: ThreadingFacts) -> None:
        """Teach the threader the stored messages this one could thread with.

        By id: the stored messages it references (the Message-ID index). By subject: the
        threads with its normalised subject active since ``window`` before it, with their
        messages' ids, references and people, which covers a stored reply naming this message
        and threading by subject. Each subject is read once per run: messages come oldest
        first, so the first read covers the later ones, and the threader learns the rest.
        """
        if facts.references:
            # Capped well under SQLite's bound-parameter limit; the root comes first.
            named = list(facts.references[:900])
            rows = Email.objects.filter(message_id__in=named).values_list(
                "message_id",
                "thread_id",
                "thread__account_id",
                "thread__normalized_subject",
                "thread__first_message_at",
                "thread__last_message_at",
            )
            for message_id, thread_id, account_id, subject, first, last in rows:
                self.threader.learn(
                    KnownThread(thread_id, account_id, subject, first, last), [message_id]
                )
        # Threads written by any path (import, API) share one normalisation.
        keys = {normalise_subject(facts.subject)}
        keys -= self._primed_subjects | {""}
        if not keys:
            return
        self._primed_subjects |= keys
        threads = {
            t.pk: KnownThread(
                t.pk, t.account_id, t.normalized_subject, t.first_message_at, t.last_message_at
            )
            for t in EmailThread.objects.filter(
                normalized_subject__in=keys,
                last_message_at__gte=facts.sent_at - self.threader.window,
            )
        }
        ids: dict[int, list[str]] = {key: [] for key in threads}
        messages = Email.objects.filter(thread_id__in=threads).values_list(
            "thread_id", "message_id", "in_reply_to", "references", "from_address", "to", "cc"
        )
        for thread_id, message_id, in_reply_to, references, sender, to, cc in messages:
            ids[thread_id] += [message_id, in_reply_to, *references.split()]
            people = [sender, *(to or []), *(cc or [])]
            threads[thread_id].participants |= {
                a.lower() for a in people if isinstance(a, str) and not self._is_own(a)
            }
        for key, thread in threads.items():
            self.threader.learn(thread, [i for i in ids[key] if i])

    def _candidate_accounts(
        self, external: Sequence[Person], known: dict[str | None, Contact]
    ) -> list[int]:
        """Accounts the message may be filed under, best first (see the module's rules)."""
        candidates: list[int] = []
        for person in external:
            contact = known.get(person.address)
            if contact is not None:
                candidates += [m.account_id for m in contact.memberships.all()]
            candidates += self._accounts_at(domain_of(person.address))
        return list(dict.fromkeys(candidates))

    def _accounts_at(self, domain: str) -> list[int]:
        """Accounts whose domain is ``domain`` or a parent of it, most specific first."""
        if self._domain_accounts is None:
            self._domain_accounts = {}
            for pk, value in (
                Account.objects.exclude(domain="").order_by("pk").values_list("pk", "domain")
            ):
                key = normalise_domain(value)
                if key and not self._is_own(key):
                    self._domain_accounts.setdefault(key, []).append(pk)
        found: list[int] = []
        for suffix in domain_suffixes(domain):
            found += self._domain_accounts.get(suffix, [])
        return found

    def _account(self, pk: int) -> Account:
        account = self._accounts.get(pk)
        if account is None:
            account = self._accounts[pk] = Account.objects.get(pk=pk)
        return account

    def _is_own(self, address_or_domain: str) -> bool:
        return bool(self.own_domains) and is_at_domain(address_or_domain, self.own_domains)


def import_emails(
    paths: Iterable[str | os.PathLike[str]],
    *,
    own_domains: Iterable[str],
    progress: Progress | None = None,
) -> EmailImportSummary:
    """Import every message under ``paths`` (see ``EmailImport``)."""
    run = EmailImport(paths, own_domains=own_domains)
    run.locate()
    return run.run(progress)


def _contacts_with_memberships(addresses: Iterable[str]) -> list[Contact]:
    return list(Contact.objects.filter(email__in=list(addresses)).prefetch_related("memberships"))


def _create_contact(person: Person, account: Account) -> Contact:
    """A new contact of ``account`` for an address seen in its mail (primary membership)."""
    first_name, last_name = split_display_name(person.name)
    contact = Contact.objects.create(
        email=person.address, first_name=first_name[:100], last_name=last_name[:100]
    )
    Membership.objects.create(contact=contact, account=account, is_primary=True)
    return contact


def _is_valid(address: str) -> bool:
    try:
        _valid_address(address)
    except ValidationError:
        return False
    return True


def _is_duplicate(exc: ValidationError) -> bool:
    errors = getattr(exc, "error_dict", {}).get("message_id", [])
    return any(e.code in {"duplicate", "unique"} for e in errors)


def _describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for e in errors for m in e.messages)}"
            for name, errors in exc.error_dict.items()
        )
    return " ".join(exc.messages)
