"""The small tables a demo load points into: stages, users, plans, tags, custom fields.

Rows that already exist under the demo's natural key (a stage's or plan's name, a user's
e-mail, a tag's name in any case, a custom field's entity and key) are reused, so loading
again after deleting the demo's accounts and contacts does not trip over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from panorama.core.models import Role, User
from panorama.customers.models import CustomFieldDefinition, Plan, Stage, Tag
from panorama.demo.records import DemoDataset
from panorama.demo.users import DEMO_PASSWORD


class DemoLoadError(Exception):
    """The dataset cannot be loaded here; the message says why and what to do."""


@dataclass
class References:
    """Database ids of the reference rows by natural key, and how many were created."""

    stages: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)


def write_references(dataset: DemoDataset) -> References:
    """Find or create every reference row ``dataset`` needs."""
    refs = References()
    refs.stages = dict(Stage.objects.filter(name__in=dataset.stages).values_list("name", "id"))
    missing = [s for s in dataset.stages if s not in refs.stages]
    if missing:
        raise DemoLoadError(
            f"Lifecycle stage(s) {', '.join(missing)} are missing; the demo needs the default "
            "stages (run `panorama migrate`, or recreate them under these names)."
        )
    _users(dataset, refs)
    refs.created["plans"] = 0
    for plan in dataset.plans:
        row, created = Plan.objects.get_or_create(
            name=plan.name, defaults={"list_mrr": plan.list_mrr}
        )
        refs.plans[plan.name] = row.pk
        refs.created["plans"] += created
    refs.created["tags"] = 0
    for tag in dataset.tags:
        existing = Tag.objects.filter(name__iexact=tag.name).first()
        # Through save(), which refuses the names reserved for system tags.
        tag_row = existing or Tag.objects.create(name=tag.name, colour=tag.colour)
        refs.tags[tag.name] = tag_row.pk
        refs.created["tags"] += existing is None
    refs.created["custom fields"] = _field_definitions(dataset)
    return refs


def _users(dataset: DemoDataset, refs: References) -> None:
    emails = [u.email for u in dataset.users]
    refs.users = dict(User.objects.filter(email__in=emails).values_list("email", "id"))
    new = [u for u in dataset.users if u.email not in refs.users]
    if new:
        # Hashing is slow by design, and every demo user has the same password.
        password = make_password(DEMO_PASSWORD)
        rows = User.objects.bulk_create(
            User(
                email=u.email,
                first_name=u.first_name,
                last_name=u.last_name,
                password=password,
                role=Role.ADMIN if u.is_admin else Role.MEMBER,
                # bulk_create skips User.save(), which keeps these two in step with the role.
                is_staff=u.is_admin,
                is_superuser=u.is_admin,
                date_joined=u.date_joined,
            )
            for u in new
        )
        refs.users.update((r.email, r.pk) for r in rows)
    refs.created["users"] = len(new)


def _field_definitions(dataset: DemoDataset) -> int:
    created = 0
    for wanted in dataset.field_definitions:
        existing = CustomFieldDefinition.objects.filter(
            entity=wanted.entity, key=wanted.key
        ).first()
        if existing is None:
            # Through save(), which validates the definition (options, source…).
            CustomFieldDefinition.objects.create(
                entity=wanted.entity,
                key=wanted.key,
                label=wanted.label,
                field_type=wanted.field_type,
                options=list(wanted.options),
                is_synced=wanted.is_synced,
                source=wanted.source,
                is_pinned=wanted.is_pinned,
                position=wanted.position,
            )
            created += 1
        elif existing.field_type != wanted.field_type or not set(wanted.options) <= set(
            existing.options
        ):
            raise DemoLoadError(
                f"Custom field {wanted.entity}.{wanted.key} exists with another type or "
                "options, which the demo values would not fit. Rename or delete it first."
            )
    return created
