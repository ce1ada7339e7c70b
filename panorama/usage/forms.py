"""Forms of the usage pages: naming a new write key."""

from __future__ import annotations

from django import forms

from panorama.core.forms import secret_name_field


class WriteKeyForm(forms.Form):
    """The one thing an admin chooses about a new key: a name saying what sends with it."""

    name = secret_name_field(
        what_uses_it="What sends events with this key", examples=("Web app", "Billing backend")
    )
