"""Admin screens for the customer domain; reads go through the user's visible accounts."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from panorama.core.visibility import visible_accounts, visible_contacts
from panorama.customers.models import (
    Account,
    AccountFollower,
    AttributeChange,
    Contact,
    CustomFieldDefinition,
    Membership,
    Plan,
    Stage,
    Tag,
)

# Links people paste without a scheme are https these days (and Django 6 will assume so).
URL_FIELDS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["contact", "account"]


class FollowerInline(admin.TabularInline):
    model = AccountFollower
    extra = 0
    verbose_name = "team member"
    verbose_name_plural = "team members"


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "stage", "status", "owner", "plan", "parent"]
    list_filter = ["stage", "status", "segment", "service_tier", "plan", "account_type"]
    search_fields = ["name", "domain", "external_id"]
    autocomplete_fields = ["parent", "owner"]
    filter_horizontal = ["tags"]
    list_select_related = ["stage", "owner", "plan", "parent"]
    inlines = [FollowerInline, MembershipInline]
    formfield_overrides = URL_FIELDS
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("name", "domain", "external_id", "logo_url", "description")}),
        (
            "Company",
            {
                "fields": (
                    "industry",
                    "employee_count",
                    "annual_revenue",
                    "city",
                    "country",
                    "linkedin_url",
                )
            },
        ),
        (
            "Relationship",
            {
                "fields": (
                    "parent",
                    "account_type",
                    "owner",
                    "stage",
                    "status",
                    "segment",
                    "service_tier",
                    "plan",
                    "customer_since",
                    "csm_pulse",
                    "qualification_state",
                    "tags",
                )
            },
        ),
        ("Custom fields", {"fields": ("custom_fields",)}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return visible_accounts(request.user).select_related("stage", "owner", "plan", "parent")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "title", "buying_role", "is_sponsor"]
    list_filter = ["buying_role", "is_sponsor"]
    search_fields = ["email", "first_name", "last_name", "external_id"]
    inlines = [MembershipInline]
    formfield_overrides = URL_FIELDS
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        return visible_contacts(request.user)


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "colour", "is_churn"]
    list_editable = ["position", "colour", "is_churn"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "list_mrr"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "colour"]
    search_fields = ["name"]


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "entity", "field_type", "is_synced", "source", "is_pinned"]
    list_filter = ["entity", "field_type", "is_synced", "is_pinned"]


@admin.register(AttributeChange)
class AttributeChangeAdmin(admin.ModelAdmin):
    """Read-only: history is written by the records' own saves, never by hand."""

    list_display = [
        "changed_at",
        "account",
        "contact",
        "field",
        "old_display",
        "new_display",
        "changed_by",
        "source",
    ]
    list_filter = ["source", "is_custom"]
    list_select_related = ["account", "contact", "changed_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AttributeChange]:
        visible = visible_accounts(request.user).values("pk")
        contacts = visible_contacts(request.user).values("pk")
        return super().get_queryset(request).filter(account_id__in=visible) | super().get_queryset(
            request
        ).filter(contact_id__in=contacts)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
