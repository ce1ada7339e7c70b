"""Which accounts (and so which contacts and records) a user may see.

``visible_accounts`` is the single answer every read path uses: lists, pages, search, the API,
exports, counts. Something outside it is answered with 404, so its existence is not leaked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from panorama.core.models import AccountScope, User

if TYPE_CHECKING:
    from panorama.customers.models import AccountQuerySet, Contact


def visible_accounts(user: User | Any) -> AccountQuerySet:
    """The accounts ``user`` may see: all for admins and "all accounts" grants, else the
    accounts they own or follow. Anonymous and inactive users see none."""
    from panorama.customers.models import Account, AccountFollower

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Account.objects.none()
    if user.is_admin or user.account_scope == AccountScope.ALL:
        return Account.objects.all()
    # A subquery rather than a join on followers: no duplicate rows, so no DISTINCT needed
    # under ordering and pagination.
    followed = AccountFollower.objects.filter(user_id=user.pk).values("account_id")
    return Account.objects.filter(Q(owner_id=user.pk) | Q(pk__in=followed))


def visible_contacts(user: User | Any) -> Any:
    """Contacts belonging to at least one account the user may see."""
    from panorama.customers.models import Contact, Membership

    accounts = visible_accounts(user).values("pk")
    members = Membership.objects.filter(account_id__in=accounts).values("contact_id")
    return Contact.objects.filter(pk__in=members)


def access_account(user: User | Any, pk: int) -> Any:
    """The account ``pk`` if ``user`` may see it, else 404 (as if it did not exist)."""
    account = visible_accounts(user).for_list().select_related("parent").filter(pk=pk).first()
    if account is None:
        raise Http404("No such account")
    return account


def access_contact(user: User | Any, pk: int) -> Contact:
    """The contact ``pk`` if ``user`` may see one of its accounts, else 404."""
    contact = visible_contacts(user).filter(pk=pk).first()
    if contact is None:
        raise Http404("No such contact")
    return contact


def with_contact_visibility(queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
    """``queryset`` (records with one ``contact``) annotated with ``contact_visible``: whether
    ``user`` may see that contact. A contact since removed from every account the user sees is
    not named (``seen_contact``), as for the contacts of a record and of a timeline entry."""
    seen = visible_contacts(user).filter(pk=OuterRef("contact_id"))
    return queryset.annotate(contact_visible=Exists(seen))
