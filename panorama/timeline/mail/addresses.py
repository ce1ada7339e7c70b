"""E-mail addresses and domains: normalised once, compared the same way everywhere.

Addresses are normalised like ``Contact.email`` (stripped, lower-cased), so a participant is
found by plain equality. Domains are compared by suffix: ``mail.acme.com`` is at ``acme.com``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Addresses that are machines, not people: never made into contacts.
_ROLE_LOCAL_PARTS = re.compile(
    r"^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|notifications?|"
    r"calendar-notification|automated|auto-?reply)([+._-].*)?$"
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalise_address(value: str) -> str:
    """Strip and lower-case an address, as ``Contact.email`` is stored."""
    return value.strip().lower()


def domain_of(address: str) -> str:
    """The domain of an address (after its last ``@``), lower-case; empty without one."""
    _, at, domain = address.rpartition("@")
    return normalise_domain(domain) if at else ""


def normalise_domain(value: str) -> str:
    """A bare host name from what people type: ``https://www.Acme.com/`` → ``acme.com``.

    Scheme, path, port, a trailing dot and a leading ``www.`` go; the rest is lower-cased.
    """
    host = _SCHEME.sub("", value.strip().lower())
    host = host.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].strip().rstrip(".")
    return host.removeprefix("www.")


def domain_suffixes(domain: str) -> Iterator[str]:
    """``eu.mail.acme.com`` → ``eu.mail.acme.com``, ``mail.acme.com``, ``acme.com``.

    Most specific first; a bare top-level domain (``com``) is never yielded.
    """
    labels = normalise_domain(domain).split(".")
    for start in range(len(labels) - 1):
        suffix = ".".join(labels[start:])
        if suffix:
            yield suffix


def is_at_domain(address_or_domain: str, domains: Iterable[str]) -> bool:
    """True when the address (or domain) is at one of ``domains`` or one of their sub-domains."""
    domain = (
        domain_of(address_or_domain)
        if "@" in address_or_domain
        else normalise_domain(address_or_domain)
    )
    wanted = {normalise_domain(d) for d in domains}
    wanted.discard("")
    return any(suffix in wanted for suffix in domain_suffixes(domain))


def is_role_address(address: str) -> bool:
    """True for machine senders (``no-reply@``, ``mailer-daemon@``…) that aren't people."""
    local = normalise_address(address).rpartition("@")[0]
    return bool(_ROLE_LOCAL_PARTS.match(local))


def split_display_name(name: str) -> tuple[str, str]:
    """``"Doe, Jane"`` or ``"Jane Doe"`` → ``("Jane", "Doe")``; one word is a first name."""
    name = " ".join(name.replace('"', " ").split())
    if "@" in name:
        return "", ""
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.partition(" ")
    return first, last
