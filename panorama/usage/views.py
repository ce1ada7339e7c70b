"""Settings pages for product usage: the write keys integrations send events with.

Admins only; for anyone else signed in these pages do not exist (404, so nothing is leaked).
A new key's plain text is rendered once, in the response to the POST that created it: it is
never put in a URL, the session or a message, and the response is not cacheable.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from panorama.usage.forms import WriteKeyForm
from panorama.usage.models import WriteKey

View = Callable[..., HttpResponse]


def admin_only(view: View) -> View:
    """404 for anyone but an admin, checked before the HTTP method (no 405 hint either)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_admin", False):
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return guarded


@admin_only
@never_cache
@require_http_methods(["GET", "POST"])
def write_keys(request: HttpRequest) -> HttpResponse:
    """List the keys; on POST issue one and show its plain text once, in this response."""
    form = WriteKeyForm(request.POST) if request.method == "POST" else WriteKeyForm()
    created: WriteKey | None = None
    plain = ""
    if form.is_bound and form.is_valid():
        created, plain = WriteKey.issue(name=form.cleaned_data["name"], created_by=request.user)
        form = WriteKeyForm()  # a fresh form, ready for the next key
    keys = WriteKey.objects.select_related("created_by").order_by("-created_at", "-pk")
    return render(
        request,
        "usage/write_keys.html",
        {
            "nav": "settings",
            "keys": keys,
            "form": form,
            "created": created,
            "plain_key": plain,
            "ingest_host": f"{request.scheme}://{request.get_host()}",
        },
    )


@admin_only
@require_POST
def write_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a key (it stays listed, marked revoked) and go back to the list with a message."""
    key = get_object_or_404(WriteKey, pk=pk)
    if key.is_active:
        key.revoke()
        messages.success(request, f"Write key “{key.name}” ({key.prefix}…) revoked.")
    else:
        messages.info(request, f"Write key “{key.name}” ({key.prefix}…) was already revoked.")
    return redirect("usage:write_keys")
