"""Files a forger or a second signer would make from a sealed PDF, built with pyHanko and `cryptography`
as they would build them (used by test_verdicts.py and bench/bench_verify.py)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from app.export.aio import run_coroutine


def updated(pdf: bytes, change) -> bytes:
    """The PDF with an incremental update made by `change(writer)` appended."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def with_text_drawn(pdf: bytes, text: str, *, page: int = 0) -> bytes:
    """An incremental update that adds a content stream drawing `text` (white box behind it) on a page:
    what a reader sees changes, the sealed bytes do not."""
    def draw(writer):
        page_object = writer.root["/Pages"]["/Kids"][page].get_object()
        font = writer.add_object(generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica")}))
        drawing = b"q 1 g 60 700 300 40 re f Q BT /Forged 24 Tf 72 712 Td (%s) Tj ET" % text.encode("latin-1")
        stream = writer.add_object(generic.StreamObject(stream_data=drawing))
        contents = page_object["/Contents"]
        streams = list(contents) if isinstance(contents, generic.ArrayObject) else [page_object.raw_get("/Contents")]
        page_object[generic.NameObject("/Contents")] = generic.ArrayObject([*streams, stream])
        resources = generic.DictionaryObject(dict(page_object["/Resources"].items()))
        fonts = generic.DictionaryObject(dict(resources["/Font"].items())) if "/Font" in resources \
            else generic.DictionaryObject()
        fonts[generic.NameObject("/Forged")] = font
        resources[generic.NameObject("/Font")] = fonts
        page_object[generic.NameObject("/Resources")] = resources
        writer.update_container(page_object)

    return updated(pdf, draw)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool):
    now = datetime.now(UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=not ca, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                          encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
               .add_extension(usage, critical=True))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return builder.sign(signing_key, hashes.SHA256())


def _write_pem(folder: Path, name: str, key, certificate) -> tuple[Path, Path]:
    key_path, certificate_path = folder / f"{name}.key.pem", folder / f"{name}.pem"
    if key is not None:
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, certificate_path


def organisation_signer(folder: Path, common_name: str = "City of Ghent signing service") -> signers.SimpleSigner:
    """A signer whose certificate a test certificate authority issued, as an organisation's tool has."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificate(_name("Test organisations CA"), _name("Test organisations CA"), ca_key.public_key(), ca_key,
                      ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = _certificate(_name(common_name), ca.subject, key.public_key(), ca_key, ca=False)
    _, ca_path = _write_pem(folder, "ca", None, ca)
    key_path, certificate_path = _write_pem(folder, "signer", key, certificate)
    return signers.SimpleSigner.load(str(key_path), str(certificate_path), ca_chain_files=(str(ca_path),))


def same_subject_signer(seal_certificate_der: bytes) -> signers.SimpleSigner:
    """A self-signed certificate with exactly the subject (and issuer) of the installation's seal, and
    another key: what a forger makes to pass a check that compares names."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    subject = x509.load_der_x509_certificate(seal_certificate_der).subject
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    certificate = _certificate(subject, subject, key.public_key(), key, ca=True)
    private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(private), cert_registry=SimpleCertificateStore())


def signed(pdf: bytes, signer: signers.SimpleSigner, field_name: str) -> bytes:
    """`pdf` with `signer`'s signature in a new field, as another incremental update."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
    out = run_coroutine(lambda: signers.async_sign_pdf(writer, metadata, signer=signer,
                                                       new_field_spec=fields.SigFieldSpec(field_name)))
    return out.getvalue()


def visibly_signed(pdf: bytes, folder: Path, text: str, *, box=(60, 600, 400, 660), page: int = 0) -> bytes:
    """A later signature whose box, on a page of the sealed text, shows `text` (a stamp drawn by pyHanko):
    "another signature" that paints words over what was sealed."""
    from pyhanko.stamp import TextStampStyle

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(field_name="Stamp", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
    signer = organisation_signer(folder, "Somebody's signing service")
    pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=TextStampStyle(stamp_text=text),
                                   new_field_spec=fields.SigFieldSpec("Stamp", box=box, on_page=page))
    return run_coroutine(lambda: pdf_signer.async_sign_pdf(writer)).getvalue()


def countersigned(pdf: bytes, folder: Path) -> bytes:
    """A second signature by an organisation's signer, in a new field after the seal."""
    return signed(pdf, organisation_signer(folder), "Ghent")


