"""Settings > API tokens: every signed-in user manages their own personal API tokens.

A token acts as its user in the REST API, so nobody sees or revokes anyone else's: another
user's token answers 404. A new token's plain text is rendered once, in the response to the
POST that created it: it is never put in a URL, the session or a message, and the response
is not cacheable.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from panorama.core.forms import secret_name_field
from panorama.core.models import ApiToken, User


class ApiTokenForm(forms.Form):
    """The one thing a user chooses about a new token: a name saying what uses it."""

    name = secret_name_field(
        what_uses_it="What will use this token", examples=("Nightly export", "BI dashboard")
    )


@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; on POST issue one and show its plain text once, here."""
    user: User = request.user  # type: ignore[assignment]  # signed in: LoginRequiredMiddleware
    form = ApiTokenForm(request.POST) if request.method == "POST" else ApiTokenForm()
    created: ApiToken | None = None
    plain = ""
    if form.is_bound and form.is_valid():
        created, plain = ApiToken.issue(user=user, name=form.cleaned_data["name"])
        form = ApiTokenForm()  # a fresh form, ready for the next token
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
    return render(
        request,
        "core/api_tokens.html",
        {
            "nav": "settings",
            "tokens": tokens,
            "form": form,
            "created": created,
            "plain_token": plain,
            "api_root": f"{request.scheme}://{request.get_host()}/api",
        },
    )


@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's tokens (it stays listed, marked revoked); others' are 404."""
    # Filtered by owner in the lookup itself: someone else's token id is "not found".
    token = get_object_or_404(ApiToken, pk=pk, user_id=request.user.pk)
    if token.is_active:
        token.revoke()
        messages.success(request, f"API token “{token.name}” ({token.prefix}…) revoked.")
    else:
        messages.info(request, f"API token “{token.name}” ({token.prefix}…) was already revoked.")
    return redirect("api_tokens")
