"""Contracts, invoices and deals of one account, consistent with each other and its lifecycle.

Contracts chain from ``customer_since`` to today: each term renewed tacitly (auto-renew, no
signature) or signed again, the last one running today for paying customers and ended,
unrenewed, for churned ones. The current term's end is placed so that the account's cast
renewal situation holds (a notice date in the next 30 days, tacit or not); otherwise it falls
anywhere in the term. MRR follows the account's plan (list price times units, less a discount).

Invoices bill the contracts over the last year (monthly, quarterly or yearly by segment);
most are paid, some late, an overdue one when the cast says so.

Deals follow the default pipeline's stages: the new business that made a customer, renewal
deals before signed renewals, expansions, a renewal lost by a churned customer, a trial's
open deal, a prospect's lost one. A stalled deal has sat in its stage far longer than usual.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from dataclasses import dataclass, field, replace
from decimal import Decimal

from panorama.demo import phrases
from panorama.demo.history_records import (
    DemoContract,
    DemoDeal,
    DemoInvoice,
    DemoOrder,
    DemoQuote,
    DemoStageMove,
)
from panorama.demo.personalities import Personality, Renewal
from panorama.demo.story import DAY, Story, fill

P = Personality
CURRENCY = "USD"
OPEN_STAGES = ("Qualification", "Discovery", "Demo", "Proposal", "Negotiation")
WON, LOST = "Closed won", "Closed lost"
STAGE_DAYS = {
    "Qualification": (2, 9),
    "Discovery": (4, 14),
    "Demo": (4, 16),
    "Proposal": (6, 22),
    "Negotiation": (4, 20),
}
STALLED_DAYS = (45, 100)  # a stalled deal has been in its stage this long
UNITS = {"smb": (1,), "mid_market": (1, 1, 2, 3), "enterprise": (2, 3, 5, 8)}
DISCOUNTS = (0, 0, 5, 10, 15)
NOTICE_DAYS = (30, 60, 60, 90)
AUTO_RENEW_SHARE = 0.6
MIN_FIRST_TERM_DAYS = 120  # a shorter first term is merged into the next one
BILLING_MONTHS = {
    "smb": ((1, 1.0),),
    "mid_market": ((1, 0.7), (3, 0.3)),
    "enterprise": ((12, 0.6), (3, 0.4)),
}
NET_DAYS = {"smb": 14, "mid_market": 30, "enterprise": 45}
VOID_SHARE = 0.015
EXPANSIONS = {P.HEALTHY: (0, 2), P.NEW: (0, 1), P.AT_RISK: (0, 1), P.GHOST: (0, 1)}


@dataclass
class Commercial:
    """An account's contracts, invoices and deals, and the conversations they call for."""

    contracts: list[DemoContract] = field(default_factory=list)
    invoices: list[DemoInvoice] = field(default_factory=list)
    deals: list[DemoDeal] = field(default_factory=list)
    threads: list[tuple[str, dt.datetime]] = field(default_factory=list)  # topic, start
    # type, start and the deal (position in ``deals``) they are about
    meetings: list[tuple[str, dt.datetime, int | None]] = field(default_factory=list)


def generate_commercial(story: Story) -> Commercial:
    result = Commercial()
    result.contracts = _contracts(story)
    if result.contracts and story.personality is not P.CHURNED:
        story.current_contract = result.contracts[-1]
    _deals(story, result)
    result.invoices = _invoices(story, result.contracts)
    _conversations(story, result)
    return result


