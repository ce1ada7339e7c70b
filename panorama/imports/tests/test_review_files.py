"""Review: a NUL character anywhere in a CSV file is refused with the file, like a binary
file; PostgreSQL cannot store it, so it must not reach the dry run or the apply (a 500)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import Book, client_for
from panorama.core.models import User
from panorama.customers.models import Account
from panorama.imports.csvfile import CsvFileError, read_table

pytestmark = pytest.mark.django_db


def _late_nul() -> bytes:
    """A NUL on the last line, past the first 8 KB where binary files are recognised."""
    lines = ["name,domain"] + [f"Company {i},company{i}.com" for i in range(600)]
    lines.append("Ac\x00me,acme-nul.com")
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > 8192 and data.index(b"\x00") > 8192
    return data


def test_a_nul_character_past_the_first_bytes_is_refused_naming_its_line():
    with pytest.raises(CsvFileError, match="NUL character on line 602"):
        read_table(_late_nul())


def test_an_upload_with_a_nul_character_is_refused_and_nothing_is_imported(book: Book, admin: User):
    before = Account.objects.count()

    response = client_for(admin).post(
        reverse("imports:upload"),
        {"kind": "accounts", "file": SimpleUploadedFile("accounts.csv", _late_nul())},
    )

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert Account.objects.count() == before
