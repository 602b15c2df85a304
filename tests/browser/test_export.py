"""In a real browser: download a sealed PDF through the progress page, then verify it at /verify."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check, sign_in, submit, visit
from tests.conftest import PASSWORD
from tests.endorsements.conftest import final_setup  # noqa: F401  (fixture)


@pytest.fixture
def app_config():
    return {"EXPORT_WAIT_SECONDS": 0}  # always show the progress page, as for a long document


def test_download_the_sealed_pdf_through_the_progress_page_and_verify_it(final_setup, new_page, tmp_path):  # noqa: F811
    observer = final_setup["people"]["observer"]
    vid = final_setup["version"]["id"]
    content_hash = final_setup["version"]["content_hash"]
    page = new_page()
    sign_in(page, observer.email, PASSWORD)
    visit(page, f"/versions/{vid}")
    with page.expect_navigation():
        page.get_by_role("link", name="Download the sealed PDF").click()
    expect(page).to_have_url(re.compile(r"/exports/\d+$"))
    axe_check(page)
    status = page.get_by_role("status")
    expect(status).to_contain_text("Your PDF is ready", timeout=60_000)
    axe_check(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    path = tmp_path / "sealed.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")

    anonymous = new_page()
    visit(anonymous, "/verify")
    anonymous.get_by_label("PDF file").set_input_files(str(path))
    submit(anonymous, anonymous.get_by_role("button", name="Verify"))
    result = anonymous.get_by_role("status", name="Result")
    expect(result).to_contain_text("Genuine")
    expect(result).to_contain_text(content_hash)


@pytest.mark.parametrize("app_config", [{"EXPORT_WAIT_SECONDS": 0, "EXPORT_PRERENDER": True}])
def test_on_a_final_document_the_first_download_is_the_sealed_pdf_already_stored(final_setup, new_page,  # noqa: F811
                                                                                  tmp_path):
    """The sealed PDF was rendered when the text became final: the download comes at once, with no progress page
    even though the app would not wait a moment for a render; the draft of the current text comes second."""
    document, version = final_setup["document"], final_setup["version"]
    page = new_page()
    sign_in(page, final_setup["people"]["observer"].email, PASSWORD)
    visit(page, f"/documents/{document.id}")
    axe_check(page)
    links = page.locator("a.export-link")
    expect(links.first).to_have_text(f"Download the sealed final PDF (Version {version['number']}, Final text)")
    expect(links.nth(1)).to_contain_text("draft PDF (marked DRAFT, not sealed)")
    with page.expect_download() as download_info:
        links.first.click()
    path = tmp_path / "final.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert download_info.value.suggested_filename.endswith("-sealed.pdf")


def test_a_representative_downloads_the_board_pack_of_their_organisation_from_the_version_page(
        final_setup, new_page, tmp_path):  # noqa: F811
    member = final_setup["people"]["member"]  # represents the City of Ghent
    page = new_page()
    sign_in(page, member.email, PASSWORD)
    visit(page, f"/versions/{final_setup['version']['id']}")
    axe_check(page)
    expect(page.get_by_role("region", name="Board packs")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Board pack for City of Ghent").click()
    expect(page).to_have_url(re.compile(r"/exports/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Your PDF is ready", timeout=60_000)
    axe_check(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    path = tmp_path / "pack.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert "board-pack-city-of-ghent" in download_info.value.suggested_filename
