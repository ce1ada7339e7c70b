"""The one registry of timeline entry types: key, label, icon and group.

Every interaction and record event that reaches a customer's timeline has one of these types;
the timeline's type filter, its grouped mode and its icons all read this table, so a new kind
of entry is added here and nowhere else. Pure data: imports no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Group(StrEnum):
    """The headings of the timeline's grouped mode, in display order."""

    COMMUNICATIONS = "communications"
    DEALS = "deals"
    TASKS = "tasks"
    SUPPORT = "support"
    PRODUCT = "product"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class EntryType:
    """One kind of timeline entry as people see it."""

    key: str
    label: str
    icon: str  # the name of an icon in core/static/core/icons (inline SVG symbol)
    group: Group


ENTRY_TYPES: tuple[EntryType, ...] = (
    # Seed 003's thirteen types, in its order.
    EntryType("email_sent", "Email sent", "envelope", Group.COMMUNICATIONS),
    EntryType("email_received", "Email received", "envelope-filled", Group.COMMUNICATIONS),
    EntryType("call_logged", "Call logged", "phone", Group.COMMUNICATIONS),
    EntryType("meeting", "Meeting", "calendar", Group.COMMUNICATIONS),
    EntryType("note_added", "Note added", "pencil", Group.COMMUNICATIONS),
    EntryType("deal_created", "Deal created", "briefcase", Group.DEALS),
    EntryType("deal_stage_changed", "Deal stage change", "arrow", Group.DEALS),
    EntryType("quote_sent", "Quote sent", "document", Group.DEALS),
    EntryType("order_placed", "Order placed", "cart", Group.DEALS),
    EntryType("task_completed", "Task completed", "check", Group.TASKS),
    EntryType("contact_added", "Contact added", "person", Group.SYSTEM),
    EntryType("enrichment_update", "Enrichment update", "lightning", Group.SYSTEM),
    EntryType("integration_event", "Integration event", "plug", Group.PRODUCT),
    # Beyond seed 003: tasks created, revenue records, support, surveys and market signals.
    EntryType("task_created", "Task created", "checkbox", Group.TASKS),
    EntryType("contract_signed", "Contract signed", "signature", Group.DEALS),
    EntryType("invoice_issued", "Invoice issued", "receipt", Group.DEALS),
    EntryType("invoice_paid", "Invoice paid", "receipt", Group.DEALS),
    EntryType("ticket_opened", "Ticket opened", "lifebuoy", Group.SUPPORT),
    EntryType("ticket_resolved", "Ticket resolved", "lifebuoy", Group.SUPPORT),
    EntryType("survey_response", "Survey response", "star", Group.SUPPORT),
    EntryType("market_signal", "Market signal", "signal", Group.SYSTEM),
)

BY_KEY: dict[str, EntryType] = {entry_type.key: entry_type for entry_type in ENTRY_TYPES}
KIND_CHOICES: list[tuple[str, str]] = [(t.key, t.label) for t in ENTRY_TYPES]


def entry_type(key: str) -> EntryType:
    """The registered type ``key``; a ``KeyError`` names an unregistered one."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"No timeline entry type {key!r}") from None


def kinds_in_group(group: Group) -> list[str]:
    """The entry types under one heading of the grouped mode."""
    return [t.key for t in ENTRY_TYPES if t.group is group]
