"""Admin for product usage: write keys, read-only (they are issued from Settings)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from panorama.usage.models import WriteKey


@admin.register(WriteKey)
class WriteKeyAdmin(admin.ModelAdmin):
    """A read-only list of keys. Keys are issued in Settings, under Write keys, the only place
    that can show the plain key (once); the admin never sees more than the prefix."""

    list_display = ["name", "prefix", "created_by", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["created_by"]
    search_fields = ["name", "prefix"]
    fields = ["name", "prefix", "created_by", "created_at", "revoked_at"]
    readonly_fields = ["name", "prefix", "created_by", "created_at", "revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead, in Settings: the key stays on record
