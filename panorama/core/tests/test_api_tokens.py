"""API tokens: the ``api-token`` command, Settings > API tokens, and bearer authentication."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from conftest import Book, client_for
from panorama.core import clock
from panorama.core.models import ApiToken, User

pytestmark = pytest.mark.django_db

PAGE = reverse("api_tokens")
TOKEN_RE = re.compile(r"pat_[A-Za-z0-9_-]{40,}")


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api-token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _stored_values(token: ApiToken) -> list[str]:
    return [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values()]


def _metrics_url(book: Book) -> str:
    return f"/api/usage/accounts/{book.acme.pk}/metrics"


def _bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


# The command


def test_create_prints_only_the_token_and_stores_its_hash(member: User):
    out, err = _run("create", "--user", "BOB@example.com", "--name", "export")
    plain = out.splitlines()[0]
    assert out == plain + "\n"  # `TOKEN=$(panorama api-token create --user …)` works
    assert TOKEN_RE.fullmatch(plain)
    assert "not shown again" in err
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.is_active) == (member, "export", True)
    assert token.key_hash == ApiToken.hash(plain) and plain.startswith(token.prefix)
    assert not any(plain in value for value in _stored_values(token))


def test_create_for_an_unknown_user_names_the_address(db):
    with pytest.raises(CommandError, match=re.escape("nobody@example.com")):
        _run("create", "--user", "nobody@example.com")
    assert not ApiToken.objects.exists()


def test_list_shows_tokens_optionally_of_one_user(admin: User, member: User):
    ApiToken.issue(user=admin, name="admin script")
    mine, _ = ApiToken.issue(user=member, name="bob script")
    mine.revoke()
    lines = _run("list")[0].splitlines()
    assert lines[0].split() == ["ID", "USER", "NAME", "PREFIX", "CREATED", "LAST", "USED", "STATUS"]
    assert len(lines) == 3
    assert any("bob@example.com" in line and "revoked" in line for line in lines)
    only_bob = _run("list", "--user", "bob@example.com")[0].splitlines()
    assert len(only_bob) == 2 and "bob script" in only_bob[1]
    with pytest.raises(CommandError, match=re.escape("ghost@example.com")):
        _run("list", "--user", "ghost@example.com")


def test_list_with_no_tokens_says_so(db):
    out, err = _run("list")
    assert out == "" and "No API tokens yet" in err


def test_revoke_by_prefix_or_id(member: User):
    first, _ = ApiToken.issue(user=member, name="one")
    second, _ = ApiToken.issue(user=member, name="two")
    assert "Revoked" in _run("revoke", first.prefix)[0]
    _run("revoke", str(second.pk))
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
    with pytest.raises(CommandError, match="already revoked"):
        _run("revoke", first.prefix)
    with pytest.raises(CommandError, match="No API token"):
        _run("revoke", "pat_nope")


# Settings > API tokens


def test_user_creates_a_token_and_sees_it_once(member: User):
    client = client_for(member)
    response = client.post(PAGE, {"name": "Nightly export"})
    assert response.status_code == 200  # shown in the POST response, no redirect
    html = response.content.decode()
    plain = TOKEN_RE.search(html).group()  # type: ignore[union-attr]
    assert "Copy it now; it is not shown again." in html
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.user == member and token.key_hash == ApiToken.hash(plain)
    assert plain not in str(dict(client.session))
    later = client.get(PAGE).content.decode()
    assert "Nightly export" in later and token.prefix in later and not TOKEN_RE.search(later)


def test_blank_name_is_an_error(member: User):
    html = client_for(member).post(PAGE, {"name": " "}).content.decode()
    assert "Name is required" in html and not TOKEN_RE.search(html)
    assert not ApiToken.objects.exists()


def test_each_user_sees_only_their_own_tokens(admin: User, member: User):
    ApiToken.issue(user=admin, name="Admin's script")
    ApiToken.issue(user=member, name="Bob's script")
    html = client_for(member).get(PAGE).content.decode()
    assert "Bob&#x27;s script" in html and "Admin&#x27;s script" not in html


def test_user_revokes_their_token(member: User):
    token, _ = ApiToken.issue(user=member, name="export")
    response = client_for(member).post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_someone_elses_token_is_404(admin: User, member: User):
    token, _ = ApiToken.issue(user=admin, name="admin script")
    response = client_for(member).post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_revoke_needs_post(member: User):
    token, _ = ApiToken.issue(user=member, name="export")
    assert client_for(member).get(reverse("api_token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.is_active


def test_settings_links_to_api_tokens_for_everyone(admin: User, member: User, outsider: User):
    for user in (admin, member, outsider):
        html = client_for(user).get(reverse("settings")).content.decode()
        assert f'href="{PAGE}"' in html and "API tokens" in html


def test_anonymous_is_sent_to_login(client: Client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_django_admin_lists_tokens_read_only(admin: User):
    ApiToken.issue(user=admin, name="Admin script")
    client = client_for(admin)
    listing = client.get(reverse("admin:core_apitoken_changelist"))
    assert listing.status_code == 200 and "Admin script" in listing.content.decode()
    assert client.get(reverse("admin:core_apitoken_add")).status_code == 403


# Bearer authentication


def test_valid_token_authenticates_as_its_user(book: Book, member: User):
    token, plain = ApiToken.issue(user=member, name="script")
    response = Client().get(_metrics_url(book), headers=_bearer(plain))
    assert response.status_code == 200 and response.json()["mau"] == 0
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(book: Book, member: User):
    token, plain = ApiToken.issue(user=member, name="script")
    start = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    client = Client()
    for offset, expected in [(0, 0), (59, 0), (60, 60)]:
        with clock.frozen_at(start + dt.timedelta(seconds=offset)):
            assert client.get(_metrics_url(book), headers=_bearer(plain)).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == start + dt.timedelta(seconds=expected)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer pat_garbage", "Bearer ", "Basic Ym9iOnB3", "pat_no_scheme"],
    ids=["none", "garbage", "empty", "basic", "no-scheme"],
)
def test_missing_or_bad_credentials_are_401_json(book: Book, header: str | None):
    headers = {"Authorization": header} if header is not None else {}
    response = Client().get(_metrics_url(book), headers=headers)
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(book: Book, member: User):
    token, plain = ApiToken.issue(user=member, name="script")
    token.revoke()
    assert Client().get(_metrics_url(book), headers=_bearer(plain)).status_code == 401


def test_token_of_a_deactivated_user_is_401(book: Book, member: User):
    _, plain = ApiToken.issue(user=member, name="script")
    member.is_active = False
    member.save()
    assert Client().get(_metrics_url(book), headers=_bearer(plain)).status_code == 401


def test_signed_in_session_works_without_a_token(book: Book, member: User):
    assert client_for(member).get(_metrics_url(book)).status_code == 200


def test_docs_page_is_for_signed_in_people(member: User):
    assert client_for(member).get("/api/docs").status_code == 200
    response = Client().get("/api/docs")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
