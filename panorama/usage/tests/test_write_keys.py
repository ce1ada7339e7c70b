"""Write keys: the ``write-key`` command and the admin-only Settings page."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from panorama.core.models import User
from panorama.usage.models import WriteKey

pytestmark = pytest.mark.django_db

PAGE = reverse("usage:write_keys")
KEY_RE = re.compile(r"pk_[A-Za-z0-9_-]{40,}")


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("write-key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _row_values(key: WriteKey) -> list[str]:
    row = WriteKey.objects.filter(pk=key.pk).values().get()
    return [str(value) for value in row.values()]


# The command


def test_create_prints_the_key_once_and_stores_only_its_hash():
    out, err = _run("create", "web")
    plain = out.splitlines()[0]
    assert out == plain + "\n"  # `KEY=$(panorama write-key create web | head -1)` works
    assert KEY_RE.fullmatch(plain)
    assert "not shown again" in err
    key = WriteKey.objects.get()
    assert key.name == "web" and key.created_by is None and key.is_active
    assert key.key_hash == WriteKey.hash(plain)
    assert plain.startswith(key.prefix)
    assert not any(plain in value for value in _row_values(key))


def test_list_shows_name_prefix_created_and_status():
    _run("create", "web")
    _run("create", "backend")
    WriteKey.objects.get(name="backend").revoke()
    out, _ = _run("list")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "PREFIX", "CREATED", "STATUS"]
    web = next(line for line in lines if "web" in line)
    backend = next(line for line in lines if "backend" in line)
    assert WriteKey.objects.get(name="web").prefix in web and "active" in web
    assert "revoked" in backend


def test_list_with_no_keys_says_so():
    out, err = _run("list")
    assert out == "" and "No write keys yet" in err


def test_revoke_by_prefix_or_id_sets_revoked_at():
    _run("create", "web")
    _run("create", "backend")
    web, backend = WriteKey.objects.get(name="web"), WriteKey.objects.get(name="backend")
    out, _ = _run("revoke", web.prefix)
    assert "Revoked" in out and "web" in out
    _run("revoke", str(backend.pk))
    web.refresh_from_db()
    backend.refresh_from_db()
    assert web.revoked_at is not None and backend.revoked_at is not None


def test_revoke_unknown_or_already_revoked_is_a_command_error():
    _run("create", "web")
    key = WriteKey.objects.get()
    with pytest.raises(CommandError, match="No write key"):
        _run("revoke", "pk_nope")
    with pytest.raises(CommandError, match="No write key"):
        _run("revoke", "99999")
    _run("revoke", key.prefix)
    revoked_at = WriteKey.objects.get().revoked_at
    with pytest.raises(CommandError, match="already revoked"):
        _run("revoke", key.prefix)
    assert WriteKey.objects.get().revoked_at == revoked_at


@pytest.mark.parametrize("name", ["", "   "])
def test_create_needs_a_name(name):
    with pytest.raises(CommandError, match="NAME"):
        _run("create", name)
    assert not WriteKey.objects.exists()


def test_create_needs_a_name_argument_at_all():
    with pytest.raises(CommandError):
        _run("create")
    assert not WriteKey.objects.exists()


# The Settings page


def test_admin_creates_a_key_and_sees_it_once(admin: User):
    client = client_for(admin)
    response = client.post(PAGE, {"name": "Web app"})
    assert response.status_code == 200  # rendered in the POST response, no redirect
    html = response.content.decode()
    plain = KEY_RE.search(html).group()  # type: ignore[union-attr]
    assert "Copy it now; it is not shown again." in html
    assert f'analytics.write_key = "{plain}"' in html
    assert 'analytics.host = "http://testserver"' in html
    assert "no-store" in response["Cache-Control"]

    key = WriteKey.objects.get()
    assert key.name == "Web app" and key.created_by == admin
    assert key.key_hash == WriteKey.hash(plain)
    assert not any(plain in value for value in _row_values(key))
    assert plain not in str(dict(client.session))

    later = client.get(PAGE).content.decode()
    assert "Web app" in later and key.prefix in later
    assert plain not in later and not KEY_RE.search(later)


@pytest.mark.parametrize("data", [{"name": "  "}, {}])
def test_blank_name_is_an_error_naming_the_field(admin: User, data):
    response = client_for(admin).post(PAGE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Name is required" in html and 'aria-invalid="true"' in html
    assert not KEY_RE.search(html)
    assert not WriteKey.objects.exists()


def test_too_long_name_is_an_error(admin: User):
    response = client_for(admin).post(PAGE, {"name": "x" * 101})
    assert "Name must be at most 100 characters" in response.content.decode()
    assert not WriteKey.objects.exists()


def test_admin_revokes_a_key(admin: User):
    key, _ = WriteKey.issue(name="Web app", created_by=admin)
    client = client_for(admin)
    response = client.post(reverse("usage:write_key_revoke", args=[key.pk]), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "Write key “Web app” (" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "Revoked" in response.content.decode()

    again = client.post(reverse("usage:write_key_revoke", args=[key.pk]), follow=True)
    assert "already revoked" in again.content.decode()
    assert WriteKey.objects.get().revoked_at == key.revoked_at


def test_revoke_of_an_unknown_key_is_404(admin: User):
    response = client_for(admin).post(reverse("usage:write_key_revoke", args=[12345]))
    assert response.status_code == 404


def test_methods_are_enforced(admin: User):
    key, _ = WriteKey.issue(name="Web app")
    client = client_for(admin)
    assert client.get(reverse("usage:write_key_revoke", args=[key.pk])).status_code == 405
    assert client.put(PAGE).status_code == 405
    assert client.delete(PAGE).status_code == 405
    key.refresh_from_db()
    assert key.is_active


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_write_keys_do_not_exist_for_non_admins(request, admin: User, who: str):
    key, _ = WriteKey.issue(name="Web app", created_by=admin)
    before = model_to_dict(key)
    client = client_for(request.getfixturevalue(who))
    revoke = reverse("usage:write_key_revoke", args=[key.pk])
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"name": "Sneaky"}).status_code == 404
    assert client.post(revoke).status_code == 404
    assert client.get(revoke).status_code == 404  # not 405: the URL does not exist for them
    key.refresh_from_db()
    assert model_to_dict(key) == before and WriteKey.objects.count() == 1
    assert "Write keys" not in client.get(reverse("settings")).content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_settings_links_to_write_keys_for_admins(admin: User):
    html = client_for(admin).get(reverse("settings")).content.decode()
    assert f'href="{PAGE}"' in html
    assert "Keys your product sends events with (Segment-compatible)" in html


def test_list_page_query_count_does_not_grow_with_keys(admin: User, member: User):
    client = client_for(admin)
    WriteKey.issue(name="first", created_by=member)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(19):
        WriteKey.issue(name=f"key {i}", created_by=admin if i % 2 else member)
    assert WriteKey.objects.count() == 20
    assert count() == one


def test_django_admin_lists_keys_read_only(admin: User):
    WriteKey.issue(name="Web app", created_by=admin)
    client = client_for(admin)
    listing = client.get(reverse("admin:usage_writekey_changelist"))
    assert listing.status_code == 200 and "Web app" in listing.content.decode()
    assert client.get(reverse("admin:usage_writekey_add")).status_code == 403
