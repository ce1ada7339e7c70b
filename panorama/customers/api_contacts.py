"""Contacts and memberships (contact ↔ account) in the REST API.

A contact is visible through the accounts it belongs to (``visible_contacts``), and only
those accounts are shown with it; a membership is visible when its account is. Anything else
answers 404 and is left as it was. Anyone may create a contact in an account they see (a
contact always belongs to at least one account); only admins delete contacts.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from panorama.core.models import User
from panorama.core.visibility import (
    access_account,
    access_contact,
    visible_accounts,
    visible_contacts,
)
from panorama.customers import services
from panorama.customers.api_base import (
    READ_ERRORS,
    WRITE_ERRORS,
    authored_by,
    caller,
    keyset_page,
    require_admin,
)
from panorama.customers.models import Account, Contact, Membership, normalise_email
from panorama.customers.schemas import (
    ContactFilters,
    ContactIn,
    ContactOut,
    ContactPageOut,
    ContactPatch,
    MembershipIn,
    MembershipOut,
    MembershipPageOut,
    MembershipPatch,
    PageParams,
)

router = Router(tags=["contacts"])


def _contacts(user: User) -> QuerySet[Contact]:
    """The caller's contacts, each with its memberships in accounts the caller may see."""
    visible = visible_accounts(user).values("pk")
    return visible_contacts(user).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(account_id__in=visible)
            .select_related("account")
            .order_by("-is_primary", "id"),
            to_attr="visible_memberships",
        )
    )


def _answer(user: User, pk: int) -> Contact:
    contact = _contacts(user).filter(pk=pk).first()
    if contact is None:
        raise Http404("No such contact")
    return contact


def _memberships() -> QuerySet[Membership]:
    return Membership.objects.select_related("contact", "account")


def access_membership(user: User, pk: int) -> Membership:
    """The membership ``pk`` if ``user`` may see its account, else 404."""
    membership = (
        _memberships().filter(pk=pk, account_id__in=visible_accounts(user).values("pk")).first()
    )
    if membership is None:
        raise Http404("No such membership")
    return membership


def _account_field(user: User, pk: int) -> Account:
    """The account a body names, if the caller may see it; else a 400 naming the field."""
    account = visible_accounts(user).filter(pk=pk).first()
    if account is None:
        raise ValidationError({"account": "No such account."})
    return account


@router.get("/contacts", response={200: ContactPageOut, **READ_ERRORS})
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> dict[str, Any]:
    """The contacts you may see, by id, filtered; pass ``next`` as ``after`` for more."""
    user = caller(request)
    contacts = _contacts(user)
    if filters.account is not None:
        # Members of that account only if the caller may see it.
        members = Membership.objects.filter(
            account_id=filters.account, account_id__in=visible_accounts(user).values("pk")
        )
        contacts = contacts.filter(pk__in=members.values("contact_id"))
    if filters.email is not None:
        contacts = contacts.filter(email=normalise_email(filters.email))
    if filters.external_id is not None:
        contacts = contacts.filter(external_id=filters.external_id)
    if filters.q:
        q = filters.q
        contacts = contacts.filter(
            Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    if filters.is_sponsor is not None:
        contacts = contacts.filter(is_sponsor=filters.is_sponsor)
    if filters.updated_since is not None:
        contacts = contacts.filter(updated_at__gte=filters.updated_since)
    return keyset_page(contacts, filters)


@router.post("/contacts", response={201: ContactOut, **WRITE_ERRORS})
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    """Create a contact in an account you may see."""
    user = caller(request)
    values = payload.model_dump(exclude_unset=True)
    account = _account_field(user, values.pop("account"))
    role, is_primary = values.pop("role", ""), values.pop("is_primary", True)
    with authored_by(request):
        contact = services.create_contact(
            values=values, account=account, role=role, is_primary=is_primary
        )
    return Status(201, _answer(user, contact.pk))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **READ_ERRORS})
def read_contact(request: HttpRequest, contact_id: int) -> Contact:
    """One contact, with their memberships in accounts you may see."""
    return _answer(caller(request), contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **WRITE_ERRORS})
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Contact:
    """Change the fields sent, all or nothing; ``custom_fields`` merge (null clears one)."""
    user = caller(request)
    contact = access_contact(user, contact_id)
    with authored_by(request):
        services.update_contact(contact=contact, changes=payload.model_dump(exclude_unset=True))
    return _answer(user, contact_id)


@router.delete("/contacts/{contact_id}", response={204: None, **WRITE_ERRORS})
def delete_contact(request: HttpRequest, contact_id: int) -> Status[None]:
    """Delete a contact with their memberships and usage (admins only)."""
    user = caller(request)
    contact = access_contact(user, contact_id)
    require_admin(user, "delete contacts")
    with authored_by(request):
        services.delete_contact(contact=contact)
    return Status(204, None)


@router.get("/accounts/{account_id}/memberships", response={200: MembershipPageOut, **READ_ERRORS})
def account_memberships(
    request: HttpRequest, account_id: int, paging: Query[PageParams]
) -> dict[str, Any]:
    """The account's contacts, as memberships, by id."""
    account = access_account(caller(request), account_id)
    return keyset_page(_memberships().filter(account_id=account.pk), paging)


@router.get("/contacts/{contact_id}/memberships", response={200: MembershipPageOut, **READ_ERRORS})
def contact_memberships(
    request: HttpRequest, contact_id: int, paging: Query[PageParams]
) -> dict[str, Any]:
    """The contact's accounts that you may see, as memberships, by id."""
    user = caller(request)
    contact = access_contact(user, contact_id)
    memberships = _memberships().filter(
        contact_id=contact.pk, account_id__in=visible_accounts(user).values("pk")
    )
    return keyset_page(memberships, paging)


@router.post("/memberships", response={201: MembershipOut, **WRITE_ERRORS})
def create_membership(request: HttpRequest, payload: MembershipIn) -> Status[Membership]:
    """Add a contact you may see to an account you may see."""
    user = caller(request)
    contact = visible_contacts(user).filter(pk=payload.contact).first()
    if contact is None:
        raise ValidationError({"contact": "No such contact."})
    account = _account_field(user, payload.account)
    with authored_by(request):
        membership = services.add_membership(
            contact=contact, account=account, role=payload.role, is_primary=payload.is_primary
        )
    return Status(201, access_membership(user, membership.pk))


@router.patch("/memberships/{membership_id}", response={200: MembershipOut, **WRITE_ERRORS})
def update_membership(
    request: HttpRequest, membership_id: int, payload: MembershipPatch
) -> Membership:
    """Change the role, or make this the contact's primary account."""
    user = caller(request)
    membership = access_membership(user, membership_id)
    with authored_by(request):
        services.update_membership(
            membership=membership, changes=payload.model_dump(exclude_unset=True)
        )
    return access_membership(user, membership_id)


@router.delete("/memberships/{membership_id}", response={204: None, **WRITE_ERRORS})
def delete_membership(request: HttpRequest, membership_id: int) -> Status[None]:
    """Take a contact out of an account (not out of their last one)."""
    membership = access_membership(caller(request), membership_id)
    with authored_by(request):
        services.remove_membership(membership=membership)
    return Status(204, None)
