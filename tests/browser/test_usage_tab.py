"""A CSM opens an account's Usage tab after its product sent events, in real Chromium."""

import base64
import datetime as dt
import json
import urllib.request

import pytest

from conftest import PASSWORD, Book
from panorama.usage.models import WriteKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _send(base_url: str, key: str, batch: list[dict]) -> None:
    request = urllib.request.Request(
        f"{base_url}/v1/batch",
        data=json.dumps({"batch": batch}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request) as response:
        assert json.load(response) == {"success": True}


def test_usage_tab_shows_figures_map_trends_and_live_events(
    page, screenshot, live_server, book: Book, member
):
    book.acme.external_id = "acme"
    book.acme.save()
    _, key = WriteKey.issue(name="web")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    events = [
        {"type": "identify", "userId": "jane", "traits": {"email": "jane@acme.com"}},
        {"type": "group", "userId": "jane", "groupId": "acme", "traits": {"name": "Acme"}},
    ]
    for days_back in range(0, 60, 3):  # every third day for two months, two sessions a day
        for minutes in (0, 5, 12, 180):
            moment = now - dt.timedelta(days=days_back, minutes=minutes)
            events.append({"type": "track", "userId": "jane", "groupId": "acme",
                           "event": "Report Created", "properties": {"format": "csv"},
                           "timestamp": moment.isoformat()})  # fmt: skip
        events.append({"type": "page", "userId": "jane", "groupId": "acme", "name": "Dashboard",
                       "timestamp": (now - dt.timedelta(days=days_back)).isoformat()})  # fmt: skip
    _send(live_server.url, key, events)

    page.goto("/login/")
    page.fill("input[name=username]", member.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/customers/")
    page.goto(f"/customers/accounts/{book.acme.pk}/")
    page.get_by_role("tab", name="Usage").click()
    page.wait_for_selector("[aria-label='Usage figures']")

    screenshot("usage")
    figures = page.get_by_label("Usage figures").inner_text()
    assert "MAU\n1" in figures.replace("\t", "\n")
    heatmap = page.locator("svg.heatmap")
    assert heatmap.locator("rect").count() == 365
    assert heatmap.locator("title", has_text=": 1 pageviews").count() == 20  # one a visit day
    assert "Report Created" in page.get_by_role("table", name="Event trends").inner_text()
    live = page.get_by_role("table", name="Live view")
    assert live.locator("tbody tr").count() == 25
    assert "format=csv" in live.inner_text()
    assert "Jane Doe" in live.inner_text()  # identify matched the existing contact by e-mail
    screenshot("usage")
