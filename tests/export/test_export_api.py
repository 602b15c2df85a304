"""The export API: sealed finals stored once per set of endorsements, drafts, redlines, permissions, verify."""
from __future__ import annotations

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.export.models import Export
from app.extensions import db
from tests.export.conftest import endorse_body, page_texts, run


def export_events(group):
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.group_id == group.id, AuditEvent.action == "export.render"))


def verify(api, data: bytes, **kw):
    return api().post("/api/v1/verify", data={"file": (__import__("io").BytesIO(data), "x.pdf")},
                      content_type="multipart/form-data", **kw)


def test_the_final_version_is_a_sealed_pdf_with_the_exact_text_and_its_endorsement(sealed):
    pdf, response = sealed["pdf"], sealed["response"]
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(pdf).hexdigest()
    assert "Signature Validation: Signature is Valid." in run("pdfsig", data=pdf)
    text = "\n".join(page_texts(pdf))
    for words in ("Fair ICT", "We agree.", "We act.", "City of Ghent", "Anna De Smet", "Deputy Mayor",
                  sealed["version"]["content_hash"]):
        assert words in text
    assert "City of Oslo" not in text  # Oslo has not endorsed
    assert "DRAFT" not in text
    info = run("pdfinfo", "-custom", data=pdf)
    assert re.search(rf"accordversionid:\s*{sealed['version']['id']}\n", info)
    assert re.search(rf"accordendorsements:\s*{sealed['ghent_endorsement']}\n", info)


def test_a_stored_export_is_served_again_without_rendering_and_each_render_is_an_audit_event(sealed, api):
    observer = api(sealed["people"]["observer"])
    again = observer.get(f"/api/v1/versions/{sealed['version']['id']}/export.pdf")
    assert again.status_code == 200 and again.get_data() == sealed["pdf"]
    assert db.session.scalar(select(func.count()).select_from(Export)) == 1
    assert export_events(sealed["group"]) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.render"))
    assert hashlib.sha256(sealed["pdf"]).hexdigest() in event.data


def test_a_new_or_withdrawn_endorsement_makes_a_new_export(sealed, api):
    people, vid = sealed["people"], sealed["version"]["id"]
    observer = api(people["observer"])
    assert api(people["editor"]).post(f"/api/v1/versions/{vid}/endorsements",
                                      json=endorse_body(sealed["oslo"])).status_code == 201
    with_oslo = observer.get(f"/api/v1/versions/{vid}/export.pdf").get_data()
    assert with_oslo != sealed["pdf"] and "City of Oslo" in "".join(page_texts(with_oslo))
    assert api(people["member"]).post(f"/api/v1/endorsements/{sealed['ghent_endorsement']}/withdraw",
                                      json={}).status_code == 200
    without_ghent = observer.get(f"/api/v1/versions/{vid}/export.pdf").get_data()
    assert "City of Ghent" not in "".join(page_texts(without_ghent))
    assert db.session.scalar(select(func.count()).select_from(Export)) == 3
    assert export_events(sealed["group"]) == 3


