"""E-mails and their threads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min

from panorama.core.actors import Actor, acting_as, current_actor
from panorama.core.models import User
from panorama.customers.models import Account, Contact
from panorama.timeline import describe, rules
from panorama.timeline.describe import EntryContent
from panorama.timeline.mail.threads import normalise_subject
from panorama.timeline.models import Direction, Email, EmailThread
from panorama.timeline.services.common import (
    apply_changes,
    audited_update,
    log_created,
    post_record_entry,
    rewrite_record_entry,
)


def record_email(
    *,
    account: Account,
    message_id: str,
    thread: EmailThread | None = None,
    direction: str,
    from_address: str,
    from_name: str = "",
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    subject: str = "",
    body: str = "",
    new_text: str = "",
    sent_at: dt.datetime,
    attachments: Sequence[Mapping[str, Any]] = (),
    contacts: Iterable[Contact] = (),
    in_reply_to: str = "",
    references: Sequence[str] = (),
) -> Email:
    """Store one e-mail message in ``thread`` (a new thread when None) and post its entry.

    ``direction`` (``inbound``/``outbound``) makes the entry an ``email_received`` or an
    ``email_sent``; an outbound message's entry is by the team member whose address sent it,
    if there is one. The thread's subject, message count and first/last message times are
    kept up to date. ``message_id`` is the Message-ID without angle brackets; a message already
    stored is refused (code ``duplicate``) so an import can skip it. ``new_text`` is the body
    without quotes and forwards: the entry shows and searches it (the whole body if empty).
    """
    message_id = (message_id or "").strip().strip("<>").strip()
    if not message_id:
        raise ValidationError({"message_id": "A message needs its Message-ID."})
    rules.check_aware(sent_at=sent_at)
    if thread is not None and thread.account_id != account.pk:
        raise ValidationError({"thread": "That thread belongs to another account."})
    email = Email(
        account=account,
        message_id=message_id,
        in_reply_to=(in_reply_to or "").strip().strip("<>"),
        references="\n".join(r.strip().strip("<>") for r in references if r.strip()),
        direction=direction,
        from_address=(from_address or "").strip(),
        from_name=from_name or "",
        to=rules.check_addresses("to", to),
        cc=rules.check_addresses("cc", cc),
        subject=subject or "",
        body=body or "",
        new_text=new_text or "",
        sent_at=sent_at,
        attachments=rules.check_attachments(attachments),
    )
    people = list({c.pk: c for c in contacts}.values())
    with transaction.atomic():
        if thread is None:
            thread = EmailThread.objects.create(
                account=account,
                subject=email.subject,
                normalized_subject=normalise_subject(email.subject),
            )
        email.thread = thread
        try:
            rules.check_record(email)
        except ValidationError as exc:
            codes = [e.code for e in exc.error_dict.get("message_id", [])]
            if "unique" in codes:
                raise ValidationError(
                    {
                        "message_id": ValidationError(
                            f"Message {message_id!r} is already stored.", code="duplicate"
                        )
                    }
                ) from None
            raise
        email.save()
        log_created(email)
        email.contacts.set(people)
        refresh_thread(thread)
        _post_email_entry(email, describe.email_entry(email, people, _sender(email)))
    return email


EMAIL_EDITABLE = frozenset(
    {"direction", "from_name", "to", "cc", "subject", "body", "new_text", "sent_at",
     "attachments", "contacts"}
)  # fmt: skip


def update_email(*, email: Email, **changes: Any) -> Email:
    """Change an e-mail's fields (``EMAIL_EDITABLE``) and re-sync its entry and thread."""
    rules.refuse_unknown(changes, EMAIL_EDITABLE)
    if "to" in changes:
        changes["to"] = rules.check_addresses("to", changes["to"])
    if "cc" in changes:
        changes["cc"] = rules.check_addresses("cc", changes["cc"])
    if "attachments" in changes:
        changes["attachments"] = rules.check_attachments(changes["attachments"])
    rules.check_aware(sent_at=changes.get("sent_at"))
    with transaction.atomic(), audited_update(email, changes):
        apply_changes(email, changes, EMAIL_EDITABLE)
        rules.check_record(email)
        email.save()
        if "contacts" in changes:
            email.contacts.set(list(changes["contacts"]))
        refresh_thread(email.thread)
        content = describe.email_entry(email, list(email.contacts.all()), _sender(email))
        # The direction decides the kind: a corrected direction replaces the entry.
        email.timeline_entries.exclude(kind=content.kind).delete()
        if email.timeline_entries.exists():
            rewrite_record_entry(email, content)
        else:
            _post_email_entry(email, content)
    return email


def _post_email_entry(email: Email, content: EntryContent) -> None:
    """An e-mail's entry is by its sender when a team member sent it, else by nobody — not by
    whoever happens to record it (``post_entry`` would default to the person acting)."""
    acting = current_actor()
    with acting_as(Actor(source=acting.source)):
        post_record_entry(email, email.account, content)


def _sender(email: Email) -> User | None:
    """The team member who sent an outbound message, known by their address."""
    if email.direction != Direction.OUTBOUND or not email.from_address:
        return None
    return User.objects.filter(email=email.from_address.lower(), is_active=True).first()


def refresh_thread(thread: EmailThread) -> None:
    """Recount a thread from its messages; a thread left without any is deleted."""
    figures = thread.messages.aggregate(
        count=Count("pk"), first=Min("sent_at"), last=Max("sent_at")
    )
    if not figures["count"]:
        thread.delete()
        return
    thread.message_count = figures["count"]
    thread.first_message_at = figures["first"]
    thread.last_message_at = figures["last"]
    thread.save(update_fields=["message_count", "first_message_at", "last_message_at"])
