"""Forms of the import page: the upload (kind and file) and the column mapping."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django import forms

from panorama.imports.columns import CUSTOM_PREFIX, IGNORE, KINDS
from panorama.imports.csvfile import MAX_FILE_BYTES, CsvFileError, CsvTable, read_table

ALLOWED_EXTENSIONS = (".csv", ".txt", ".tsv")
KIND_CHOICES = [(kind, kind.capitalize()) for kind in KINDS]


class UploadForm(forms.Form):
    """Which kind of records, and the file: checked for size, extension and content."""

    kind = forms.ChoiceField(label="Records", choices=KIND_CHOICES, initial="accounts")
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"A .csv file in UTF-8 with a header row, up to {MAX_FILE_BYTES // 1024 // 1024} MB."
        ),
        error_messages={"required": "Choose a CSV file to upload.", "empty": "The file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        extension = PurePath(upload.name or "").suffix.lower()
        if extension not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(
                f"“{upload.name}” is not a CSV file: upload a .csv file (export your "
                "spreadsheet as CSV UTF-8)."
            )
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files."
            )
        data = upload.read(MAX_FILE_BYTES + 1)
        try:
            self.table: CsvTable = read_table(data)
        except CsvFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.data_bytes = data
        return upload


def target_choices(kind: str, definitions: Sequence[Any]) -> list[tuple[str, Any]]:
    spec = KINDS[kind]
    fields = [
        (c.field, c.field.replace("_", " ").capitalize()) for c in spec.columns if not c.read_only
    ]
    choices: list[tuple[str, Any]] = [
        ("", "— choose —"),
        (IGNORE, "Ignore this column"),
        ("Fields", fields),
    ]
    if definitions:
        custom = [(f"{CUSTOM_PREFIX}{d.key}", f"{d.label} ({d.key})") for d in definitions]
        choices.append(("Custom fields", custom))
    return choices


class MappingForm(forms.Form):
    """One choice per column of the file (the field it fills), and whether to skip bad rows."""

    skip_errors = forms.BooleanField(
        label="Skip rows with errors and import the others",
        required=False,
        help_text="Otherwise nothing is imported while any row has an error.",
    )

    def __init__(
        self,
        *args: Any,
        header: list[str],
        kind: str,
        definitions: Sequence[Any],
        automatic: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header = header
        choices = target_choices(kind, definitions)
        for index, name in enumerate(header):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=name, choices=choices, required=False, initial=automatic.get(name, "")
            )

    def columns(self) -> list[tuple[str, forms.BoundField]]:
        return [(name, self[f"col_{i}"]) for i, name in enumerate(self.header)]

    def explicit_mapping(self) -> dict[str, str]:
        """The chosen fields ({} for an unbound form: automatic matching)."""
        if not self.is_bound or not self.is_valid():
            return {}
        mapping = {}
        for index, name in enumerate(self.header):
            target = self.cleaned_data.get(f"col_{index}")
            if target:
                mapping[name] = target
        return mapping
