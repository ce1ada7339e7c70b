"""The revenue REST API, mounted at ``/api/revenue/``: pipelines, deals (stage moves, stage
history), quotes, orders, contracts (renewals) and invoices (payments).

Every read starts from what the caller may see (``revenue.queries``); anything else answers
404 and is never changed. Lists are paged by keyset (``limit``, ``after``) and filter by
``account`` and a window of time (``since`` inclusive, ``until`` exclusive). Writes go
through ``revenue.services`` only: the record, its timeline entry and its audit row in one
transaction, attributed to the caller (source ``api``). See docs/api.md, "Revenue".
"""

from __future__ import annotations

from ninja import Router

from panorama.revenue.api_contracts import router as contracts_router
from panorama.revenue.api_deals import router as deals_router

router = Router()
router.add_router("", deals_router)
router.add_router("", contracts_router)