def test_two_requests_at_once_render_the_export_once(final_setup, app, api):
    vid = final_setup["version"]["id"]
    clients = [api(final_setup["people"]["observer"]), api(final_setup["people"]["editor"])]
    results = []

    def fetch(client):
        with app.app_context():
            response = client.get(f"/api/v1/versions/{vid}/export.pdf")
            results.append((response.status_code, response.get_data()))
            db.session.remove()

    db.session.commit()
    threads = [threading.Thread(target=fetch, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [status for status, _ in results] == [200, 200]
    assert results[0][1] == results[1][1]
    assert db.session.scalar(select(func.count()).select_from(Export)) == 1
    assert export_events(final_setup["group"]) == 1


@pytest.mark.parametrize("who, expected", [("observer", 200), ("outsider", 404), ("anonymous", 401)])
def test_who_may_export_a_version(final_setup, api, make_user, who, expected):
    user = make_user() if who == "outsider" else None if who == "anonymous" else final_setup["people"][who]
    response = api(user).get(f"/api/v1/versions/{final_setup['version']['id']}/export.pdf")
    assert response.status_code == expected
    if expected != 200:
        assert response.get_json()["error"]["code"]


def test_the_current_text_is_a_draft_marked_on_every_page_and_not_sealed(final_setup, api):
    document = final_setup["document"]
    response = api(final_setup["people"]["observer"]).get(f"/api/v1/documents/{document.id}/export.pdf")
    assert response.status_code == 200
    pdf = response.get_data()
    pages = page_texts(pdf)
    assert len(pages) >= 2 and all("DRAFT" in page for page in pages)
    assert "We agree." in "".join(pages)
    assert "does not contain any signatures" in run("pdfsig", data=pdf)


def test_a_redline_strikes_deletions_and_underlines_insertions(make_group, api):
    from app.documents.services import create_document

    group, people = make_group(roles=("observer", "editor"))
    document = create_document(people["editor"], group, title="Redline", kind="statement",
                               sections=[{"heading": "Aim", "body": "We buy cheap laptops."}])
    db.session.commit()
    editor = api(people["editor"])
    first = editor.post(f"/api/v1/documents/{document.id}/versions", json={"label": "one"}).get_json()["id"]
    section = editor.get(f"/api/v1/documents/{document.id}").get_json()["sections"][0]
    saved = editor.put(f"/api/v1/sections/{section['id']}",
                       json={"body": "We buy repairable laptops.", "base_revision": section["revision"]})
    assert saved.status_code == 200
    second = editor.post(f"/api/v1/documents/{document.id}/versions", json={"label": "two"}).get_json()["id"]
    response = api(people["observer"]).get(
        f"/api/v1/documents/{document.id}/compare/export.pdf?from={first}&to={second}")
    assert response.status_code == 200, response.get_data()[:300]
    text = "".join(page_texts(response.get_data()))
    assert "cheap" in text and "repairable" in text and "COMPARISON" in text
    missing = api(people["observer"]).get(f"/api/v1/documents/{document.id}/compare/export.pdf?from=999999&to={second}")
    assert missing.status_code == 404


def test_verify_a_genuine_sealed_pdf(sealed, api):
    answer = verify(api, sealed["pdf"])
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["verdict"] == "genuine" and body["genuine"] is True and body["problem"] is None
    assert body["signature_valid"] is True and body["modified_after_signing"] is False
    assert body["version_id"] == sealed["version"]["id"] and body["document_id"] == sealed["document"].id
    assert body["content_hash"] == sealed["version"]["content_hash"] and body["content_hash_matches"] is True
    assert [e["organisation"] for e in body["endorsements"]] == ["City of Ghent"]
    assert body["endorsements"][0]["withdrawn"] is False and body["stored_export"] is True


def test_verify_says_when_an_endorsement_in_the_pdf_was_withdrawn_since(sealed, api):
    assert api(sealed["people"]["member"]).post(f"/api/v1/endorsements/{sealed['ghent_endorsement']}/withdraw",
                                                json={"reason": "changed mind"}).status_code == 200
    body = verify(api, sealed["pdf"]).get_json()
    assert body["signature_valid"] is True and body["any_withdrawn"] is True
    assert body["endorsements"][0]["withdrawn"] is True and body["endorsements"][0]["withdrawn_at"]


def test_verify_reports_bytes_appended_after_sealing(sealed, api):
    body = verify(api, sealed["pdf"] + b"\n% appended after sealing\n").get_json()
    assert body["modified_after_signing"] is True and body["verdict"] == "modified_after_sealing"
    assert body["intact"] is False and body["signature_valid"] is False and body["content_hash_matches"] is None


def test_verify_reports_a_changed_byte_in_the_signed_range(sealed, api):
    pdf = bytearray(sealed["pdf"])
    position = pdf.index(b"We agree.") if b"We agree." in pdf else len(pdf) // 3
    pdf[position] ^= 0x01
    body = verify(api, bytes(pdf)).get_json()
    assert body["signature_valid"] is False and body["verdict"] == "seal_broken"
    assert body["content_hash_matches"] is None  # a broken seal learns nothing from the database


def test_verify_a_draft_says_it_carries_no_seal(final_setup, api):
    draft = api(final_setup["people"]["observer"]).get(f"/api/v1/documents/{final_setup['document'].id}/export.pdf")
    body = verify(api, draft.get_data()).get_json()
    assert body["signed"] is False and body["signature_valid"] is False and body["verdict"] == "no_seal"
    assert body["content_hash_matches"] is None


@pytest.mark.parametrize("data, code", [(b"", "empty_file"), (b"hello, not a pdf", "not_a_pdf"),
                                        (b"%PDF-1.7\n garbage \x00\xff", "not_a_pdf")])
def test_verify_refuses_bad_uploads_with_400(app, api, data, code):
    response = verify(api, data)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    if code == "not_a_pdf":  # the verdict `unreadable` stays a 400, as the contract has always said
        assert response.get_json()["error"]["details"]["verdict"] == "unreadable"


def test_verify_needs_the_file_field(app, api):
    wrong = api().post("/api/v1/verify", data={"document": (__import__("io").BytesIO(b"%PDF-1.7"), "x.pdf")},
                       content_type="multipart/form-data")
    assert wrong.status_code == 400 and wrong.get_json()["error"]["details"]["fields"]["file"]
    json_body = api().post("/api/v1/verify", json={"file": "x"})
    assert json_body.status_code == 400 and json_body.get_json()["error"]["details"]["fields"]["file"]
    assert "verdict" not in json_body.get_json()  # nothing was checked


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}])
def test_verify_refuses_a_file_too_large_with_413(app, api):
    response = verify(api, b"%PDF-1.7\n" + b"0" * 10000)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_the_public_may_download_the_sealed_pdf_of_a_published_statement(sealed, api, client):
    document = sealed["document"]
    assert client.get(f"/public/{document.id}/export.pdf").status_code == 404  # not published yet
    published = api(sealed["people"]["coordinator"]).post(f"/api/v1/documents/{document.id}/publish",
                                                           json={"published": True})
    assert published.status_code == 200, published.get_json()
    db.session.refresh(document)
    response = client.get(f"/public/{document.public_key}/export.pdf")
    assert response.status_code == 200 and response.get_data() == sealed["pdf"]


