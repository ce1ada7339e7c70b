"""Helpers of the import tests: CSV text in, a report out."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import pytest
from django.db.models import Model

from panorama.core.models import User
from panorama.customers.models import Account, AttributeChange, Contact, Membership
from panorama.imports.csvfile import read_table
from panorama.imports.report import ImportReport
from panorama.imports.services import run_import


def csv(text: str) -> bytes:
    return textwrap.dedent(text).lstrip("\n").encode()


def run(
    kind: str,
    text: str,
    *,
    user: User | None = None,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
    skip_errors: bool = False,
) -> ImportReport:
    return run_import(
        kind=kind,
        table=read_table(csv(text)),
        user=user,
        mapping=mapping,
        dry_run=dry_run,
        skip_errors=skip_errors,
    )


def errors(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


def table_counts(*models: type[Model]) -> dict[str, int]:
    """Rows per table: what "nothing was written" is checked against."""
    chosen = models or (Account, Contact, Membership, AttributeChange)
    return {m.__name__: m._default_manager.count() for m in chosen}


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
