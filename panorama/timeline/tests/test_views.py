import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import client_for
from panorama.timeline import services
from panorama.timeline.models import Entry

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HTMX = {"HX-Request": "true"}


def _calls(book, n, account=None):
    for i in range(n):
        services.record_call_logged(
            account=account or book.acme,
            direction="outbound",
            started_at=T0 + dt.timedelta(hours=i),
            disposition="connected",
            contacts=[book.jane],
            notes=f"Renewal talk {i}",
            recording_url="https://calls.example.com/1",
        )


def test_the_account_page_has_a_timeline_tab(book, member):
    _calls(book, 3)
    response = client_for(member).get(f"/customers/accounts/{book.acme.pk}/?tab=timeline")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="tl-entry') == 4  # three calls and Jane joining Acme
    assert 'href="https://calls.example.com/1"' in html
    assert f'href="/customers/contacts/{book.jane.pk}/"' in html


def test_the_tab_is_404_for_someone_who_may_not_see_the_account(book, outsider):
    client = client_for(outsider)
    assert client.get(f"/customers/accounts/{book.acme.pk}/?tab=timeline").status_code == 404
    assert (
        client.get(f"/customers/accounts/{book.acme.pk}/timeline/", headers=HTMX).status_code == 404
    )
    assert (
        client.get(f"/customers/contacts/{book.jane.pk}/timeline/", headers=HTMX).status_code == 404
    )


def test_filters_answer_the_results_region_and_push_a_bookmarkable_url(book, member):
    _calls(book, 3)
    services.record_note_added(account=book.acme, body="Renewal is at risk", created_at=T0)
    client = client_for(member)
    url = f"/customers/accounts/{book.acme.pk}/timeline/?q=risk&type=note_added&view=list"
    response = client.get(url, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="timeline-results"' in html
    assert "<form" not in html  # the region only
    assert html.count('class="tl-entry') == 1
    assert response["HX-Push-Url"] == (
        f"/customers/accounts/{book.acme.pk}/?tab=timeline&type=note_added&q=risk"
    )
    # Without htmx, the same URL opens the page with those filters.
    page = client.get(url)
    assert page.status_code == 302
    assert page["Location"] == response["HX-Push-Url"]


def test_load_more_appends_the_next_entries(book, member, monkeypatch):
    monkeypatch.setattr("panorama.timeline.views.PAGE_SIZE", 2)
    _calls(book, 4)
    client = client_for(member)
    first = client.get(f"/customers/accounts/{book.acme.pk}/?tab=timeline").content.decode()
    cursor = first.split("cursor=")[1].split('"')[0]
    more = client.get(f"/customers/accounts/{book.acme.pk}/timeline/?cursor={cursor}", headers=HTMX)
    html = more.content.decode()
    assert html.count('class="tl-entry') == 2
    assert "HX-Push-Url" not in more
    bad = client.get(f"/customers/accounts/{book.acme.pk}/timeline/?cursor=nope", headers=HTMX)
    assert bad.status_code == 400


def test_the_contact_page_shows_their_timeline(book, member):
    _calls(book, 2)
    services.record_note_added(account=book.initech, contact=book.jane, body="Initech secret")
    html = client_for(member).get(f"/customers/contacts/{book.jane.pk}/").content.decode()
    assert "Outbound call with Jane Doe" in html
    assert "Initech secret" not in html


def test_unreadable_filters_are_ignored(book, member):
    _calls(book, 1)
    query = "tab=timeline&type=fax&from=yesterday&to=2026-13-01&person=x1&view=sideways"
    response = client_for(member).get(f"/customers/accounts/{book.acme.pk}/?{query}")
    assert response.status_code == 200
    assert response.content.decode().count('class="tl-entry') == 2


@pytest.mark.parametrize("persona_name", ["admin", "member"])
def test_the_tab_costs_the_same_queries_for_few_or_many_entries(book, request, persona_name):
    client = client_for(request.getfixturevalue(persona_name))
    url = f"/customers/accounts/{book.acme.pk}/?tab=timeline&q=renewal"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _calls(book, 1)
    few = count()
    _calls(book, 30)
    assert Entry.objects.filter(kind="call_logged").count() == 31
    assert count() == few
