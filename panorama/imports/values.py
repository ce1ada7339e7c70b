"""Turning a CSV cell into a typed value (pure: no ORM).

Each parser takes the cell's text, already stripped and non-empty, and returns the value or
raises ``ValueError`` with a message that completes "<column> …", e.g. "expects a whole
number, got 'ten'". Formats are deliberately few, so a value is never read two ways:
dates are ISO (2024-03-31), decimals use a dot (commas may group thousands).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils import timezone

TRUE = frozenset({"true", "yes", "y", "1", "t", "x", "on"})
FALSE = frozenset({"false", "no", "n", "0", "f", "off"})
LIST_SEPARATOR = ";"
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def shown(text: str) -> str:
    """The cell as an error message quotes it (long cells cut)."""
    return repr(text if len(text) <= 60 else text[:57] + "…")


def parse_text(text: str) -> str:
    return text


def parse_decimal(text: str) -> Decimal:
    compact = text.replace(" ", "").replace("\u00a0", "")
    if _THOUSANDS.match(compact):
        compact = compact.replace(",", "")
    if not _PLAIN_NUMBER.match(compact):
        raise ValueError(f"expects a number like 1234.56, got {shown(text)}")
    try:
        value = Decimal(compact)
    except InvalidOperation:
        raise ValueError(f"expects a number like 1234.56, got {shown(text)}") from None
    if not value.is_finite():
        raise ValueError(f"expects a number like 1234.56, got {shown(text)}")
    return value


def parse_int(text: str) -> int:
    try:
        value = parse_decimal(text)
    except ValueError:
        raise ValueError(f"expects a whole number, got {shown(text)}") from None
    if value != value.to_integral_value():
        raise ValueError(f"expects a whole number, got {shown(text)}")
    return int(value)


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expects a date as YYYY-MM-DD, got {shown(text)}") from None
    if moment.time() != dt.time.min:
        raise ValueError(f"expects a date as YYYY-MM-DD without a time, got {shown(text)}")
    return moment.date()


def parse_datetime(text: str) -> dt.datetime:
    """An ISO date or date and time; without a zone, in the organisation's time zone."""
    try:
        moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        raise ValueError(
            f"expects a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM), got {shown(text)}"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_bool(text: str) -> bool:
    folded = text.casefold()
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    raise ValueError(f"expects yes or no (true/false, 1/0), got {shown(text)}")


def parse_choice(text: str, choices: Iterable[tuple[str, str]]) -> str:
    """A choice by its value or its label, in any case ("Mid-Market" or "mid_market")."""
    options = list(choices)
    folded = text.casefold()
    for value, label in options:
        if folded in (str(value).casefold(), str(label).casefold()):
            return value
    allowed = ", ".join(str(label) for _, label in options)
    raise ValueError(f"expects one of {allowed}, got {shown(text)}")


def parse_list(text: str) -> list[str]:
    """Names separated by semicolons ("Gold; Beta"), blanks and repeats dropped."""
    names: list[str] = []
    for part in text.split(LIST_SEPARATOR):
        name = part.strip()
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def parse_domain(text: str) -> str:
    """A web domain as accounts store it: lower case, without scheme, path or "www."."""
    domain = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.strip().lower()).split("/")[0]
    domain = domain.removeprefix("www.")
    if not domain or " " in domain or "." not in domain or "@" in domain:
        raise ValueError(f"expects a domain like acme.com, got {shown(text)}")
    return domain


def parse_email(text: str) -> str:
    return text.strip().lower()
