"""Checking a PDF: one verdict on its seal, and what the sealed revision says it is.

Used by /verify, POST /api/v1/verify and the tests. The verdict is one of VERDICTS:

- genuine: sealed by this installation and not one byte added since;
- genuine_with_later_signatures: the same, followed only by revisions that add signatures, time stamps
  or validation data (pyHanko's difference analysis at LTA_UPDATES or FORM_FILLING, every changed form
  field a later signature, the document information and XMP metadata as sealed);
- modified_after_sealing: anything else after the sealed revision (page content, annotations, form
  fields, metadata, the identity keys, bytes that are no revision at all). What the file shows is not
  what was sealed; `sealed_revision_end` says where the sealed revision ends, and that revision's own
  verdict is checked too;
- seal_broken: the signed bytes were changed, or the signature does not verify, or the RFC 3161 time stamp
  it carries does not verify (a time stamp is in the signature's unsigned part, outside the signed bytes);
- sealed_by_someone_else: a valid signature whose certificate is not this installation's seal
  certificate (certificates are compared, not names: a self-signed certificate with the same subject is
  someone else's);
- no_seal: no signature at all;
- unreadable: not a PDF that can be read (raised as NotAPdf);
- not_checked: over the time or memory budget, or a seal pyHanko cannot evaluate (raised as NotChecked
  by check_pdf_bounded).

Only the first two are GENUINE, and only they may read as genuine anywhere.

A seal made with EXPORT_TSA_URL carries an RFC 3161 signature time stamp (PAdES B-T): `timestamp` gives its
time, its authority (the name in the TSA certificate), whether it verifies (`valid`: intact, and its
signature holds) and whether the authority chains to a root in VERIFY_TSA_ROOTS (`trusted`). A document
time stamp added later (pyHanko's PdfTimeStamper) is a later signature like any other.

An uploaded file is checked by `check_pdf_bounded`, in a child process (worker.py --verify) with a time
and an address-space limit, as PDFs are rendered: a file built to be slow or to inflate (pyHanko lets an
8 MiB upload decode up to 800 MiB of object streams; its difference analysis walks every object of every
later revision) exhausts only that process, and the web worker keeps none of the memory the parse took.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.export.aio import run_coroutine
from app.export.messages import (
    CHECK_FAILED,
    CHECK_TOO_BIG,
    CHECK_TOO_SLOW,
    NOT_A_PDF,
    SEAL_UNEVALUABLE,
    UNREADABLE_PDF,
    VERDICT_TEXT,
    english,
)

IDENTITY_KEYS = {"version_id": "accordversionid", "document_id": "accorddocumentid",
                 "content_hash": "accordcontenthash", "endorsements": "accordendorsements",
                 "kind": "accordexportkind"}

VERDICTS = ("genuine", "genuine_with_later_signatures", "modified_after_sealing", "seal_broken",
            "sealed_by_someone_else", "no_seal", "unreadable", "not_checked")
GENUINE = frozenset({"genuine", "genuine_with_later_signatures"})
# Entries of the document information and XMP properties that a signing tool rewrites when it adds its
# signature; any other difference from the sealed revision is a change of what the file says it is.
_VOLATILE_INFO = frozenset({"/ModDate", "/Producer"})
_VOLATILE_XMP = frozenset({"ModifyDate", "MetadataDate", "Producer", "InstanceID"})

log = logging.getLogger(__name__)


class NotAPdf(ValueError):
    """The file is no PDF that can be read. Its message is one of messages.py's, in English: said in the reader's
    language where it is shown (messages.translated)."""


class NotChecked(RuntimeError):
    """The file could not be checked within the time or memory it is given: nothing is concluded about it.
    Its message, as NotAPdf's, is made in English and translated where it is shown."""


