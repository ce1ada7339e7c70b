"""Settings > Import CSV: upload a file, map its columns, preview the dry run, apply it.

Admins only; for anyone else these pages do not exist (404, like the admin site). The file
is kept server-side between the steps (``storage``), addressed by a random token that only
its uploader can use, and deleted once applied.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from panorama.core.models import User
from panorama.imports.columns import KINDS, MappingError, automatic_mapping
from panorama.imports.csvfile import MAX_FILE_BYTES, CsvFileError, CsvTable, read_table
from panorama.imports.forms import MappingForm, UploadForm
from panorama.imports.report import CREATE, ERROR, UPDATE, ImportReport
from panorama.imports.services import custom_definitions, run_import
from panorama.imports.storage import (
    UPLOAD_TTL,
    StoredUpload,
    delete_upload,
    load_upload,
    store_upload,
)

View = Callable[..., HttpResponse]
PREVIEW_LIMIT = 200  # rows shown per table of the preview (all are counted)


def admin_only(view: View) -> View:
    """404 for anyone but an admin, checked before the HTTP method (no 405 hint either)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_admin", False):
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return guarded


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # signed in: admin_only


@admin_only
@never_cache
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form; a valid file is kept and the preview opens."""
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        stored = store_upload(
            data=form.data_bytes,
            filename=form.cleaned_data["file"].name,
            kind=form.cleaned_data["kind"],
            user_id=_user(request).pk,
        )
        return redirect("imports:preview", token=stored.token)
    context = {
        "nav": "settings",
        "form": form,
        "kinds": KINDS,
        "max_mb": MAX_FILE_BYTES // 1024 // 1024,
        "ttl_hours": int(UPLOAD_TTL.total_seconds() // 3600),
    }
    return render(request, "imports/upload.html", context, status=400 if form.is_bound else 200)


def _stored(request: HttpRequest, token: str) -> tuple[StoredUpload, CsvTable]:
    stored = load_upload(token, user_id=_user(request).pk)
    if stored is None:
        raise Http404("No such upload: it was applied, has expired or belongs to someone else.")
    try:
        return stored, read_table(stored.read())
    except (OSError, CsvFileError) as exc:
        raise Http404("The uploaded file can no longer be read.") from exc


def _page(
    request: HttpRequest,
    stored: StoredUpload,
    table: CsvTable,
    *,
    apply: bool = False,
) -> tuple[dict[str, Any], ImportReport | None]:
    definitions = custom_definitions(stored.kind)
    automatic = automatic_mapping(table.header, KINDS[stored.kind], definitions)
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        header=table.header,
        kind=stored.kind,
        definitions=definitions,
        automatic=automatic,
    )
    explicit = form.explicit_mapping()
    skip = bool(form.is_bound and form.is_valid() and form.cleaned_data["skip_errors"])
    report, mapping_error = None, ""
    if form.is_bound and not form.is_valid():
        # Never fall back to the automatic mapping for a mapping the page did not offer.
        mapping_error = "Choose one of the listed fields (or Ignore) for each column."
    else:
        try:
            report = run_import(
                kind=stored.kind,
                table=table,
                user=_user(request),
                mapping=explicit,
                dry_run=not apply,
                skip_errors=skip,
            )
        except MappingError as exc:
            mapping_error = str(exc)
    context = {
        "nav": "settings",
        "upload": stored,
        "table": table,
        "form": form,
        "report": report,
        "mapping_error": mapping_error,
        "limit": PREVIEW_LIMIT,
        "shown": _shown(report),
        "columns": [
            {"name": name, "field": field, "sample": _sample(table, index)}
            for index, (name, field) in enumerate(form.columns())
        ],
    }
    return context, report


def _sample(table: CsvTable, index: int) -> str:
    """The column's first few non-empty values, to recognise it by."""
    found: list[str] = []
    for row in table.rows[:50]:
        if index < len(row.cells) and row.cells[index].strip():
            found.append(row.cells[index].strip()[:40])
        if len(found) == 3:
            break
    return ", ".join(found)


def _shown(report: ImportReport | None) -> dict[str, Any]:
    if report is None:
        return {}
    return {action: report.of(action)[:PREVIEW_LIMIT] for action in (ERROR, CREATE, UPDATE)}


@admin_only
@never_cache
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, token: str) -> HttpResponse:
    """The mapping form and the dry run's creates, updates and errors (htmx: the region)."""
    stored, table = _stored(request, token)
    context, _ = _page(request, stored, table)
    template = "imports/preview.html#preview" if request.htmx else "imports/preview.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@admin_only
@never_cache
@require_POST
def apply(request: HttpRequest, token: str) -> HttpResponse:
    """Apply the import with the posted mapping; the file is deleted once it is applied."""
    stored, table = _stored(request, token)
    context, report = _page(request, stored, table, apply=True)
    if report is None or not report.applied:
        context["not_applied"] = True
        return render(request, "imports/preview.html", context, status=400)
    delete_upload(stored.token)
    return render(request, "imports/result.html", context)
