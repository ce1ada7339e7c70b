"""The WAL checkpointer copies the log only once it has grown (SQLite only)."""

from __future__ import annotations

import pytest
from django.db import connection

from panorama.usage import committer
from panorama.usage.committer import Checkpointer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL checkpoints itself"),
]


def test_a_small_log_is_left_to_grow(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(committer, "CHECKPOINT_WAL_BYTES", 1 << 40)
    checkpointer = Checkpointer()
    checkpointer.request()
    assert not checkpointer._wanted.is_set()
    assert checkpointer._thread is None


def test_a_grown_log_is_copied_on_a_thread_of_its_own(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(committer, "CHECKPOINT_WAL_BYTES", 0)
    checkpointer = Checkpointer()
    checkpointer.request()
    assert checkpointer._thread is not None and checkpointer._thread.is_alive()
    assert checkpointer._thread.name == "panorama-checkpoint"