# --- contracts -------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _contracts(story: Story) -> list[DemoContract]:
    account, rng, cast, today = story.account, story.rng, story.cast, story.today
    since = account.customer_since
    if since is None or account.plan is None:
        return []
    term = 12
    if rng.random() < 0.25:
        term = 36 if account.segment == "enterprise" and rng.random() < 0.4 else 24
    auto_renew = rng.random() < AUTO_RENEW_SHARE
    if cast.renewal is Renewal.TACIT:
        auto_renew, term = True, 12
    elif cast.renewal is Renewal.EXPLICIT:
        auto_renew, term = False, 12
    notice = rng.choice(NOTICE_DAYS) if auto_renew else 0
    if cast.renewal is Renewal.TACIT:
        notice = rng.choice((30, 60))
    # The end of the last term.
    if story.personality is P.CHURNED:
        quiet = cast.quiet_since or today - dt.timedelta(days=90)
        end = min(quiet + dt.timedelta(days=rng.randint(5, 40)), today - dt.timedelta(days=2))
        auto_renew, notice = False, 0  # they gave notice, or it was never tacit
    elif cast.renewal is Renewal.TACIT:
        end = today + dt.timedelta(days=notice + rng.randint(1, 27))
    elif cast.renewal is Renewal.EXPLICIT:
        end = today + dt.timedelta(days=rng.randint(3, 27))
    elif since > add_months(today, -term):
        end = add_months(since, term) - DAY  # still in the first term
    else:
        end = today + dt.timedelta(days=rng.randint(1, term * 30))
    starts = [add_months(end + DAY, -term)]
    while starts[-1] > since:
        starts.append(add_months(starts[-1], -term))
    starts.pop()  # before customer_since
    if starts and (starts[-1] - since).days < MIN_FIRST_TERM_DAYS:
        starts[-1] = since
    elif not starts or starts[-1] != since:
        starts.append(since)
    starts.reverse()
    units = rng.choice(UNITS.get(account.segment, (1,)))
    discount = Decimal(100 - rng.choice(DISCOUNTS)) / 100
    mrr = (story.list_mrr[account.plan] * units * discount).quantize(Decimal("1.00"))
    contracts: list[DemoContract] = []
    for position, start in enumerate(starts):
        stop = starts[position + 1] - DAY if position + 1 < len(starts) else end
        # Earlier terms were a little cheaper: price increases and seats added at renewals.
        steps_back = len(starts) - 1 - position
        price = (mrr * Decimal("0.95") ** steps_back).quantize(Decimal("1.00"))
        if position == 0:
            earliest = max(account.created_at, story.end - dt.timedelta(days=6 * 365))
            signed: dt.datetime | None = story.moment(
                max(earliest, _midnight(start - DAY * 10)), _midnight(start)
            )
            if signed is not None and signed < account.created_at:
                signed = account.created_at + dt.timedelta(hours=1)
        else:
            previous = contracts[-1]
            signed = None
            if not previous.auto_renew:
                signed = story.at_work(start - DAY * rng.randint(3, 25))
        recorded = signed if signed is not None else _midnight(start)
        if recorded > story.end:
            recorded = story.end
        contracts.append(
            DemoContract(
                plan=account.plan,
                mrr=price,
                currency=CURRENCY,
                start_date=start,
                end_date=stop,
                auto_renew=auto_renew
                if position == len(starts) - 1
                else _renews(story, auto_renew),
                notice_period_days=0,
                signed_at=signed,
                recorded_at=recorded,
                renewed_from=position - 1 if position else None,
            )
        )
    # Notice periods apply to tacit contracts only; the last term keeps the drawn one.
    contracts = [replace(c, notice_period_days=(notice if c.auto_renew else 0)) for c in contracts]
    return contracts


def _renews(story: Story, current: bool) -> bool:
    """Whether an earlier term renewed tacitly (mostly like the current one)."""
    return current if story.rng.random() < 0.8 else not current


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


# --- invoices --------------------------------------------------------------------------------


