"""Reads of the customer domain, always starting from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from panorama.core.models import User
from panorama.core.visibility import visible_accounts, visible_contacts
from panorama.customers.models import (
    Account,
    AccountQuerySet,
    AttributeChange,
    Contact,
    CustomFieldDefinition,
    Entity,
    Membership,
    Stage,
)

HISTORY_ON_PAGE = 100
KANBAN_CARDS_PER_STAGE = 30


def accounts_for_list(user: User, *, search: str = "") -> AccountQuerySet:
    """The customer list: visible accounts with what each row shows, optionally by name."""
    accounts = visible_accounts(user).for_list()
    search = search.strip()
    if search:
        accounts = accounts.filter(Q(name__icontains=search) | Q(domain__icontains=search))
    return accounts.order_by("name", "id")


def contacts_for_list(user: User, *, search: str = "") -> QuerySet[Contact]:
    """Visible contacts, each with its memberships in accounts the user may see."""
    visible = visible_accounts(user).values("pk")
    contacts = visible_contacts(user).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(account_id__in=visible).select_related("account"),
            to_attr="visible_memberships",
        )
    )
    search = search.strip()
    if search:
        contacts = contacts.filter(
            Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    return contacts.order_by("last_name", "first_name", "id")


@dataclass
class CustomValue:
    """A custom field's definition with this record's value, ready to show."""

    definition: CustomFieldDefinition
    value: Any


@dataclass
class Account360:
    """Everything the account page shows, fetched in one pass (see ``fetch_account_360``)."""

    account: Account
    ancestors: list[Account]
    children: list[Account]
    memberships: list[Membership]
    followers: list[Any]
    tags: list[Any]
    custom_values: list[CustomValue]
    history: list[AttributeChange] = field(default_factory=list)
    parent: Account | None = None  # None too when the user may not see it

    @property
    def pinned_values(self) -> list[CustomValue]:
        return [v for v in self.custom_values if v.definition.is_pinned and v.value is not None]


def _custom_values(entity: str, values: dict[str, Any]) -> list[CustomValue]:
    definitions = CustomFieldDefinition.objects.filter(entity=entity).order_by(
        "-is_pinned", "position", "label"
    )
    return [CustomValue(d, values.get(d.key)) for d in definitions]


def fetch_account_360(user: User, account: Account) -> Account360:
    """The account page's data; related accounts outside the user's visibility are left out
    (not listed, not counted, not named in the history)."""
    visible = visible_accounts(user)
    visible_ids = visible.values("pk")
    ancestors = account.ancestors()
    shown_ancestor_ids = set(
        visible.filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)
    )
    history = list(account.attribute_changes.select_related("changed_by")[:HISTORY_ON_PAGE])
    _hide_unseen_accounts(history, visible)
    return Account360(
        account=account,
        parent=account.parent if account.parent_id in shown_ancestor_ids else None,
        ancestors=[a for a in ancestors if a.pk in shown_ancestor_ids],
        children=list(
            account.children.filter(pk__in=visible_ids)
            .select_related("stage", "owner")
            .annotate(sub_count=Count("children", filter=Q(children__in=visible_ids)))
            .order_by("name")
        ),
        memberships=list(
            account.memberships.select_related("contact").order_by(
                "-contact__is_sponsor", "contact__last_name", "contact__first_name"
            )
        ),
        followers=list(account.team_members.all()),
        tags=list(account.tags.all()),
        custom_values=_custom_values(Entity.ACCOUNT, account.custom_fields),
        history=history,
    )


HIDDEN_ACCOUNT = "an account you can't see"


def _hide_unseen_accounts(history: list[AttributeChange], visible: AccountQuerySet) -> None:
    """A parent change names another account: keep its name only if the user may see it."""
    ids = {
        value
        for change in history
        if change.field == "parent"
        for value in (change.old_value, change.new_value)
        if isinstance(value, int)
    }
    if not ids:
        return
    shown = set(visible.filter(pk__in=ids).values_list("pk", flat=True))
    for change in history:
        if change.field != "parent":
            continue
        if isinstance(change.old_value, int) and change.old_value not in shown:
            change.old_display = HIDDEN_ACCOUNT
        if isinstance(change.new_value, int) and change.new_value not in shown:
            change.new_display = HIDDEN_ACCOUNT


@dataclass
class Contact360:
    """Everything the contact page shows."""

    contact: Contact
    memberships: list[Membership]
    custom_values: list[CustomValue]
    history: list[AttributeChange]


def fetch_contact_360(user: User, contact: Contact) -> Contact360:
    visible_ids = visible_accounts(user).values("pk")
    return Contact360(
        contact=contact,
        memberships=list(
            contact.memberships.filter(account_id__in=visible_ids)
            .select_related("account__stage")
            .order_by("-is_primary", "account__name")
        ),
        custom_values=_custom_values(Entity.CONTACT, contact.custom_fields),
        history=list(contact.attribute_changes.select_related("changed_by")[:HISTORY_ON_PAGE]),
    )


@dataclass
class KanbanColumn:
    stage: Stage | None
    total: int
    cards: list[Account]


def kanban_columns(user: User) -> list[KanbanColumn]:
    """Visible accounts by lifecycle stage: each stage's count and its first cards by name.

    Three queries whatever the number of stages or accounts: stages, counts, and the first
    cards of every stage at once (a window function ranks accounts within their stage).
    """
    visible = visible_accounts(user)
    stages = list(Stage.objects.all())
    totals: dict[int | None, int] = dict(
        visible.order_by()
        .values_list("stage_id")
        .annotate(n=Count("id"))
        .values_list("stage_id", "n")
    )
    ranked = (
        visible.for_list()
        .annotate(
            rank=Window(
                RowNumber(), partition_by=F("stage_id"), order_by=[F("name").asc(), F("id").asc()]
            )
        )
        .filter(rank__lte=KANBAN_CARDS_PER_STAGE)
        .order_by("name", "id")
    )
    cards: dict[int | None, list[Account]] = {}
    for account in ranked:
        cards.setdefault(account.stage_id, []).append(account)
    columns = [KanbanColumn(s, totals.get(s.pk, 0), cards.get(s.pk, [])) for s in stages]
    if totals.get(None):
        columns.append(KanbanColumn(None, totals[None], cards.get(None, [])))
    return columns
