"""Admin screens: pipelines and stages are set up here; records are read (and deleted)
here but written through the services, so that stage history, timeline entries and the audit
log stay complete."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from panorama.core.admin import RecordAdmin
from panorama.revenue import services
from panorama.revenue.models import (
    Contract,
    Deal,
    Invoice,
    Order,
    Pipeline,
    PipelineStage,
    Quote,
)


class StageInline(admin.TabularInline):
    model = PipelineStage
    extra = 0
    fields = ["name", "position", "probability", "is_won", "is_lost"]


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_default"]
    inlines = [StageInline]


def deleting(function: Any, keyword: str) -> Any:
    """A record admin's ``delete_service``: ``function(<keyword>=obj)``."""
    return staticmethod(lambda obj: function(**{keyword: obj}))


@admin.register(Deal)
class DealAdmin(RecordAdmin):
    list_display = ["name", "account", "stage", "status", "value", "currency", "owner"]
    list_filter = ["status", "pipeline", "currency"]
    list_select_related = ["account", "stage", "owner"]
    search_fields = ["name", "external_id", "account__name"]
    delete_service = deleting(services.delete_deal, "deal")


@admin.register(Quote)
class QuoteAdmin(RecordAdmin):
    account_path = "deal__account_id"
    list_display = ["number", "deal", "amount", "currency", "sent_at", "valid_until"]
    list_select_related = ["deal"]
    search_fields = ["number"]
    delete_service = deleting(services.delete_quote, "quote")


@admin.register(Order)
class OrderAdmin(RecordAdmin):
    list_display = ["number", "account", "deal", "amount", "currency", "placed_at"]
    list_select_related = ["account", "deal"]
    search_fields = ["number"]
    delete_service = deleting(services.delete_order, "order")


@admin.register(Contract)
class ContractAdmin(RecordAdmin):
    list_display = ["account", "plan", "mrr", "currency", "start_date", "end_date", "auto_renew"]
    list_filter = ["auto_renew", "currency", "plan"]
    list_select_related = ["account", "plan"]
    search_fields = ["account__name", "external_id"]
    delete_service = deleting(services.delete_contract, "contract")


@admin.register(Invoice)
class InvoiceAdmin(RecordAdmin):
    list_display = ["number", "account", "amount", "currency", "status", "issued_on", "due_on"]
    list_filter = ["status", "currency"]
    list_select_related = ["account"]
    search_fields = ["number", "account__name"]
    delete_service = deleting(services.delete_invoice, "invoice")