def _invoices(story: Story, contracts: list[DemoContract]) -> list[DemoInvoice]:
    account, rng, today = story.account, story.rng, story.today
    if not contracts:
        return []
    options = BILLING_MONTHS.get(account.segment, ((1, 1.0),))
    months = rng.choices([m for m, _ in options], weights=[w for _, w in options])[0]
    net = NET_DAYS.get(account.segment, 30)
    first_day = (story.end - dt.timedelta(days=365)).date()
    last_day = today - DAY
    late_payer = story.personality in {P.AT_RISK, P.GHOST, P.CHURNED}
    invoices: list[DemoInvoice] = []
    for position, contract in enumerate(contracts):
        period = contract.start_date
        while period <= min(contract.end_date, last_day):
            if period >= first_day:
                issued = period
                due = issued + dt.timedelta(days=net)
                if late_payer and rng.random() < 0.5:
                    delay = rng.randint(net - 5, net + 40)
                else:
                    delay = rng.randint(3, net)
                paid: dt.date | None = issued + dt.timedelta(days=max(2, delay))
                if paid is not None and paid > due and not story.cast.overdue_invoice:
                    paid = due if due <= last_day else None  # paid late, but paid
                status = "paid"
                if paid is None or paid > last_day:
                    paid, status = None, "open"
                voided = None
                if status == "paid" and rng.random() < VOID_SHARE:
                    voided = issued + dt.timedelta(days=rng.randint(1, 5))
                    if voided <= last_day:
                        paid, status = None, "void"
                    else:
                        voided = None
                invoices.append(
                    DemoInvoice(
                        number=f"INV-{story.number:05d}-{len(invoices) + 1:03d}",
                        amount=(contract.mrr * months).quantize(Decimal("1.00")),
                        currency=contract.currency,
                        issued_on=issued,
                        due_on=due,
                        status=status,
                        contract=position,
                        paid_on=paid,
                        voided_on=voided,
                    )
                )
            period = add_months(period, months)
    if story.cast.overdue_invoice:
        due_before = today - dt.timedelta(days=5)
        past_due = [i for i, inv in enumerate(invoices) if inv.due_on <= due_before]
        if past_due:
            index = past_due[-1]
            invoices[index] = replace(invoices[index], status="open", paid_on=None, voided_on=None)
    overdue = [inv for inv in invoices if inv.status == "open" and inv.due_on < today]
    if overdue:
        story.overdue = (overdue[-1].number, overdue[-1].amount)
    return invoices


# --- deals -------------------------------------------------------------------------------------


