"""Form pieces shared by the pages that issue secrets (write keys, API tokens)."""

from __future__ import annotations

from django import forms


def secret_name_field(*, what_uses_it: str, examples: tuple[str, str]) -> forms.CharField:
    """The one thing people choose about a new key or token: a name saying what uses it."""
    return forms.CharField(
        label="Name",
        max_length=100,
        help_text=f"{what_uses_it}, e.g. “{examples[0]}” or “{examples[1]}”.",
        error_messages={
            "required": f"Name is required: say {what_uses_it[0].lower()}{what_uses_it[1:]}.",
            "max_length": (
                "Name must be at most %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"placeholder": examples[0], "autocomplete": "off"}),
    )