@dataclass
class SealCheck:
    verdict: str = "no_seal"
    signed: bool = False  # carries at least one signature
    seal_intact: bool = False  # the signature examined: its signed bytes unchanged and its signature verifies
    seal_is_ours: bool = False  # ... and its certificate is this installation's seal certificate
    modified_after_signing: bool = False  # anything in the file after the examined signature's revision
    modification: str | None = None  # pyHanko's ModificationLevel of what follows the seal, when analysed
    signer: str | None = None  # the name the signing certificate gives (a claim, unless the seal is ours)
    signer_certificate_sha256: str | None = None
    signed_at: str | None = None
    timestamp: dict | None = None  # the seal's RFC 3161 time stamp: {"at", "authority", "valid", "trusted"}
    later_signatures: list = field(default_factory=list)  # [{"field", "signer", "kind", "at"}] after the seal
    sealed_revision_end: int | None = None  # byte offset where the sealed revision ends (our intact seal only)
    sealed_revision_verdict: str | None = None  # the verdict on data[:sealed_revision_end]
    identity: dict = field(default_factory=dict)
    sha256: str = ""
    problem: str | None = None

    @property
    def genuine(self) -> bool:
        return self.verdict in GENUINE


class IndexedPdfFileReader(PdfFileReader):
    """pyHanko's reader, with the header of each object stream read once instead of once per object.

    pyHanko 0.38 scans an object stream's header from the start for every object it takes from it.
    WeasyPrint writes all objects of a document into one object stream (about 18,000 for the benchmark's
    280 sections), and the difference analysis visits every structure element: minutes, where the index
    makes it a second. The lookup follows pyHanko's non-strict one: the first header entry with the
    object's number, a null object when there is none (or only after a header entry that cannot be read),
    or when the object cannot be parsed. Strict readers keep pyHanko's own code."""

    def __init__(self, *args, **kwargs):
        self._object_stream_index: dict[int, tuple] = {}
        super().__init__(*args, **kwargs)

    def _get_object_from_stream(self, idnum, stmnum, idx):
        stream = generic.Reference(stmnum, 0, self).get_object()
        if self.strict or not isinstance(stream, generic.StreamObject) or stream.get("/Type") != "/ObjStm":
            return super()._get_object_from_stream(idnum, stmnum, idx)
        count = stream["/N"]
        if not 0 <= idx < count:
            return generic.NullObject()
        entry = self._object_stream_index.get(id(stream))
        if entry is None or entry[0] is not stream:
            data = stream.read_data(DecodePurpose.OBJECT_STREAM)
            header, offsets = BytesIO(data), {}
            for _ in range(count):
                try:
                    misc.read_non_whitespace(header, seek_back=True)
                    number = generic.NumberObject.read_from_stream(header)
                    misc.read_non_whitespace(header, seek_back=True)
                    offset = generic.NumberObject.read_from_stream(header)
                    misc.read_non_whitespace(header, seek_back=True)
                except (ValueError, misc.PdfReadError):  # a header shorter than /N says: what was read stands
                    break
                offsets.setdefault(int(number), int(offset))
            entry = (stream, data, offsets, int(stream["/First"]))
            self._object_stream_index[id(stream)] = entry
        _, data, offsets, first = entry
        if idnum not in offsets:
            return generic.NullObject()
        body = BytesIO(data)
        body.seek(first + offsets[idnum])
        try:
            return generic.read_object(body, generic.Reference(idnum, 0, self))
        except (misc.PdfStreamError, misc.PdfReadError):
            return generic.NullObject()


def read_identity(reader) -> dict:
    """The identity keys of the document info; `reader` may be a revision's HistoricalResolver."""
    info = _info(reader)
    found = {}
    for name, key in IDENTITY_KEYS.items():
        value = info.get("/" + key)
        if value is not None:
            found[name] = str(value)
    return found


def _resolved(reader, value):
    # Resolved by this reader, so that a revision's resolver gives that revision's object.
    return reader.get_object(value.reference) if hasattr(value, "reference") else value


