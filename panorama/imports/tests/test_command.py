"""``panorama import-csv``: output, exit status and options."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from conftest import Book
from panorama.customers.models import Account, AttributeChange
from panorama.imports.tests.conftest import table_counts

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    """The command's stdout (each line's spaces squeezed) and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import-csv", *args, "--no-progress", stdout=out, stderr=err)
    squeezed = "\n".join(" ".join(line.split()) for line in out.getvalue().splitlines())
    return squeezed, err.getvalue()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.csv"
    path.write_text("Company,Domain,Notes\nUmbrella,umbrella.com,x\nAcme Corp,acme.com,y\n")
    return path


def test_dry_run_prints_the_summary_and_writes_nothing(book: Book, good: Path):
    before = table_counts()
    out, err = _run("accounts", str(good), "--dry-run", "--map", "Notes=ignore")
    assert out.splitlines() == [
        "Dry run: nothing was written.",
        "Rows read: 2",
        "Records would be created: 1",
        "Records would be updated: 1",
        "Rows unchanged: 0",
        "Rows with errors: 0",
    ]
    assert err == ""
    assert table_counts() == before


def test_apply_attributes_changes_to_the_user_given(book: Book, good: Path, admin):
    out, _ = _run("accounts", str(good), "--map", "Notes=description", "--as", admin.email)
    assert "Records created: 1" in out
    book.acme.refresh_from_db()
    assert book.acme.description == "y"
    changes = AttributeChange.objects.filter(account=book.acme)
    assert {(c.field, c.changed_by_id, c.source) for c in changes} == {
        ("name", admin.pk, "import"),
        ("description", admin.pk, "import"),
    }


def test_row_errors_go_to_stderr_and_fail_unless_skipped(book: Book, tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text("name,external_id,employees\nGood,g,1\nBad,b,ten\n")
    with pytest.raises(CommandError, match="1 row\\(s\\) with errors; nothing was written"):
        _run("accounts", str(path))
    assert not Account.objects.filter(external_id="g").exists()
    out, err = _run("accounts", str(path), "--skip-errors")
    assert "Rows with errors (skipped): 1" in out
    assert err == "row 3, employees: expects a whole number, got 'ten'\n"
    assert Account.objects.filter(external_id="g").exists()


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"", (), "The file is empty"),
        ("name\nSoci\u00e9t\u00e9\n".encode("latin-1"), (), "not UTF-8"),
        (b"name,Colour\nA,red\n", (), "Unknown column: Colour"),
        (b"name\nA\n", ("--map", "name"), "expected HEADER=FIELD"),
        (b"name\nA\n", ("--as", "nobody@example.com"), "no active user"),
    ],
)
def test_file_and_option_problems_are_command_errors(
    db: None, tmp_path: Path, content: bytes, args: tuple[str, ...], message: str
):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        _run("accounts", str(path), *args)


def test_a_missing_file(db: None, tmp_path: Path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run("accounts", str(tmp_path / "nope.csv"))
