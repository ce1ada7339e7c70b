"""Signing in and out."""

from django.urls import reverse

from conftest import PASSWORD


def test_login_with_email_and_password_opens_the_customer_list(client, member):
    response = client.post(reverse("login"), {"username": "BOB@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("customers:list")


def test_wrong_password_is_refused_with_a_clear_message(client, member):
    response = client.post(reverse("login"), {"username": member.email, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct e-mail address and password" in response.content.decode()


def test_logout_ends_the_session(client, member):
    client.force_login(member)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("customers:list")).status_code == 302


def test_healthz_answers_without_login(client, db):
    assert client.get(reverse("healthz")).json() == {"ok": True}
