"""Company names, domains and LinkedIn pages for generated accounts, unique across a dataset.

Names follow Faker's company styles ("Ward LLC", "Garcia-Wilson", "Smith, Jones and Brown"),
with family names from the country's Faker locale and local legal forms, plus brandable
SaaS-style names ("Brightforge Labs"). Domains and LinkedIn pages are derived from the name
and made unique the way people do: the trade appended, then a number.
"""

from __future__ import annotations

import itertools
import random

from panorama.demo.naming import NamePools, slug
from panorama.demo.vocabulary import (
    COUNTRY_TLD_SHARE,
    GENERIC_TLDS,
    NAME_PREFIXES,
    NAME_ROOTS,
    Country,
)

LINKEDIN_COMPANY_URL = "https://www.linkedin.com/company/"


class CompanyNamer:
    """Names companies for one dataset and remembers the domains and pages already taken."""

    def __init__(self, rng: random.Random, pools: NamePools) -> None:
        self.rng = rng
        self.pools = pools
        # Membership tests only; never iterated, so set order cannot leak into the data.
        self.domains: set[str] = set()
        self.linkedin_slugs: set[str] = set()
        self.tlds = [t for t, _ in GENERIC_TLDS]
        self.tld_weights = [w for _, w in GENERIC_TLDS]

    def name(self, country: Country, words: tuple[str, ...]) -> tuple[str, str, str]:
        """(display name, domain label, LinkedIn page name) of a new company."""
        rng = self.rng
        style = rng.random()
        if style < 0.45:
            brand = rng.choice(NAME_PREFIXES) + rng.choice(NAME_ROOTS)
            name = f"{brand} {rng.choice(words)}" if rng.random() < 0.5 else brand
            return name, slug(brand, sep=""), name
        legal = rng.choice(country.legal_suffixes)
        first = self.pools.last_name(rng, country.locale)
        if style < 0.7:
            return f"{first} {legal}", slug(first), first
        second = self.pools.last_name(rng, country.locale)
        if style < 0.88:
            core = f"{first}-{second}"
            return f"{core} {legal}", slug(core), core
        third = self.pools.last_name(rng, country.locale)
        joiner = "and" if country.locale.startswith("en") else "&"
        core = f"{first}, {second} {joiner} {third}"
        return core, slug(f"{first} {second} {third}"), core

    def domain(self, label: str, country: Country, words: tuple[str, ...]) -> str:
        """A unique domain: the name first, then name plus trade, then a number."""
        rng = self.rng
        if country.tld != "com" and rng.random() < COUNTRY_TLD_SHARE:
            tld = country.tld
        else:
            tld = rng.choices(self.tlds, weights=self.tld_weights)[0]
        label = label or "company"
        trade = f"{label}{slug(rng.choice(words), sep='')}"
        numbered = (f"{label}{n}" for n in itertools.count(2))
        for candidate in itertools.chain((label, trade), numbered):
            domain = f"{candidate}.{tld}"
            if domain not in self.domains:
                self.domains.add(domain)
                return domain
        raise AssertionError("unreachable: the candidates never end")

    def subdomain(self, division: str, parent_domain: str) -> str:
        """A division's domain under its parent's ("emea.acme.com"), unique by construction:
        a parent never has two divisions of the same name."""
        domain = f"{slug(division)}.{parent_domain}"
        self.domains.add(domain)
        return domain

    def linkedin_url(self, page: str) -> str:
        """The company page URL for ``page``, numbered when the name is taken."""
        base = slug(page) or "company"
        candidate, n = base, 1
        while candidate in self.linkedin_slugs:
            n += 1
            candidate = f"{base}-{n}"
        self.linkedin_slugs.add(candidate)
        return LINKEDIN_COMPANY_URL + candidate
