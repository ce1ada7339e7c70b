"""Accounts in the REST API: list, create, read, update, delete, and their tags.

Reads and writes start from ``visible_accounts``: an account outside the caller's book
answers 404 and is left as it was. Anyone may create an account (they own it unless they
name another owner, and keep following it if they do); only admins delete.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Status

from panorama.core.models import User
from panorama.core.visibility import access_account, visible_accounts
from panorama.customers import services
from panorama.customers.api_base import (
    READ_ERRORS,
    WRITE_ERRORS,
    authored_by,
    caller,
    keyset_page,
    require_admin,
)
from panorama.customers.models import Account, AccountQuerySet
from panorama.customers.schemas import (
    AccountFilters,
    AccountIn,
    AccountOut,
    AccountPageOut,
    AccountPatch,
)

router = Router(tags=["accounts"])


def _accounts(user: User) -> AccountQuerySet:
    """The caller's accounts with everything an answer shows (four queries per page)."""
    return visible_accounts(user).for_list().select_related("parent").prefetch_related("tags")


def show_parents(user: User, accounts: Iterable[Account]) -> None:
    """Set ``visible_parent`` on each account: its parent, or None if ``user`` may not see
    it (as the account page does). One query for the whole page."""
    accounts = list(accounts)
    parent_ids = {a.parent_id for a in accounts if a.parent_id is not None}
    shown = (
        set(visible_accounts(user).filter(pk__in=parent_ids).values_list("pk", flat=True))
        if parent_ids
        else set()
    )
    for account in accounts:
        parent = account.parent if account.parent_id in shown else None
        account.visible_parent = parent  # type: ignore[attr-defined]


def _answer(user: User, pk: int) -> Account:
    """The account as answers show it, read again after a write."""
    account: Account = access_account(user, pk)
    show_parents(user, [account])
    return account


@router.get("/accounts", response={200: AccountPageOut, **READ_ERRORS})
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]) -> dict[str, Any]:
    """The accounts you may see, by id, filtered; pass ``next`` as ``after`` for more."""
    user = caller(request)
    accounts = _accounts(user)
    if filters.stage is not None:
        accounts = accounts.filter(stage_id=filters.stage)
    if filters.owner is not None:
        accounts = accounts.filter(owner_id=filters.owner)
    if filters.parent is not None:
        # Only under a parent the caller may see: no probing hidden accounts' children.
        accounts = accounts.filter(
            parent_id=filters.parent, parent_id__in=visible_accounts(user).values("pk")
        )
    if filters.status is not None:
        accounts = accounts.filter(status=filters.status)
    if filters.tag is not None:
        accounts = accounts.filter(tags__id=filters.tag)
    if filters.external_id is not None:
        accounts = accounts.filter(external_id=filters.external_id)
    if filters.q:
        accounts = accounts.filter(Q(name__icontains=filters.q) | Q(domain__icontains=filters.q))
    if filters.updated_since is not None:
        accounts = accounts.filter(updated_at__gte=filters.updated_since)
    page = keyset_page(accounts, filters)
    show_parents(user, page["items"])
    return page


@router.post("/accounts", response={201: AccountOut, **WRITE_ERRORS})
def create_account(request: HttpRequest, payload: AccountIn) -> Status[Account]:
    """Create an account. You own it unless you name another ``owner``."""
    user = caller(request)
    with authored_by(request):
        account = services.create_account(values=payload.model_dump(exclude_unset=True), by=user)
    return Status(201, _answer(user, account.pk))


@router.get("/accounts/{account_id}", response={200: AccountOut, **READ_ERRORS})
def read_account(request: HttpRequest, account_id: int) -> Account:
    """One account."""
    return _answer(caller(request), account_id)


@router.patch("/accounts/{account_id}", response={200: AccountOut, **WRITE_ERRORS})
def update_account(request: HttpRequest, account_id: int, payload: AccountPatch) -> Account:
    """Change the fields sent, all or nothing; ``custom_fields`` merge (null clears one)."""
    user = caller(request)
    account = access_account(user, account_id)
    with authored_by(request):
        services.update_account(
            account=account, changes=payload.model_dump(exclude_unset=True), by=user
        )
    return _answer(user, account_id)


@router.delete("/accounts/{account_id}", response={204: None, **WRITE_ERRORS})
def delete_account(request: HttpRequest, account_id: int) -> Status[None]:
    """Delete an account with its memberships and usage (admins only)."""
    user = caller(request)
    account = access_account(user, account_id)
    require_admin(user, "delete accounts")
    with authored_by(request):
        services.delete_account(account=account)
    return Status(204, None)
