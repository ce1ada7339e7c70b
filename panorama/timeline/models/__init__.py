"""The timeline app's models, one module per family."""

from panorama.timeline.models.activities import (
    Call,
    CallDisposition,
    Direction,
    Email,
    EmailThread,
    Meeting,
    MeetingType,
    Note,
    Task,
    TaskStatus,
)
from panorama.timeline.models.entries import Entry, EntryAccount, EntryContact
from panorama.timeline.models.market import EnrichmentUpdate, MarketSignal, Sentiment

__all__ = [
    "Call",
    "CallDisposition",
    "Direction",
    "Email",
    "EmailThread",
    "EnrichmentUpdate",
    "Entry",
    "EntryAccount",
    "EntryContact",
    "MarketSignal",
    "Meeting",
    "MeetingType",
    "Note",
    "Sentiment",
    "Task",
    "TaskStatus",
]