def with_info(pdf: bytes, key: str, value: str) -> bytes:
    """An incremental update that rewrites one entry of the document information (e.g. /Title, or an
    identity key such as /accordversionid)."""
    def rewrite(writer):
        info = writer.trailer["/Info"].get_object()
        info[generic.NameObject(key)] = generic.TextStringObject(value)
        writer.update_container(info)

    return updated(pdf, rewrite)


def with_annotation(pdf: bytes, text: str, *, page: int = 0) -> bytes:
    """An incremental update that puts a FreeText annotation (a visible note) on a page."""
    def annotate(writer):
        page_object = writer.root["/Pages"]["/Kids"][page].get_object()
        note = writer.add_object(generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (72, 640, 400, 680)]),
            generic.NameObject("/Contents"): generic.TextStringObject(text),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 18 Tf 0 g")}))
        if "/Annots" not in page_object:
            page_object[generic.NameObject("/Annots")] = generic.ArrayObject([note])
        elif isinstance(page_object.raw_get("/Annots"), generic.IndirectObject):
            page_object["/Annots"].append(note)
            writer.update_container(page_object["/Annots"])
        else:
            page_object["/Annots"].append(note)
        writer.update_container(page_object)

    return updated(pdf, annotate)


def with_text_field(pdf: bytes, name: str = "note", value: str = "10 organisations") -> bytes:
    """An incremental update that adds a filled-in text field to the form."""
    def add_field(writer):
        form = writer.root["/AcroForm"]
        text_field = writer.add_object(generic.DictionaryObject({
            generic.NameObject("/FT"): generic.NameObject("/Tx"),
            generic.NameObject("/T"): generic.TextStringObject(name),
            generic.NameObject("/V"): generic.TextStringObject(value),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4)}))
        fields_array = form.raw_get("/Fields")
        if isinstance(fields_array, generic.IndirectObject):
            form["/Fields"].append(text_field)
            writer.update_container(form["/Fields"])
        else:
            form["/Fields"].append(text_field)
        if isinstance(writer.root.raw_get("/AcroForm"), generic.IndirectObject):
            writer.update_container(form)
        else:
            writer.update_root()

    return updated(pdf, add_field)


def with_padding(pdf: bytes, count: int) -> bytes:
    """An incremental update adding `count` small objects reachable from the catalog: a file whose
    revisions take the difference analysis long to walk."""
    def pad(writer):
        padding = generic.ArrayObject(
            writer.add_object(generic.DictionaryObject({generic.NameObject("/N"): generic.NumberObject(i)}))
            for i in range(count))
        writer.root[generic.NameObject("/Padding")] = writer.add_object(padding)
        writer.update_root()

    return updated(pdf, pad)


def time_stamper():
    """A time-stamping authority of a test certificate authority, answering in-process (pyHanko's
    DummyTimeStamper: tests only)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificate(_name("Test time-stamping CA"), _name("Test time-stamping CA"), ca_key.public_key(), ca_key,
                      ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(_name("Test TSA")).issuer_name(ca.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
                   .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                   .sign(ca_key, hashes.SHA256()))
    der = serialization.Encoding.DER
    private = key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(der)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(private),
        certs_to_embed=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(ca.public_bytes(der))]))


def document_time_stamped(pdf: bytes) -> bytes:
    """A document time stamp (PAdES LTA style) appended after the seal, as an archiving tool adds one."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    stamper = signers.PdfTimeStamper(time_stamper())
    out = run_coroutine(lambda: stamper.async_timestamp_pdf(writer, "sha256"))
    return out.getvalue()
