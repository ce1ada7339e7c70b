"""Template filters for money and durations: ``{% load revenue %}``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def money(value: Any, currency: str = "") -> str:
    """``12,500.00 EUR`` for an amount (and its currency), ``100.00 EUR + 20.00 USD`` for
    per-currency totals, ``—`` for nothing."""
    if isinstance(value, dict):
        parts = [money(amount, code) for code, amount in sorted(value.items())]
        return " + ".join(parts) if parts else "—"
    if value is None or value == "":
        return "—"
    amount = f"{Decimal(value).quantize(Decimal('0.01')):,.2f}"
    return f"{amount} {currency}".strip()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A support time as people say it: ``45 min``, ``5.5 h``, ``3.2 days``."""
    if value is None:
        return "—"
    minutes = value.total_seconds() / 60
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h".replace(".0 h", " h")
    return f"{minutes / 1440:.1f} days".replace(".0 days", " days")


@register.filter
def percent(value: float | None) -> str:
    """A fraction 0-1 as ``75 %``."""
    return "—" if value is None else f"{value * 100:.0f} %"


@register.filter
def days(value: float | None) -> str:
    """An average number of days, one decimal at most."""
    if value is None:
        return "—"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} day" if text == "1" else f"{text} days"
