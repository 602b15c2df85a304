"""In a real browser (issue #16): /verify's headline for a file changed after sealing, and the file as it was
sealed downloaded from the page's data: link (nothing is stored on the server), byte for byte."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import axe_check, submit, visit
from tests.endorsements.conftest import final_setup  # noqa: F401  (fixture)
from tests.export.conftest import sealed  # noqa: F401  (fixture)
from tests.export.test_verdicts import doctored_statement  # noqa: F401  (fixture)


def test_in_a_browser_the_modified_file_shows_its_verdict_and_the_sealed_file_downloads(
        doctored_statement, sealed, live_server, browser, tmp_path):  # noqa: F811  (fixtures imported above)
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    try:
        page = context.new_page()
        visit(page, "/verify")
        page.get_by_label("PDF file").set_input_files(
            files=[{"name": "statement.pdf", "mimeType": "application/pdf", "buffer": doctored_statement}])
        submit(page, page.get_by_role("button", name="Verify"))
        result = page.get_by_role("status", name="Result")
        expect(result.get_by_role("heading", level=2)).to_have_text("Modified after sealing: not what was sealed")
        expect(result).to_contain_text("What this file shows is not what was sealed.")
        with page.expect_download() as download_info:
            result.get_by_role("link", name="Download the file as it was sealed").click()
        path = tmp_path / "as-sealed.pdf"
        download_info.value.save_as(path)
        assert path.read_bytes() == sealed["pdf"]
        axe_check(page)
    finally:
        context.close()
