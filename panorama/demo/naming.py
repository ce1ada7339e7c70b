"""Names, slugs, ids and instants for demo data: Faker-drawn name pools, collision-free ids.

Faker is slow per call (30-90 µs for a name), which would dominate generating a million
contacts; so names are drawn from Faker once into pools (keeping its frequency weighting, as
common names come up more often) and rows pick from the pools with the seeded ``Random``.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from collections.abc import Iterable

from faker import Faker

from panorama.demo.vocabulary import ASCII_FOLD

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Faker's de_DE list has "Koch II"-style names; a generational suffix makes odd contacts.
_GENERATIONAL = frozenset({"I", "II", "III", "IV"})
_MASK48 = (1 << 48) - 1

FIRST_NAMES_PER_LOCALE = 400
LAST_NAMES_PER_LOCALE = 600


def fold(text: str) -> str:
    """Lower-case ASCII form of ``text`` ("Müller" -> "muller"), for domains and e-mails."""
    text = text.lower().translate(ASCII_FOLD)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slug(text: str, sep: str = "-") -> str:
    """``text`` as lower-case ASCII words joined by ``sep``; empty when nothing is left."""
    return sep.join(w for w in _NOT_ALNUM.split(fold(text)) if w)


def email_local_part(first_name: str, last_name: str) -> str:
    """``first.last`` as a mailbox name: first given name only, no spaces or accents."""
    first = slug(first_name.split(" ")[0], sep="")
    last = slug(last_name, sep="")
    return ".".join(p for p in (first, last) if p) or "contact"


def scrambled_hex(number: int, salt: int) -> str:
    """12 hex digits that look random but are distinct for distinct ``number`` (< 2**48).

    Every step is invertible modulo 2**48 (xor, multiplication by an odd constant,
    xor-shift), so the whole is a bijection: ids never collide and need no bookkeeping.
    """
    x = (number ^ salt) & _MASK48
    x = (x * 0x9E3779B97F4B) & _MASK48
    x ^= x >> 23
    x = (x * 0xC2B2AE3D27D5) & _MASK48
    x ^= x >> 21
    return f"{x:012x}"


def horizon(today: dt.date) -> dt.datetime:
    """The latest instant demo data may hold: the start of the day before ``today``, in UTC.

    Clocks run at most 14 hours ahead of UTC, so a day of margin keeps every generated
    timestamp in the past wherever the organisation is.
    """
    return dt.datetime.combine(today - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def moment(
    rng: random.Random, start: dt.datetime, end: dt.datetime, bias: float = 1.0
) -> dt.datetime:
    """A whole-second instant between ``start`` and ``end``.

    ``bias`` above 1 pulls it towards ``start`` (most contacts arrive soon after their
    account does), below 1 towards ``end``.
    """
    span = max(0, int((end - start).total_seconds()))
    return start + dt.timedelta(seconds=int(span * rng.random() ** bias))


class NamePools:
    """First and last names per Faker locale, drawn once from a seeded Faker."""

    def __init__(self, seed: int, locales: Iterable[str]) -> None:
        self.first: dict[str, tuple[str, ...]] = {}
        self.last: dict[str, tuple[str, ...]] = {}
        for locale in locales:
            fake = Faker(locale)
            fake.seed_instance(seed)
            self.first[locale] = tuple(fake.first_name() for _ in range(FIRST_NAMES_PER_LOCALE))
            self.last[locale] = tuple(
                _without_generational(fake.last_name()) for _ in range(LAST_NAMES_PER_LOCALE)
            )
        # Mailbox parts of every pooled name, folded once instead of once per contact.
        self._first_part = {
            n: slug(n.split(" ")[0], sep="") for p in self.first.values() for n in p
        }
        self._last_part = {n: slug(n, sep="") for p in self.last.values() for n in p}

    def person(self, rng: random.Random, locale: str) -> tuple[str, str]:
        """A (first name, last name) pair typical of ``locale``."""
        return rng.choice(self.first[locale]), rng.choice(self.last[locale])

    def last_name(self, rng: random.Random, locale: str) -> str:
        """A family name typical of ``locale`` (for companies named after their founders)."""
        return rng.choice(self.last[locale])

    def mailbox(self, first_name: str, last_name: str) -> str:
        """``email_local_part`` of a pooled name, without folding it again."""
        first = self._first_part.get(first_name)
        last = self._last_part.get(last_name)
        if first is None or last is None:
            return email_local_part(first_name, last_name)
        return ".".join(p for p in (first, last) if p) or "contact"


def _without_generational(name: str) -> str:
    return " ".join(w for w in name.split(" ") if w not in _GENERATIONAL)
