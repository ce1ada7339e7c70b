"""Reading timelines: an account's or a contact's entries, newest first, filtered and paged.

``timeline_for_account`` and ``timeline_for_contact`` are the read paths of the timeline tab,
the contact page and the REST API. How a page's entries are found fast on a big table is
``paging.py``'s business; this module decides what is visible, what the filters mean, and
fetches what a page shows in a constant number of queries.

Every read starts from what the user may see (``panorama.core.visibility``): the account must
be visible (else 404), sub-accounts and a contact's entries are limited to visible accounts,
and a contact named on an entry links to their page only when the user may open it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils.dateparse import parse_datetime

from panorama.core.models import AccountScope, User
from panorama.core.visibility import visible_accounts, visible_contacts
from panorama.customers.models import Account, Contact
from panorama.timeline.models import Entry, EntryAccount, EntryContact
from panorama.timeline.paging import (
    ACCOUNT_LINKS,
    CONTACT_LINKS,
    ENTRIES_BY_ACTOR,
    Filters,
    Keyset,
    SearchPlan,
    Source,
    Subquery,
    page_ids,
    plan_search,
    writes_few,
)
from panorama.timeline.registry import BY_KEY, Group, kinds_in_group
from panorama.timeline.search import parse_search

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PER_GROUP = 5
MAX_ENTRY_ID = 2**63 - 1  # the largest primary key a database stores


# --- public results ------------------------------------------------------------------------


@dataclass
class TimelineGroup:
    """One heading of the grouped mode: its most recent entries."""

    group: Group
    entries: list[Entry]
    has_more: bool
    link: str = ""  # the page's URL query for all of this group (set by the view)


@dataclass
class TimelinePage:
    """A page of a timeline; ``next_cursor`` fetches the next one (None at the end)."""

    entries: list[Entry]
    next_cursor: str | None = None
    groups: list[TimelineGroup] = field(default_factory=list)


def encode_cursor(entry: Entry) -> str:
    raw = f"{entry.occurred_at.isoformat()}|{entry.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Keyset:
    """The position a cursor stands for; anything else is an error naming ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, pk = raw.partition("|")
        occurred_at = parse_datetime(moment)
        entry_id = int(pk)
        if occurred_at is not None and occurred_at.tzinfo is not None:
            # A time the database can store (no overflow once in UTC), an id it can hold.
            occurred_at = occurred_at.astimezone(dt.UTC)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        occurred_at = None
        entry_id = 0
    if occurred_at is None or occurred_at.tzinfo is None or not 0 < entry_id <= MAX_ENTRY_ID:
        raise ValidationError({"cursor": "Not a cursor of this timeline."})
    return Keyset(occurred_at, entry_id)


def resolve_kinds(values: Iterable[str] | None) -> list[str] | None:
    """Entry types from type keys and group names (``communications``…); None = all types."""
    if values is None:
        return None
    kinds: dict[str, None] = {}
    groups = {g.value: g for g in Group}
    for value in values:
        if value in BY_KEY:
            kinds[value] = None
        elif value in groups:
            kinds.update(dict.fromkeys(kinds_in_group(groups[value])))
        else:
            raise ValidationError({"kinds": f"{value!r} is not a timeline type or group."})
    return list(kinds)


# --- entry points --------------------------------------------------------------------------


