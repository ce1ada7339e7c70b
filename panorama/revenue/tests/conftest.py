"""Fixtures of the revenue tests: the default sales pipeline and a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from panorama.core.actors import Actor, acting_as
from panorama.core.clock import frozen_at
from panorama.revenue.models import PipelineStage
from panorama.revenue.services import ensure_default_pipeline

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def sales(db: None) -> dict[str, PipelineStage]:
    """The default pipeline's stages by name (Qualification … Closed won, Closed lost)."""
    pipeline = ensure_default_pipeline()
    return {stage.name: stage for stage in pipeline.stages.all()}


@pytest.fixture
def now() -> Iterator[dt.datetime]:
    with frozen_at(NOW):
        yield NOW


@pytest.fixture
def as_member(member) -> Iterator[Actor]:
    with acting_as(Actor("web", member)) as actor:
        yield actor