def _info(reader) -> dict:
    trailer = reader.trailer_view
    if "/Info" not in trailer:
        return {}
    info = _resolved(reader, trailer.raw_get("/Info"))
    return info if hasattr(info, "items") else {}


def _xmp_facts(reader) -> list | None:
    """The XMP metadata's properties, less the volatile ones, as a sorted list; None when there is none.

    Parsed as pyHanko's own metadata rule does (lxml, no entities)."""
    root = _resolved(reader, reader.trailer_view.raw_get("/Root"))
    if "/Metadata" not in root:
        return None
    data = _resolved(reader, root.raw_get("/Metadata")).data
    from lxml import etree

    try:
        tree = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return [("unparsable", hashlib.sha256(data).hexdigest())]
    facts = []
    for element in tree.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions, entities
            facts.append(("node", str(element)))
            continue
        name = etree.QName(element).localname
        if name not in _VOLATILE_XMP and len(element) == 0 and (element.text or "").strip():
            facts.append((element.tag, element.text.strip()))
        for attribute, value in element.attrib.items():
            if etree.QName(attribute).localname not in _VOLATILE_XMP:
                facts.append((attribute, value))
    return sorted(facts)


def _metadata_facts(reader) -> tuple:
    info = {str(k): str(v) for k, v in _info(reader).items() if k not in _VOLATILE_INFO}
    return info, _xmp_facts(reader)


def _signer_name(certificate) -> str | None:
    try:
        return certificate.subject.human_friendly
    except (AttributeError, ValueError):
        return None


def _signed_end(signature) -> int:
    """Where the signature's signed byte range ends: the end of its revision when the seal is whole."""
    values = [int(v) for v in signature.sig_object["/ByteRange"]]
    return values[2] + values[3]


def _validate(signature, seal_certificate, *, diff: bool, tsa_roots=()):
    context = ValidationContext(trust_roots=[seal_certificate])
    # Time-stamp authorities are trusted apart from the seal: a TSA root must never vouch for a seal.
    ts_context = ValidationContext(trust_roots=list(tsa_roots)) if tsa_roots else None
    return run_coroutine(lambda: async_validate_pdf_signature(signature, context, ts_validation_context=ts_context,
                                                              skip_diff=not diff))


def _timestamp(status) -> dict | None:
    """The seal's RFC 3161 signature time stamp as pyHanko validated it, or None when it carries none."""
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is None:
        return None
    valid = bool(stamp.intact and stamp.valid)
    return {"at": stamp.timestamp.isoformat() if stamp.timestamp else None,
            "authority": _signer_name(stamp.signing_cert), "valid": valid, "trusted": bool(valid and stamp.trusted)}


def _only_later_signatures(status, reader, sealed, later_fields: set[str]) -> bool:
    """pyHanko's analysis found only signatures, time stamps or validation data after the sealed revision,
    and what the file says it is (document information, XMP metadata) is what was sealed."""
    result = status.diff_result
    if not isinstance(result, DiffResult) or result.modification_level > ModificationLevel.FORM_FILLING:
        return False
    if result.modification_level == ModificationLevel.NONE:
        return False  # bytes after the sealed revision that are no revision at all
    if not set(result.changed_form_fields) <= later_fields:
        return False  # a form field other than a later signature was filled or changed
    return _metadata_facts(reader.get_historical_resolver(sealed.signed_revision)) == _metadata_facts(reader)


_HIDDEN, _NO_VIEW = 2, 32  # annotation flags (PDF 32000-1, 12.5.3)