def _deals(story: Story, result: Commercial) -> None:
    account, rng, cast, today = story.account, story.rng, story.cast, story.today
    contracts = result.contracts
    personality = story.personality
    window_start = story.end - dt.timedelta(days=420)
    # The new business that made the customer, if it closed within the last year or so.
    if contracts and contracts[0].signed_at is not None and contracts[0].signed_at > window_start:
        first = contracts[0]
        signed = first.signed_at
        assert signed is not None
        deal = _closed_deal(
            story, "new", signed, WON, OPEN_STAGES, value=first.mrr * 12, order=True
        )
        if deal is not None:
            result.deals.append(deal)
            contracts[0] = replace(first, deal=len(result.deals) - 1)
            result.meetings.extend(_sales_meetings(deal, len(result.deals) - 1))
    # Renewals signed within the window had a renewal deal before them.
    for position, contract in enumerate(contracts):
        if contract.renewed_from is None or contract.signed_at is None:
            continue
        if contract.signed_at < story.start or rng.random() < 0.3:
            continue
        deal = _closed_deal(
            story,
            "renewal",
            contract.signed_at,
            WON,
            ("Proposal", "Negotiation"),
            value=contract.mrr * 12,
        )
        if deal is not None:
            result.deals.append(deal)
            contracts[position] = replace(contract, deal=len(result.deals) - 1)
    current = story.current_contract = (
        contracts[-1] if contracts and personality is not P.CHURNED else None
    )
    # A renewal coming up: an open deal, stalled when the cast says so.
    talks = current is not None and (
        not current.auto_renew or cast.renewal is not None or personality is P.AT_RISK
    )
    if current is not None and talks and current.end_date <= today + dt.timedelta(days=75):
        path = ("Proposal", "Negotiation") if rng.random() < 0.6 else ("Proposal",)
        deal = _open_deal(story, "renewal", path, value=current.mrr * 12, stalled=cast.stalled_deal)
        if deal is not None:
            result.deals.append(deal)
            position = len(result.deals) - 1
            result.meetings.append(("negotiation", _last_move_at(deal), position))
    # Churned customers lost their renewal.
    if personality is P.CHURNED and contracts:
        last = contracts[-1]
        closed = story.at_work(last.end_date - dt.timedelta(days=rng.randint(5, 30)))
        if closed > story.start:
            deal = _closed_deal(
                story, "renewal", closed, LOST, ("Proposal", "Negotiation"), value=last.mrr * 12
            )
            if deal is not None:
                result.deals.append(deal)
    # Expansions for customers who grow (or try to).
    low, high = EXPANSIONS.get(personality, (0, 0))
    expansions = rng.randint(low, high) if account.status == "paying" else 0
    for _ in range(expansions):
        result.deals.extend(_expansion(story))
    # A trial's deal in progress; a prospect's lost one.
    if personality is P.TRIAL:
        trial_path = OPEN_STAGES[: rng.randint(2, 4)]
        deal = _open_deal(
            story,
            "new",
            trial_path,
            value=_list_value(story),
            stalled=cast.stalled_deal,
            fresh=True,
        )
        if deal is not None:
            result.deals.append(deal)
            result.meetings.extend(_sales_meetings(deal, len(result.deals) - 1))
    elif personality is P.PROSPECT:
        closed = story.at_work((account.created_at + dt.timedelta(days=rng.randint(20, 45))).date())
        closed = min(closed, story.end - DAY)
        deal = _closed_deal(
            story, "new", closed, LOST, OPEN_STAGES[: rng.randint(2, 4)], value=_list_value(story)
        )
        if deal is not None:
            result.deals.append(deal)
            result.meetings.extend(_sales_meetings(deal, len(result.deals) - 1))
    # The cast wants a stalled deal and none is open: an expansion that went nowhere.
    if (
        cast.stalled_deal
        and account.status == "paying"
        and not any(d.stage in OPEN_STAGES for d in result.deals)
    ):
        deal = _open_deal(
            story,
            "expansion",
            ("Discovery", "Proposal"),
            value=_list_value(story) / 2,
            stalled=True,
        )
        if deal is not None:
            result.deals.append(deal)


def _expansion(story: Story) -> list[DemoDeal]:
    rng = story.rng
    outcome = rng.choices(("won", "lost", "open"), weights=(5, 2, 2))[0]
    if story.personality is P.AT_RISK:
        outcome = rng.choices(("lost", "open"), weights=(3, 1))[0]
    value = _list_value(story) * Decimal(rng.choice(("0.25", "0.5", "1")))
    if outcome == "open":
        path = ("Discovery", "Demo", "Proposal")[: rng.randint(1, 3)]
        deal = _open_deal(story, "expansion", path, value=value, stalled=False)
    else:
        earliest = story.start + dt.timedelta(days=60)  # not right after signing
        if earliest >= story.end - DAY:
            return []
        closed = story.moment(earliest, story.end - DAY)
        final = WON if outcome == "won" else LOST
        deal = _closed_deal(
            story,
            "expansion",
            closed,
            final,
            ("Discovery", "Proposal"),
            value=value,
            order=outcome == "won",
        )
    return [deal] if deal is not None else []


def _list_value(story: Story) -> Decimal:
    plan = story.account.plan or story.rng.choice(("Growth", "Business"))
    return (story.list_mrr[plan] * 12).quantize(Decimal("1.00"))


def _durations(story: Story, path: tuple[str, ...]) -> list[int]:
    return [story.rng.randint(*STAGE_DAYS[stage]) for stage in path]


