"""Signal receivers that extend attribute history to many-to-many fields (team members, tags).

``save()`` never sees these change, so the history is written from ``m2m_changed``: the
labels before the change are kept on the ``pre_*`` signal and compared on ``post_*``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from panorama.core.actors import current_actor
from panorama.customers.models import Account, AttributeChange

TRACKED_M2M = {Account.team_members.through: "team_members", Account.tags.through: "tags"}


def _affected_accounts(
    instance: Any, reverse: bool, pk_set: set[int] | None, field: str
) -> list[Account]:
    if not reverse:
        return [instance]
    if pk_set:
        return list(Account.objects.filter(pk__in=pk_set))
    # A reverse clear (user.followed_accounts.clear()): every account currently related.
    related_name = {"team_members": "followed_accounts", "tags": "accounts"}[field]
    return list(getattr(instance, related_name).all())


def _labels(account: Account, field: str) -> list[str]:
    return sorted(str(obj) for obj in getattr(account, field).all())


@receiver(m2m_changed)
def record_m2m_history(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **_: Any
) -> None:
    field = TRACKED_M2M.get(sender)
    if field is None:
        return
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        accounts = _affected_accounts(instance, reverse, pk_set, field)
        instance._m2m_before = {(field, a.pk): (a, _labels(a, field)) for a in accounts}
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    before: dict[tuple[str, int], tuple[Account, list[str]]] = getattr(instance, "_m2m_before", {})
    actor = current_actor()
    changes = []
    for (name, _pk), (account, old) in before.items():
        if name != field:
            continue
        new = _labels(account, field)
        if new != old:
            changes.append(
                AttributeChange(
                    account=account,
                    field=field,
                    old_value=old,
                    new_value=new,
                    old_display=", ".join(old),
                    new_display=", ".join(new),
                    changed_by=actor.user,
                    source=actor.source,
                )
            )
    AttributeChange.objects.bulk_create(changes)
    instance._m2m_before = {}
