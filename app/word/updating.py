"""A copy exported from Accord and edited offline in Word: which of its sections changed, and to what.

The export (exporting.py) records in its Accord part each section's id, revision number and Markdown.
To tell a section edited in Word from one Word merely re-saved, the exported text is built again as a
.docx from that part and converted exactly as the upload is (the same converter on both sides): a
section whose conversion is the same in both is unchanged. A changed section's new Markdown is the
stored Markdown with the Word edits applied (a three-way merge of the two conversions into it), so the
words nobody touched keep their exact stored form; where that does not merge cleanly, the conversion
of the upload is taken as it is.

Sections are paired in order by their headings; a section added in Word, one deleted in Word and a
heading renamed in Word are reported as not applied (sections are added, removed and renamed in Accord).

No database here: services.py checks the ids against the document and writes the outcome.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from app.documents.merging import three_way_merge
from app.i18n import _
from app.word import exporting
from app.word.importing import SOURCES_PART, ImportLimits, _parse, read_docx
from app.word.package import DocxPackage, Limits, WordFileError, open_docx

CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"


@dataclass
class ExportedSection:
    section_id: int
    revision: int
    heading: str
    level: int
    body: str


@dataclass
class Identity:
    document_id: int
    version_id: int | None
    sections: list[ExportedSection]


@dataclass
class SectionChange:
    """One exported section and what Word made of it: `body` None when unchanged, `note` when part of the
    edit is not applied (a renamed heading)."""

    exported: ExportedSection
    body: str | None
    note: str | None = None


@dataclass
class Plan:
    changes: list[SectionChange]
    added: list[str] = field(default_factory=list)  # headings of sections added in Word
    removed: list[ExportedSection] = field(default_factory=list)  # exported sections deleted in Word


class NotAnExport(WordFileError):
    pass


def custom_properties(package: DocxPackage) -> dict[str, str]:
    data = package.parts.get("docProps/custom.xml")
    if not data:
        return {}
    out = {}
    for prop in _parse(data, "custom properties").iter(f"{{{CUSTOM_NS}}}property"):
        out[prop.get("name") or ""] = "".join(prop.itertext()).strip()
    return out


def read_identity(package: DocxPackage) -> Identity:
    """The document, version and sections the file was exported from, or NotAnExport."""
    props = custom_properties(package)
    missing = NotAnExport(_("This Word file was not exported from Accord (it carries no Accord document id): "
                            "only a copy downloaded from this document can update it."), "docx_not_from_accord")
    if not props.get("AccordDocumentId", "").isdigit() or SOURCES_PART not in package.parts:
        raise missing
    try:
        payload = json.loads(_parse(package.parts[SOURCES_PART], "Accord part").text or "{}")
        sections = [ExportedSection(int(s["section_id"]), int(s["revision"]), str(s["heading"]), int(s["level"]),
                                    str(s["body"])) for s in payload["sections"]]
    except (ValueError, KeyError, TypeError, WordFileError):
        raise NotAnExport(_("This Word file's Accord part is missing or unreadable (or it was exported before "
                            "updates from Word were possible): download the document again and edit that copy."),
                          "docx_not_from_accord") from None
    version = props.get("AccordVersionId", "")
    return Identity(int(props["AccordDocumentId"]), int(version) if version.isdigit() else None, sections)


def _baseline(identity: Identity, html_of, limits: Limits, import_limits: ImportLimits) -> list[dict]:
    facts = exporting.WordFacts(
        document_id=identity.document_id, version_id=identity.version_id, title="Baseline", group_name="",
        version_name="", status_text="", content_hash="", language="en",
        sections=[{"section_id": s.section_id, "heading": s.heading, "level": s.level, "body": s.body,
                   "revision": s.revision} for s in identity.sections], html_of=html_of)
    package = open_docx(exporting.build_docx(facts), limits)
    return read_docx(package, import_limits, use_sources=False).sections


def plan_update(package: DocxPackage, identity: Identity, html_of, limits: Limits, import_limits: ImportLimits
                ) -> Plan:
    """What changed in Word against what was exported, section by section."""
    upload = read_docx(package, import_limits)  # converted, unless its visible text is exactly the export's
    if upload.from_sources:
        return Plan([SectionChange(s, None) for s in identity.sections])
    base = _baseline(identity, html_of, limits, import_limits)
    if len(base) != len(identity.sections):
        raise WordFileError(_("Accord could not match this file's sections to the document's: download the "
                              "document again and edit that copy."), "docx_unmatched")
    new = upload.sections
    plan = Plan([])
    matcher = difflib.SequenceMatcher(a=[s["heading"] for s in base], b=[s["heading"] for s in new],
                                      autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        pairs = list(zip(range(a1, a2), range(b1, b2))) if op in ("equal", "replace") else []
        for i, j in pairs:
            exported, before, after = identity.sections[i], base[i]["body"], new[j]["body"]
            note = (_("the heading was changed in Word to “%(heading)s”: headings are changed in Accord",
                      heading=new[j]["heading"]) if new[j]["heading"] != base[i]["heading"] else None)
            if after == before:
                plan.changes.append(SectionChange(exported, None, note))
                continue
            merged = three_way_merge(before, after, exported.body)
            plan.changes.append(SectionChange(exported, merged.text if merged.clean else after, note))
        plan.removed.extend(identity.sections[i] for i in range(a1 + len(pairs), a2))
        plan.added.extend(new[j]["heading"] for j in range(b1 + len(pairs), b2))
    return plan
