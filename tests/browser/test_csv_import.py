"""An admin imports accounts from a CSV file: upload, fix the column mapping, preview, apply."""

import pytest

from conftest import PASSWORD, Book
from panorama.customers.models import Account, AttributeChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    b"Company Name,Website,Employees,Lifecycle stage,Notes\n"
    b"Umbrella,umbrella.com,120,Onboarding,call back\n"
    b'Acme Corp,acme.com,"1,500",Run,\n'
    b"Hooli,hooli.xyz,many,Run,\n"
)


def test_upload_preview_and_apply(page, screenshot, book: Book, admin, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    page.goto("/login/")
    page.fill("input[name=username]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/customers/")

    page.goto("/settings/import/")
    page.select_option("select[name=kind]", "accounts")
    page.set_input_files(
        "input[name=file]", files=[{"name": "crm.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    screenshot("upload")
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url("**/settings/import/*/")
    assert "Unknown column: Notes" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("button", name="Apply: import").is_disabled()
    screenshot("unknown-column")

    # Mapping the column refreshes the preview in place (htmx), without a page load.
    page.get_by_label("Notes").select_option("description")
    page.wait_for_selector("[data-count=create]")
    errors = page.get_by_role("table", name="Row errors")
    assert "expects a whole number, got 'many'" in errors.inner_text()
    creates = page.get_by_role("table", name="Rows to create")
    assert "Umbrella" in creates.inner_text() and "Hooli" not in creates.inner_text()
    updates = page.get_by_role("table", name="Rows to update")
    assert "Acme Corp" in updates.inner_text()
    apply = page.get_by_role("button", name="Apply: create 1, update 1")
    assert apply.is_disabled()
    screenshot("preview-with-error")

    page.get_by_label("Skip rows with errors and import the others").check()
    page.wait_for_function("!document.querySelector('button[name=apply]').disabled")
    assert Account.objects.count() == 4  # still only a preview
    page.get_by_role("button", name="Apply: create 1, update 1").click()
    page.wait_for_selector("text=Import applied")
    assert page.get_by_role("heading", level=1).inner_text() == "Imported accounts"
    screenshot("applied")

    umbrella = Account.objects.get(domain="umbrella.com")
    assert (umbrella.employee_count, umbrella.description) == (120, "call back")
    book.acme.refresh_from_db()
    assert (book.acme.name, book.acme.employee_count) == ("Acme Corp", 1500)
    assert AttributeChange.objects.filter(account=book.acme, changed_by=admin).count() == 2
    assert not Account.objects.filter(domain="hooli.xyz").exists()
    assert list(tmp_path.joinpath("imports").iterdir()) == []
