"""The shell's own pages: home, settings index, health check."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("customers:list")


@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "core/settings.html", {"nav": "settings"})


@require_GET
@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: answers once the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
