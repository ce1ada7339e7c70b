"""A CSM reads an account's timeline: filters by type, searches, pages, groups, expands."""

import datetime as dt

import pytest

from conftest import PASSWORD, Book
from panorama.core.actors import Actor, acting_as
from panorama.timeline import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)

TOPICS = [
    ("Usage review", "Weekly active users are up 12% since the new dashboard shipped."),
    ("Security questionnaire", "They need the SOC 2 report before legal signs off."),
    ("Onboarding the EMEA team", "Training planned for the support agents in Lisbon."),
    ("Integration with their CRM", "The export job fails on custom fields; ticket raised."),
    ("Budget for next year", "Finance wants a multi-year discount before committing."),
]


def _history(book: Book, member) -> None:
    """Three months of a customer relationship: e-mails, calls, meetings, notes, tasks."""
    with acting_as(Actor("web", member)):
        for i in range(30):
            when = NOW - dt.timedelta(days=3 * i, hours=i % 5)
            title, text = TOPICS[i % len(TOPICS)]
            if i % 3 == 0:
                services.record_email(
                    account=book.acme,
                    message_id=f"m{i}@acme.com",
                    direction="inbound" if i % 2 else "outbound",
                    from_address="jane@acme.com" if i % 2 else member.email,
                    from_name="Jane Doe" if i % 2 else "Bob Member",
                    to=[member.email] if i % 2 else ["jane@acme.com"],
                    subject=title,
                    body=text,
                    new_text=text,
                    sent_at=when,
                    contacts=[book.jane],
                )
            elif i % 3 == 1:
                services.record_call_logged(
                    account=book.acme,
                    direction="outbound",
                    started_at=when,
                    disposition="connected" if i % 2 else "voicemail",
                    duration_seconds=60 * (5 + i),
                    contacts=[book.jane],
                    notes=f"{title}: {text}",
                )
            else:
                services.record_note_added(
                    account=book.acme, body=f"{title}\n{text}", created_at=when
                )
        services.record_meeting(
            account=book.acme,
            title="Renewal QBR",
            meeting_type="qbr",
            starts_at=NOW - dt.timedelta(days=1),
            ends_at=NOW - dt.timedelta(days=1) + dt.timedelta(hours=1),
            external_attendees=[book.jane],
            internal_attendees=[member],
            agenda="Usage, roadmap, renewal terms",
            outcome="They will renew for two years if the SSO fix ships in June.",
        )
        task = services.record_task_created(
            account=book.acme,
            title="Send the renewal proposal",
            assignee=member,
            created_at=NOW - dt.timedelta(days=3),
        )
        services.complete_task(task=task, completed_at=NOW - dt.timedelta(hours=2))
        services.record_market_signal(
            account=book.acme_emea,
            title="Acme EMEA opens a Madrid office",
            sentiment="positive",
            occurred_at=NOW - dt.timedelta(hours=5),
            source_url="https://news.example.com/acme-madrid",
        )


def _log_in(page, user) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/customers/")


def _titles(page) -> list[str]:
    return page.locator("#timeline-results .tl-title").all_inner_texts()


