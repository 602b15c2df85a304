"""Verifying an uploaded PDF: one verdict (validate.VERDICTS), the seal's facts and, only for a genuine
file, what this installation holds about its version and endorsements."""
from __future__ import annotations

import base64
import hashlib

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.documents.models import Version
from app.endorsements.models import Endorsement
from app.errors import Invalid
from app.export.messages import VERDICT_TEXT, translated
from app.export.models import Export
from app.export.seal import seal_for
from app.export.validate import GENUINE, NotAPdf, NotChecked, check_pdf_bounded
from app.extensions import db
from app.i18n import _, gettext
from app.util import iso
from app.validation import id_or_none


def verify(data: bytes) -> dict:
    """One verdict on a PDF (validate.VERDICTS), the seal's facts and, only for a genuine file, what we hold
    about its version and endorsements.

    Fields that could read as "genuine" (`signature_valid`, `intact`, `made_by_this_installation`,
    `content_hash_matches`, `stored_export`) are true only for the verdicts genuine and
    genuine_with_later_signatures; `problem` is null only for those. A file changed after sealing carries
    `sealed_revision`: the bytes up to the end of the sealed revision (base64) with their own verdict.
    `timestamp` is the seal's RFC 3161 time stamp ({"at", "authority", "valid", "trusted"}) or null; one that
    does not verify makes the verdict seal_broken. For a genuine file, `document` names the version as the
    screens do (`version_name`: "Version 4, Final version", with the document's `title`); ids are secondary.

    The file is read in a child process within VERIFY_TIMEOUT seconds and VERIFY_MEMORY_MB: one that
    needs more is answered "could not be checked" (400 `not_checked`), never taken for genuine; a file
    that is no PDF is 400 `not_a_pdf` (verdict unreadable). Both carry `verdict` in the error's details."""
    if not data:
        raise Invalid(_("The file is empty."), fields={"file": _("Choose a PDF file.")}, code="empty_file")
    config = current_app.config
    certificate = seal_for(config).certificate
    db.session.commit()  # hold no database lock (a signed-in caller's) while a stranger's file is checked
    try:
        check = check_pdf_bounded(data, certificate, timeout=config["VERIFY_TIMEOUT"],
                                  memory_mb=config["VERIFY_MEMORY_MB"], tsa_roots=config["VERIFY_TSA_ROOTS"])
    except NotAPdf as exc:
        raise _unverified(translated(str(exc)), "not_a_pdf", "unreadable") from None
    except NotChecked as exc:
        raise _unverified(translated(str(exc)), "not_checked", "not_checked") from None
    identity, genuine = check.identity, check.verdict in GENUINE
    answer = {
        "verdict": check.verdict, "verdict_text": verdict_text(check.verdict), "genuine": genuine,
        "signature_valid": genuine, "intact": genuine, "made_by_this_installation": genuine,
        "signed": check.signed, "modified_after_signing": check.modified_after_signing,
        "modification": check.modification, "signer": check.signer,
        "signer_certificate_sha256": check.signer_certificate_sha256, "signed_at": check.signed_at,
        "timestamp": check.timestamp, "later_signatures": check.later_signatures,
        "problem": None if genuine else verdict_text(check.verdict),
        "sha256": check.sha256,
        "version_id": _int_or_none(identity.get("version_id")),
              "document_id": _int_or_none(identity.get("document_id")),
        "content_hash": identity.get("content_hash"), "content_hash_matches": None, "endorsements": [],
        "any_withdrawn": None, "document": None, "stored_export": None, "sealed_revision": None,
    }
    if check.sealed_revision_end:
        sealed = data[:check.sealed_revision_end]
        answer["sealed_revision"] = {"verdict": check.sealed_revision_verdict, "size": len(sealed),
                                     "sha256": hashlib.sha256(sealed).hexdigest(),
                                     "pdf_base64": base64.b64encode(sealed).decode("ascii")}
    # Only a genuine file may ask the database anything: forged or doctored metadata learns nothing.
    if not genuine:
        return answer
    answer["stored_export"] = db.session.scalar(select(Export.id).where(Export.sha256 == check.sha256)) is not None
    version = db.session.get(Version, answer["version_id"]) if answer["version_id"] else None
    if version is not None and version.document_id == answer["document_id"]:
        answer["content_hash_matches"] = version.content_hash == answer["content_hash"]
        answer["document"] = {"id": version.document_id, "title": version.title, "version_number": version.number,
                              "version_label": version.label,
                              "version_name": version.name,
                              "final_at": iso(version.created_at)}
        ids = [n for n in (id_or_none(i.strip()) for i in (identity.get("endorsements") or "").split(",")) if n]
        found = {e.id: e for e in db.session.scalars(
            select(Endorsement).options(joinedload(Endorsement.organisation))
            .where(Endorsement.id.in_(ids), Endorsement.version_id == version.id))}
        answer["endorsements"] = [
            {"id": i, "organisation": found[i].organisation.name, "country": found[i].organisation.country,
             "signatory_name": found[i].signatory_name, "date": iso(found[i].created_at),
             "withdrawn": found[i].withdrawn_at is not None, "withdrawn_at": iso(found[i].withdrawn_at)}
            if i in found else {"id": i, "missing": True, "withdrawn": None}
            for i in ids]
        answer["any_withdrawn"] = any(e.get("withdrawn") for e in answer["endorsements"])
    else:
        answer["content_hash_matches"] = False
    return answer


def verdict_text(verdict: str) -> str:
    """The verdict in a sentence, in the reader's language (the /verify page and the API follow the request)."""
    return gettext(VERDICT_TEXT[verdict])


def _unverified(message: str, code: str, verdict: str) -> Invalid:
    error = Invalid(message, fields={"file": message}, code=code)
    error.details.update(verdict=verdict, verdict_text=verdict_text(verdict))
    return error


def _int_or_none(value) -> int | None:
    return id_or_none(str(value)) if value is not None else None
