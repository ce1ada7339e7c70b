"""The default lifecycle stages: trial, onboarding, run, churn (admins may change them)."""

from django.db import migrations

DEFAULT_STAGES = [
    ("Trial", 10, "#0ea5e9", False),
    ("Onboarding", 20, "#8b5cf6", False),
    ("Run", 30, "#16a34a", False),
    ("Churn", 40, "#dc2626", True),
]


def create_stages(apps, schema_editor):
    Stage = apps.get_model("customers", "Stage")
    for name, position, colour, is_churn in DEFAULT_STAGES:
        Stage.objects.get_or_create(
            name=name, defaults={"position": position, "colour": colour, "is_churn": is_churn}
        )


def remove_stages(apps, schema_editor):
    Stage = apps.get_model("customers", "Stage")
    Stage.objects.filter(name__in=[s[0] for s in DEFAULT_STAGES], accounts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create_stages, remove_stages)]
