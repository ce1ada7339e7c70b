"""Sales pipelines and their ordered stages, each with a win probability.

A stage may close a deal: ``is_won`` (probability 100) or ``is_lost`` (probability 0). A deal's
status (open, won, lost) is always its stage's, so there is one way to close a deal: move it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from panorama.revenue.models.common import ValidatedModel


class PipelineQuerySet(models.QuerySet["Pipeline"]):
    def default(self) -> Pipeline | None:
        """The pipeline new deals go to when none is named: the marked one, else the first."""
        return self.order_by("-is_default", "position", "id").first()


class Pipeline(ValidatedModel):
    """A sales process: a named, ordered list of stages."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(
        "default pipeline", default=False, help_text="Where new deals go when none is named."
    )

    objects = PipelineQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="pipeline_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PipelineStage(ValidatedModel):
    """One step of a pipeline, with the probability that a deal in it is won."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the pipeline.")
    probability = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text="Percent, 0 to 100."
    )
    is_won = models.BooleanField("closes as won", default=False)
    is_lost = models.BooleanField("closes as lost", default=False)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="pipeline_stage_name_unique"),
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="pipeline_stage_probability_0_100"
            ),
            models.CheckConstraint(
                condition=~Q(is_won=True, is_lost=True), name="pipeline_stage_won_or_lost"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closing(self) -> bool:
        return self.is_won or self.is_lost

    @property
    def status(self) -> str:
        """The status of a deal in this stage: ``won``, ``lost`` or ``open``."""
        return "won" if self.is_won else "lost" if self.is_lost else "open"

    def clean(self) -> None:
        self.name = self.name.strip()
        if self.is_won and self.is_lost:
            raise ValidationError({"is_lost": "A stage closes a deal as won or as lost, not both."})
        if self.is_won and self.probability != 100:
            raise ValidationError({"probability": "A won stage has a probability of 100."})
        if self.is_lost and self.probability != 0:
            raise ValidationError({"probability": "A lost stage has a probability of 0."})
