"""The pure history generator: deterministic, plausible, and shaped by each account's cast."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import string
from collections import Counter, defaultdict
from decimal import Decimal

from panorama.demo import phrases, phrases_mail
from panorama.demo.commercial import OPEN_STAGES, STAGE_DAYS
from panorama.demo.generator import generate
from panorama.demo.history import (
    DEFAULT_RECORDS_ACCOUNTS,
    generate_histories,
    members_from_dataset,
    records_limit,
)
from panorama.demo.history_records import AccountHistory
from panorama.demo.naming import horizon
from panorama.demo.personalities import SHOWCASES, Personality, cast_accounts
from panorama.demo.usage import inputs_from_dataset, plan_usage

TODAY = dt.date(2025, 6, 1)
END = horizon(TODAY)
P = Personality


@functools.cache
def histories(accounts: int = 300, seed: int = 42) -> tuple[AccountHistory, ...]:
    dataset = generate(accounts, seed, TODAY)
    members = members_from_dataset(dataset, accounts)
    return tuple(generate_histories(dataset, members, accounts))


def inbound_touches(h: AccountHistory) -> list[dt.datetime]:
    """DESIGN.md's touches: inbound e-mails, meetings held, connected calls."""
    return [
        *(m.sent_at for t in h.threads for m in t.messages if m.direction == "inbound"),
        *(m.starts_at for m in h.meetings if m.ends_at <= END),
        *(c.started_at for c in h.calls if c.disposition == "connected"),
    ]


def test_the_same_seed_and_day_give_the_same_histories():
    dataset = generate(20, 3, TODAY)
    members = members_from_dataset(dataset, 20)
    first = list(generate_histories(dataset, members, 20))
    again = list(generate_histories(generate(20, 3, TODAY), members, 20))
    assert first == again
    other = generate(20, 4, TODAY)
    assert list(generate_histories(other, members_from_dataset(other, 20), 20)) != first


def test_an_accounts_history_does_not_depend_on_how_many_get_one():
    dataset = generate(20, 3, TODAY)
    members = members_from_dataset(dataset, 20)
    assert (
        list(generate_histories(dataset, members, 6))
        == list(generate_histories(dataset, members, 20))[:6]
    )


def test_large_demos_get_records_for_the_first_thousand_accounts():
    assert records_limit(300, None) == 300
    assert records_limit(100_000, None) == DEFAULT_RECORDS_ACCOUNTS == 1000
    assert records_limit(300, 12) == 12
    assert records_limit(5, 12) == 5


def test_every_personality_is_cast_and_showcased():
    dataset = generate(300, 42, TODAY)
    casts = cast_accounts(dataset.accounts, 42, TODAY)
    kinds = Counter(c.personality for c in casts)
    assert set(kinds) == set(Personality)
    running = kinds[P.HEALTHY] + kinds[P.AT_RISK] + kinds[P.GHOST]
    assert kinds[P.HEALTHY] > running / 2 > kinds[P.AT_RISK] > 0
    assert {c.showcase for c in casts if c.showcase} == {name for name, *_ in SHOWCASES}
    for cast in casts:
        account = dataset.accounts[cast.index]
        assert (cast.personality is P.CHURNED) == (account.status == "churned")
        assert (cast.personality is P.NEW) == (account.stage == "Onboarding")


def test_volumes_and_tone_follow_the_personality():
    touches: dict[Personality, list[int]] = defaultdict(list)
    tickets: dict[Personality, list[int]] = defaultdict(list)
    recent_negative: Counter[Personality] = Counter()
    recent: Counter[Personality] = Counter()
    last_quarter = END - dt.timedelta(days=90)
    for h in histories():
        p = h.cast.personality
        touches[p].append(sum(at >= END - dt.timedelta(days=30) for at in inbound_touches(h)))
        tickets[p].append(sum(t.created_at >= last_quarter for t in h.tickets))
        for thread in h.threads:
            for m in thread.messages:
                if m.direction == "inbound" and m.sent_at >= last_quarter:
                    recent[p] += 1
                    recent_negative[p] += any(
                        w in m.new_text.lower()
                        for w in ("frustrat", "disappoint", "unacceptable", "too expensive")
                    )

    def mean(values: list[int]) -> float:
        return sum(values) / len(values)

    # Healthy customers are in touch; ghosts are not at all; tickets pile up at risk.
    assert mean(touches[P.HEALTHY]) > 1
    assert mean(touches[P.HEALTHY]) > mean(touches[P.AT_RISK])
    assert sum(touches[P.GHOST]) == sum(touches[P.CHURNED]) == 0
    assert mean(tickets[P.AT_RISK]) > 2 * mean(tickets[P.HEALTHY])
    negative = {p: recent_negative[p] / recent[p] for p in (P.HEALTHY, P.AT_RISK)}
    assert negative[P.AT_RISK] > 2 * negative[P.HEALTHY]


