"""A person logs in, opens the customer list and an account page, in real Chromium."""

import pytest

from conftest import PASSWORD, Book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_list_and_account_page(page, screenshot, book: Book, member):
    page.goto("/")
    assert page.url.endswith("/login/?next=/")
    screenshot("login")

    page.fill("input[name=username]", member.email)
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert (
        page.get_by_role("alert").inner_text().startswith("Please enter a correct e-mail address")
    )

    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/customers/")
    table = page.get_by_role("table", name="Customers")
    names = table.locator("tbody tr td:first-child strong").all_inner_texts()
    assert names == ["Acme", "Acme EMEA", "Globex"]  # Initech belongs to someone else
    # The stylesheet is served and applied (no CDN, no network).
    assert page.eval_on_selector(".sidebar", "el => getComputedStyle(el).display") == "flex"
    screenshot("customers")

    # Live search through htmx replaces the results without a page load.
    page.fill("input[name=q]", "glob")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    assert table.locator("tbody tr td:first-child strong").all_inner_texts() == ["Globex"]
    assert "q=glob" in page.url

    page.fill("input[name=q]", "")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 3")
    page.get_by_role("link", name="Acme EMEA").click()
    page.wait_for_url(f"**/customers/accounts/{book.acme_emea.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Acme EMEA"
    assert (
        page.get_by_role("navigation", name="Account hierarchy").inner_text().split("›")[1].strip()
        == "Acme"
    )
    screenshot("account-sub")

    page.get_by_role("navigation", name="Account hierarchy").get_by_role(
        "link", name="Acme"
    ).click()
    page.wait_for_url(f"**/customers/accounts/{book.acme.pk}/")
    assert page.get_by_text("Acme EMEA").count() >= 1
    screenshot("account")

    page.get_by_role("tab", name="Contacts").click()
    page.wait_for_selector("table[aria-label='Contacts of Acme']")
    assert "Jane Doe" in page.get_by_role("table", name="Contacts of Acme").inner_text()
    assert page.get_by_role("tab", name="Contacts").get_attribute("aria-selected") == "true"
    screenshot("account-contacts")

    page.goto(f"/customers/accounts/{book.initech.pk}/")
    assert "Not Found" in page.content()


def test_admin_navigates_the_shell(page, screenshot, book: Book, admin):
    page.goto("/login/")
    page.fill("input[name=username]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/customers/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Kanban").click()
    page.wait_for_url("**/customers/kanban/")
    run = page.get_by_role("region", name="Run")
    assert run.locator(".kanban-card strong").all_inner_texts() == ["Acme", "Acme EMEA", "Initech"]
    screenshot("kanban")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.wait_for_url("**/customers/contacts/")
    rows = page.get_by_role("table", name="Contacts").locator("tbody tr")
    assert rows.count() == 2
    assert "Acme, Initech" in rows.first.inner_text()  # Jane belongs to two accounts
    screenshot("contacts")

    page.get_by_role("link", name="Jane Doe").click()
    page.wait_for_url(f"**/customers/contacts/{book.jane.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Jane Doe"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Lifecycle stages").click()
    page.wait_for_url("**/admin/customers/stage/")
    assert page.get_by_role("link", name="Onboarding").count() == 1
    screenshot("admin-stages")

    page.goto(f"/customers/accounts/{book.acme.pk}/?tab=history")
    assert page.get_by_role("tab", name="History").get_attribute("aria-selected") == "true"
    screenshot("account-history")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/")
