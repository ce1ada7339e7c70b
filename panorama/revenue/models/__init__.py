"""The revenue app's models, one module per family."""

from panorama.revenue.models.contracts import (
    Contract,
    ContractQuerySet,
    Invoice,
    InvoiceStatus,
    PaymentStatus,
)
from panorama.revenue.models.deals import Deal, DealStageChange, DealStatus, Order, Quote
from panorama.revenue.models.pipelines import Pipeline, PipelineStage

__all__ = [
    "Contract",
    "ContractQuerySet",
    "Deal",
    "DealStageChange",
    "DealStatus",
    "Invoice",
    "InvoiceStatus",
    "Order",
    "PaymentStatus",
    "Pipeline",
    "PipelineStage",
    "Quote",
]