def test_filter_search_page_and_expand_the_timeline(page, screenshot, book: Book, member):
    _history(book, member)
    _log_in(page, member)
    page.goto(f"/customers/accounts/{book.acme.pk}/")
    page.get_by_role("tab", name="Timeline").click()
    page.wait_for_selector("#timeline-results .tl-entry")
    assert page.get_by_role("tab", name="Timeline").get_attribute("aria-selected") == "true"
    assert "tab=timeline" in page.url
    titles = _titles(page)
    assert len(titles) == 25
    # Newest first: Jane just joined, an e-mail now, the task completed two hours ago, the
    # QBR yesterday.
    assert titles[:4] == [
        "Jane Doe joined Acme",
        "Usage review",
        "Send the renewal proposal",
        "Renewal QBR",
    ]
    screenshot("timeline")

    # Load more: the rest is appended (30 interactions, the QBR, the task twice, Jane joining).
    page.get_by_role("button", name="Load more").click()
    page.wait_for_function("document.querySelectorAll('#timeline-results .tl-entry').length > 25")
    assert len(_titles(page)) == 34
    assert page.get_by_role("button", name="Load more").count() == 0
    assert _titles(page)[-1] == "Budget for next year"

    # Expanding an entry shows its full text, facts and a link to the contact.
    qbr = page.locator(".tl-entry", has_text="Renewal QBR")
    qbr.locator("summary").click()
    detail = qbr.locator(".tl-detail")
    assert detail.is_visible()
    assert "renew for two years if the SSO fix ships" in detail.inner_text()
    assert "QBR" in detail.locator("dl").inner_text()
    assert qbr.get_by_role("link", name="Jane Doe").first.get_attribute("href") == (
        f"/customers/contacts/{book.jane.pk}/"
    )
    screenshot("timeline-expanded")

    # Type filter: calls only; the URL keeps the filter.
    page.get_by_label("Call logged").check()
    page.wait_for_function(
        "[...document.querySelectorAll('#timeline-results .tl-type')]"
        ".every(e => e.textContent === 'Call logged')"
    )
    assert "type=call_logged" in page.url
    assert len(_titles(page)) == 10
    screenshot("timeline-calls")

    # Live search within the filter, then across every type.
    page.fill("#tl-q", "discount")
    page.wait_for_function("document.querySelectorAll('#timeline-results .tl-entry').length === 2")
    assert set(_titles(page)) == {
        "Outbound call with Jane Doe (voicemail)",
        "Outbound call with Jane Doe",
    }
    page.get_by_label("Call logged").uncheck()
    page.wait_for_function("document.querySelectorAll('#timeline-results .tl-entry').length === 6")
    assert "q=discount" in page.url and "type=" not in page.url
    screenshot("timeline-search")

    # Quotes and operators are words like any other: never an error.
    page.fill("#tl-q", '"budget (next')
    page.wait_for_function("document.querySelectorAll('#timeline-results .tl-entry').length === 6")
    page.fill("#tl-q", "nothing-like-this")
    page.wait_for_selector("#timeline-results .tl-empty")
    assert "matches these filters" in page.locator("#timeline-results").inner_text()

    # A bookmarked view opens as it was left.
    page.fill("#tl-q", "renewal")
    page.wait_for_function("document.querySelectorAll('#timeline-results .tl-entry').length === 3")
    bookmarked = page.url
    page.goto(bookmarked)
    assert page.locator("#tl-q").input_value() == "renewal"
    assert len(_titles(page)) == 3

    # Grouped by type; sub-accounts bring in Acme EMEA's market signal.
    page.fill("#tl-q", "")
    page.wait_for_function("document.querySelectorAll('#timeline-results .tl-entry').length === 25")
    page.get_by_text("By type", exact=True).click()
    page.wait_for_selector("#timeline-results .tl-group")
    groups = page.locator("#timeline-results .tl-group h2").all_inner_texts()
    assert groups == ["Communications", "Tasks", "System"]
    page.get_by_label("Include sub-accounts").check()
    page.wait_for_function(
        "document.querySelector('#timeline-results').innerText.includes('Madrid office')"
    )
    assert "view=grouped" in page.url and "subs=1" in page.url
    screenshot("timeline-grouped")

    # The account page's default tab still works.
    page.goto(f"/customers/accounts/{book.acme.pk}/")
    assert page.get_by_role("tab", name="Overview").get_attribute("aria-selected") == "true"


def test_contact_page_shows_their_timeline_on_visible_accounts(page, screenshot, book, member):
    _history(book, member)
    services.record_note_added(
        account=book.initech, contact=book.jane, body="Initech only: Jane asked for a demo"
    )
    _log_in(page, member)
    page.goto(f"/customers/contacts/{book.jane.pk}/")
    page.wait_for_selector("#timeline-results .tl-entry")
    text = page.locator("#timeline-results").inner_text()
    assert "Renewal QBR" in text
    assert "Initech only" not in text  # Initech is not the member's account
    page.select_option("select[name=person]", label="Bob Member")
    page.wait_for_function(
        "[...document.querySelectorAll('#timeline-results .tl-meta')]"
        ".every(e => e.textContent.includes('by Bob Member'))"
    )
    assert "person=u" in page.url
    screenshot("contact-timeline")
