"""A contact joining an account: ``contact_added`` on both timelines."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from panorama.customers.models import Account, Contact, Membership
from panorama.timeline import describe
from panorama.timeline.entries import entries_about
from panorama.timeline.models import Entry
from panorama.timeline.services.common import post_record_entry


def record_contact_added(*, account: Account, contact: Contact) -> Entry:
    """Put "contact joined account" on both timelines, at the time the membership was made.

    Called for every ``Membership`` saved as new (a ``post_save`` receiver, see
    ``receivers.py``); bulk writers send no signals: Segment ingestion writes no such entry,
    the demo loader writes its own. Posting twice for one membership leaves one entry.
    """
    membership = Membership.objects.filter(account=account, contact=contact).first()
    if membership is None:
        raise ValidationError({"contact": f"{contact} is not a contact of {account}."})
    return post_contact_added(membership, account=account, contact=contact)


def post_contact_added(
    membership: Membership, *, account: Account | None = None, contact: Contact | None = None
) -> Entry:
    """``record_contact_added`` for a membership at hand (no look-up)."""
    account = account or membership.account
    contact = contact or membership.contact
    with transaction.atomic():
        entries_about(membership).delete()
        return post_record_entry(
            membership, account, describe.contact_added_entry(membership, account, contact)
        )
