"""Pages: download buttons, the progress page of a slow render, the public sealed PDF, /verify."""
from __future__ import annotations

import io
import re

import pytest

from app.extensions import db
from tests.conftest import csrf_token_from


@pytest.mark.parametrize("app_config", [{"EXPORT_WAIT_SECONDS": 60}])  # a worker renders it: on a busy machine
def test_the_version_page_offers_the_sealed_pdf_and_gives_it(final_setup, client, login):
    login(client, final_setup["people"]["observer"])
    vid = final_setup["version"]["id"]
    page = client.get(f"/versions/{vid}").get_data(as_text=True)
    assert f'href="/versions/{vid}/export.pdf"' in page and "Download the sealed PDF" in page
    assert f'href="/documents/{final_setup["document"].id}/export.pdf"' in page
    response = client.get(f"/versions/{vid}/export.pdf")  # small: ready within EXPORT_WAIT_SECONDS
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("app_config", [{"EXPORT_WAIT_SECONDS": 0}])
def test_a_render_not_done_at_once_shows_a_progress_page_until_the_file_is_ready(final_setup, client, login):
    import time

    login(client, final_setup["people"]["observer"])
    response = client.get(f"/versions/{final_setup['version']['id']}/export.pdf")
    assert response.status_code == 302
    status_url = response.headers["Location"]
    assert re.fullmatch(r"/exports/\d+", status_url)
    page = client.get(status_url).get_data(as_text=True)
    assert 'role="status"' in page
    assert 'data-export-state="rendering"' in page or "Your PDF is ready" in page
    deadline = time.monotonic() + 60
    while "Your PDF is ready" not in page and time.monotonic() < deadline:
        time.sleep(0.5)
        page = client.get(status_url).get_data(as_text=True)
    assert "Your PDF is ready" in page and 'data-export-state="ready"' in page
    file_url = re.search(r'href="(/exports/\d+/file)"', page).group(1)
    pdf = client.get(file_url)
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")


def test_someone_outside_the_group_gets_404_for_exports(final_setup, client, login, make_user):
    from sqlalchemy import func, select

    from app.export.models import Export
    from app.util import utcnow

    document = final_setup["document"]
    theirs = Export(key="the-groups-draft", kind="draft", group_id=document.group_id, document_id=document.id,
                    status="rendering", started_at=utcnow())
    db.session.add(theirs)
    db.session.commit()
    login(client, make_user())
    for path in (f"/versions/{final_setup['version']['id']}/export.pdf", f"/documents/{document.id}/export.pdf",
                 f"/exports/{theirs.id}", f"/exports/{theirs.id}/file"):
        response = client.get(path)
        assert response.status_code == 404, path
        html = response.get_data(as_text=True)
        assert "We could not find that page" in html and document.title not in html, path
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Export.id))) == 1  # no render was started for them


def test_the_compare_page_offers_the_redline(final_setup, client, login):
    login(client, final_setup["people"]["observer"])
    page = client.get(f"/documents/{final_setup['document'].id}/compare").get_data(as_text=True)
    assert f"/documents/{final_setup['document'].id}/compare/export.pdf?" in page


def test_verify_page_needs_no_account_and_checks_an_uploaded_pdf(final_setup, api, client):
    pdf = api(final_setup["people"]["observer"]).get(f"/api/v1/versions/{final_setup['version']['id']}/export.pdf")
    page = client.get("/verify")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    answer = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(pdf.get_data()), "s.pdf")},
                         content_type="multipart/form-data")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Genuine" in text and final_setup["version"]["content_hash"] in text
    tampered = client.post("/verify", data={"csrf_token": token,
                                            "file": (io.BytesIO(pdf.get_data() + b"\n%x\n"), "s.pdf")},
                           content_type="multipart/form-data")
    assert "Modified after sealing: not what was sealed" in tampered.get_data(as_text=True)
    assert "genuine" not in tampered.get_data(as_text=True).lower()
    bad = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(b"hello"), "s.pdf")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "not a PDF" in bad.get_data(as_text=True)
    assert 'data-verdict="unreadable"' in bad.get_data(as_text=True)
    no_token = client.post("/verify", data={"file": (io.BytesIO(pdf.get_data()), "s.pdf")},
                           content_type="multipart/form-data")
    assert no_token.status_code == 400


def test_the_public_page_offers_the_sealed_pdf_once_published(final_setup, api, client):
    document = final_setup["document"]
    assert api(final_setup["people"]["coordinator"]).post(f"/api/v1/documents/{document.id}/publish",
                                                          json={"published": True}).status_code == 200
    db.session.refresh(document)
    page = client.get(f"/public/{document.public_key}").get_data(as_text=True)
    assert f"/public/{document.public_key}/export.pdf" in page and 'href="/verify"' in page
