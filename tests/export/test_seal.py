"""The seal: poppler's pdfsig and pyHanko both accept it, and both notice one changed byte."""
from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.export.aio import run_coroutine
from app.export.validate import check_pdf
from tests.export.conftest import run


def signed_ranges(pdf: bytes) -> list[tuple[int, int]]:
    signature = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    values = list(signature.sig_object["/ByteRange"])
    return [(values[0], values[0] + values[1]), (values[2], values[2] + values[3])]


def validated(signature, certificate):
    """pyHanko's validator; its sync wrapper calls asyncio.run, which fails where an event loop already
    runs (after a Playwright test in the same session), so run the coroutine as the app does."""
    return run_coroutine(lambda: async_validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate])))


def flipped(pdf: bytes, position: int) -> bytes:
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


def test_the_seal_is_valid_for_pdfsig_and_pyhanko(sealed_sample, seal_certificate):
    output = run("pdfsig", data=sealed_sample["pdf"])
    assert "Signature Validation: Signature is Valid." in output
    assert "Signature Field Name: Seal" in output and "Total document signed" in output
    signature = PdfFileReader(BytesIO(sealed_sample["pdf"])).embedded_signatures[0]
    status = validated(signature, seal_certificate)
    assert status.intact and status.valid and status.trusted
    assert signature.sig_object["/Reason"] and signature.sig_object["/Location"]
    assert signature.field_name == "Seal"
    key = status.signing_cert.public_key
    assert key.algorithm == "rsa" and key.bit_size == 3072


@pytest.mark.parametrize("where", ["start", "text", "after"])
def test_one_changed_byte_of_the_signed_range_is_detected_by_both(sealed_sample, seal_certificate, where):
    pdf = sealed_sample["pdf"]
    (a0, a1), (b0, b1) = signed_ranges(pdf)
    # "after": a digit of the signing time, in the signature dictionary after /Contents (the second range)
    position = {"start": a0 + 20, "text": (a0 + a1) // 2, "after": pdf.index(b"/M (D", b0) + 10}[where]
    changed = flipped(pdf, position)
    assert "Signature Validation: Digest Mismatch." in run("pdfsig", data=changed)
    signature = PdfFileReader(BytesIO(changed), strict=False).embedded_signatures[0]
    status = validated(signature, seal_certificate)
    assert status.intact is False
    assert check_pdf(changed, seal_certificate).verdict == "seal_broken"


def test_appended_bytes_are_a_modification_after_signing(sealed_sample, seal_certificate):
    check = check_pdf(sealed_sample["pdf"], seal_certificate)
    assert check.verdict == "genuine" and check.seal_is_ours and not check.modified_after_signing
    appended = check_pdf(sealed_sample["pdf"] + b"\n%%appended\n", seal_certificate)
    assert appended.modified_after_signing is True and appended.verdict == "modified_after_sealing"
    assert appended.sealed_revision_end == len(sealed_sample["pdf"]) and appended.sealed_revision_verdict == "genuine"


def test_a_seal_of_another_key_is_not_this_installations(sealed_sample, tmp_path):
    from pyhanko.sign import signers

    from app.export.seal import ensure_development_seal

    path, passphrase = ensure_development_seal(tmp_path, "Someone else")
    other = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
    check = check_pdf(sealed_sample["pdf"], other.signing_cert)
    assert check.seal_intact and not check.seal_is_ours
    assert check.verdict == "sealed_by_someone_else" and "not this installation's seal certificate" in check.problem


def test_what_an_appended_update_claims_is_not_read_as_the_sealed_identity(sealed_sample, seal_certificate):
    """An incremental update that rewrites the document info must not change the identity we report."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(sealed_sample["pdf"]))
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/accordversionid")] = generic.TextStringObject("999")
    writer.update_container(info)
    out = BytesIO()
    writer.write(out)
    check = check_pdf(out.getvalue(), seal_certificate)
    assert check.modified_after_signing is True and check.verdict == "modified_after_sealing"
    assert check.identity["version_id"] == "77"
