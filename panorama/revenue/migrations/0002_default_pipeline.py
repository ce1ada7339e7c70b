"""The default sales pipeline and its stages (admins may rename, reorder or add to them)."""

from django.db import migrations

DEFAULT_PIPELINE = "Sales"
# name, position, probability (%), closes as won, closes as lost
DEFAULT_STAGES = [
    ("Qualification", 10, 10, False, False),
    ("Discovery", 20, 20, False, False),
    ("Demo", 30, 40, False, False),
    ("Proposal", 40, 60, False, False),
    ("Negotiation", 50, 80, False, False),
    ("Closed won", 60, 100, True, False),
    ("Closed lost", 70, 0, False, True),
]


def create_pipeline(apps, schema_editor):
    Pipeline = apps.get_model("revenue", "Pipeline")
    PipelineStage = apps.get_model("revenue", "PipelineStage")
    pipeline, created = Pipeline.objects.get_or_create(
        name=DEFAULT_PIPELINE,
        defaults={"position": 0, "is_default": not Pipeline.objects.filter(is_default=True).exists()},
    )
    if not created:
        return
    for name, position, probability, is_won, is_lost in DEFAULT_STAGES:
        PipelineStage.objects.create(
            pipeline=pipeline,
            name=name,
            position=position,
            probability=probability,
            is_won=is_won,
            is_lost=is_lost,
        )


def remove_pipeline(apps, schema_editor):
    Pipeline = apps.get_model("revenue", "Pipeline")
    Pipeline.objects.filter(name=DEFAULT_PIPELINE, deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("revenue", "0001_initial")]
    operations = [migrations.RunPython(create_pipeline, remove_pipeline)]
