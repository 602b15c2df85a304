"""One verdict, never misleading (issue #16).

A sealed statement whose cover was rewritten by an incremental update used to verify as `intact`,
`signature_valid` and `content_hash_matches` with no `problem`, and the page said "the sealed part is
genuine". Now every file gets one stable verdict, and only `genuine` and `genuine_with_later_signatures`
read as genuine anywhere: in words, in colour, in the API's fields. Files are doctored here as a forger or
a second signer would, with pyHanko and `cryptography` (tests/export/doctored.py), and checked for real.
"""
from __future__ import annotations

import base64
import hashlib
import io
import re

import pytest

from app.export.validate import GENUINE, VERDICTS, check_pdf
from tests.conftest import csrf_token_from
from tests.export import doctored
from tests.export.conftest import page_texts, run
from tests.export.test_export_api import verify

READS_AS_GENUINE = ("genuine", "signature_valid", "intact", "made_by_this_installation")


def verify_page(client, data: bytes):
    token = csrf_token_from(client.get("/verify").get_data(as_text=True))
    return client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(data), "statement.pdf")},
                       content_type="multipart/form-data")


def assert_reads_as_nothing_genuine(body: dict, verdict: str):
    assert body["verdict"] == verdict and body["verdict"] in VERDICTS and verdict not in GENUINE
    assert not any(body[name] for name in READS_AS_GENUINE), {name: body[name] for name in READS_AS_GENUINE}
    assert body["problem"] and body["verdict_text"] and body["content_hash_matches"] is None
    assert body["document"] is None and body["endorsements"] == [] and body["stored_export"] is None


def assert_page_says_nothing_genuine(page: str):
    assert "genuine" not in page.lower()
    assert "verdict-ok" not in page  # nor in colour


# --- the file of the issue: "3 organisations" became "10 organisations" ---------------------------------

@pytest.fixture
def doctored_statement(sealed):
    forged = doctored.with_text_drawn(sealed["pdf"], "10 organisations")
    assert "10 organisations" in page_texts(forged)[0]  # a reader sees the forgery on the cover
    # ...and an independent validator without a difference analysis still calls the seal valid
    assert "Signature Validation: Signature is Valid." in run("pdfsig", data=forged)
    return forged


def test_text_drawn_on_the_cover_after_sealing_is_modified_after_sealing(doctored_statement, sealed, api):
    response = verify(api, doctored_statement)
    assert response.status_code == 200
    body = response.get_json()
    assert_reads_as_nothing_genuine(body, "modified_after_sealing")
    assert "not what was sealed" in body["verdict_text"] and body["modified_after_signing"] is True
    assert body["modification"] == "OTHER"  # pyHanko's difference analysis: not a signature, not a time stamp


def test_the_file_as_it_was_sealed_comes_back_with_its_own_verdict(doctored_statement, sealed, api):
    revision = verify(api, doctored_statement).get_json()["sealed_revision"]
    original = base64.b64decode(revision["pdf_base64"])
    assert original == sealed["pdf"]  # the bytes up to the end of the sealed revision: what was exported
    assert revision["verdict"] == "genuine" and revision["size"] == len(original)
    assert revision["sha256"] == hashlib.sha256(original).hexdigest()
    again = verify(api, original).get_json()
    assert again["verdict"] == "genuine" and again["content_hash_matches"] is True
    assert "10 organisations" not in "".join(page_texts(original))


def test_the_page_says_in_plain_words_that_the_file_is_not_what_was_sealed(doctored_statement, sealed, client, api):
    answer = verify_page(client, doctored_statement)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    headline = re.search(r'<h2 id="result-heading">(.*?)</h2>', page).group(1)
    assert headline == "Modified after sealing: not what was sealed"
    assert "What this file shows is not what was sealed." in page and "verdict-bad" in page
    assert_page_says_nothing_genuine(page)
    link = re.search(r'download="(sealed-[0-9a-f]{12}\.pdf)" href="data:application/pdf;base64,([A-Za-z0-9+/=]+)"',
                     page)
    assert link, "the page offers the file as it was sealed"
    original = base64.b64decode(link.group(2))
    assert original == sealed["pdf"]
    assert verify(api, original).get_json()["verdict"] == "genuine"