def test_ghosts_and_churned_customers_go_quiet_on_both_sides():
    """No inbound touch after ``quiet_since``, only the CSM's unanswered attempts; and the
    product usage of those accounts stops then too."""
    dataset = generate(300, 42, TODAY)
    plan = plan_usage(*inputs_from_dataset(dataset, 300), 42, TODAY)
    usage_end = {p.account.external_id: p.last_day for p in plan.accounts}
    ghosts = 0
    for h in histories():
        cast = h.cast
        if cast.personality not in {P.GHOST, P.CHURNED}:
            continue
        assert cast.quiet_since is not None
        if cast.personality is P.GHOST:
            assert cast.quiet_since <= TODAY - dt.timedelta(days=30)
            ghosts += 1
        quiet = dt.datetime.combine(cast.quiet_since + dt.timedelta(days=1), dt.time(), dt.UTC)
        assert all(at < quiet for at in inbound_touches(h))
        assert all(t.created_at < quiet for t in h.tickets)
        external_id = dataset.accounts[h.account_index].external_id
        assert usage_end[external_id] <= cast.quiet_since
    assert ghosts


def test_the_cases_health_scoring_needs_are_there():
    found: Counter[str] = Counter()
    for h in histories():
        current = [c for c in h.contracts if c.start_date <= TODAY <= c.end_date]
        for c in current:
            if TODAY <= c.notice_date <= TODAY + dt.timedelta(days=29):
                found["tacit renewal" if c.auto_renew else "renewal without auto-renew"] += 1
        if any(i.status == "open" and i.due_on < TODAY for i in h.invoices):
            found["overdue invoice"] += 1
        for update in h.enrichments:
            if "company" in update.changes:
                found["champion left"] += 1
            if "title" in update.changes:
                found["title changed"] += 1
        for deal in h.deals:
            entered = deal.moves[-1].at if deal.moves else deal.created_at
            if deal.stage in OPEN_STAGES and END - entered > dt.timedelta(days=40):
                found["stalled deal"] += 1
        if h.cast.personality is P.GHOST:
            found["ghost"] += 1
        if any(c.end_date < TODAY for c in h.contracts) and h.cast.personality is P.CHURNED:
            found["expired contract"] += 1
        if any(c.renewed_from is not None for c in h.contracts):
            found["renewal chain"] += 1
        if any(d.stage == "Closed lost" for d in h.deals):
            found["lost deal"] += 1
        if any(t.escalated_at for t in h.tickets) and any(t.csat for t in h.tickets):
            found["escalated and rated tickets"] += 1
    assert all(
        found[case]
        for case in (
            "tacit renewal",
            "renewal without auto-renew",
            "overdue invoice",
            "champion left",
            "title changed",
            "stalled deal",
            "ghost",
            "expired contract",
            "renewal chain",
            "lost deal",
            "escalated and rated tickets",
        )
    ), found


def test_contracts_follow_the_plan_and_chain_without_gaps():
    dataset = generate(300, 42, TODAY)
    list_mrr = {p.name: p.list_mrr for p in dataset.plans}
    for h in histories():
        account = dataset.accounts[h.account_index]
        if not h.contracts:
            assert account.status not in {"paying", "churned"} or account.plan is None
            continue
        assert h.contracts[0].start_date == account.customer_since
        for before, after in zip(h.contracts, h.contracts[1:], strict=False):
            assert after.start_date == before.end_date + dt.timedelta(days=1)
            assert after.renewed_from == h.contracts.index(before)
        for c in h.contracts:
            assert c.end_date > c.start_date
            assert c.plan is not None and c.plan == account.plan
            assert Decimal("0.5") * list_mrr[c.plan] <= c.mrr <= 8 * list_mrr[c.plan]
            assert c.notice_period_days == 0 or c.auto_renew
        last = h.contracts[-1]
        assert (last.end_date >= TODAY) == (account.status == "paying")