def test_a_roadmap_pdf_carries_its_actions_table(make_group, make_organisation, api):
    from app.documents.services import create_document

    group, people = make_group(roles=("observer", "editor"))
    oslo = make_organisation("City of Oslo", "NO")
    people["observer"].organisation_id = oslo.id  # an organisation taking part in the group
    document = create_document(people["editor"], group, title="Roadmap to fair ICT", kind="roadmap",
                               sections=[{"heading": "Timeline", "body": "What we do, and when."}])
    db.session.commit()
    created = api(people["editor"]).post(f"/api/v1/documents/{document.id}/actions", json={
        "title": "Publish a common tender template", "owner_organisation_id": oslo.id,
        "lead_user_id": people["editor"].id, "start_date": "2027-01-15", "due_date": "2027-06-30",
        "status": "in_progress"})
    assert created.status_code == 201, created.get_json()
    response = api(people["observer"]).get(f"/api/v1/documents/{document.id}/export.pdf")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", " ".join(page_texts(response.get_data())))
    assert "Actions" in text and "Publish a common tender template" in text
    assert "City of Oslo" in text and "In progress" in text and people["editor"].name in text


@pytest.mark.parametrize("app_config", [{"EXPORT_API_WAIT_SECONDS": 0}])
def test_an_export_not_ready_in_time_is_202_with_its_status_then_the_file(final_setup, api):
    import time

    observer = api(final_setup["people"]["observer"])
    response = observer.get(f"/api/v1/versions/{final_setup['version']['id']}/export.pdf")
    assert response.status_code == 202 and response.headers["Retry-After"]
    status_url = response.headers["Location"]
    assert response.get_json()["status"] == "rendering"
    deadline = time.monotonic() + 60
    status = observer.get(status_url).get_json()
    while status["status"] == "rendering" and time.monotonic() < deadline:
        time.sleep(0.3)
        status = observer.get(status_url).get_json()
    assert status["status"] == "ready" and status["sha256"]
    pdf = observer.get(status["file_url"])
    assert pdf.status_code == 200 and hashlib.sha256(pdf.get_data()).hexdigest() == status["sha256"]


