"""The admin lists revenue and support records to admins only, read-only; deletes go through
the services (entries and audit rows follow)."""

import pytest
from django.urls import reverse

from conftest import client_for
from panorama.core.models import RecordChange
from panorama.revenue import services
from panorama.support import services as support
from panorama.timeline.models import Entry

pytestmark = pytest.mark.django_db

MODELS = [
    "revenue_pipeline",
    "revenue_deal",
    "revenue_quote",
    "revenue_order",
    "revenue_contract",
    "revenue_invoice",
    "core_recordchange",
    "support_ticket",
    "support_surveyresponse",
]


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("member", 404)])
def test_admin_lists_open_to_admins_only(request, book, sales, name, who, status):
    deal = services.record_deal_created(account=book.acme, name="Seats")
    services.record_quote_sent(deal=deal, number="Q-1", amount=1)
    support.record_ticket_opened(account=book.acme, subject="Help")
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == status


def test_deleting_in_the_admin_goes_through_the_service(book, sales, admin):
    deal = services.record_deal_created(account=book.acme, name="Seats")
    client = client_for(admin)
    response = client.post(reverse("admin:revenue_deal_delete", args=[deal.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Entry.objects.filter(kind="deal_created").exists()
    assert RecordChange.objects.filter(action="deleted", record_id=deal.pk).exists()
