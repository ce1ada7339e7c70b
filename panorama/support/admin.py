"""Admin screens: tickets and survey answers are read (and deleted) here but written through
the services, so that timeline entries and the audit log stay complete."""

from __future__ import annotations

from django.contrib import admin

from panorama.core.admin import RecordAdmin
from panorama.revenue.admin import deleting
from panorama.support import services
from panorama.support.models import SurveyResponse, Ticket


@admin.register(Ticket)
class TicketAdmin(RecordAdmin):
    list_display = ["subject", "account", "status", "priority", "channel", "created_at"]
    list_filter = ["status", "priority", "channel", "escalated"]
    list_select_related = ["account"]
    search_fields = ["subject", "external_id", "account__name"]
    delete_service = deleting(services.delete_ticket, "ticket")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(RecordAdmin):
    list_display = ["kind", "score", "account", "contact", "responded_at"]
    list_filter = ["kind"]
    list_select_related = ["account", "contact"]
    delete_service = deleting(services.delete_survey_response, "response")
