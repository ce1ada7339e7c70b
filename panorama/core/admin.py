"""Admin for users (role, account visibility grant, the usual details), their API tokens, the
audit log, and the read-only base of every record admin."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from panorama.core.models import ApiToken, RecordChange, User
from panorama.core.visibility import visible_accounts


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "account_scope", "is_active"]
    list_filter = ["role", "account_scope", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("role", "account_scope", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "account_scope", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """A read-only list of API tokens. Each user issues and revokes their own in Settings >
    API tokens (or an operator with ``panorama api-token``); the admin sees the prefix only."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__email"]
    fields = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the token stays on record


class RecordAdmin(admin.ModelAdmin):
    """Read-only records of visible accounts; a delete goes through the record's service."""

    account_path = "account_id"
    delete_service: Any = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        visible = visible_accounts(request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.account_path}__in": visible})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        type(self).delete_service(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            type(self).delete_service(obj)


@admin.register(RecordChange)
class RecordChangeAdmin(RecordAdmin):
    """The audit log of records: read-only, never deleted by hand."""

    list_display = ["changed_at", "account", "record_type", "record_label", "action", "author"]
    list_filter = ["action", "record_type", "source"]
    list_select_related = ["account", "record_type", "changed_by"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
