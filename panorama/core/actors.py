"""Who (a user) or what (a source such as ``segment`` or ``demo``) is making the current change.

Attribute history and the audit log read the current actor instead of every write path passing
it down: the admin, forms, the API and importers all go through ``Model.save()``, and this is
the one place that knows who is behind it. Requests set it in ``ActorMiddleware``; commands and
integrations wrap their work in ``acting_as(...)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from panorama.core.models import User


@dataclass(frozen=True)
class Actor:
    """A change's author: a signed-in ``user`` and/or the ``source`` it came through."""

    source: str
    user: User | None = None

    @property
    def is_person(self) -> bool:
        """True when a person typed the change (as opposed to an integration or a job)."""
        return self.user is not None

    def __str__(self) -> str:
        return str(self.user) if self.user is not None else self.source


SYSTEM = Actor(source="system")

_current: ContextVar[Actor] = ContextVar("panorama_actor", default=SYSTEM)


def current_actor() -> Actor:
    """The actor of the change being made now; ``system`` when nobody said otherwise."""
    return _current.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Attribute every change made inside the block to ``actor``."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