def _shows_on_a_page(signature) -> bool:
    """Whether a later signature paints anything on a page: a widget with an area, not hidden, whose
    appearance draws something. pyHanko counts adding a signature field as form filling whatever its box
    shows, so a "signature" could paint "10 organisations" over the sealed "3": such a file is not what was
    sealed. Anything unreadable counts as shown."""
    def get(dictionary, key, default=None):  # dereferenced (a plain dict.get would give an indirect reference)
        try:
            return dictionary[key]
        except KeyError:
            return default

    try:
        field = signature.sig_field
        widgets = [field] if "/Rect" in field else [kid.get_object() for kid in get(field, "/Kids", ())]
        for widget in widgets:
            x1, y1, x2, y2 = (float(v) for v in get(widget, "/Rect", (0, 0, 0, 0)))
            if abs(x2 - x1) < 0.01 or abs(y2 - y1) < 0.01 or int(get(widget, "/F", 0)) & (_HIDDEN | _NO_VIEW):
                continue
            appearance = get(get(widget, "/AP", {}), "/N")
            if appearance is None:
                continue
            streams = [appearance] if hasattr(appearance, "data") else [appearance[name] for name in appearance]
            if any(stream.data.strip() for stream in streams if hasattr(stream, "data")):
                return True
        return False
    except MemoryError:
        raise
    except Exception as exc:
        log.info("verify: a later signature's appearance could not be read (%s): counted as shown", exc)
        return True


def check_pdf(data: bytes, seal_certificate, *, sealed_revision: bool = True, tsa_roots=()) -> SealCheck:
    """The verdict on `data` and its facts; raises NotAPdf when it is no PDF at all, NotChecked when its
    seal cannot be evaluated. With `sealed_revision`, a modified file's sealed revision is checked too.
    `tsa_roots`: the certificates whose time-stamp authorities are trusted (VERIFY_TSA_ROOTS)."""
    result = SealCheck(sha256=hashlib.sha256(data).hexdigest())
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise NotAPdf(english(NOT_A_PDF))
    try:
        reader = IndexedPdfFileReader(BytesIO(data), strict=False)
        result.identity = read_identity(reader)
        signatures = reader.embedded_signatures
    except MemoryError:
        raise
    except Exception as exc:  # a hostile upload: whatever the parser trips on, the answer is "unreadable"
        log.info("verify: unreadable PDF (%s: %s)", type(exc).__name__, exc)
        raise NotAPdf(english(UNREADABLE_PDF, error=type(exc).__name__)) from None
    if not signatures:
        result.problem = VERDICT_TEXT["no_seal"]
        return result
    result.signed = True
    ours_der = seal_certificate.dump()
    ours = [s for s in signatures if _certificate_der(s) == ours_der]
    # Our earliest seal when there is one: a later signature of ours or anyone's cannot vouch for it.
    signature = ours[0] if ours else next((s for s in signatures if s.field_name == "Seal"), signatures[0])
    try:
        # What the sealed revision says, not what anything appended later claims.
        result.identity = read_identity(reader.get_historical_resolver(signature.signed_revision))
    except MemoryError:
        raise
    except Exception:  # hostile input, as above
        result.identity = {}
    try:
        status = _validate(signature, seal_certificate, diff=bool(ours), tsa_roots=tsa_roots)
    except MemoryError:
        raise
    except Exception as exc:  # hostile input: e.g. NotImplementedError for a crafted seed value dictionary
        log.info("verify: seal could not be checked (%s: %s)", type(exc).__name__, exc)
        return _unevaluable(result, data, signature, seal_certificate, ours=bool(ours),
                            sealed_revision=sealed_revision, tsa_roots=tsa_roots)
    result.seal_intact = bool(status.intact and status.valid)
    result.seal_is_ours = bool(result.seal_intact and status.signing_cert.dump() == ours_der)
    result.signer = _signer_name(status.signing_cert)
    result.signer_certificate_sha256 = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    signed_at = getattr(status, "signer_reported_dt", None)
    result.signed_at = signed_at.isoformat() if signed_at else None
    result.modified_after_signing = not status.intact or status.coverage != SignatureCoverageLevel.ENTIRE_FILE
    result.timestamp = _timestamp(status)
    if not result.seal_intact or (result.timestamp is not None and not result.timestamp["valid"]):
        result.verdict = "seal_broken"
    elif not result.seal_is_ours:
        result.verdict = "sealed_by_someone_else"
    elif result.timestamp is not None and tsa_roots and not result.timestamp["trusted"]:
        # The time stamp sits outside the signed bytes: with the installation's authorities configured, one
        # from any other authority was put there after sealing (anyone can swap it for their own).
        result.verdict = "modified_after_sealing"
    elif status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        result.verdict = "genuine"
        result.modification = ModificationLevel.NONE.name
    else:
        later = [s for s in signatures if s.signed_revision > signature.signed_revision]
        result.later_signatures = [_later_signature(s) for s in later]
        level = status.modification_level
        result.modification = level.name if level is not None else None
        genuine = _only_later_signatures(status, reader, signature, {s.field_name for s in later}) \
            and not any(_shows_on_a_page(s) for s in later)
        result.verdict = "genuine_with_later_signatures" if genuine else "modified_after_sealing"
        _add_sealed_revision(result, data, signature, seal_certificate, sealed_revision, tsa_roots)
    result.problem = None if result.genuine else VERDICT_TEXT[result.verdict]
    return result


