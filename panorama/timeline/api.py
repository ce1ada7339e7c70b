"""The timeline REST API, mounted at ``/api/timeline/``: an account's or a contact's timeline,
and the interaction records (e-mails, calls, meetings, notes, tasks, market signals,
enrichment updates).

The timeline is read with ``timeline.queries`` (the same read path as the pages): newest
first, filtered by types or groups, time, person, team member and search words, with
sub-accounts on request, paged by a keyset cursor or grouped by type. An account or contact
the caller may not see answers 404. Records are written by ``timeline.services`` only. See
docs/api.md, "Timeline".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router

from panorama.core.models import User
from panorama.core.visibility import access_account, access_contact
from panorama.customers.api_base import READ_ERRORS, caller
from panorama.revenue.api_records import no_such, visible_contact
from panorama.timeline import queries
from panorama.timeline.api_activities import router as activities_router
from panorama.timeline.api_market import router as market_router
from panorama.timeline.queries import TimelinePage
from panorama.timeline.schemas import AccountTimelineFilters, TimelineFilters, TimelineOut

router = Router()
router.add_router("", activities_router)
router.add_router("", market_router)


def _actor(pk: int | None) -> User | None:
    """The team member a filter names (active or not: their past entries stay theirs)."""
    if pk is None:
        return None
    actor = User.objects.filter(pk=pk).first()
    if actor is None:
        raise no_such("actor", "user")
    return actor


def _read(timeline: Callable[[], TimelinePage]) -> dict[str, Any]:
    """A timeline page as the API answers it. The queries name their cursor ``cursor``;
    here it is ``after``, as in every list of the API."""
    try:
        page = timeline()
    except ValidationError as exc:
        errors = exc.message_dict
        if "cursor" in errors:
            errors["after"] = errors.pop("cursor")
        raise ValidationError(errors) from exc
    for entry in page.entries:
        entry.subject_ref = _subject(entry)  # type: ignore[attr-defined]
    return {
        "items": page.entries,
        "next": page.next_cursor,
        "groups": [
            {
                "group": g.group.value,
                "label": g.group.label,
                "entries": g.entries,
                "has_more": g.has_more,
            }
            for g in page.groups
        ],
    }


def _subject(entry: Any) -> dict[str, Any] | None:
    if entry.subject_type_id is None or entry.subject_id is None:
        return None
    # Django caches content types by id: no query once each type has been seen.
    kind = ContentType.objects.get_for_id(entry.subject_type_id)
    return {"type": f"{kind.app_label}.{kind.model}", "id": entry.subject_id}


@router.get(
    "/accounts/{account_id}/entries", response={200: TimelineOut, **READ_ERRORS}, tags=["timeline"]
)
def account_timeline(
    request: HttpRequest, account_id: int, filters: Query[AccountTimelineFilters]
) -> dict[str, Any]:
    """The account's timeline, newest first; pass ``next`` as ``after`` for more."""
    user = caller(request)
    account = access_account(user, account_id)
    contact = visible_contact(user, filters.contact)
    actor = _actor(filters.actor)
    return _read(
        lambda: queries.timeline_for_account(
            account,
            user=user,
            kinds=filters.kinds,
            since=filters.since,
            until=filters.until,
            contact=contact,
            actor=actor,
            search=filters.q,
            include_sub_accounts=filters.include_sub_accounts,
            cursor=filters.after,
            limit=filters.limit,
            grouped=filters.grouped,
        )
    )


@router.get(
    "/contacts/{contact_id}/entries", response={200: TimelineOut, **READ_ERRORS}, tags=["timeline"]
)
def contact_timeline(
    request: HttpRequest, contact_id: int, filters: Query[TimelineFilters]
) -> dict[str, Any]:
    """The contact's timeline on the accounts you may see, newest first."""
    user = caller(request)
    contact = access_contact(user, contact_id)
    actor = _actor(filters.actor)
    return _read(
        lambda: queries.timeline_for_contact(
            contact,
            user=user,
            kinds=filters.kinds,
            since=filters.since,
            until=filters.until,
            actor=actor,
            search=filters.q,
            cursor=filters.after,
            limit=filters.limit,
            grouped=filters.grouped,
        )
    )
