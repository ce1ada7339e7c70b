"""Support reads: figures against hand-computed expectations, visibility, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from panorama.core.clock import frozen_at
from panorama.support import metrics, queries, services

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def test_ticket_figures_by_hand(book, admin):
    start = NOW - 10 * DAY
    # Resolved in 2 h and 10 h (average 6 h); first answers after 1 h and 3 h (average 2 h).
    services.record_ticket_opened(
        account=book.acme,
        subject="A",
        status="solved",
        created_at=start,
        first_response_at=start + HOUR,
        resolved_at=start + 2 * HOUR,
    )
    services.record_ticket_opened(
        account=book.acme,
        subject="B",
        status="closed",
        created_at=start,
        resolved_at=start + 10 * HOUR,
    )
    services.record_ticket_opened(
        account=book.acme,
        subject="C",
        status="pending",
        created_at=start,
        first_response_at=start + 3 * HOUR,
        escalated=True,
        escalated_at=start + 4 * HOUR,
    )
    services.record_ticket_opened(
        account=book.acme,
        subject="D",
        created_at=NOW - 200 * DAY,
        escalated=True,
        escalated_at=NOW - 199 * DAY,  # escalated, but not in the last 90 days
    )
    services.record_ticket_opened(account=book.globex, subject="Elsewhere", created_at=start)
    with frozen_at(NOW):
        result = queries.fetch_account_support(book.acme, user=admin)
    assert (result.total, result.open, result.escalated_recently) == (4, 2, 1)
    assert result.average_resolution == 6 * HOUR
    assert result.average_first_response == 2 * HOUR
    assert [t.subject for t in result.recent] == ["C", "B", "A", "D"]


def test_an_account_without_tickets_has_empty_figures(book, admin):
    result = queries.fetch_account_support(book.acme, user=admin)
    assert (result.total, result.open) == (0, 0)
    assert result.average_resolution is None and result.average_first_response is None
    assert result.surveys.nps is None and result.surveys.csat_average is None


def test_survey_figures_by_hand(book):
    def answer(kind, score, days_ago, **kwargs):
        return services.record_survey_response(
            account=book.acme,
            kind=kind,
            score=score,
            responded_at=NOW - days_ago * DAY,
            **kwargs,
        )

    for score, days_ago in [(10, 9), (9, 8), (8, 7), (3, 6), (6, 1)]:
        answer("nps", score, days_ago)
    rated = services.record_ticket_opened(account=book.acme, subject="Rated", created_at=NOW - DAY)
    answer("csat", 2, 5, ticket=rated)
    answer("csat", 4, 3)
    # A rating from the helpdesk with no answer behind it counts too, once.
    services.record_ticket_opened(account=book.acme, subject="Helpdesk", csat=5)
    answer("nps", 0, 1).delete()  # gone
    services.record_survey_response(account=book.globex, kind="nps", score=0)
    result = queries.fetch_survey_figures(book.acme)
    # 2 promoters, 1 passive, 2 detractors of 5: NPS = 40 % - 40 % = 0.
    assert (result.promoters, result.passives, result.detractors) == (2, 1, 2)
    assert result.nps == 0 and result.nps_count == 5
    assert result.nps_average == 7.2  # (10 + 9 + 8 + 3 + 6) / 5
    assert result.nps_latest is not None and result.nps_latest.score == 6
    assert result.csat_count == 3
    assert result.csat_average == pytest.approx(11 / 3)  # 2, 4 and the helpdesk's 5
    assert result.csat_latest is not None and result.csat_latest.score == 4


def test_nps_score():
    assert metrics.nps_score(promoters=7, detractors=1, total=10) == 60
    assert metrics.nps_score(promoters=0, detractors=3, total=3) == -100
    assert metrics.nps_score(promoters=0, detractors=0, total=0) is None
    assert metrics.weighted_average([(2.0, 1), (None, 0), (5.0, 3)]) == 4.25


@pytest.fixture
def records(book):
    made = {}
    for account in (book.acme, book.initech):
        made[account.name] = {
            "ticket": services.record_ticket_opened(account=account, subject=account.name),
            "survey": services.record_survey_response(account=account, kind="nps", score=9),
        }
    return made


LISTS = {
    "ticket": (queries.tickets_for_list, queries.access_ticket),
    "survey": (queries.survey_responses_for_list, queries.access_survey_response),
}


@pytest.mark.parametrize("kind", sorted(LISTS))
@pytest.mark.parametrize(
    ("who", "visible"),
    [("admin", {"Acme", "Initech"}), ("member", {"Acme"}), ("outsider", set())],
)
def test_each_persona_sees_only_the_records_of_visible_accounts(
    request, records, kind, who, visible
):
    user = request.getfixturevalue(who)
    for_list, access = LISTS[kind]
    assert set(for_list(user)) == {records[name][kind] for name in visible}
    for name in ("Acme", "Initech"):
        record = records[name][kind]
        if name in visible:
            assert access(user, record.pk) == record
        else:
            with pytest.raises(Http404):
                access(user, record.pk)


def test_a_list_narrows_to_one_account(records, admin, book):
    assert list(queries.tickets_for_list(admin, account=book.initech)) == [
        records["Initech"]["ticket"]
    ]


def _populate(account, n: int, offset: int) -> None:
    for i in range(offset, offset + n):
        ticket = services.record_ticket_opened(
            account=account,
            subject=f"T{i}",
            created_at=NOW - DAY,
            first_response_at=NOW - DAY + HOUR,
            escalated=True,
        )
        services.resolve_ticket(ticket=ticket, resolved_at=NOW)
        services.record_survey_response(account=account, kind="csat", score=4, ticket=ticket)
        services.record_survey_response(account=account, kind="nps", score=i % 11)


def _count(function) -> int:
    with CaptureQueriesContext(connection) as ctx:
        result = function()
        if not hasattr(result, "total"):
            for row in result:
                str(row.account)
    return len(ctx.captured_queries)


def test_reads_make_the_same_number_of_queries_at_1_and_50_records(book, member, admin):
    reads = {
        "fetch_account_support": lambda: queries.fetch_account_support(book.acme, user=admin),
        "tickets_for_list": lambda: queries.tickets_for_list(member),
        "survey_responses_for_list": lambda: queries.survey_responses_for_list(member),
    }
    _populate(book.acme, 1, 0)
    one = {name: _count(read) for name, read in reads.items()}
    _populate(book.acme, 49, 1)
    assert {name: _count(read) for name, read in reads.items()} == one


def test_the_support_tab_does_not_name_a_contact_the_reader_may_no_longer_see(book, member):
    from conftest import client_for
    from panorama.customers.models import Membership

    services.record_ticket_opened(account=book.acme, subject="SSO loops", contact=book.jane)
    # Jane leaves Acme (the member's account) but stays at Initech, which the member can't see.
    Membership.objects.filter(contact=book.jane, account=book.acme).delete()

    (ticket,) = queries.fetch_account_support(book.acme, user=member).recent
    assert vars(ticket)["contact_visible"] is False  # annotated by the query
    page = client_for(member).get(f"/customers/accounts/{book.acme.pk}/?tab=revenue")
    assert page.status_code == 200
    assert "SSO loops" in page.text and "Jane Doe" not in page.text
