"""Forms of the usage pages: naming a new write key."""

from __future__ import annotations

from django import forms


class WriteKeyForm(forms.Form):
    """The one thing an admin chooses about a new key: a name saying what sends with it."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What sends events with this key, e.g. “Web app” or “Billing backend”.",
        error_messages={
            "required": "Name is required: say what will send events with this key.",
            "max_length": (
                "Name must be at most %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"placeholder": "Web app", "autocomplete": "off"}),
    )
