"""A contact joining an account goes on both timelines (``contact_added``).

``post_save`` covers every single-row write of a ``Membership`` (the admin, the REST API,
forms, ``Membership.objects.create``). Bulk writers (Segment ingestion's ``bulk_create``, the
demo loader's ``RowWriter``) send no signals, so they stay as fast as they were; Segment's
write no such entries, and the demo loader writes them itself, in the services' shape, for
people who joined during its year. Deleting a membership deletes its entry.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from panorama.customers.models import Membership
from panorama.timeline.entries import entries_about
from panorama.timeline.services import post_contact_added


@receiver(post_save, sender=Membership, dispatch_uid="timeline_contact_added")
def contact_added(sender: Any, instance: Membership, created: bool, raw: bool, **_: Any) -> None:
    if created and not raw:  # raw: loaddata restoring rows, entries included
        post_contact_added(instance)


@receiver(post_delete, sender=Membership, dispatch_uid="timeline_contact_removed")
def contact_removed(sender: Any, instance: Membership, **_: Any) -> None:
    entries_about(instance).delete()
