"""The timeline on the account page (a tab) and the contact page (a section).

The filters live in the URL (``?tab=timeline&type=call_logged&q=renewal&from=…``) so a view can
be bookmarked and shared. The page renders the whole timeline; the filter form and the "load
more" button ask htmx for the endpoints here, which answer with the ``results`` or ``more``
region of ``timeline/_timeline.html`` (and push the page's URL with the new filters).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from panorama.core.models import User
from panorama.core.visibility import access_account, access_contact, visible_contacts
from panorama.customers.models import Account, Contact
from panorama.revenue.schemas import FIRST_YEAR, LAST_YEAR
from panorama.timeline.queries import (
    TimelinePage,
    resolve_kinds,
    timeline_for_account,
    timeline_for_contact,
)
from panorama.timeline.registry import ENTRY_TYPES, Group

PAGE_SIZE = 25
TEMPLATE = "timeline/_timeline.html"


@dataclass
class TimelineParams:
    """The timeline's filters as the URL holds them; anything unreadable is left out."""

    types: list[str] = field(default_factory=list)
    q: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    person: str = ""  # "c<contact id>" or "u<user id>"
    view: str = "list"  # or "grouped"
    subs: bool = False

    @classmethod
    def from_query(cls, query: QueryDict) -> TimelineParams:
        types = []
        for value in query.getlist("type"):
            try:
                resolve_kinds([value])
            except ValidationError:
                continue
            types.append(value)
        person = query.get("person", "")
        if not (person[:1] in ("c", "u") and person[1:].isdigit()):
            person = ""
        return cls(
            types=list(dict.fromkeys(types)),
            q=query.get("q", "")[:200],
            since=_date(query.get("from")),
            until=_date(query.get("to")),
            person=person,
            view="grouped" if query.get("view") == "grouped" else "list",
            subs=query.get("subs") == "1",
        )

    def query_items(self) -> list[tuple[str, str]]:
        items = [("type", t) for t in self.types]
        if self.q:
            items.append(("q", self.q))
        if self.since:
            items.append(("from", self.since.isoformat()))
        if self.until:
            items.append(("to", self.until.isoformat()))
        if self.person:
            items.append(("person", self.person))
        if self.view != "list":
            items.append(("view", self.view))
        if self.subs:
            items.append(("subs", "1"))
        return items

    def querystring(self, **extra: str) -> str:
        return urlencode([*extra.items(), *self.query_items()])

    @property
    def is_filtered(self) -> bool:
        return bool(self.types or self.q or self.since or self.until or self.person)


def _date(value: str | None) -> dt.date | None:
    """A day of the URL; unreadable, or so far out that its midnight leaves the calendar
    once in UTC (or the day after it does not exist), it is left out."""
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return day


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the organisation's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _query(
    request: HttpRequest,
    params: TimelineParams,
    *,
    account: Account | None = None,
    contact: Contact | None = None,
    cursor: str | None = None,
) -> TimelinePage:
    user: Any = request.user
    person_contact = person_user = None
    if params.person.startswith("c") and account is not None:
        person_contact = visible_contacts(user).filter(pk=int(params.person[1:])).first()
    elif params.person.startswith("u"):
        person_user = User.objects.filter(pk=int(params.person[1:])).first()
    common: dict[str, Any] = {
        "user": user,
        "kinds": params.types or None,
        "since": _start_of(params.since) if params.since else None,
        "until": _start_of(params.until + dt.timedelta(days=1)) if params.until else None,
        "actor": person_user,
        "search": params.q,
        "cursor": cursor,
        "limit": PAGE_SIZE,
        "grouped": params.view == "grouped" and not cursor,
    }
    if account is not None:
        return timeline_for_account(
            account, contact=person_contact, include_sub_accounts=params.subs, **common
        )
    assert contact is not None
    return timeline_for_contact(contact, **common)


def timeline_context(
    request: HttpRequest,
    *,
    account: Account | None = None,
    contact: Contact | None = None,
    contacts: list[Contact] | None = None,
    has_sub_accounts: bool = False,
) -> dict[str, Any]:
    """What ``timeline/_timeline.html`` needs to render the whole timeline from the URL."""
    params = TimelineParams.from_query(request.GET)
    page = _query(request, params, account=account, contact=contact)
    if account is not None:
        endpoint = reverse("customers:account_timeline", args=[account.pk])
    else:
        assert contact is not None
        endpoint = reverse("customers:contact_timeline", args=[contact.pk])
    chosen = set(params.types)
    type_groups = [
        {
            "group": group,
            "checked": group.value in chosen,
            "types": [
                {"type": t, "checked": t.key in chosen or group.value in chosen}
                for t in ENTRY_TYPES
                if t.group is group
            ],
        }
        for group in Group
    ]
    team = User.objects.filter(is_active=True).order_by("first_name", "last_name", "email")
    people = [
        ("Contacts", [(f"c{c.pk}", str(c)) for c in contacts or []]),
        ("Team", [(f"u{u.pk}", str(u)) for u in team]),
    ]
    return {
        **_decorate(page, params, for_contact=contact is not None),
        "tl_endpoint": endpoint,
        "tl_type_groups": type_groups,
        "tl_people": [(label, options) for label, options in people if options],
        "tl_has_subs": has_sub_accounts,
    }


def _decorate(page: TimelinePage, params: TimelineParams, *, for_contact: bool) -> dict[str, Any]:
    """The context every region shares, with each entry's safe link and each group's "all"
    link (the list of that group's types)."""
    base = {} if for_contact else {"tab": "timeline"}
    for entry in page.entries:
        url = entry.details.get("url") if isinstance(entry.details, dict) else None
        # Only web links become hrefs, whatever an integration stored.
        web = isinstance(url, str) and url.startswith(("https://", "http://"))
        entry.link = url if web else None
    for group in page.groups:
        only = TimelineParams(**{**params.__dict__, "types": [group.group.value], "view": "list"})
        group.link = "?" + only.querystring(**base)
    all_types = TimelineParams(**{**params.__dict__, "types": []})
    return {
        "tl": params,
        "tl_page": page,
        "tl_for_contact": for_contact,
        "tl_all_types_link": "?" + all_types.querystring(**base),
    }


def _respond(
    request: HttpRequest,
    page_url: str,
    *,
    account: Account | None = None,
    contact: Contact | None = None,
    extra_query: dict[str, str] | None = None,
) -> HttpResponse:
    params = TimelineParams.from_query(request.GET)
    bookmark = f"{page_url}?{params.querystring(**(extra_query or {}))}"
    if not getattr(request, "htmx", False):
        return redirect(bookmark)
    cursor = request.GET.get("cursor") or None
    try:
        page = _query(request, params, account=account, contact=contact, cursor=cursor)
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages))
    context = {
        **_decorate(page, params, for_contact=contact is not None),
        "tl_endpoint": request.path,
    }
    response = render(request, f"{TEMPLATE}#{'more' if cursor else 'results'}", context)
    if not cursor:
        push_url(response, bookmark)
    return response


@require_GET
def account_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The account timeline's results (filters changed) or next entries (``cursor``)."""
    account = access_account(request.user, pk)
    return _respond(
        request, account.get_absolute_url(), account=account, extra_query={"tab": "timeline"}
    )


@require_GET
def contact_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact timeline's results or next entries."""
    contact = access_contact(request.user, pk)
    return _respond(request, contact.get_absolute_url(), contact=contact)