def _certificate_der(signature) -> bytes | None:
    try:
        return signature.signer_cert.dump()
    except MemoryError:
        raise
    except Exception as exc:  # hostile input: a signature whose CMS cannot be read is no seal of ours
        log.info("verify: unreadable signature (%s: %s)", type(exc).__name__, exc)
        return None


def _later_signature(signature) -> dict:
    """A signature or document time stamp after the seal, as its certificate names it (not checked here)."""
    entry = {"field": str(signature.field_name), "signer": None, "kind": "signature", "at": None}
    try:
        entry["signer"] = _signer_name(signature.signer_cert)
        if signature.sig_object.get("/Type") == "/DocTimeStamp":
            entry["kind"] = "document_time_stamp"
            info = signature.signed_data["encap_content_info"]["content"].parsed
            entry["at"] = info["gen_time"].native.isoformat()
    except Exception:  # hostile input: an unreadable later signature still counts as one, unnamed
        pass
    return entry


def _add_sealed_revision(result: SealCheck, data: bytes, signature, seal_certificate, wanted: bool,
                         tsa_roots=()) -> None:
    end = _signed_end(signature)
    if not wanted or not 0 < end < len(data):
        return
    try:
        result.sealed_revision_verdict = check_pdf(data[:end], seal_certificate, sealed_revision=False,
                                                   tsa_roots=tsa_roots).verdict
    except (NotAPdf, NotChecked):
        result.sealed_revision_verdict = None
    if result.sealed_revision_verdict == "genuine":
        result.sealed_revision_end = end  # offered only when the revision is genuine on its own


def _unevaluable(result: SealCheck, data: bytes, signature, seal_certificate, *, ours: bool,
                 sealed_revision: bool, tsa_roots=()) -> SealCheck:
    """pyHanko could not evaluate the seal (a crafted later revision can make it raise). When what precedes
    the later bytes is a genuine sealed file on its own, the verdict is modified_after_sealing; otherwise
    nothing is concluded."""
    if ours and sealed_revision:
        try:
            end = _signed_end(signature)
        except (KeyError, TypeError, ValueError, IndexError):
            end = 0
        if 0 < end < len(data):
            _add_sealed_revision(result, data, signature, seal_certificate, True, tsa_roots)
            if result.sealed_revision_end:
                result.verdict, result.modified_after_signing = "modified_after_sealing", True
                result.problem = VERDICT_TEXT["modified_after_sealing"]
                return result
    raise NotChecked(english(SEAL_UNEVALUABLE))


TSA_ROOTS_ENV = "ACCORD_VERIFY_TSA_ROOTS"  # how check_pdf_bounded tells its child VERIFY_TSA_ROOTS


def wall_seconds(cpu_seconds: float) -> float:
    """How long verification may take by the clock: three times its CPU bound, at most 20 s (unless the bound
    itself is longer), so that a web worker is never held up to gunicorn's 30 s timeout."""
    return max(cpu_seconds, min(3 * cpu_seconds, 20))


