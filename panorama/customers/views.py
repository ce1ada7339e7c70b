"""Customer pages: thin views that look up what the user may see and render it."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from panorama.core import clock
from panorama.core.visibility import access_account, access_contact
from panorama.customers import queries
from panorama.revenue import queries as revenue_queries
from panorama.support.queries import fetch_account_support
from panorama.timeline.views import timeline_context
from panorama.usage.queries import fetch_account_usage_tab

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
ACCOUNT_TABS = ("overview", "timeline", "deals", "revenue", "usage", "contacts", "history")


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _with_partial(request: HttpRequest, template: str, partial: str) -> str:
    """The whole page, or only its ``partial`` region when htmx asks for it."""
    return f"{template}#{partial}" if getattr(request, "htmx", False) else template


@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")
    accounts = queries.accounts_for_list(request.user, search=search)  # type: ignore[arg-type]
    page = Paginator(accounts, _page_size(request)).get_page(request.GET.get("page"))
    return render(
        request,
        _with_partial(request, "customers/account_list.html", "results"),
        {
            "nav": "customers",
            "page": page,
            "q": search,
            "per_page": page.paginator.per_page,
            "page_sizes": PAGE_SIZES,
        },
    )


@require_GET
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_account(request.user, pk)
    tab = request.GET.get("tab", "overview")
    if tab not in ACCOUNT_TABS:
        tab = "overview"
    data = queries.fetch_account_360(request.user, account)  # type: ignore[arg-type]
    usage = fetch_account_usage_tab(account) if tab == "usage" else None
    deals = revenue_queries.fetch_account_deals(account) if tab == "deals" else None
    revenue = revenue_queries.fetch_account_revenue(account) if tab == "revenue" else None
    support = None
    if tab == "revenue":
        support = fetch_account_support(account, user=request.user)  # type: ignore[arg-type]
    timeline = {}
    if tab == "timeline":
        timeline = timeline_context(
            request,
            account=account,
            contacts=[m.contact for m in data.memberships],
            has_sub_accounts=bool(data.children),
        )
    return render(
        request,
        _with_partial(request, "customers/account_detail.html", "tab"),
        {
            "nav": "customers",
            "data": data,
            "account": account,
            "tab": tab,
            "tabs": ACCOUNT_TABS,
            "usage": usage,
            "deals": deals,
            "revenue": revenue,
            "support": support,
            **timeline,
        },
    )


@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")
    contacts = queries.contacts_for_list(request.user, search=search)  # type: ignore[arg-type]
    page = Paginator(contacts, _page_size(request)).get_page(request.GET.get("page"))
    return render(
        request,
        _with_partial(request, "customers/contact_list.html", "results"),
        {
            "nav": "contacts",
            "page": page,
            "q": search,
            "per_page": page.paginator.per_page,
            "page_sizes": PAGE_SIZES,
        },
    )


@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access_contact(request.user, pk)
    data = queries.fetch_contact_360(request.user, contact)  # type: ignore[arg-type]
    return render(
        request,
        "customers/contact_detail.html",
        {
            "nav": "contacts",
            "data": data,
            "contact": contact,
            **timeline_context(request, contact=contact),
        },
    )


@require_GET
def kanban(request: HttpRequest) -> HttpResponse:
    columns = queries.kanban_columns(request.user)  # type: ignore[arg-type]
    return render(
        request,
        "customers/kanban.html",
        {"nav": "kanban", "columns": columns, "per_stage": queries.KANBAN_CARDS_PER_STAGE},
    )


@require_GET
def contracts(request: HttpRequest) -> HttpResponse:
    """Contracts of the visible accounts, ending soonest first: active ones, or all."""
    show = "all" if request.GET.get("show") == "all" else "active"
    today = clock.today()
    contracts = revenue_queries.contracts_for_list(
        request.user,  # type: ignore[arg-type]
        active_on=today if show == "active" else None,
    )
    page = Paginator(contracts, _page_size(request)).get_page(request.GET.get("page"))
    return render(
        request,
        _with_partial(request, "customers/contracts.html", "results"),
        {
            "nav": "contracts",
            "page": page,
            "rows": revenue_queries.contract_rows(page.object_list, today),
            "show": show,
            "today": today,
            "per_page": page.paginator.per_page,
            "page_sizes": PAGE_SIZES,
        },
    )
