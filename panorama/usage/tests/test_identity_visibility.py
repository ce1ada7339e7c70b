"""What ingestion stores can't smuggle links or other accounts' people onto a page."""

import pytest
from django.test import Client

from conftest import Book, client_for
from panorama.core.models import ApiToken
from panorama.customers.models import Membership
from panorama.usage.tests.conftest import PostJson

pytestmark = pytest.mark.django_db


def ok(response) -> None:
    assert response.status_code == 200, response.content[:300]


def test_a_javascript_link_trait_is_not_kept_as_a_link(
    tracking: Client, post_json: PostJson, book: Book, member
):
    book.acme.external_id = "acme-g"
    book.acme.save()
    traits = {"linkedin": "javascript:alert(document.cookie)", "logo": "data:text/html,x"}
    ok(post_json(tracking, "/v1/group", {"userId": "x1", "groupId": "acme-g", "traits": traits}))
    book.acme.refresh_from_db()
    assert (book.acme.linkedin_url, book.acme.logo_url) == ("", "")
    assert (
        "javascript:" not in client_for(member).get(book.acme.get_absolute_url()).content.decode()
    )


def test_a_linked_anonymous_visitor_becomes_a_member_of_the_account_they_used(
    tracking: Client, post_json: PostJson, book: Book
):
    book.acme.external_id = "acme-g"
    book.acme.save()
    book.john.external_id = "u-john"
    book.john.save()
    ok(
        post_json(
            tracking, "/v1/track", {"anonymousId": "a1", "event": "Clicked", "groupId": "acme-g"}
        )
    )
    ok(post_json(tracking, "/v1/identify", {"anonymousId": "a1", "userId": "u-john"}))
    assert Membership.objects.filter(contact=book.john, account=book.acme).exists()


def test_events_of_a_non_member_read_as_anonymous(
    tracking: Client, post_json: PostJson, book: Book, member
):
    book.acme.external_id = "acme-g"
    book.acme.save()
    book.john.external_id = "u-john"  # John is at Initech only, hidden from the member
    book.john.save()
    ok(
        post_json(
            tracking, "/v1/track", {"userId": "u-john", "event": "Clicked", "groupId": "acme-g"}
        )
    )
    Membership.objects.filter(contact=book.john, account=book.acme).delete()  # e.g. left Acme

    usage = client_for(member).get(book.acme.get_absolute_url(), {"tab": "usage"}).content.decode()
    assert "John" not in usage and "anonymous" in usage
    _, token = ApiToken.issue(user=member, name="t")
    events = (
        Client()
        .get(
            f"/api/usage/accounts/{book.acme.pk}/events",
            headers={"Authorization": f"Bearer {token}"},
        )
        .json()
    )
    assert [item["contact"] for item in events["items"]] == [None]
