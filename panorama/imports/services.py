"""Importing a CSV file of accounts, contacts, deals or contracts: ``run_import``.

A dry run plans every row (key look-up, values set and validated by the models' own rules)
and writes nothing. Applying plans the rows again inside one transaction and writes them in
file order, each row in a savepoint: when any row fails, nothing is written, unless bad rows
are to be skipped, in which case the good rows are written and the bad ones reported.
Changes are attributed to the importing user with the source ``import`` (``core.actors``),
so the attribute history and the audit log name them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from panorama.core.actors import Actor, acting_as
from panorama.core.models import User
from panorama.customers.models import CustomFieldDefinition
from panorama.imports.accounts import AccountImporter
from panorama.imports.columns import KINDS, ColumnMapping, map_columns
from panorama.imports.contacts import ContactImporter
from panorama.imports.contracts import ContractImporter
from panorama.imports.csvfile import CsvTable
from panorama.imports.deals import DealImporter
from panorama.imports.engine import Importer, Planned, errors_of, parse_rows
from panorama.imports.report import ERROR, ImportReport, RowError

IMPORTERS: dict[str, type[Importer]] = {
    "accounts": AccountImporter,
    "contacts": ContactImporter,
    "deals": DealImporter,
    "contracts": ContractImporter,
}
Progress = Callable[[int], None]  # called with the number of rows just handled


def custom_definitions(kind: str) -> list[CustomFieldDefinition]:
    """The custom fields a file of ``kind`` may fill (none for deals and contracts)."""
    entity = KINDS[kind].custom_entity
    if entity is None:
        return []
    return list(CustomFieldDefinition.objects.filter(entity=entity))


def mapping_for(
    kind: str, header: list[str], explicit: Mapping[str, str] | None = None
) -> ColumnMapping:
    """Each header's field (raises ``columns.MappingError`` naming unknown columns)."""
    return map_columns(header, KINDS[kind], custom_definitions(kind), explicit)


def run_import(
    *,
    kind: str,
    table: CsvTable,
    user: User | None,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = True,
    skip_errors: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check (and unless ``dry_run``, apply) ``table`` as records of ``kind``.

    ``mapping`` overrides the automatic header matching ({"Header": "field" or "ignore"}).
    Raises ``columns.MappingError`` when a header maps to nothing; every problem of a row is
    in the report, with the row's number and column.
    """
    definitions = custom_definitions(kind)
    columns = map_columns(table.header, KINDS[kind], definitions, mapping)
    report = ImportReport(kind, dry_run, skip_errors, dict(columns.targets))
    with acting_as(Actor(source="import", user=user)):
        if dry_run:
            _plan(report, kind, table, columns, definitions, progress)
            return report
        with transaction.atomic():
            planned = _plan(report, kind, table, columns, definitions, progress)
            if report.failed and not skip_errors:
                return report  # nothing was written
            report.applied = _write(planned, columns, skip_errors=skip_errors, progress=progress)
            if not report.applied:
                transaction.set_rollback(True)
    return report


def _plan(
    report: ImportReport,
    kind: str,
    table: CsvTable,
    columns: ColumnMapping,
    definitions: list[CustomFieldDefinition],
    progress: Progress | None,
) -> list[Planned]:
    rows = parse_rows(table.rows, table.header, columns, KINDS[kind])
    importer = IMPORTERS[kind](mapping=columns, definitions=definitions)
    importer.prefetch([r for r in rows if not r.errors])
    planned = []
    for row in rows:
        planned.append(importer.plan(row))
        if progress is not None:
            progress(1)
    report.rows = [p.result for p in planned]
    return planned


def _write(
    planned: list[Planned], columns: ColumnMapping, *, skip_errors: bool, progress: Progress | None
) -> bool:
    """Write the planned rows in order, each in a savepoint; True if the import stands."""
    for item in planned:
        if progress is not None:
            progress(1)
        if item.write is None:
            continue
        failed_on = next((d for d in item.depends_on if d.failed), None)
        if failed_on is not None:
            error = RowError(item.result.row, "", f"row {failed_on.result.row} was not imported")
            _fail(item, [error])
            continue
        try:
            with transaction.atomic():
                item.write()
        except ValidationError as exc:
            header = columns.header_of
            _fail(
                item,
                [
                    RowError(item.result.row, header(p.target) if p.target else "", p.message)
                    for p in errors_of(exc)
                ],
            )
        except IntegrityError:
            _fail(item, [RowError(item.result.row, "", "conflicts with a record saved meanwhile")])
        if item.failed and not skip_errors:
            return False
    return True


def _fail(item: Planned, errors: list[RowError]) -> None:
    item.failed = True
    item.result.action = ERROR
    item.result.errors = errors
    item.result.changes = []