def check_pdf_bounded(data: bytes, certificate, *, timeout: float, memory_mb: int,
                      tsa_roots: str | None = None) -> SealCheck:
    """check_pdf(data, certificate) in worker.py's child process, within `timeout` seconds and `memory_mb` MiB.
    `tsa_roots`: a PEM file of the time-stamp authorities' root certificates to trust (VERIFY_TSA_ROOTS).

    The time bound counts the child's own CPU seconds (RLIMIT_CPU), as the Markdown renderer's does, so a
    busy machine does not turn an honest file (a countersigned benchmark file needs about 4 s) into "could not
    be checked"; the wall clock stops the child at three times the bound, but never later than 20 s (or the
    bound itself, if longer), well within gunicorn's 30 s worker timeout, whatever the child waits for.

    Raises NotAPdf as check_pdf does, and NotChecked when the child hit a limit or died: such a file is
    neither genuine nor forged, it is one that could not be checked."""
    from app.export.render import WORKER, _child_env, _kill, _last_json_line

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise NotAPdf(english(NOT_A_PDF))
    command = [sys.executable, str(WORKER), "--verify", "--memory-mb", str(int(memory_mb)),
               "--cpu-seconds", str(max(1, int(timeout))),
               "--certificate", base64.b64encode(certificate.dump()).decode("ascii")]  # public: no secret in argv
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, cwd=str(WORKER.parent),
                               env={**_child_env(), **({TSA_ROOTS_ENV: str(tsa_roots)} if tsa_roots else {})})
    try:
        out, err = process.communicate(data, timeout=wall_seconds(timeout))
    except subprocess.TimeoutExpired:
        _kill(process)
        log.info("verify: stopped after %s s of wall time", wall_seconds(timeout))
        raise NotChecked(english(CHECK_TOO_SLOW, seconds=f"{timeout:g}")) from None
    except BaseException:
        _kill(process)
        raise
    if process.returncode == -signal.SIGXCPU:
        log.info("verify: stopped after %s s of computing", timeout)
        raise NotChecked(english(CHECK_TOO_SLOW, seconds=f"{timeout:g}"))
    report = _last_json_line(out) if process.returncode == 0 else {}
    if "check" in report:
        return SealCheck(**report["check"])
    if "not_a_pdf" in report:
        raise NotAPdf(report["not_a_pdf"])
    if "not_checked" in report:
        raise NotChecked(report["not_checked"])
    out_of_memory = (_last_json_line(err).get("error") == "memory" or b"MemoryError" in err
                     or process.returncode in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT))
    if out_of_memory:
        log.info("verify: stopped at the memory limit (%s MiB)", memory_mb)
        raise NotChecked(english(CHECK_TOO_BIG, megabytes=memory_mb))
    log.error("verify: the check process failed (exit %s): %s", process.returncode,
              err[-2000:].decode("utf-8", "replace"))
    raise NotChecked(english(CHECK_FAILED))


def load_tsa_roots(path: str | None) -> list:
    """The certificates of a PEM (or DER) file, for VERIFY_TSA_ROOTS; none when no file is named."""
    if not path:
        return []
    from asn1crypto import pem, x509

    raw = Path(path).read_bytes()
    if pem.detect(raw):
        return [x509.Certificate.load(der) for _, _, der in pem.unarmor(raw, multiple=True)]
    return [x509.Certificate.load(raw)]


def check_report(data: bytes, certificate) -> dict:
    """What worker.py --verify writes: check_pdf's facts, or why the file is no PDF, as plain JSON."""
    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # the diff analysis logs whole object paths as warnings
    try:
        return {"check": asdict(check_pdf(data, certificate, tsa_roots=load_tsa_roots(os.environ.get(TSA_ROOTS_ENV))))}
    except NotAPdf as exc:
        return {"not_a_pdf": str(exc)}
    except NotChecked as exc:
        return {"not_checked": str(exc)}
