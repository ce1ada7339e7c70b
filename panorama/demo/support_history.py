"""Support tickets and survey answers (NPS, CSAT) of one account.

Healthy customers file a few tickets, answered within hours and rated well. At-risk customers'
tickets pile up over the last months: urgent, escalated, slow to get a first answer, several
still open, rated badly. NPS surveys go out twice a year to the same day for everyone; some
contacts answer within a week.
"""

from __future__ import annotations

import datetime as dt

from panorama.demo import phrases
from panorama.demo.history_records import DemoSurvey, DemoTicket
from panorama.demo.personalities import Personality
from panorama.demo.story import DAY, Story, fill

P = Personality
TICKETS_PER_YEAR = {
    P.HEALTHY: 3,
    P.AT_RISK: 8,
    P.GHOST: 2,
    P.CHURNED: 4,
    P.NEW: 3,
    P.TRIAL: 1,
    P.PROSPECT: 0,
}
CHANNELS = (("email", 45), ("web", 25), ("chat", 20), ("phone", 10))
PRIORITIES = {
    "calm": (("low", 30), ("normal", 55), ("high", 13), ("urgent", 2)),
    "tense": (("low", 5), ("normal", 35), ("high", 40), ("urgent", 20)),
}
FIRST_RESPONSE_MINUTES = {"calm": (10, 6 * 60), "tense": (2 * 60, 60 * 60)}
RESOLUTION_HOURS = {"calm": (1, 72), "tense": (12, 24 * 14)}
ESCALATED = {"calm": 0.03, "tense": 0.35}
CSAT_SHARE = 0.55  # of resolved tickets, rated by the customer
CSAT_SCORES = {"calm": (5, 5, 5, 4, 4, 3), "tense": (1, 1, 2, 2, 3, 4)}
CLOSED_AFTER = dt.timedelta(days=7)  # solved tickets are closed a week later
NPS_CAMPAIGNS_DAYS_AGO = (300, 120)  # survey days (days before today), the same for all
NPS_SCORES = {
    P.HEALTHY: (10, 10, 9, 9, 9, 8, 8, 7),
    P.NEW: (10, 9, 9, 8, 8, 7),
    P.AT_RISK: (7, 6, 5, 4, 3, 2, 6, 5),
    P.GHOST: (8, 7, 7, 6, 5),
    P.CHURNED: (6, 5, 3, 2, 0),
}
NPS_ANSWER_SHARE = 0.35  # of contacts asked


def generate_tickets(story: Story) -> list[DemoTicket]:
    rng = story.rng
    per_year = TICKETS_PER_YEAR[story.personality] * story.cast.intensity
    end = min(story.end, story.inbound_until)
    mean = per_year * story.years(story.start, end) * rng.uniform(0.7, 1.3)
    count = int(mean) + (rng.random() < mean - int(mean))
    at_risk = story.personality is P.AT_RISK

    def weight(at: dt.datetime) -> float:
        if not at_risk:
            return 1.0
        return 1.0 if story.end - at < dt.timedelta(days=100) else 0.25  # piling up lately

    tickets = []
    for number, at in enumerate(story.times(count, story.start, end, weight)):
        recent = story.end - at < dt.timedelta(days=100)
        mood = "tense" if (at_risk and recent) or story.tone(at) == "negative" else "calm"
        contact = story.pick_contact(at, prefer={"end_user": 4, "champion": 2, "influencer": 2})
        values = story.slots(at, recipient="")
        priority = _weighted(story, PRIORITIES[mood])
        created = at.replace(minute=rng.randint(0, 59))
        respond = created + dt.timedelta(minutes=rng.randint(*FIRST_RESPONSE_MINUTES[mood]))
        resolve = created + dt.timedelta(hours=rng.uniform(*RESOLUTION_HOURS[mood]))
        first_response: dt.datetime | None = respond if respond < story.end else None
        resolved: dt.datetime | None = resolve
        if at_risk and recent and rng.random() < 0.5:
            resolved = None  # still open, and the customer knows it
        if resolved is not None and resolved >= story.end:
            resolved = None
        if resolved is not None and first_response is None:
            first_response = resolved
        if resolved is not None and first_response is not None and first_response > resolved:
            first_response = resolved
        escalated = None
        if priority in {"high", "urgent"} and rng.random() < ESCALATED[mood] * 2:
            escalated = created + dt.timedelta(hours=rng.uniform(1, 48))
            if escalated >= story.end:
                escalated = None
        if resolved is None:
            status = "new" if first_response is None else rng.choice(("open", "open", "pending"))
        else:
            status = "closed" if story.end - resolved > CLOSED_AFTER else "solved"
        csat = None
        if resolved is not None and rng.random() < CSAT_SHARE:
            csat = rng.choice(CSAT_SCORES[mood])
            if resolved + dt.timedelta(hours=1) >= story.end:
                csat = None
        tickets.append(
            DemoTicket(
                subject=fill(rng.choice(phrases.TICKET_SUBJECTS), values),
                description=fill(rng.choice(phrases.TICKET_DESCRIPTIONS), values),
                status=status,
                priority=priority,
                channel=_weighted(story, CHANNELS),
                created_at=created,
                external_id=f"ZD-{story.number}{number + 1:03d}",
                contact=contact.email if contact is not None else None,
                first_response_at=_whole(first_response),
                resolved_at=_whole(resolved),
                escalated_at=_whole(escalated),
                csat=csat,
            )
        )
    return tickets


def generate_surveys(story: Story, tickets: list[DemoTicket]) -> list[DemoSurvey]:
    """CSAT answers for rated tickets, and NPS answers to the twice-yearly survey."""
    rng = story.rng
    surveys: list[DemoSurvey] = []
    for position, ticket in enumerate(tickets):
        if ticket.csat is None or ticket.resolved_at is None:
            continue
        answered = ticket.resolved_at + dt.timedelta(minutes=rng.randint(30, 60 * 20))
        if answered >= story.end:
            answered = ticket.resolved_at + dt.timedelta(minutes=30)
        surveys.append(
            DemoSurvey(
                kind="csat",
                score=ticket.csat,
                responded_at=answered.replace(second=0, microsecond=0),
                contact=ticket.contact,
                comment=fill(rng.choice(phrases.CSAT_COMMENTS[ticket.csat]), story.slots(answered)),
                ticket=position,
            )
        )
    scores = NPS_SCORES.get(story.personality)
    if scores is None:
        return surveys
    for days_ago in NPS_CAMPAIGNS_DAYS_AGO:
        sent = story.today - dt.timedelta(days=days_ago)
        for member in story.present(story.at_work(sent)):
            if not member.is_primary or rng.random() >= NPS_ANSWER_SHARE:
                continue
            at = story.at_work(sent + DAY * rng.randint(0, 6))
            if not story.inbound_ok(at) or at < story.start:
                continue
            score = rng.choice(scores)
            category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            surveys.append(
                DemoSurvey(
                    kind="nps",
                    score=score,
                    responded_at=at,
                    contact=member.email,
                    comment=fill(rng.choice(phrases.NPS_COMMENTS[category]), story.slots(at)),
                )
            )
    return surveys


def _weighted(story: Story, options: tuple[tuple[str, int], ...]) -> str:
    return story.rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _whole(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.replace(second=0, microsecond=0)
