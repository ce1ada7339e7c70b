"""A year of customer records for the demo accounts: the interactions, deals, contracts,
invoices, tickets, surveys and news a CSM would find in their CRM.

Pure: no ORM, no clock. Each account's history comes from its own ``Random`` (seeded with the
seed and the account's external id) and its cast (``personalities``), so the same seed and
``today`` always give the same records, and an account's records do not depend on which
other accounts get records. Contacts come in as ``DemoMember`` lists (from the dataset's
contact stream, or read back from the database by the loader; both sorted by e-mail).

What each family looks like is in its module: ``conversations`` (e-mail threads),
``interactions`` (calls, meetings, notes, tasks, market signals, enrichment updates),
``commercial`` (contracts, invoices, deals), ``support_history`` (tickets, NPS and CSAT).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal

from panorama.demo import phrases
from panorama.demo.commercial import generate_commercial
from panorama.demo.conversations import generate_threads
from panorama.demo.history_records import AccountHistory, DemoMember, DemoTeamMember
from panorama.demo.interactions import (
    generate_calls,
    generate_enrichments,
    generate_meetings,
    generate_notes,
    generate_signals,
    generate_tasks,
)
from panorama.demo.personalities import AccountCast, Personality, cast_accounts
from panorama.demo.records import DemoAccount, DemoDataset
from panorama.demo.story import DAY, Departure, Story
from panorama.demo.support_history import generate_surveys, generate_tickets

DEFAULT_RECORDS_ACCOUNTS = 1000  # accounts that get records unless told otherwise
DEPARTED_DAYS_AGO = (10, 75)  # a departing champion left this many days before today


def records_limit(accounts: int, requested: int | None) -> int:
    """How many accounts (the first ones) get records: all up to the default, else the
    default, unless told otherwise."""
    if requested is None:
        return min(accounts, DEFAULT_RECORDS_ACCOUNTS)
    return max(0, min(accounts, requested))


def team_of(dataset: DemoDataset) -> dict[str, DemoTeamMember]:
    """The demo's users by e-mail, as the generator names them."""
    return {u.email: DemoTeamMember(u.email, u.first_name, u.last_name) for u in dataset.users}


def members_from_dataset(dataset: DemoDataset, limit: int) -> dict[int, list[DemoMember]]:
    """The contacts of the first ``limit`` accounts, by account index, sorted by e-mail.

    Streams every contact of the dataset; the loader reads the same from the database.
    """
    members: dict[int, list[DemoMember]] = {i: [] for i in range(limit)}
    for contact in dataset.contacts():
        for m in contact.memberships:
            if m.account_index < limit:
                members[m.account_index].append(
                    DemoMember(
                        email=contact.email,
                        first_name=contact.first_name,
                        last_name=contact.last_name,
                        title=contact.title,
                        buying_role=contact.buying_role,
                        is_sponsor=contact.is_sponsor,
                        is_primary=m.is_primary,
                        role=m.role,
                        joined_at=max(contact.created_at, m.created_at),
                    )
                )
    for people in members.values():
        people.sort(key=lambda m: m.email)
    return members


def generate_histories(
    dataset: DemoDataset,
    members: Mapping[int, Sequence[DemoMember]],
    limit: int,
    competitors: Sequence[str] = phrases.DEFAULT_COMPETITORS,
) -> Iterator[AccountHistory]:
    """The history of each of the first ``limit`` accounts, in account order."""
    casts = cast_accounts(dataset.accounts, dataset.seed, dataset.today)
    team = team_of(dataset)
    csms = [u for u in dataset.users if not u.is_admin]
    list_mrr = {p.name: p.list_mrr for p in dataset.plans}
    for account in dataset.accounts[:limit]:
        owner = team[account.owner_email]
        colleagues = [team[u.email] for u in csms if u.email != account.owner_email]
        yield account_history(
            account,
            casts[account.index],
            members.get(account.index, ()),
            owner=owner,
            colleagues=colleagues,
            seed=dataset.seed,
            today=dataset.today,
            competitors=competitors,
            list_mrr=list_mrr,
        )


def account_history(
    account: DemoAccount,
    cast: AccountCast,
    members: Sequence[DemoMember],
    *,
    owner: DemoTeamMember,
    colleagues: Sequence[DemoTeamMember],
    seed: int,
    today: dt.date,
    competitors: Sequence[str],
    list_mrr: Mapping[str, Decimal],
) -> AccountHistory:
    """One account's history (see the module doc)."""
    story = Story(
        account=account,
        cast=cast,
        members=members,
        owner=owner,
        colleagues=colleagues,
        seed=seed,
        today=today,
        competitors=competitors,
        list_mrr=list_mrr,
    )
    story.departure = _departure(story)
    commercial = generate_commercial(story)
    tickets = generate_tickets(story)
    surveys = generate_surveys(story, tickets)
    extra_threads = list(commercial.threads)
    since = account.customer_since
    if story.personality is Personality.NEW and since is not None:
        kickoff = story.at_work(since + DAY * story.rng.randint(1, 4))
        if story.start < kickoff < story.end:
            extra_threads.append(("onboarding", kickoff))
    if story.departure is not None:
        farewell = story.departure.at - DAY * story.rng.randint(5, 20)
        if farewell > story.start:
            extra_threads.append(("farewell", story.at_work(farewell.date())))
    threads = generate_threads(story, extra_threads)
    calls = generate_calls(story)
    meetings = generate_meetings(story, commercial.meetings)
    notes = generate_notes(story)
    tasks = generate_tasks(story)
    signals = generate_signals(story)
    enrichments = generate_enrichments(story)
    added = tuple(m for m in members if story.year_start <= m.joined_at < story.end)
    return AccountHistory(
        account_index=account.index,
        cast=cast,
        contacts_added=added,
        threads=tuple(threads),
        calls=tuple(calls),
        meetings=tuple(meetings),
        notes=tuple(notes),
        tasks=tuple(tasks),
        deals=tuple(commercial.deals),
        contracts=tuple(commercial.contracts),
        invoices=tuple(commercial.invoices),
        tickets=tuple(tickets),
        surveys=tuple(surveys),
        signals=tuple(signals),
        enrichments=tuple(enrichments),
    )


def _departure(story: Story) -> Departure | None:
    """The champion (or sponsor) who leaves, when the cast says one does and one is there."""
    if not story.cast.champion_leaves:
        return None
    rng = story.rng
    at = story.at_work(story.today - DAY * rng.randint(*DEPARTED_DAYS_AGO))
    people = [m for m in story.members if m.is_primary and m.joined_at < at - 60 * DAY]
    leaving = [m for m in people if m.is_sponsor or m.buying_role == "champion"]
    if not leaving or len(people) < 2:
        return None
    leaving.sort(key=lambda m: (not m.is_sponsor, m.email))
    if story.personality is Personality.GHOST and story.cast.quiet_since is not None:
        at = min(at, story.inbound_until - DAY)  # they left, which is partly why it went quiet
    return Departure(leaving[0].email, at, rng.choice(phrases.NEW_COMPANIES))
