"""RFC 3161 time stamps (issue #16): with EXPORT_TSA_URL the seal carries a signature time stamp (PAdES B-T),
and verification reports its time and authority.

Proved against a real time-stamp server: certomancer's animator (tests/export/tsa/), on 127.0.0.1 and a
free port, with its own root CA and a TSA certificate for time stamping. Not pyHanko's DummyTimeStamper.
"""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from app.export.aio import run_coroutine
from app.export.validate import check_pdf
from tests.export.conftest import run
from tests.export.test_export_api import verify
from tests.export.test_verdicts import verify_page
from tests.export.tsa.server import AUTHORITY, running_tsa
from tests.live import _free_port


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    with running_tsa(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture(scope="module")
def unsealed(print_app, sealed_sample):
    from app.export.render import render_pdf

    with print_app.app_context():
        return render_pdf(sealed_sample["html"], timeout=60, memory_mb=2048, tags=True).pdf


@pytest.fixture(scope="module")
def stamped(print_app, unsealed, tsa):
    """The sample statement sealed with a time stamp from the test TSA, and when that happened."""
    from app.export.seal import seal_pdf

    config = {**print_app.config, "EXPORT_TSA_URL": tsa.url}
    return {"pdf": seal_pdf(unsealed, config), "at": datetime.now(UTC)}


def seal_status(pdf: bytes, seal_certificate, tsa_root=None):
    signature = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    ts_context = ValidationContext(trust_roots=[tsa_root]) if tsa_root is not None else None
    return run_coroutine(lambda: async_validate_pdf_signature(
        signature, ValidationContext(trust_roots=[seal_certificate]), ts_validation_context=ts_context))


def seconds_from(iso: str, moment: datetime) -> float:
    return abs((datetime.fromisoformat(iso) - moment).total_seconds())


# --- the seal's time stamp ------------------------------------------------------------------------------

def test_a_seal_made_with_a_tsa_carries_its_time_stamp_and_pyhanko_accepts_it(stamped, seal_certificate, tsa):
    status = seal_status(stamped["pdf"], seal_certificate, tsa.root)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    stamp = status.timestamp_validity
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    assert abs((stamp.timestamp - stamped["at"]).total_seconds()) < 30
    assert stamp.signing_cert.dump() == tsa.certificate.dump()
    assert stamp.signing_cert.subject.native["common_name"] == AUTHORITY


def test_the_time_stamped_seal_stays_valid_for_pdfsig_and_pdf_a_3b(stamped):
    output = run("pdfsig", data=stamped["pdf"])
    assert "Signature Validation: Signature is Valid." in output and "Total document signed" in output
    info = run("pdfinfo", "-meta", data=stamped["pdf"])
    assert 'pdfaid:part="3"' in info and 'pdfaid:conformance="B"' in info
    assert re.search(r"PDF version:\s+1\.7", run("pdfinfo", data=stamped["pdf"]))


def test_the_check_reports_the_time_stamp_time_and_authority(stamped, seal_certificate, tsa):
    check = check_pdf(stamped["pdf"], seal_certificate, tsa_roots=[tsa.root])
    assert check.verdict == "genuine"
    assert seconds_from(check.timestamp["at"], stamped["at"]) < 30
    assert AUTHORITY in check.timestamp["authority"]
    assert check.timestamp["valid"] is True and check.timestamp["trusted"] is True
    # An authority nobody configured is reported as valid but not trusted; the seal stays genuine.
    unknown = check_pdf(stamped["pdf"], seal_certificate)
    assert unknown.verdict == "genuine" and unknown.timestamp["valid"] is True
    assert unknown.timestamp["trusted"] is False


def test_with_authorities_configured_a_stamp_from_another_reads_as_changed(stamped, seal_certificate):
    """The stamp lies outside the signed bytes: anyone can put their own there. When the installation names its
    authorities, a seal of ours carrying a stamp from any other was changed after sealing."""
    check = check_pdf(stamped["pdf"], seal_certificate, tsa_roots=[seal_certificate])  # an unrelated root
    assert check.timestamp["valid"] is True and check.timestamp["trusted"] is False
    assert check.verdict == "modified_after_sealing" and not check.genuine


def test_a_seal_without_tsa_carries_no_time_stamp(sealed_sample, seal_certificate):
    check = check_pdf(sealed_sample["pdf"], seal_certificate)
    assert check.verdict == "genuine" and check.timestamp is None
    assert seal_status(sealed_sample["pdf"], seal_certificate).timestamp_validity is None


def _with_time_stamp_token_replaced(pdf: bytes, token: cms.ContentInfo) -> bytes:
    """The seal with its time-stamp token swapped for another: /Contents lies outside the signed bytes."""
    signature = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    start, end = signature.sig_object["/ByteRange"][1], signature.sig_object["/ByteRange"][2]
    content_info = cms.ContentInfo.load(signature.pkcs7_content)
    signer_info = content_info["content"]["signer_infos"][0]
    attributes = signer_info["unsigned_attrs"]
    for attribute in attributes:
        if attribute["type"].native == "signature_time_stamp_token":
            attribute["values"] = [token]
    signer_info["unsigned_attrs"] = attributes
    new_hex = cms.ContentInfo.load(content_info.dump(force=True)).dump().hex().encode("ascii")
    room = end - start - 2  # between "<" and ">"
    assert len(new_hex) <= room
    return pdf[:start + 1] + new_hex + b"0" * (room - len(new_hex)) + pdf[end - 1:]


def test_a_time_stamp_that_does_not_verify_reads_as_nothing_genuine(stamped, seal_certificate, tsa):
    other = run_coroutine(lambda: RequestsHTTPTimeStamper(tsa.url).async_timestamp(
        hashlib.sha256(b"another signature").digest(), "sha256"))
    forged = _with_time_stamp_token_replaced(stamped["pdf"], other)
    assert forged[:100] == stamped["pdf"][:100] and len(forged) == len(stamped["pdf"])
    check = check_pdf(forged, seal_certificate, tsa_roots=[tsa.root])
    assert check.timestamp is not None and check.timestamp["valid"] is False
    assert check.verdict == "seal_broken" and not check.genuine


# --- a document time stamp added later ------------------------------------------------------------------

def time_stamped_later(pdf: bytes, tsa) -> bytes:
    """pyHanko's synchronous timestamp_pdf calls asyncio.run(), which fails in a thread that already runs an
    event loop (after the browser tests, the test process's own): the coroutine through app.export.aio."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    stamper = PdfTimeStamper(RequestsHTTPTimeStamper(tsa.url))
    return run_coroutine(lambda: stamper.async_timestamp_pdf(writer, "sha256")).getvalue()


def test_a_later_document_time_stamp_is_genuine_with_later_signatures(sealed_sample, seal_certificate, tsa):
    later = time_stamped_later(sealed_sample["pdf"], tsa)
    check = check_pdf(later, seal_certificate)
    assert check.verdict == "genuine_with_later_signatures" and check.genuine
    assert check.modification == "LTA_UPDATES"
    [stamp] = check.later_signatures
    assert stamp["kind"] == "document_time_stamp" and AUTHORITY in stamp["signer"]
    assert seconds_from(stamp["at"], datetime.now(UTC)) < 60
    assert check.timestamp is None  # the seal itself carries none
    assert "Signature is Valid." in run("pdfsig", data=later)


# --- through the app: export, /verify and the API -------------------------------------------------------

@pytest.fixture
def app_config(tsa):
    return {"EXPORT_TSA_URL": tsa.url, "VERIFY_TSA_ROOTS": str(tsa.root_pem)}


def test_an_export_is_time_stamped_and_verify_shows_time_and_authority(sealed, api, client):
    body = verify(api, sealed["pdf"]).get_json()
    assert body["verdict"] == "genuine"
    stamp = body["timestamp"]
    assert seconds_from(stamp["at"], datetime.now(UTC)) < 120
    assert AUTHORITY in stamp["authority"] and stamp["valid"] is True and stamp["trusted"] is True
    page = verify_page(client, sealed["pdf"]).get_data(as_text=True)
    assert 'data-timestamp="trusted"' in page and AUTHORITY in page and stamp["at"] in page
    assert "time-stamp authority this installation trusts" in page


def test_verify_lists_a_later_document_time_stamp(sealed, api, client, tsa):
    later = time_stamped_later(sealed["pdf"], tsa)
    body = verify(api, later).get_json()
    assert body["verdict"] == "genuine_with_later_signatures" and body["genuine"] is True
    assert [s["kind"] for s in body["later_signatures"]] == ["document_time_stamp"]
    page = verify_page(client, later).get_data(as_text=True)
    assert "Document time stamp of" in page and AUTHORITY in page


@pytest.mark.parametrize("app_config", [{"EXPORT_TSA_URL": f"http://tsa-user:s3cret@127.0.0.1:{_free_port()}/tsa"}])
def test_an_unreachable_tsa_fails_the_export_clearly_and_stores_nothing(final_setup, api, app_config, caplog):
    from app.export.models import Export
    from app.extensions import db

    vid = final_setup["version"]["id"]
    response = api(final_setup["people"]["observer"]).get(f"/api/v1/versions/{vid}/export.pdf")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "export_failed" and "time-stamp server" in error["message"]
    assert "s3cret" not in response.get_data(as_text=True) and "127.0.0.1" not in error["message"]  # log only
    assert "s3cret" in caplog.text
    db.session.remove()
    exports = db.session.scalars(select(Export).where(Export.version_id == vid)).all()
    assert exports and all(e.status == "failed" and not e.pdf for e in exports)


@pytest.mark.parametrize("app_config", [{}])
def test_without_tsa_url_the_answer_has_no_time_stamp(sealed, api, app_config):
    body = verify(api, sealed["pdf"]).get_json()
    assert body["verdict"] == "genuine" and body["timestamp"] is None


def test_an_untrusted_time_stamp_is_shown_as_not_confirmed(sealed, app, client):
    """Without VERIFY_TSA_ROOTS nothing vouches for the stamp's authority: the page must not state its time as
    a fact, and the sealing time is the installation's clock again."""
    app.config["VERIFY_TSA_ROOTS"] = None
    page = verify_page(client, sealed["pdf"]).get_data(as_text=True)
    assert 'data-timestamp="valid"' in page and "<strong>not confirmed</strong>" in page
    assert "time-stamp authority this installation trusts" not in page
    assert "(this installation's clock; no trusted time stamp)" in page


@pytest.mark.parametrize("content", [None, b"not a certificate", b""])
def test_an_unreadable_time_stamp_roots_file_stops_the_start(tmp_path, database_url, content):
    """Read by every verification's child process, a bad VERIFY_TSA_ROOTS would make every upload 'could not
    be checked': the app refuses to start and says which setting is wrong."""
    from app import create_app

    path = tmp_path / "roots.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SystemExit, match="VERIFY_TSA_ROOTS=.*cannot be read as certificates"):
        create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, VERIFY_TSA_ROOTS=str(path))
