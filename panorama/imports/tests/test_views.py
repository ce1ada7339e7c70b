"""Settings > Import CSV: admins only; upload, preview (dry run), apply."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import Book, client_for
from panorama.core.clock import frozen_at
from panorama.core.models import Role, User
from panorama.customers.models import Account
from panorama.imports import csvfile
from panorama.imports.storage import UPLOAD_TTL, upload_dir
from panorama.imports.tests.conftest import table_counts

pytestmark = pytest.mark.django_db

UPLOAD = reverse("imports:upload")
ACCOUNTS = b"Company Name,Website,Notes\nUmbrella,umbrella.com,hi\nAcme Corp,acme.com,\n"


def _upload(client: Client, data: bytes = ACCOUNTS, name: str = "accounts.csv", kind="accounts"):
    return client.post(UPLOAD, {"kind": kind, "file": SimpleUploadedFile(name, data)})


def _token(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].rstrip("/").split("/")[-1]


@pytest.mark.parametrize("name", ["member", "outsider"])
def test_only_admins_see_the_pages(book: Book, admin: User, name: str, request):
    token = _token(_upload(client_for(admin)))
    other = client_for(request.getfixturevalue(name))
    assert other.get(UPLOAD).status_code == 404
    assert _upload(other).status_code == 404
    assert other.get(reverse("imports:preview", args=[token])).status_code == 404
    assert other.post(reverse("imports:apply", args=[token])).status_code == 404
    assert Account.objects.count() == 4


def test_an_admin_uploads_previews_and_applies(book: Book, admin: User):
    client = client_for(admin)
    page = client.get(UPLOAD)
    assert page.status_code == 200 and b"Upload and preview" in page.content
    token = _token(_upload(client))
    stored = list(upload_dir().iterdir())
    assert {p.name for p in stored} == {f"{token}.csv", f"{token}.json"}
    assert all(p.stat().st_mode & 0o077 == 0 for p in stored)  # private to Panorama's user

    preview = client.get(reverse("imports:preview", args=[token]))
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "Unknown column: Notes" in text  # mapped by hand on this page

    before = table_counts()
    mapping = {"col_0": "name", "col_1": "domain", "col_2": "description"}
    preview = client.post(reverse("imports:preview", args=[token]), mapping)
    text = preview.content.decode()
    assert 'data-count="create">1<' in text and 'data-count="update">1<' in text
    assert "Umbrella" in text and "Acme Corp" in text
    assert table_counts() == before  # the preview is a dry run

    partial = client.post(reverse("imports:preview", args=[token]), mapping, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="preview"')

    done = client.post(reverse("imports:apply", args=[token]), mapping)
    assert done.status_code == 200
    assert "Import applied" in done.content.decode()
    assert Account.objects.get(domain="umbrella.com").description == "hi"
    book.acme.refresh_from_db()
    assert book.acme.name == "Acme Corp"
    assert list(upload_dir().iterdir()) == []  # deleted once applied
    assert client.get(reverse("imports:preview", args=[token])).status_code == 404


def test_apply_with_errors_writes_nothing_unless_skipping(book: Book, admin: User):
    client = client_for(admin)
    token = _token(_upload(client, b"name,external_id,employees\nGood,g,1\nBad,b,ten\n"))
    before = table_counts()
    response = client.post(reverse("imports:apply", args=[token]), {})
    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert "expects a whole number, got &#x27;ten&#x27;" in response.content.decode()
    assert table_counts() == before
    response = client.post(reverse("imports:apply", args=[token]), {"skip_errors": "on"})
    assert response.status_code == 200
    assert Account.objects.filter(external_id="g").exists()
    assert not Account.objects.filter(external_id="b").exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "The file is empty."),
        (b"name\nA\n", "a.xlsx", "is not a CSV file"),
        ("name\nSoci\u00e9t\u00e9\n".encode("cp1252"), "a.csv", "not UTF-8"),
        (b"PK\x03\x04....", "a.csv", "Excel workbook"),
        (b"name\n", "a.csv", "no rows to import"),
    ],
)
def test_bad_uploads_are_400_with_the_reason(admin: User, data: bytes, name: str, message: str):
    response = _upload(client_for(admin), data, name)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert list(upload_dir().iterdir()) == []


def test_a_too_big_upload_is_refused(admin: User, monkeypatch):
    monkeypatch.setattr("panorama.imports.forms.MAX_FILE_BYTES", 10)
    response = _upload(client_for(admin))
    assert response.status_code == 400 and "the limit is" in response.content.decode()
    assert csvfile.MAX_FILE_BYTES == 20 * 1024 * 1024


def test_an_upload_is_its_uploader_s_and_expires(book: Book, admin: User):
    token = _token(_upload(client_for(admin)))
    other_admin = User.objects.create_user("eve@example.com", "x", role=Role.ADMIN)
    url = reverse("imports:preview", args=[token])
    assert client_for(other_admin).get(url).status_code == 404
    later = dt.datetime.now(dt.UTC) + UPLOAD_TTL + dt.timedelta(minutes=1)
    with frozen_at(later):
        assert client_for(admin).get(url).status_code == 404
    assert not (Path(upload_dir()) / f"{token}.csv").exists()
    assert (
        client_for(admin).get(reverse("imports:preview", args=["..%2Fsecret_key"])).status_code
        == 404
    )


def test_posts_need_the_csrf_token(book: Book, admin: User):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert _upload(client).status_code == 403


def test_a_mapping_the_page_did_not_offer_is_refused(book: Book, admin: User):
    client = client_for(admin)
    token = _token(_upload(client))
    response = client.post(
        reverse("imports:apply", args=[token]),
        {"col_0": "name", "col_1": "domain", "col_2": "is_staff"},
    )
    assert response.status_code == 400
    assert "Choose one of the listed fields" in response.content.decode()
    assert Account.objects.count() == 4