def test_records_are_in_the_past_and_in_order():
    for h in histories():
        for thread in h.threads:
            times = [m.sent_at for m in thread.messages]
            assert times == sorted(times) and times[-1] < END
            for earlier, reply in zip(thread.messages, thread.messages[1:], strict=False):
                assert reply.in_reply_to == earlier.message_id
                assert reply.subject == f"Re: {thread.subject}"
                assert reply.body.startswith(reply.new_text) and "> " in reply.body
        for deal in h.deals:
            times = [deal.created_at, *(m.at for m in deal.moves)]
            assert times == sorted(set(times)) and times[-1] < END
            assert all(
                q.sent_at < END and o.placed_at < END for q in deal.quotes for o in deal.orders
            )
            for m in deal.moves:
                assert m.stage in (*OPEN_STAGES, "Closed won", "Closed lost")
                assert bool(m.lost_reason) == (m.stage == "Closed lost")
        for i in h.invoices:
            assert i.issued_on <= i.due_on and i.issued_on < TODAY
            assert (i.paid_on is not None) == (i.status == "paid")
            assert i.paid_on is None or i.issued_on < i.paid_on < TODAY
        for ticket in h.tickets:
            assert ticket.created_at < END and ticket.recorded_at < END
            assert (ticket.resolved_at is not None) == (ticket.status in {"solved", "closed"})
        for meeting in h.meetings:
            assert meeting.starts_at < meeting.ends_at and meeting.recorded_at < END
            # Upcoming meetings have no notes yet.
            assert bool(meeting.notes) == (meeting.ends_at <= END)
        for task in h.tasks:
            assert task.created_at < END
            assert task.completed_at is None or task.created_at < task.completed_at < END
        assert all(c.recorded_at < END for c in h.calls)
        assert all(n.created_at < END for n in h.notes)
        assert all(s.occurred_at < END for s in h.signals)
        assert all(e.occurred_at < END for e in h.enrichments)
        assert all(s.responded_at < END for s in h.surveys)


def test_texts_fill_every_slot():
    slot = re.compile(r"\{[^}]*\}")
    for h in histories(60):
        texts = [
            *(m.body for t in h.threads for m in t.messages),
            *(m.subject for t in h.threads for m in t.messages),
            *(c.notes for c in h.calls),
            *(f"{m.title} {m.agenda} {m.notes} {m.outcome}" for m in h.meetings),
            *(n.body for n in h.notes),
            *(f"{t.title} {t.description}" for t in h.tasks),
            *(
                f"{d.name} {d.next_step} {' '.join(m.lost_reason for m in d.moves)}"
                for d in h.deals
            ),
            *(f"{t.subject} {t.description}" for t in h.tickets),
            *(s.comment for s in h.surveys),
            *(f"{s.title} {s.summary}" for s in h.signals),
        ]
        for text in texts:
            assert not slot.search(text), text


def test_every_template_names_only_known_slots():
    known = {*phrases_mail.SLOTS, "name", "topic", "year"}
    templates: list[str] = []
    for topic in phrases_mail.TOPICS.values():
        templates.extend(topic.subjects)
        for step in topic.steps:
            templates.extend(t for options in step.texts.values() for t in options)
    for table in (phrases.CALL_NOTES, phrases.MEETING_NOTES):
        templates.extend(t for tones in table.values() for ts in tones.values() for t in ts)
    templates.extend(t for ts in phrases.NOTES.values() for t in ts)
    templates.extend(t for pair in phrases.TASKS for t in pair)
    templates.extend(t for ts in phrases.MEETING_TITLES.values() for t in ts)
    templates.extend(t for ts in phrases.MEETING_AGENDAS.values() for t in ts)
    templates.extend(t for ts in phrases.DEAL_NAMES.values() for t in ts)
    templates.extend(t for ts in phrases.NEXT_STEPS.values() for t in ts)
    templates.extend(phrases.LOST_REASONS)
    for template in templates:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert names <= known, template


def test_competitors_come_from_the_given_list():
    dataset = generate(40, 42, TODAY)
    members = members_from_dataset(dataset, 40)
    text = " ".join(
        m.body
        for h in generate_histories(dataset, members, 40, competitors=["Acme Analytics"])
        for t in h.threads
        for m in t.messages
    )
    assert "Acme Analytics" in text
    assert not any(name in text for name in phrases.DEFAULT_COMPETITORS)


def test_stage_durations_are_plausible():
    days: dict[str, list[int]] = defaultdict(list)
    for h in histories():
        for deal in h.deals:
            steps = [(deal.first_stage, deal.created_at), *((m.stage, m.at) for m in deal.moves)]
            for (stage, start), (_, end) in itertools.pairwise(steps):
                days[stage].append((end - start).days)
    for stage, spent in days.items():
        low, high = STAGE_DAYS[stage]
        assert low - 3 <= sorted(spent)[len(spent) // 2] <= high + 3, (stage, spent)