# --- what else counts as a change, and what does not ----------------------------------------------------

@pytest.mark.parametrize("doctor, analysed_as", [
    pytest.param(lambda pdf: doctored.with_text_drawn(pdf, "10 organisations"), "OTHER", id="page content"),
    pytest.param(lambda pdf: doctored.with_annotation(pdf, "Endorsed by 10 organisations"), "OTHER", id="annotation"),
    pytest.param(lambda pdf: doctored.with_text_field(pdf), "OTHER", id="form field"),
    # pyHanko lets the document information change at its LTA_UPDATES level; what the file says it is
    # (title, identity keys) is compared with the sealed revision on top of its analysis
    pytest.param(lambda pdf: doctored.with_info(pdf, "/Title", "Another statement"), "LTA_UPDATES", id="title"),
    pytest.param(lambda pdf: doctored.with_info(pdf, "/accordversionid", "999"), "LTA_UPDATES", id="identity key"),
    pytest.param(lambda pdf: pdf + b"\n% appended after sealing\n", "NONE", id="bytes that are no revision"),
])
def test_any_change_after_the_sealed_revision_is_modified_after_sealing(sealed_sample, seal_certificate, doctor,
                                                                        analysed_as):
    check = check_pdf(doctor(sealed_sample["pdf"]), seal_certificate)
    assert check.verdict == "modified_after_sealing" and not check.genuine
    assert check.modification == analysed_as
    assert check.sealed_revision_verdict == "genuine" and check.sealed_revision_end == len(sealed_sample["pdf"])
    assert check.identity["version_id"] == "77"  # what the sealed revision says, whatever came later


def test_a_second_signature_by_another_signer_is_genuine_with_later_signatures(sealed, api, client, tmp_path):
    countersigned = doctored.countersigned(sealed["pdf"], tmp_path)
    pdfsig = run("pdfsig", data=countersigned)
    assert pdfsig.count("Signature Validation: Signature is Valid.") == 2
    body = verify(api, countersigned).get_json()
    assert body["verdict"] == "genuine_with_later_signatures" and body["problem"] is None
    assert all(body[name] is True for name in READS_AS_GENUINE)
    assert body["content_hash_matches"] is True
    assert [e["organisation"] for e in body["endorsements"]] == ["City of Ghent"]
    assert body["later_signatures"] == [{"field": "Ghent", "signer": "Common Name: City of Ghent signing service",
                                         "kind": "signature", "at": None}]
    assert base64.b64decode(body["sealed_revision"]["pdf_base64"]) == sealed["pdf"]
    page = verify_page(client, countersigned).get_data(as_text=True)
    assert '<h2 id="result-heading">Genuine, with later signatures</h2>' in page
    assert "City of Ghent signing service" in page and "does not check who made them" in page


def test_verify_names_the_version_as_the_screens_do_with_ids_as_secondary_detail(sealed, api, client):
    body = verify(api, sealed["pdf"]).get_json()
    document = body["document"]
    assert document["version_name"] == f"Version {document['version_number']}, {document['version_label']}"
    assert document["version_name"] == "Version 1, Final text" and document["title"] == "Fair ICT"
    page = verify_page(client, sealed["pdf"]).get_data(as_text=True)
    assert "This is <strong>Fair ICT</strong>, Version 1, Final text." in page
    assert re.search(r"<dt>Version</dt><dd>Version 1, Final text <span class=\"muted ids\">\(version id \d+, "
                     r"document id \d+\)</span></dd>", page)


def test_a_document_time_stamp_after_the_seal_is_genuine_with_later_signatures(sealed_sample, seal_certificate,
                                                                                 tmp_path):
    stamped = doctored.document_time_stamped(sealed_sample["pdf"])
    check = check_pdf(stamped, seal_certificate)
    assert check.verdict == "genuine_with_later_signatures" and check.modification == "LTA_UPDATES"
    assert [s["signer"] for s in check.later_signatures] == ["Common Name: Test TSA"]
    both = check_pdf(doctored.document_time_stamped(doctored.countersigned(sealed_sample["pdf"], tmp_path)),
                     seal_certificate)
    assert both.verdict == "genuine_with_later_signatures" and len(both.later_signatures) == 2