def _closed_deal(
    story: Story,
    kind: str,
    closed_at: dt.datetime,
    final: str,
    path: tuple[str, ...],
    *,
    value: Decimal,
    order: bool = False,
) -> DemoDeal | None:
    """A deal that went through ``path`` and closed as ``final`` at ``closed_at``."""
    rng = story.rng
    if final == LOST:
        path = path[: rng.randint(1, len(path))]
    days = _durations(story, path)
    # Backwards from the close: each stage entered its duration before the next move.
    entered: list[dt.datetime] = []
    at = closed_at
    for stage_days in reversed(days):
        at = story.at_work((at - DAY * stage_days).date())
        entered.append(at)
    entered.reverse()
    earliest = story.account.created_at + dt.timedelta(hours=1)
    if entered[0] < earliest:
        # A young account: squeeze the stages between its creation and the close.
        if closed_at - earliest < DAY * len(path):
            return None
        span = closed_at - earliest
        entered = [
            (earliest + span * i / len(path)).replace(second=0, microsecond=0)
            for i in range(len(path))
        ]
    created = entered[0]
    moves = [DemoStageMove(stage, when) for stage, when in zip(path[1:], entered[1:], strict=True)]
    reason = ""
    if final == LOST:
        reason = fill(rng.choice(phrases.LOST_REASONS), story.slots(closed_at))
    moves.append(DemoStageMove(final, closed_at, reason))
    if not _increasing([created, *(m.at for m in moves)]):
        return None
    return _deal_record(story, kind, path[0], created, tuple(moves), value, order=order)


def _open_deal(
    story: Story,
    kind: str,
    path: tuple[str, ...],
    *,
    value: Decimal,
    stalled: bool,
    fresh: bool = False,
) -> DemoDeal | None:
    """A deal now in the last stage of ``path``; ``stalled``: it has been there for weeks.
    ``fresh``: it started after the account was created (a trial's)."""
    rng = story.rng
    wait = rng.randint(*STALLED_DAYS) if stalled else rng.randint(1, STAGE_DAYS[path[-1]][0] + 2)
    last = story.at_work((story.end - DAY * wait).date())
    entered = [last]
    at = last
    for stage_days in reversed(_durations(story, path[:-1])):
        at = story.at_work((at - DAY * stage_days).date())
        entered.append(at)
    entered.reverse()
    earliest = story.account.created_at
    if entered[0] < earliest:
        if not fresh:
            return None
        # A young account: squeeze the stages between its creation and now.
        span = story.end - earliest
        entered = [earliest + span * (i + 1) / (len(path) + 1) for i in range(len(path))]
        entered = [e.replace(second=0, microsecond=0) for e in entered]
    moves = tuple(DemoStageMove(s, w) for s, w in zip(path[1:], entered[1:], strict=True))
    if not _increasing([entered[0], *(m.at for m in moves)]):
        return None
    return _deal_record(story, kind, path[0], entered[0], moves, value, order=False)


