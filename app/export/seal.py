"""The installation's seal: a PAdES signature over every final export.

In production the seal is a PKCS#12 file and its passphrase from the
environment (EXPORT_SEAL_PKCS12, EXPORT_SEAL_PASSPHRASE). In development and
tests a self-signed RSA-3072 seal is generated once into the instance folder.
RSA, not ECDSA: an ECDSA signature makes pyHanko write PDF 2.0, which is not
PDF/A-3b.

With EXPORT_TSA_URL the seal carries an RFC 3161 signature time stamp from that server (PAdES B-T), so its
time does not rest on this server's clock alone. When the server gives no time stamp the seal fails
(SealUnavailable, the export is marked failed and nothing is stored): an operator who asked for time
stamps gets a clear error, never a silently unstamped seal.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from app.export.aio import run_coroutine
from app.export.messages import SEAL_NO_TIME_STAMP, SEAL_UNREADABLE, english
from app.seal_key import SealUnavailable, ensure_development_seal, seal_location  # noqa: F401  (part of this module's API)

FIELD_NAME = "Seal"
log = logging.getLogger(__name__)


@dataclass
class Seal:
    signer: signers.SimpleSigner
    certificate_der: bytes

    @property
    def certificate(self):
        return self.signer.signing_cert


_lock = threading.Lock()
_cache: dict[tuple, Seal] = {}


def seal_for(config) -> Seal:
    """The configured seal, loaded once per process."""
    path, passphrase = seal_location(config)
    key = (str(path), os.path.getmtime(path))
    with _lock:
        if key not in _cache:
            signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
            if signer is None:
                raise SealUnavailable(english(SEAL_UNREADABLE, path=path))
            _cache[key] = Seal(signer, signer.signing_cert.dump())
        return _cache[key]


def seal_pdf(pdf: bytes, config) -> bytes:
    """pdf with the installation's PAdES seal added as an incremental update."""
    seal = seal_for(config)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=config["EXPORT_SEAL_REASON"], location=config["EXPORT_SEAL_LOCATION"],
        contact_info=config["EXPORT_SEAL_CONTACT"])
    timestamper = None
    if config["EXPORT_TSA_URL"]:
        from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

        url = config["EXPORT_TSA_URL"]
        timestamper = RequestsHTTPTimeStamper(url, https=url.startswith("https:"),
                                              timeout=config["EXPORT_TSA_TIMEOUT"])
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    try:
        out = run_coroutine(lambda: signers.async_sign_pdf(writer, metadata, signer=seal.signer,
                                                           timestamper=timestamper))
    except TimestampRequestError as exc:  # no answer, or no time stamp in it
        # The address may carry an account's credentials, and the error names hosts: both for the log only.
        log.error("The time-stamp server (EXPORT_TSA_URL %s) gave no time stamp: %s", config["EXPORT_TSA_URL"], exc)
        raise SealUnavailable(english(SEAL_NO_TIME_STAMP)) from exc
    return out.getvalue()