def test_a_change_after_a_later_signature_is_still_modified_after_sealing(sealed_sample, seal_certificate, tmp_path):
    countersigned = doctored.countersigned(sealed_sample["pdf"], tmp_path)
    check = check_pdf(doctored.with_text_drawn(countersigned, "10 organisations"), seal_certificate)
    assert check.verdict == "modified_after_sealing"
    assert [s["field"] for s in check.later_signatures] == ["Ghent"]


def test_one_flipped_byte_inside_the_signed_range_is_seal_broken(sealed, api, client):
    pdf = bytearray(sealed["pdf"])
    pdf[len(pdf) // 3] ^= 0x01
    body = verify(api, bytes(pdf)).get_json()
    assert_reads_as_nothing_genuine(body, "seal_broken")
    assert body["sealed_revision"] is None
    page = verify_page(client, bytes(pdf)).get_data(as_text=True)
    assert '<h2 id="result-heading">Seal broken</h2>' in page
    assert_page_says_nothing_genuine(page)


def test_a_self_signed_certificate_with_the_seals_name_is_sealed_by_someone_else(draft_sample, api, client, app):
    """Names can be copied: the certificates are compared. The forger signs an unsealed export with a
    self-signed certificate whose subject and issuer are exactly those of the installation's seal."""
    from cryptography import x509

    from app.export.seal import seal_for

    seal = seal_for(app.config)
    forger = doctored.same_subject_signer(seal.certificate_der)
    forged_der = forger.signing_cert.dump()
    assert forged_der != seal.certificate_der
    subject = x509.load_der_x509_certificate(seal.certificate_der).subject
    assert x509.load_der_x509_certificate(forged_der).subject == subject
    forged = doctored.signed(draft_sample["pdf"], forger, "Seal")
    body = verify(api, forged).get_json()
    assert_reads_as_nothing_genuine(body, "sealed_by_someone_else")
    assert body["signer"] == seal.certificate.subject.human_friendly  # the same name...
    assert body["signer_certificate_sha256"] != hashlib.sha256(seal.certificate_der).hexdigest()  # ...not the same
    page = verify_page(client, forged).get_data(as_text=True)
    assert '<h2 id="result-heading">Sealed by someone else</h2>' in page and "A name can be copied" in page
    assert_page_says_nothing_genuine(page)


def test_an_unsigned_pdf_has_no_seal(final_setup, api, client):
    draft = api(final_setup["people"]["observer"]).get(f"/api/v1/documents/{final_setup['document'].id}/export.pdf")
    body = verify(api, draft.get_data()).get_json()
    assert_reads_as_nothing_genuine(body, "no_seal")
    page = verify_page(client, draft.get_data()).get_data(as_text=True)
    assert '<h2 id="result-heading">No seal</h2>' in page
    assert_page_says_nothing_genuine(page)


def test_garbage_is_unreadable_a_400_as_the_contract_has_always_said(app, api, client):
    response = verify(api, b"%PDF-1.7\n garbage \x00\xff")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "not_a_pdf" and error["details"]["verdict"] == "unreadable"
    page = verify_page(client, b"%PDF-1.7\n garbage \x00\xff")
    assert page.status_code == 400 and '<h2 id="result-heading">Unreadable</h2>' in page.get_data(as_text=True)
    assert_page_says_nothing_genuine(page.get_data(as_text=True))


# --- hostile files: the difference analysis stays within its budget -------------------------------------

@pytest.mark.parametrize("app_config", [{"VERIFY_TIMEOUT": 1}])
def test_a_later_revision_too_slow_to_analyse_could_not_be_checked(app, api, client, draft_sample, tmp_path):
    """A file sealed by this installation, then a revision of 50,000 objects and a signature: the
    difference analysis cannot finish within VERIFY_TIMEOUT (about 3 s on its own), and the answer is
    "could not be checked", never genuine."""
    from app.export.seal import seal_pdf

    slow = doctored.countersigned(doctored.with_padding(seal_pdf(draft_sample["pdf"], app.config), 50_000), tmp_path)
    response = verify(api, slow)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "not_checked" and error["details"]["verdict"] == "not_checked"
    page = verify_page(client, slow)
    assert page.status_code == 400 and "Could not be checked" in page.get_data(as_text=True)
    assert_page_says_nothing_genuine(page.get_data(as_text=True))



# --- the object stream index that keeps the analysis fast reads what pyHanko's reader reads ----------------

def _object_stream_pdf(header: bytes, body: bytes, count: int) -> bytes:
    from tests.export.test_verify_bounds import xref_stream_pdf

    data = header + body
    stream = (b"<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n" % (count, len(header), len(data))
              + data + b"\nendstream")
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>",
               3: b"<< /Producer (x) >>", 4: stream}
    return xref_stream_pdf(objects, {10: (4, 0), 11: (4, 1), 12: (4, 2)}, info=3)


