"""Calls, meetings, notes and tasks of one account, and what the world says about it (market
signals, enrichment updates).

Volumes follow the personality and the account's intensity; what happens after the customer
went quiet is one-sided: voicemails and unanswered calls, notes about it, overdue tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from panorama.demo import phrases
from panorama.demo.history_records import (
    DemoCall,
    DemoEnrichment,
    DemoMeeting,
    DemoMember,
    DemoNote,
    DemoSignal,
    DemoTask,
)
from panorama.demo.naming import slug
from panorama.demo.personalities import Personality
from panorama.demo.story import DAY, Story, fill

P = Personality
# Per year, before the intensity multiplier: calls, meetings, notes, tasks, signals.
VOLUMES: dict[Personality, tuple[float, float, float, float, float]] = {
    P.HEALTHY: (8, 5, 5, 7, 1.5),
    P.AT_RISK: (7, 3, 6, 7, 1.5),
    P.GHOST: (4, 2, 3, 5, 1),
    P.CHURNED: (4, 2, 4, 4, 1),
    P.NEW: (6, 4, 4, 8, 1),
    P.TRIAL: (2, 2, 2, 3, 0.5),
    P.PROSPECT: (1, 1, 1, 1, 0.3),
}
SIGNALS_BY_SEGMENT = {"enterprise": 2.0, "mid_market": 1.0, "smb": 0.5}
CONNECTED_SHARE = 0.62
VOICEMAIL_SHARE = 0.6  # of calls that did not connect
RECORDED_SHARE = 0.4  # of connected calls
MEETING_MINUTES = (30, 30, 45, 60, 60, 90)
UPCOMING = {P.HEALTHY: 0.6, P.NEW: 0.8, P.TRIAL: 0.7, P.AT_RISK: 0.4}
MEETING_TYPES: dict[Personality, dict[str, float]] = {
    P.HEALTHY: {"qbr": 3, "review": 3, "demo": 1, "negotiation": 0.5},
    P.AT_RISK: {"review": 4, "qbr": 1.5, "negotiation": 1},
    P.GHOST: {"review": 2, "qbr": 1},
    P.CHURNED: {"review": 3, "negotiation": 1},
    P.NEW: {"review": 3, "demo": 2, "discovery": 1},
    P.TRIAL: {"discovery": 2, "demo": 2},
    P.PROSPECT: {"discovery": 2, "demo": 1},
}
CALL_PURPOSES: dict[Personality, dict[str, float]] = {
    P.HEALTHY: {"check-in": 3, "adoption": 2, "pricing": 1, "renewal": 1, "issue": 0.5},
    P.AT_RISK: {"issue": 3, "check-in": 2, "renewal": 1.5, "adoption": 1},
    P.GHOST: {"check-in": 3, "adoption": 1},
    P.CHURNED: {"issue": 2, "renewal": 2, "check-in": 1},
    P.NEW: {"onboarding": 4, "check-in": 1},
    P.TRIAL: {"pricing": 2, "check-in": 1},
    P.PROSPECT: {"pricing": 1},
}
OPEN_TASK_SHARE = 0.2
OVERDUE_SHARE = {P.AT_RISK: 0.6, P.GHOST: 0.7, P.CHURNED: 0.5}


def _count(story: Story, per_year: float, start: dt.datetime, end: dt.datetime) -> int:
    mean = per_year * story.cast.intensity * story.years(start, end) * story.rng.uniform(0.7, 1.3)
    whole = int(mean)
    return whole + (story.rng.random() < mean - whole)


def _pick(story: Story, weights: dict[str, float]) -> str:
    return story.rng.choices(list(weights), weights=list(weights.values()))[0]


# --- calls ---------------------------------------------------------------------------------


def generate_calls(story: Story) -> list[DemoCall]:
    if not story.members:
        return []
    rng = story.rng
    calls_per_year = VOLUMES[story.personality][0]
    times = story.times(
        _count(story, calls_per_year, story.start, story.end),
        story.start,
        story.end,
        story.activity_weight,
    )
    calls: list[DemoCall] = []
    for at in times:
        contact = story.pick_contact(at)
        if contact is None:
            continue
        purpose = _pick(story, CALL_PURPOSES[story.personality])
        values = story.slots(at, recipient=contact.email, name=contact.name)
        connected = story.inbound_ok(at) and rng.random() < CONNECTED_SHARE
        inbound = connected and rng.random() < 0.15
        if connected:
            tone = story.tone(at)
            notes = fill(rng.choice(phrases.CALL_NOTES[purpose][tone]), values)
            duration = rng.randint(4, 50) * 60 + rng.randint(0, 59)
            disposition = "connected"
        else:
            topic = rng.choice(phrases.CALL_TOPICS)
            voicemail = rng.random() < VOICEMAIL_SHARE
            options = phrases.VOICEMAILS if voicemail else phrases.NO_ANSWERS
            values["topic"] = topic
            notes = fill(rng.choice(options), values)
            duration = rng.randint(20, 75) if voicemail else rng.randint(0, 35)
            disposition = "voicemail" if voicemail else "no_answer"
        recording = ""
        if connected and rng.random() < RECORDED_SHARE:
            recording = (
                f"https://calls.panorama-demo.example/recordings/{story.code}-{len(calls) + 1}"
            )
        calls.append(
            DemoCall(
                direction="inbound" if inbound else "outbound",
                started_at=at,
                duration_seconds=duration,
                disposition=disposition,
                contacts=(contact.email,),
                notes=notes,
                logged_by=story.owner.email,
                recording_url=recording,
            )
        )
    return calls


# --- meetings ------------------------------------------------------------------------------


def generate_meetings(
    story: Story, extra: Sequence[tuple[str, dt.datetime, int | None]]
) -> list[DemoMeeting]:
    """Meetings held over the window (never after the customer went quiet), ``extra``
    (type, start) ones asked for by the deal generator, and maybe one coming up."""
    if not story.members:
        return []
    rng = story.rng
    end = min(story.end, story.inbound_until)
    per_year = VOLUMES[story.personality][1]
    planned: list[tuple[str, dt.datetime, int | None]] = [
        (_pick(story, MEETING_TYPES[story.personality]), at, None)
        for at in story.times(_count(story, per_year, story.start, end), story.start, end)
    ]
    planned.extend(item for item in extra if item[1] < end)
    upcoming = UPCOMING.get(story.personality, 0.0)
    if story.cast.quiet_since is None and rng.random() < upcoming:
        day = story.today + dt.timedelta(days=rng.randint(1, 21))
        planned.append((_pick(story, MEETING_TYPES[story.personality]), story.at_work(day), None))
    planned.sort(key=lambda item: item[1])
    meetings = []
    for kind, at, deal in planned:
        people = story.pick_contacts(at, 3 if kind in {"qbr", "negotiation"} else 2)
        if not people:
            continue
        starts = at.replace(minute=30 if at.minute >= 30 else 0)
        ends = starts + dt.timedelta(minutes=rng.choice(MEETING_MINUTES))
        values = story.slots(starts, recipient=people[0].email, name=people[0].name)
        internal = [story.owner.email]
        if kind in {"qbr", "negotiation", "demo"} or rng.random() < 0.2:
            other = story.teammate()
            if other.email not in internal:
                internal.append(other.email)
        held = ends <= story.end
        notes = outcome = ""
        if held:
            tone = story.tone(starts)
            notes = fill(rng.choice(phrases.MEETING_NOTES[kind][tone]), values)
            outcome = rng.choice(phrases.MEETING_OUTCOMES[tone])
        recorded = ends + dt.timedelta(minutes=rng.randint(5, 240)) if held else None
        if recorded is None or recorded >= story.end:
            # Booked ahead: written down when the invitation went out.
            recorded = min(story.end - dt.timedelta(hours=1), starts - DAY * rng.randint(2, 10))
            recorded = max(recorded, story.start)
        meetings.append(
            DemoMeeting(
                title=fill(rng.choice(phrases.MEETING_TITLES[kind]), values),
                meeting_type=kind,
                starts_at=starts,
                ends_at=ends,
                internal=tuple(internal),
                external=tuple(m.email for m in people),
                agenda=fill(rng.choice(phrases.MEETING_AGENDAS[kind]), values),
                notes=notes,
                outcome=outcome,
                recorded_at=recorded,
                deal=deal,
            )
        )
    return meetings


# --- notes and tasks -----------------------------------------------------------------------


def generate_notes(story: Story) -> list[DemoNote]:
    rng = story.rng
    per_year = VOLUMES[story.personality][2]
    notes = []
    for at in story.times(_count(story, per_year, story.start, story.end), story.start, story.end):
        contact = story.pick_contact(at)
        # Written about a customer who stopped answering, it isn't cheerful.
        tone = story.tone(at) if story.inbound_ok(at) else "negative"
        values = story.slots(at, recipient="", name=contact.name if contact else "the team")
        notes.append(
            DemoNote(
                body=fill(rng.choice(phrases.NOTES[tone]), values),
                author=story.owner.email,
                created_at=at,
                contact=contact.email if contact is not None and rng.random() < 0.6 else None,
            )
        )
    return notes


def generate_tasks(story: Story) -> list[DemoTask]:
    """Completed tasks over the window, and open ones: due soon, or overdue."""
    rng = story.rng
    per_year = VOLUMES[story.personality][3]
    tasks = []
    end = story.end
    overdue_share = OVERDUE_SHARE.get(story.personality, 0.25)
    for at in story.times(_count(story, per_year, story.start, end), story.start, end):
        contact = story.pick_contact(at)
        title, description = rng.choice(phrases.TASKS)
        values = story.slots(at, recipient="", name=contact.name if contact else "the team")
        due = at.date() + dt.timedelta(days=rng.randint(2, 21))
        recent = end - at < dt.timedelta(days=45)
        completed_at: dt.datetime | None = None
        if not (recent and rng.random() < 0.6) and rng.random() >= OPEN_TASK_SHARE:
            done = story.at_work(due + dt.timedelta(days=rng.randint(-2, 4)))
            if at < done < end:
                completed_at = done
        if completed_at is None and due < story.today and rng.random() >= overdue_share:
            due = story.today + dt.timedelta(days=rng.randint(1, 14))  # rescheduled, not late
        tasks.append(
            DemoTask(
                title=fill(title, values),
                description=fill(description, values),
                due_on=due,
                assignee=story.owner.email,
                created_at=at,
                completed_at=completed_at,
                contact=contact.email if contact is not None and rng.random() < 0.5 else None,
            )
        )
    return tasks


# --- the world outside -----------------------------------------------------------------------


def generate_signals(story: Story) -> list[DemoSignal]:
    """News about the customer: more about big companies, worse news about troubled ones."""
    rng, account = story.rng, story.account
    if account.depth:
        return []  # the news talks about the group, not its divisions
    per_year = VOLUMES[story.personality][4] * SIGNALS_BY_SEGMENT.get(account.segment, 1.0)
    count = int(per_year * rng.uniform(0.5, 1.5) + rng.random())
    bad = story.personality in {P.AT_RISK, P.CHURNED}
    weights = [
        {"positive": 1.0 if not bad else 0.4, "neutral": 0.7, "negative": 0.2 if not bad else 1.2}[
            sentiment
        ]
        for sentiment, *_ in phrases.SIGNALS
    ]
    signals = []
    for at in story.times(count, story.year_start, story.end):
        sentiment, title, summary, path = rng.choices(phrases.SIGNALS, weights=weights)[0]
        values = {
            "company": account.name,
            "series": rng.choice("ABCD"),
            "city": rng.choice(("London", "Berlin", "Austin", "Toronto", "Singapore", "Paris")),
            "hires": rng.choice((40, 60, 100, 150, 250)),
            "integration": story.integration,
            "team": rng.choice(phrases.TEAMS),
            "cut": rng.choice((5, 8, 10, 12, 15, 20)),
        }
        site = rng.choice(phrases.NEWS_SITES)
        url = f"https://{site}/{at:%Y/%m}/{slug(account.name)}-{path}"
        signals.append(
            DemoSignal(
                title=fill(title, values),
                summary=fill(summary, values),
                sentiment=sentiment,
                source_url=url,
                occurred_at=at.replace(hour=6, minute=0),
            )
        )
    return signals


def generate_enrichments(story: Story) -> list[DemoEnrichment]:
    """What data providers noticed: a champion leaving (their company changed), a contact
    promoted (new title, the one the contact has now), the company growing."""
    rng, account = story.rng, story.account
    updates = []
    source = rng.choice(phrases.ENRICHMENT_SOURCES)
    departure = story.departure
    if departure is not None:
        noticed = min(story.end - DAY, departure.at + DAY * rng.randint(2, 12))
        updates.append(
            DemoEnrichment(
                source=source,
                changes={"company": {"old": account.name, "new": departure.new_company}},
                occurred_at=story.at_work(noticed.date()),
                contact=departure.email,
            )
        )
    if story.cast.promoted:
        promoted = _promotion_candidate(story)
        if promoted is not None:
            key = (
                promoted.buying_role if promoted.buying_role in phrases.PROMOTED_TITLES else "other"
            )
            old = [t for t in phrases.PROMOTED_TITLES[key] if t != promoted.title]
            at = story.moment(max(story.start, promoted.joined_at), story.end - DAY)
            updates.append(
                DemoEnrichment(
                    source=source,
                    changes={"title": {"old": rng.choice(old), "new": promoted.title}},
                    occurred_at=at,
                    contact=promoted.email,
                )
            )
    if account.depth == 0 and rng.random() < 0.15:
        grown = max(1, round(account.employee_count * rng.uniform(0.8, 0.95)))
        if grown != account.employee_count:
            updates.append(
                DemoEnrichment(
                    source=source,
                    changes={"employee_count": {"old": grown, "new": account.employee_count}},
                    occurred_at=story.moment(story.start, story.end - DAY),
                )
            )
    return sorted(updates, key=lambda u: u.occurred_at)


def _promotion_candidate(story: Story) -> DemoMember | None:
    gone = story.departure.email if story.departure else None
    people = [m for m in story.members if m.is_primary and m.email != gone]
    people.sort(key=lambda m: (not m.is_sponsor, m.buying_role != "champion", m.email))
    return people[0] if people else None
