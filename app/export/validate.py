"""Checking a PDF: is its seal ours and intact, was it changed after sealing, what does it say it is.

Used by /verify, POST /api/v1/verify and the tests. The trust root is this
installation's own seal certificate: a valid signature made by any other key
is reported as not made by this installation.

An uploaded file is checked by `check_pdf_bounded`, in a child process
(worker.py --verify) with a time and an address-space limit, as PDFs are
rendered: a file built to be slow or to inflate (pyHanko lets an 8 MiB
upload decode up to 800 MiB of object streams) exhausts only that process,
and the web worker keeps none of the memory the parse took.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.export.aio import run_coroutine

IDENTITY_KEYS = {"version_id": "accordversionid", "document_id": "accorddocumentid",
                 "content_hash": "accordcontenthash", "endorsements": "accordendorsements",
                 "kind": "accordexportkind"}

log = logging.getLogger(__name__)


class NotAPdf(ValueError):
    pass


class NotChecked(RuntimeError):
    """The file could not be checked within the time or memory it is given: nothing is concluded about it."""


@dataclass
class SealCheck:
    signed: bool = False
    signature_valid: bool = False  # intact and cryptographically valid
    intact: bool = False
    trusted: bool = False  # made by this installation's seal
    modified_after_signing: bool = False
    signer: str | None = None
    signed_at: str | None = None
    identity: dict = field(default_factory=dict)
    sha256: str = ""
    problem: str | None = None


def read_identity(reader) -> dict:
    """The identity keys of the document info; `reader` may be a revision's HistoricalResolver."""
    trailer = reader.trailer_view
    found = {}
    if "/Info" not in trailer:
        return found
    reference = trailer.raw_get("/Info")
    # Resolved by this reader, so that a revision's resolver gives that revision's object.
    info = reader.get_object(reference.reference) if hasattr(reference, "reference") else reference
    for name, key in IDENTITY_KEYS.items():
        value = info.get("/" + key)
        if value is not None:
            found[name] = str(value)
    return found


def check_pdf(data: bytes, seal_certificate) -> SealCheck:
    """The facts about `data`; raises NotAPdf when it is no PDF at all."""
    result = SealCheck(sha256=hashlib.sha256(data).hexdigest())
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise NotAPdf("That file is not a PDF.")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        result.identity = read_identity(reader)
        signatures = reader.embedded_signatures
    except MemoryError:
        raise
    except Exception as exc:  # a hostile upload: whatever the parser trips on, the answer is "unreadable"
        log.info("verify: unreadable PDF (%s: %s)", type(exc).__name__, exc)
        raise NotAPdf(f"That file is not a PDF that can be read ({type(exc).__name__}).") from None
    if not signatures:
        result.problem = "The file carries no seal."
        return result
    result.signed = True
    signature = next((s for s in signatures if s.field_name == "Seal"), signatures[0])
    try:
        # What the sealed revision says, not what anything appended later claims.
        result.identity = read_identity(reader.get_historical_resolver(signature.signed_revision))
    except MemoryError:
        raise
    except Exception:  # hostile input, as above
        result.identity = {}
    try:
        context = ValidationContext(trust_roots=[seal_certificate])
        # The coverage of the signed range decides "modified after signing"; pyHanko's analysis of every
        # later revision (its diff policy) would only cost time on a file made to be slow.
        status = run_coroutine(lambda: async_validate_pdf_signature(signature, context, skip_diff=True))
    except MemoryError:
        raise
    except Exception as exc:  # hostile input: e.g. NotImplementedError for a crafted seed value dictionary
        log.info("verify: seal could not be checked (%s: %s)", type(exc).__name__, exc)
        result.problem = f"The seal could not be checked ({type(exc).__name__})."
        result.modified_after_signing = True
        return result
    result.intact = bool(status.intact)
    result.signature_valid = bool(status.intact and status.valid)
    result.trusted = bool(result.signature_valid and status.trusted)
    # Anything after the signed revision, or a signed range that is not the whole file, counts as a change.
    result.modified_after_signing = not status.intact or status.coverage != SignatureCoverageLevel.ENTIRE_FILE
    try:
        result.signer = status.signing_cert.subject.human_friendly
    except AttributeError:
        result.signer = None
    signed_at = getattr(status, "signer_reported_dt", None)
    result.signed_at = signed_at.isoformat() if signed_at else None
    if not result.intact:
        result.problem = "The signed bytes were changed: the seal no longer matches."
    elif not result.trusted:
        result.problem = "The seal is valid but was not made by this installation."
    return result


def check_pdf_bounded(data: bytes, certificate, *, timeout: float, memory_mb: int) -> SealCheck:
    """check_pdf(data, certificate) in worker.py's child process, within `timeout` seconds and `memory_mb` MiB.

    Raises NotAPdf as check_pdf does, and NotChecked when the child hit a limit or died: such a file is
    neither genuine nor forged, it is one that could not be checked."""
    from app.export.render import WORKER, _child_env, _kill, _last_json_line

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise NotAPdf("That file is not a PDF.")
    command = [sys.executable, str(WORKER), "--verify", "--memory-mb", str(int(memory_mb)),
               "--cpu-seconds", str(int(timeout) + 5),
               "--certificate", base64.b64encode(certificate.dump()).decode("ascii")]  # public: no secret in argv
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, cwd=str(WORKER.parent), env=_child_env())
    try:
        out, err = process.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        log.info("verify: stopped after %s s", timeout)
        raise NotChecked(f"This file could not be checked: reading it took longer than {timeout:g} seconds. "
                         "Nothing is concluded about its seal.") from None
    except BaseException:
        _kill(process)
        raise
    report = _last_json_line(out) if process.returncode == 0 else {}
    if "check" in report:
        return SealCheck(**report["check"])
    if "not_a_pdf" in report:
        raise NotAPdf(report["not_a_pdf"])
    out_of_memory = (_last_json_line(err).get("error") == "memory" or b"MemoryError" in err
                     or process.returncode in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT))
    if out_of_memory:
        log.info("verify: stopped at the memory limit (%s MiB)", memory_mb)
        raise NotChecked(f"This file could not be checked: reading it needed more than {memory_mb} MiB of memory. "
                         "Nothing is concluded about its seal.")
    log.error("verify: the check process failed (exit %s): %s", process.returncode,
              err[-2000:].decode("utf-8", "replace"))
    raise NotChecked("This file could not be checked. Nothing is concluded about its seal.")


def check_report(data: bytes, certificate) -> dict:
    """What worker.py --verify writes: check_pdf's facts, or why the file is no PDF, as plain JSON."""
    try:
        return {"check": asdict(check_pdf(data, certificate))}
    except NotAPdf as exc:
        return {"not_a_pdf": str(exc)}