def _updated(pdf: bytes, change) -> bytes:
    """The PDF with an incremental update made by `change(writer, reader)` appended."""
    from io import BytesIO

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    change(writer, PdfFileReader(BytesIO(pdf)))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_verify_answers_a_seal_made_unverifiable_on_purpose_without_an_error(sealed, api):
    """A seed-value dictionary that pyHanko cannot honour (it raises NotImplementedError) is a hostile file,
    not a server error."""
    from pyhanko.pdf_utils import generic

    def add_seed_values(writer, _reader):
        field = next(f.get_object() for f in writer.root["/AcroForm"]["/Fields"] if f.get_object().get("/T") == "Seal")
        field[generic.NameObject("/SV")] = generic.DictionaryObject({
            generic.NameObject("/Ff"): generic.NumberObject(2),
            generic.NameObject("/SubFilter"): generic.ArrayObject([])})
        writer.update_container(field)

    response = verify(api, _updated(sealed["pdf"], add_seed_values))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["verdict"] == "modified_after_sealing" and body["signature_valid"] is False
    assert body["sealed_revision"]["verdict"] == "genuine"


def test_verify_reads_no_number_out_of_digits_that_are_not_ascii(final_setup, api):
    """'²'.isdigit() is true and int('²') fails: an unsealed file claiming version '²' gets an answer."""
    from pyhanko.pdf_utils import generic

    draft = api(final_setup["people"]["observer"]).get(f"/api/v1/documents/{final_setup['document'].id}/export.pdf")

    def claim(writer, _reader):
        info = writer.trailer["/Info"].get_object()
        for key in ("/accordversionid", "/accorddocumentid"):
            info[generic.NameObject(key)] = generic.TextStringObject("²")
        info[generic.NameObject("/accordendorsements")] = generic.TextStringObject("²,9" + "9" * 5000)
        writer.update_container(info)

    response = verify(api, _updated(draft.get_data(), claim))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["version_id"] is None and response.get_json()["signature_valid"] is False


@pytest.mark.parametrize("app_config", [{"EXPORT_RENDER_MEMORY_MB": 40}])
def test_a_failed_export_is_not_rendered_again_for_every_request(final_setup, api):
    """A render that hit its limit answers 503; asking again within EXPORT_RETRY_FAILED_AFTER gives the same
    answer without starting another render process; after it, the export is tried again."""
    vid = final_setup["version"]["id"]
    reader = api(final_setup["people"]["observer"])
    first = reader.get(f"/api/v1/versions/{vid}/export.pdf")
    assert first.status_code == 503 and first.get_json()["error"]["code"] == "export_failed"
    export = db.session.scalar(select(Export).where(Export.version_id == vid))
    started = export.started_at
    again = reader.get(f"/api/v1/versions/{vid}/export.pdf")
    assert again.status_code == 503
    db.session.refresh(export)
    assert export.started_at == started and export.status == "failed"  # not claimed, not rendered again
    export.finished_at = export.finished_at - timedelta(seconds=301)
    db.session.commit()
    reader.get(f"/api/v1/versions/{vid}/export.pdf")
    db.session.refresh(export)
    assert export.started_at > started  # retried after the cool-down


@pytest.mark.parametrize("app_config", [{"EXPORT_MAX_RENDERS": 1}])
def test_no_more_renders_at_once_than_the_machine_is_given(final_setup, api):
    from app.util import utcnow

    document = final_setup["document"]
    db.session.add(Export(key="someone-elses-render", kind="draft", group_id=document.group_id,
                          document_id=document.id, status="rendering", started_at=utcnow()))
    db.session.commit()
    busy = api(final_setup["people"]["observer"]).get(f"/api/v1/versions/{final_setup['version']['id']}/export.pdf")
    assert busy.status_code == 503 and busy.get_json()["error"]["code"] == "busy"
    assert int(busy.headers["Retry-After"]) > 0  # when to ask again
    db.session.expire_all()
    assert db.session.execute(select(Export.key, Export.status)).all() == [("someone-elses-render", "rendering")]


@pytest.mark.parametrize("app_config", [{"RATELIMIT_VERIFY": "3 per minute"}])
def test_verifying_is_rate_limited(app, api):
    answers = [verify(api, b"%PDF-1.7\n not really").status_code for _ in range(4)]
    assert answers == [400, 400, 400, 429]
