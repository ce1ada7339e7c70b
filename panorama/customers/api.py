"""The customers REST API, mounted at ``/api/customers/``: accounts, contacts, memberships,
tags and custom fields.

Every read starts from what the caller may see (``core.visibility``); anything else answers
404 and is never changed. Lists are paged by keyset (``limit``, ``after``=the previous
page's ``next``). Writes go through ``customers.services`` in one transaction each and are
recorded in the attribute history with the caller as author (source ``api``). Bodies are
strict; errors name the fields at fault (see docs/api.md, "Customers").
"""

from __future__ import annotations

from ninja import Router

from panorama.customers.api_accounts import router as accounts_router
from panorama.customers.api_contacts import router as contacts_router
from panorama.customers.api_tags import router as tags_router

router = Router()
router.add_router("", accounts_router)
router.add_router("", contacts_router)
router.add_router("", tags_router)
