"""Writes of the revenue domain, each with its timeline entry and audit row (one transaction).

Import from here: ``from panorama.revenue.services import record_deal_created``.
"""

from panorama.revenue.services.contracts import (
    delete_contract,
    delete_invoice,
    record_contract_signed,
    record_invoice_issued,
    record_invoice_paid,
    renew_contract,
    update_contract,
    update_invoice,
)
from panorama.revenue.services.deals import (
    delete_deal,
    delete_order,
    delete_quote,
    ensure_default_pipeline,
    move_deal_stage,
    record_deal_created,
    record_order_placed,
    record_quote_sent,
    update_deal,
    update_order,
    update_quote,
)

__all__ = [
    "delete_contract",
    "delete_deal",
    "delete_invoice",
    "delete_order",
    "delete_quote",
    "ensure_default_pipeline",
    "move_deal_stage",
    "record_contract_signed",
    "record_deal_created",
    "record_invoice_issued",
    "record_invoice_paid",
    "record_order_placed",
    "record_quote_sent",
    "renew_contract",
    "update_contract",
    "update_deal",
    "update_invoice",
    "update_order",
    "update_quote",
]
