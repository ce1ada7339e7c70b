"""E-mail threads for one account: who writes, what about, and the replies with their quotes.

A thread follows one ``phrases_mail.TOPICS`` script: the opener writes, the other side
answers after a realistic delay, and so on, until the script ends or the customer stops
answering (unanswered outbound e-mails are part of the picture: they are not touches). Each
reply carries the quoted history below its new text, like a real mail client's, and
threading headers (``In-Reply-To``, ``References``) that chain the messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from panorama.demo.history_records import DemoMember, DemoMessage, DemoThread
from panorama.demo.personalities import Personality
from panorama.demo.phrases_mail import (
    CLOSINGS,
    CSM_SIGNATURE,
    GREETINGS,
    REPLY_HEADER,
    TOPICS,
    Step,
)
from panorama.demo.story import DAY, Story, fill

# Threads a year (before the intensity multiplier), and topics by weight, per personality.
THREADS_PER_YEAR = {
    Personality.HEALTHY: 10,
    Personality.AT_RISK: 9,
    Personality.GHOST: 5,
    Personality.CHURNED: 6,
    Personality.NEW: 7,
    Personality.TRIAL: 3,
    Personality.PROSPECT: 3,
}
TOPIC_WEIGHTS: dict[Personality, dict[str, float]] = {
    Personality.HEALTHY: {
        "check_in": 3,
        "feature_request": 2,
        "pricing_seats": 1.5,
        "qbr": 2,
        "expansion": 1.5,
        "integration_help": 1.5,
        "issue": 0.5,
    },
    Personality.AT_RISK: {
        "issue": 3,
        "competitor": 2,
        "check_in": 1.5,
        "feature_request": 1.5,
        "qbr": 0.5,
        "integration_help": 1,
    },
    Personality.GHOST: {"check_in": 2, "feature_request": 1, "integration_help": 1, "issue": 1},
    Personality.CHURNED: {"issue": 2, "competitor": 2, "check_in": 1, "feature_request": 1},
    Personality.NEW: {"integration_help": 2, "feature_request": 1.5, "check_in": 1, "qbr": 0.3},
    Personality.TRIAL: {"trial": 3, "pricing_seats": 1, "feature_request": 1},
    Personality.PROSPECT: {"trial": 3, "pricing_seats": 1},
}
# The customer doesn't answer this share of messages that expect an answer.
SILENCE = {Personality.GHOST: 0.3, Personality.AT_RISK: 0.2, Personality.CHURNED: 0.2}
DEFAULT_SILENCE = 0.08
# Hours before the other side answers: (CSM, customer) ranges.
CSM_REPLY_HOURS = (1, 26)
CUSTOMER_REPLY_HOURS = {Personality.AT_RISK: (6, 140), Personality.GHOST: (12, 160)}
DEFAULT_CUSTOMER_REPLY_HOURS = (1, 60)
FOLLOW_UPS_AFTER_QUIET = (1, 3)  # unanswered follow-up threads once a customer went quiet


def generate_threads(story: Story, extra: Sequence[tuple[str, dt.datetime]]) -> list[DemoThread]:
    """The account's threads: drawn topics over its window, plus ``extra`` (topic, start)
    threads the other generators asked for (a renewal, an overdue invoice, a farewell…)."""
    if not story.members:
        return []
    rng, cast = story.rng, story.cast
    per_year = THREADS_PER_YEAR[story.personality] * cast.intensity
    end = min(story.end, story.inbound_until)
    count = _poisson(story, per_year * story.years(story.start, end))
    weights = TOPIC_WEIGHTS[story.personality]
    names = list(weights)
    starts = story.times(count, story.start, end, story.activity_weight)
    planned = [(rng.choices(names, weights=list(weights.values()))[0], at) for at in starts]
    planned.extend(extra)
    if story.cast.quiet_since is not None and story.personality is not Personality.AT_RISK:
        # Once the customer goes quiet, the CSM keeps trying, unanswered.
        after = story.times(
            rng.randint(*FOLLOW_UPS_AFTER_QUIET), story.inbound_until, story.end - DAY
        )
        planned.extend(("follow_up", at) for at in after)
    planned.sort(key=lambda item: item[1])
    threads: list[DemoThread] = []
    for number, (topic, at) in enumerate(planned):
        thread = _thread(story, number, topic, at)
        if thread is not None:
            threads.append(thread)
    return threads


def _thread(story: Story, number: int, topic_name: str, start: dt.datetime) -> DemoThread | None:
    rng = story.rng
    topic = TOPICS[topic_name]
    contact: DemoMember | None
    if topic_name == "farewell" and story.departure is not None:
        contact = next(m for m in story.members if m.email == story.departure.email)
    else:
        prefer = _prefer(topic_name)
        contact = story.pick_contact(start, prefer=prefer)
    if contact is None:
        return None
    others = [m for m in story.present(start) if m.email != contact.email]
    cc = [rng.choice(others)] if others and rng.random() < 0.25 else []
    tone = story.tone(start)
    values = story.slots(start, recipient=contact.email, first=contact.first_name)
    subject = fill(rng.choice(topic.subjects), values)
    messages: list[DemoMessage] = []
    at = start
    silence = SILENCE.get(story.personality, DEFAULT_SILENCE)
    for position, step in enumerate(topic.steps):
        if position:
            previous_role = topic.steps[position - 1].role
            hours = CSM_REPLY_HOURS if step.role == "csm" else _customer_hours(story)
            if step.role == previous_role:  # a nudge after no answer
                hours = (96, 240)
            at = _later(story, at, hours)
            if at >= story.end:
                break
            if step.role == "customer" and (
                not story.inbound_ok(at)
                or (
                    story.departure is not None
                    and contact.email == story.departure.email
                    and at >= story.departure.at
                )
                or rng.random() < silence
            ):
                break
        messages.append(
            _message(story, number, len(messages), step, tone, contact, cc, subject, at, messages)
        )
    if not messages:
        return None
    return DemoThread(topic_name, tuple(messages))


def _message(
    story: Story,
    thread_number: int,
    position: int,
    step: Step,
    tone: str,
    contact: DemoMember,
    cc: list[DemoMember],
    subject: str,
    at: dt.datetime,
    earlier: list[DemoMessage],
) -> DemoMessage:
    rng, owner = story.rng, story.owner
    outbound = step.role == "csm"
    first = contact.first_name if outbound else owner.first_name
    values = story.slots(at, recipient=contact.email, first=first)
    options = step.texts.get(tone) or step.texts.get("any") or next(iter(step.texts.values()))
    paragraph = fill(rng.choice(options), values)
    if outbound:
        greeting = fill(rng.choice(GREETINGS), {"first": contact.first_name})
        signature = fill(CSM_SIGNATURE, {"name": owner.name, "vendor": values["vendor"]})
        sender_address, sender_name = owner.email, owner.name
        to = (contact.email,)
    else:
        greeting = fill(rng.choice(GREETINGS), {"first": owner.first_name})
        signature = f"{contact.name}\n{contact.title}, {story.account.name}".rstrip(", ")
        sender_address, sender_name = contact.email, contact.name
        to = (owner.email,)
    closing = rng.choice(CLOSINGS["positive" if outbound else tone])
    new_text = f"{greeting}\n\n{paragraph}\n\n{closing}\n{signature}"
    body = new_text
    if earlier:
        previous = earlier[-1]
        header = fill(
            REPLY_HEADER,
            {
                "when": f"{previous.sent_at:%a, %b} {previous.sent_at.day}, "
                f"{previous.sent_at:%Y at %H:%M}",
                "name": previous.from_name,
                "address": previous.from_address,
            },
        )
        quoted = "\n".join(f"> {line}" if line else ">" for line in previous.body.splitlines())
        body = f"{new_text}\n\n{header}\n{quoted}"
    attachments: tuple[dict[str, object], ...] = ()
    if step.attachment is not None:
        size = rng.randint(40_000, 900_000)
        filename = fill(step.attachment, values)
        attachments = ({"filename": filename, "content_type": "application/pdf", "size": size},)
    references = tuple(m.message_id for m in earlier)
    domain = "panorama.demo" if outbound else contact.email.rsplit("@", 1)[1]
    message_id = f"{story.code}.{thread_number:03d}.{position}@mail.{domain}"
    people = [contact, *cc]
    return DemoMessage(
        message_id=message_id,
        direction="outbound" if outbound else "inbound",
        from_address=sender_address,
        from_name=sender_name,
        to=to,
        cc=tuple(m.email for m in cc),
        subject=subject if not earlier else f"Re: {subject}",
        body=body,
        new_text=new_text,
        sent_at=at,
        contacts=tuple(dict.fromkeys(m.email for m in people)),
        in_reply_to=references[-1] if references else "",
        references=references,
        attachments=attachments,
    )


def _prefer(topic: str) -> dict[str, float] | None:
    if topic in {"renewal", "pricing_seats", "expansion", "competitor"}:
        return {"decision_maker": 4, "economic_buyer": 3, "champion": 4, "influencer": 1}
    if topic == "invoice":
        return {"economic_buyer": 5, "decision_maker": 2, "champion": 1}
    if topic in {"issue", "integration_help", "feature_request"}:
        return {"end_user": 3, "champion": 3, "influencer": 3, "": 1}
    return None


def _customer_hours(story: Story) -> tuple[int, int]:
    return CUSTOMER_REPLY_HOURS.get(story.personality, DEFAULT_CUSTOMER_REPLY_HOURS)


def _later(story: Story, at: dt.datetime, hours: tuple[int, int]) -> dt.datetime:
    """``at`` plus a delay, moved into working hours."""
    then = at + dt.timedelta(minutes=story.rng.randint(hours[0] * 60, hours[1] * 60))
    seconds = then.hour * 3600 + then.minute * 60
    if then.weekday() >= 5 or not 7 * 3600 <= seconds <= 19 * 3600:
        nxt = story.at_work(then.date() + DAY)
        # at_work moves weekends back to Friday: make sure we still move forward.
        while nxt <= at:
            nxt = story.at_work(nxt.date() + 3 * DAY)
        return nxt
    return then.replace(second=0)


def _poisson(story: Story, mean: float) -> int:
    """A count around ``mean`` (whole part, plus one with the chance of the fraction, give
    or take 30%)."""
    mean *= story.rng.uniform(0.7, 1.3)
    whole = int(mean)
    return whole + (story.rng.random() < mean - whole)