@pytest.mark.parametrize("pdf", [
    pytest.param(lambda sample: sample, id="the sealed sample"),
    pytest.param(lambda _: _object_stream_pdf(b"10 0 11 11 12 22 ", b"<< /A 1 >> << /B 2 >> (three)", 3), id="plain"),
    pytest.param(lambda _: _object_stream_pdf(b"10 0 11 11 12 22 ", b"<< /A 1 >> << /B 2 >> (three)", 50),
                 id="/N larger than the header"),
    pytest.param(lambda _: _object_stream_pdf(b"10 0 10 11 12 22 ", b"<< /A 1 >> << /B 2 >> (three)", 3),
                 id="a number twice"),
    pytest.param(lambda _: _object_stream_pdf(b"10 0 11 2 12 4 ", b"7 8 9", 50),
                 id="/N larger, the header read on to the end of the stream"),
    pytest.param(lambda _: _object_stream_pdf(b"10 0 x 11 12 22 ", b"<< /A 1 >> << /B 2 >> (three)", 3),
                 id="a corrupt header"),
    pytest.param(lambda _: _object_stream_pdf(b"10 0 11 9999 12 22 ", b"<< /A 1 >> << /B 2 >> (three)", 3),
                 id="an offset past the end"),
])
def test_the_indexed_reader_reads_every_object_as_pyhanko_does(sealed_sample, pdf):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader

    from app.export.validate import IndexedPdfFileReader

    data = pdf(sealed_sample["pdf"])

    def everything(reader_class) -> list[str]:
        reader = reader_class(io.BytesIO(data), strict=False)
        numbers = sorted({ref.idnum for revision in range(reader.xrefs.total_revisions)
                          for ref in reader.xrefs.explicit_refs_in_revision(revision)} | {10, 11, 12})
        found = []
        for number in numbers:
            try:
                value = reader.get_object(generic.Reference(number, 0))
                # a nested null's repr names its address: the same null read twice differs only there
                found.append("null" if isinstance(value, generic.NullObject)
                             else re.sub(r" object at 0x[0-9a-f]+", "", repr(value)))
            except Exception as exc:  # noqa: BLE001  (the same failure is the same answer)
                found.append(type(exc).__name__)
        return found

    assert everything(IndexedPdfFileReader) == everything(PdfFileReader)


def test_a_later_signature_that_paints_words_on_a_page_is_modified_after_sealing(sealed, api, client, tmp_path):
    """pyHanko calls a new signature field form filling whatever its box shows: a stamp reading "Endorsed by
    10 organisations" over the sealed text must not read as genuine (the reviewer's attack on issue 16)."""
    painted = doctored.visibly_signed(sealed["pdf"], tmp_path, "Endorsed by 10 organisations")
    assert "Endorsed by 10 organisations" in run("pdftotext", data=painted)
    body = verify(api, painted).get_json()
    assert body["verdict"] == "modified_after_sealing" and body["genuine"] is False
    assert not any(body[name] for name in READS_AS_GENUINE)
    assert body["sealed_revision"]["verdict"] == "genuine"  # the file as it was sealed is offered
    page = verify_page(client, painted).get_data(as_text=True)
    assert "only signatures or time stamps were added" not in page
