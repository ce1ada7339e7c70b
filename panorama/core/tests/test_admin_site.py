"""The admin site is for admins; to anyone else signed in it does not exist."""

import pytest
from django.urls import reverse

from conftest import Book, client_for
from panorama.core.models import Role, User


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("member", 404), ("outsider", 404)])
def test_admin_pages_per_persona(request, book: Book, who, status):
    client = client_for(request.getfixturevalue(who))
    for url in [
        reverse("admin:index"),
        reverse("admin:customers_account_changelist"),
        reverse("admin:customers_account_change", args=[book.initech.pk]),
        reverse("admin:core_user_changelist"),
    ]:
        assert client.get(url).status_code == status, url


def test_anonymous_visitors_are_sent_to_log_in(client, book: Book):
    response = client.get(reverse("admin:customers_account_change", args=[book.acme.pk]))
    assert response.status_code == 302


def test_role_drives_admin_flags(db):
    user = User.objects.create_user("x@example.com", "pw-123456789")
    assert (user.is_staff, user.is_superuser, user.is_admin) == (False, False, False)
    user.role = Role.ADMIN
    user.save(update_fields=["role"])
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser, user.is_admin) == (True, True, True)


def test_admin_edits_are_validated_and_recorded_in_history(book: Book, admin):
    client = client_for(admin)
    url = reverse("admin:customers_account_change", args=[book.acme.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "tags"}
    data.update(
        {
            "name": "Acme",
            "parent": book.acme_emea.pk,  # a cycle
            "followers-TOTAL_FORMS": 0,
            "followers-INITIAL_FORMS": 0,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
            "custom_fields": "{}",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "sub-account of this account" in response.content.decode()
    data["parent"] = ""
    data["city"] = "Berlin"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    change = book.acme.attribute_changes.get(field="city")
    assert (change.new_value, change.changed_by, change.source) == ("Berlin", admin, "admin")


@pytest.mark.parametrize(("who", "status"), [("member", 404), ("outsider", 404)])
def test_the_admin_login_page_is_404_to_signed_in_members(request, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("admin:login")).status_code == status