def timeline_for_account(
    account: Account,
    *,
    user: User,
    kinds: Iterable[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    contact: Contact | None = None,
    actor: User | None = None,
    search: str | None = None,
    include_sub_accounts: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    grouped: bool = False,
) -> TimelinePage:
    """The account's timeline as ``user`` may see it, newest first.

    ``kinds``: type keys and/or group names. ``since`` (inclusive) and ``until`` (exclusive)
    bound ``occurred_at``. ``contact`` keeps the entries involving that person, ``actor`` the
    ones by that team member. ``search``: words typed by a person (see ``search.py``).
    ``include_sub_accounts`` adds the entries of every sub-account (any depth) the user may
    see. ``grouped`` returns, per registry group, its ``PER_GROUP`` most recent entries.
    404 when the user may not see the account.
    """
    scope = _account_scope(account, user, include_sub_accounts)
    actor_id = actor.pk if actor is not None else None
    on_accounts: list[int] | Subquery | None = scope
    if contact is not None:
        sources = [Source(CONTACT_LINKS, "contact_id", contact.pk)]
    elif actor_id is not None and writes_few(actor_id):
        sources = [Source(ENTRIES_BY_ACTOR, "actor_id", actor_id)]
        actor_id = None  # the walk is theirs
    else:
        sources = [Source(ACCOUNT_LINKS, "account_id", pk) for pk in scope]
        on_accounts = None
    filters = Filters(
        kinds=resolve_kinds(kinds),
        since=since,
        until=until,
        actor_id=actor_id,
        on_accounts=on_accounts,
    )
    return _timeline(
        sources,
        filters,
        user=user,
        search=search,
        cursor=cursor,
        limit=limit,
        grouped=grouped,
        accounts_shown=scope[1:] or None,  # name the sub-account an entry comes from
    )


def timeline_for_contact(
    contact: Contact,
    *,
    user: User,
    kinds: Iterable[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    actor: User | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    grouped: bool = False,
) -> TimelinePage:
    """The contact's timeline: entries involving them on accounts ``user`` may see."""
    filters = Filters(
        kinds=resolve_kinds(kinds),
        since=since,
        until=until,
        actor_id=actor.pk if actor is not None else None,
        on_accounts=None if _sees_everything(user) else _visible_accounts_sql(user),
    )
    return _timeline(
        [Source(CONTACT_LINKS, "contact_id", contact.pk)],
        filters,
        user=user,
        search=search,
        cursor=cursor,
        limit=limit,
        grouped=grouped,
        accounts_shown=None,
    )


# --- plan ----------------------------------------------------------------------------------


def _timeline(
    sources: list[Source],
    filters: Filters,
    *,
    user: User,
    search: str | None,
    cursor: str | None,
    limit: int,
    grouped: bool,
    accounts_shown: list[int] | None,
) -> TimelinePage:
    limit = max(1, min(int(limit), MAX_LIMIT))
    filters.after = decode_cursor(cursor) if cursor else None
    terms = parse_search(search)
    match: SearchPlan | None = None
    if terms:
        match = plan_search(terms, limit)
        if match is None:  # a word no entry holds
            return TimelinePage([])
    if not grouped:
        ids = page_ids(sources, filters, match, limit + 1)
        entries = _fetch(ids[:limit], user, accounts_shown)
        next_cursor = encode_cursor(entries[-1]) if len(ids) > limit and entries else None
        return TimelinePage(entries, next_cursor)
    wanted = set(filters.kinds) if filters.kinds is not None else set(BY_KEY)
    per_group: list[tuple[Group, list[int]]] = []
    for group in Group:
        kinds = [k for k in kinds_in_group(group) if k in wanted]
        if kinds:
            group_filters = dataclasses.replace(filters, kinds=kinds)
            per_group.append((group, page_ids(sources, group_filters, match, PER_GROUP + 1)))
    fetched = {
        e.pk: e for e in _fetch([i for _, ids in per_group for i in ids], user, accounts_shown)
    }
    groups = [
        TimelineGroup(
            group, [fetched[i] for i in ids[:PER_GROUP] if i in fetched], len(ids) > PER_GROUP
        )
        for group, ids in per_group
        if ids
    ]
    return TimelinePage([e for g in groups for e in g.entries], None, groups)


def _sees_everything(user: User) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_admin or user.account_scope == AccountScope.ALL)
    )


def _visible_accounts_sql(user: User) -> Subquery:
    """The ids of the accounts ``user`` may see, as SQL (the one visibility rule's own)."""
    sql, params = visible_accounts(user).order_by().values("pk").query.sql_with_params()
    return Subquery(sql, tuple(params))


def _account_scope(account: Account, user: User, include_sub_accounts: bool) -> list[int]:
    """The account and, if asked, its sub-accounts at any depth — those ``user`` may see.

    One query (a recursive walk down the hierarchy); 404 if the account itself is hidden.
    """
    params: list[Any] = [account.pk]
    visible = "1 = 1"
    if not _sees_everything(user):
        subquery = _visible_accounts_sql(user)
        visible = f"id IN ({subquery.sql})"
        params += subquery.params
    table = Account._meta.db_table
    if include_sub_accounts:
        sql = (
            f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id = %s UNION "
            f"SELECT a.id FROM {table} a JOIN tree ON a.parent_id = tree.id) "
            f"SELECT id FROM tree WHERE {visible}"
        )
    else:
        sql = f"SELECT id FROM {table} WHERE id = %s AND {visible}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if account.pk not in ids:
        raise Http404("No such account")
    return [account.pk, *sorted(pk for pk in ids if pk != account.pk)]


# --- fetching what a page shows ------------------------------------------------------------


def _fetch(ids: list[int], user: User, accounts_shown: list[int] | None) -> list[Entry]:
    """The entries ``ids`` in that order, each with its ``type``, ``people`` (contacts, with
    ``linkable`` set when the user may open their page) and ``on_accounts`` (when a parent
    shows its sub-accounts' entries). A constant number of queries whatever the page size."""
    if not ids:
        return []
    by_id = Entry.objects.select_related("actor").in_bulk(ids)
    entries = [by_id[i] for i in ids if i in by_id]
    links = list(
        EntryContact.objects.filter(entry_id__in=ids)
        .select_related("contact")
        .order_by("contact__last_name", "contact__first_name", "contact_id")
    )
    contact_ids = {link.contact_id for link in links}
    if _sees_everything(user):
        linkable = contact_ids
    else:
        linkable = (
            set(visible_contacts(user).filter(pk__in=contact_ids).values_list("pk", flat=True))
            if contact_ids
            else set()
        )
    people: dict[int, list[Contact]] = {}
    for link in links:
        link.contact.linkable = link.contact_id in linkable  # type: ignore[attr-defined]
        people.setdefault(link.entry_id, []).append(link.contact)
    shown: dict[int, list[Account]] = {}
    if accounts_shown:
        account_links: QuerySet[EntryAccount] = EntryAccount.objects.filter(
            entry_id__in=ids, account_id__in=accounts_shown
        ).select_related("account")
        for account_link in account_links:
            shown.setdefault(account_link.entry_id, []).append(account_link.account)
    for entry in entries:
        entry.people = people.get(entry.pk, [])
        entry.on_accounts = sorted(shown.get(entry.pk, []), key=lambda a: a.name)
    return entries
