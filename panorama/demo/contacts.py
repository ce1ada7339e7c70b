"""The people at generated accounts, streamed one company group at a time.

Contacts come from their own ``Random`` (seeded from the demo seed) so replaying the stream
does not depend on how far anything else has drawn. People of a whole group (a company and
its sub-accounts) share the company's e-mail domain, which is what makes addresses unique
per group: the set of taken mailboxes only has to live while one group is generated.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Any

from panorama.demo.accounts import MAX_CONTACTS
from panorama.demo.naming import NamePools, horizon, moment, scrambled_hex
from panorama.demo.records import DemoAccount, DemoContact, DemoMembership
from panorama.demo.vocabulary import COUNTRIES, OTHER_COMPANY_ROLES, ROLE_TITLES, SAME_GROUP_ROLES

SECOND_ACCOUNT_SHARE = 0.1
SAME_GROUP_SHARE = 0.6  # of second memberships, those inside the contact's own group
LOCAL_NAME_SHARE = 0.85  # the rest of the staff are named like anywhere (en_US)
PRODUCT_USER_ROLES = frozenset({"end_user", "champion", "influencer", ""})
ROLES = list(ROLE_TITLES)
ROLE_CUM = list(itertools.accumulate(w for w, _ in ROLE_TITLES.values()))


def generate_contacts(
    accounts: Sequence[DemoAccount], pools: NamePools, seed: int, today: dt.date
) -> Iterator[DemoContact]:
    """Every account's contacts, group by group, with their memberships."""
    rng = random.Random(f"panorama-demo-contacts:{seed}")
    salt = rng.getrandbits(48)
    end = horizon(today)
    countries = {c.name: c for c in COUNTRIES}
    children: dict[int, list[int]] = {}
    for account in accounts:
        if account.parent_index is not None:
            children.setdefault(account.parent_index, []).append(account.index)
    # How many more contacts may join each account as their second one, so no account
    # ends up with more than MAX_CONTACTS people.
    room = [MAX_CONTACTS - a.contact_count for a in accounts]
    number = 0
    for root in accounts:
        if root.parent_index is not None:
            continue
        group = _descendants(root.index, children)
        taken: set[str] = set()  # mailboxes of this group; membership tests only
        for index in group:
            account = accounts[index]
            country = countries[account.country]
            sponsored = (
                account.status == "paying"
                and "Needs exec sponsor" not in account.tags
                and rng.random() < 0.95
            )
            for position in range(account.contact_count):
                is_sponsor = sponsored and position == 0
                if is_sponsor:
                    role = "champion" if rng.random() < 0.55 else "decision_maker"
                else:
                    role = ROLES[bisect.bisect(ROLE_CUM, rng.random() * ROLE_CUM[-1])]
                locale = country.locale if rng.random() < LOCAL_NAME_SHARE else "en_US"
                first, last = pools.person(rng, locale)
                local = pools.mailbox(first, last)
                mailbox = local
                for n in itertools.count(2):
                    if mailbox not in taken:
                        break
                    mailbox = f"{local}{n}"
                taken.add(mailbox)
                created = moment(rng, account.created_at, end, bias=3.0 if is_sponsor else 2.0)
                second = _second_membership(rng, accounts, group, index, room, created, end)
                yield DemoContact(
                    email=f"{mailbox}@{root.domain}",
                    first_name=first,
                    last_name=last,
                    title=rng.choice(ROLE_TITLES[role][1]),
                    phone=_phone(rng, country.calling_code, role),
                    external_id=_external_id(rng, role, number, salt),
                    buying_role=role,
                    is_sponsor=is_sponsor,
                    custom_fields=_custom_fields(rng, country.language),
                    created_at=created,
                    updated_at=moment(rng, created, end, bias=0.7),
                    memberships=(DemoMembership(index, True, "", created), *second),
                )
                number += 1


def _descendants(root: int, children: dict[int, list[int]]) -> list[int]:
    """``root`` and everything under it, parents before children."""
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(children.get(node, [])))
    return order


def _second_membership(
    rng: random.Random,
    accounts: Sequence[DemoAccount],
    group: list[int],
    home: int,
    room: list[int],
    joined: dt.datetime,
    end: dt.datetime,
) -> tuple[DemoMembership, ...]:
    """Occasionally a second account: a sister division, or another company they advise."""
    if rng.random() >= SECOND_ACCOUNT_SHARE or len(accounts) < 2:
        return ()
    if len(group) > 1 and rng.random() < SAME_GROUP_SHARE:
        target = rng.choice([i for i in group if i != home])
        role = rng.choice(SAME_GROUP_ROLES)
    else:
        target = rng.randrange(len(accounts) - 1)
        target += target >= home  # every account but home, equally likely
        role = rng.choice(OTHER_COMPANY_ROLES)
    if room[target] <= 0:
        return ()
    room[target] -= 1
    since = max(joined, accounts[target].created_at)
    return (DemoMembership(target, False, role, moment(rng, since, end)),)


def _phone(rng: random.Random, calling_code: str, role: str) -> str:
    # Executives rarely hand out a direct line.
    share = 0.2 if role in {"decision_maker", "economic_buyer"} else 0.35
    if rng.random() >= share:
        return ""
    return (
        f"+{calling_code} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    )


def _external_id(rng: random.Random, role: str, number: int, salt: int) -> str | None:
    # Only people who use the product have a product user id.
    share = 0.85 if role in PRODUCT_USER_ROLES else 0.25
    return f"usr_{scrambled_hex(number, salt)}" if rng.random() < share else None


def _custom_fields(rng: random.Random, language: str) -> dict[str, Any]:
    if rng.random() >= 0.5:
        return {}
    return {"preferred_language": language if rng.random() < 0.85 else "English"}