def _deal_record(
    story: Story,
    kind: str,
    first_stage: str,
    created: dt.datetime,
    moves: tuple[DemoStageMove, ...],
    value: Decimal,
    *,
    order: bool,
) -> DemoDeal:
    rng, account = story.rng, story.account
    values = story.slots(created)
    values["year"] = (moves[-1].at if moves else created).year
    people = story.pick_contacts(created, 3)
    if not people:
        people = [m for m in story.members if m.joined_at <= created][:1]
    values["name"] = people[0].name if people else "the team"
    stage = moves[-1].stage if moves else first_stage
    outcome = "won" if stage == WON else "lost" if stage == LOST else "open"
    value = value.quantize(Decimal("1.00"))
    plan = account.plan or "Growth"
    products = [phrases.PRODUCTS.get(plan, f"{plan} plan")]
    if rng.random() < 0.35:
        products.append(rng.choice(phrases.ADD_ONS))
    quotes: list[DemoQuote] = []
    for move in moves:
        if move.stage in {"Proposal", "Negotiation"} and (
            move.stage == "Proposal" or rng.random() < 0.5
        ):
            sent = story.at_work(move.at.date() + DAY * rng.randint(0, 2))
            if sent <= move.at:
                sent = move.at + dt.timedelta(hours=2)
            if sent >= story.end:
                continue
            story.quote_count += 1
            amount = value if move.stage == "Proposal" else value * Decimal("0.95")
            quotes.append(
                DemoQuote(
                    number=f"Q-{story.number:05d}-{story.quote_count:02d}",
                    amount=amount.quantize(Decimal("1.00")),
                    sent_at=sent.replace(second=0, microsecond=0),
                    valid_until=sent.date() + dt.timedelta(days=30),
                )
            )
    orders: tuple[DemoOrder, ...] = ()
    if order and outcome == "won":
        placed = moves[-1].at + dt.timedelta(hours=rng.randint(1, 30))
        if placed < story.end:
            story.order_count += 1
            orders = (
                DemoOrder(
                    number=f"SO-{story.number:05d}-{story.order_count:02d}",
                    amount=value,
                    placed_at=placed.replace(second=0, microsecond=0),
                ),
            )
    if outcome == "open":
        close = story.today + dt.timedelta(days=rng.randint(10, 60))
        if moves and story.end - moves[-1].at > dt.timedelta(days=40):
            close = (moves[-1].at + dt.timedelta(days=rng.randint(20, 40))).date()  # slipped
    else:
        close = created.date() + dt.timedelta(days=rng.randint(20, 70))
    return DemoDeal(
        name=fill(rng.choice(phrases.DEAL_NAMES[kind]), values),
        value=value,
        currency=CURRENCY,
        close_date=close,
        owner=story.owner.email,
        next_step=fill(rng.choice(phrases.NEXT_STEPS[outcome]), values),
        products=tuple(products),
        contacts=tuple(m.email for m in people),
        created_at=created,
        first_stage=first_stage,
        moves=moves,
        quotes=tuple(quotes),
        orders=orders,
    )


def _increasing(times: list[dt.datetime]) -> bool:
    return all(a < b for a, b in itertools.pairwise(times))


def _last_move_at(deal: DemoDeal) -> dt.datetime:
    return deal.moves[-1].at if deal.moves else deal.created_at


def _sales_meetings(deal: DemoDeal, position: int) -> list[tuple[str, dt.datetime, int | None]]:
    """A discovery call, a demo and a negotiation around the deal's stages."""
    meetings: list[tuple[str, dt.datetime, int | None]] = []
    times = {m.stage: m.at for m in deal.moves}
    times.setdefault(deal.first_stage, deal.created_at)
    for stage, kind in (
        ("Discovery", "discovery"),
        ("Demo", "demo"),
        ("Negotiation", "negotiation"),
    ):
        if stage in times:
            meetings.append((kind, times[stage] + dt.timedelta(days=2), position))
    return meetings


# --- conversations the records call for ----------------------------------------------------


def _conversations(story: Story, result: Commercial) -> None:
    rng, today = story.rng, story.today
    current = story.current_contract
    if current is not None:
        talk = _midnight(current.notice_date - dt.timedelta(days=rng.randint(25, 50)))
        if story.start < talk < story.end and current.notice_date <= today + dt.timedelta(days=60):
            result.threads.append(("renewal", story.at_work(talk.date())))
    for contract in result.contracts[1:]:
        signed = contract.signed_at
        if signed is not None and story.start < signed - 30 * DAY and rng.random() < 0.6:
            result.threads.append(("renewal", story.at_work((signed - 30 * DAY).date())))
    if story.personality is P.CHURNED and result.contracts:
        talk = _midnight(result.contracts[-1].end_date - dt.timedelta(days=45))
        if story.start < talk < story.end:
            result.threads.append(("renewal", story.at_work(talk.date())))
    if story.overdue is not None:
        overdue = next(i for i in result.invoices if i.number == story.overdue[0])
        talk = _midnight(overdue.due_on + dt.timedelta(days=rng.randint(5, 15)))
        if talk < story.end:
            result.threads.append(("invoice", story.at_work(talk.date())))
