"""What a PDF shows, as plain data: the pure core of the export.

`document_context` turns a version's (or the current text's) facts into the
dictionary the print templates read; `redline_context` does the same for a
comparison of two states. Neither touches the database nor the request:
services.py gathers the facts, these functions shape them, so the content
of a PDF can be tested without rendering one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import segno
from babel.dates import format_date, format_skeleton
from flask_babel import get_locale

from app.documents.importing import section_numbers
from app.documents.rendering import render_for_print
from app.i18n import _
from app.i18n import lazy_gettext as _l

KIND_NAMES = {"statement": _l("Joint action statement"), "roadmap": _l("Roadmap")}


@dataclass
class EndorsementFact:
    id: int
    organisation: str
    country: str
    signatory_name: str
    signatory_title: str
    date: datetime
    withdrawn: bool = False
    reservation: str = ""
    # The section the reservation is about (its id in the exported text) and its heading today, for when
    # the section is not in the exported text.
    reservation_section_id: int | None = None
    reservation_heading: str = ""
    note: str = ""  # the public note shown with the endorsement
    delegated_by: str = ""  # endorsed by a delegate: the representative who delegated, and the mandate
    mandate: str = ""
    decided_by: str = ""  # who took the decision ("Board of directors"), and on which day
    decided_on: date | None = None
    reservation_concerns: str = ""  # set by document_context: "§ 2.1 Scope of the commitment"


@dataclass
class ExportFacts:
    """Everything a document PDF says, gathered by services.gather_facts."""

    document_id: int
    version_id: int | None
    kind: str
    title: str
    summary: str
    group_name: str
    status: str
    version_label: str
    version_number: int | None
    dated: datetime
    final_at: datetime | None
    content_hash: str
    sections: list[dict]
    exported_at: datetime
    draft: bool
    language: str = "en"
    endorsements: list[EndorsementFact] = field(default_factory=list)
    audit_head: dict | None = None
    verify_url: str = ""
    actions: list[dict] | None = None


QR_TITLE = _l("QR code of the verification address given above")


def qr_svg(data: str, title: str | None = None) -> str:
    """An inline SVG QR code (no file, no fetch): the verification address. Its <title> (by default
    QR_TITLE) becomes the alternative text (/Alt) of the Figure in the tagged PDF."""
    return segno.make(data, error="m").svg_inline(scale=3, border=2, dark="#000", light=None, omitsize=True,
                                                  title=str(QR_TITLE if title is None else title))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_moment(value: datetime | None, *, day: str = "long") -> str:
    """A moment of the evidence, in UTC whatever the reader's or the installation's zone, and saying so, in the
    language in use: "20 November 2026, 09:30 UTC", "20 novembre 2026, 09:30 UTC". `day`: "long" or
    "medium" ("20 Nov 2026")."""
    if value is None:
        return ""
    moment, locale = _utc(value), get_locale()
    return _("%(date)s, %(time)s UTC", date=format_date(moment.date(), day, locale=locale),
             time=format_skeleton("Hm", moment, tzinfo=UTC, locale=locale))


def utc_day(value: datetime | None, day: str = "long") -> str:
    """The day of a moment in UTC, as the language writes it: "20 November 2026"."""
    return format_date(_utc(value).date(), day, locale=get_locale()) if value is not None else ""


def _css_string(text: str) -> str:
    """Text as a CSS string: quotes, backslashes, line ends and "<" (no closing of the <style>) escaped."""
    return '"' + re.sub(r'["\\<>\n\r]', lambda m: f"\\{ord(m.group()):x} ", text) + '"'


def page_counter_content() -> str:
    """The CSS `content` of the page number at the foot of each page, from one translated sentence
    ("Page %(page)s of %(pages)s"): its words as CSS strings, its placeholders as the counters."""
    marks = {"page": "\x00page\x00", "pages": "\x00pages\x00"}
    sentence = _("Page %(page)s of %(pages)s", **marks)
    parts = []
    for piece in re.split("(\x00page\x00|\x00pages\x00)", sentence):
        if piece == marks["page"]:
            parts.append("counter(page)")
        elif piece == marks["pages"]:
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


def print_words() -> dict:
    """What every print template needs to say its fixed words in the language in use."""
    return {"page_counter_content": page_counter_content(), "utc_moment": utc_moment, "utc_day": utc_day}


def document_context(facts: ExportFacts) -> dict:
    numbers = section_numbers([s["level"] for s in facts.sections])
    sections = [{
        "number": number,
        "anchor": f"s-{s['section_id']}",
        "level": max(1, min(int(s["level"]), 3)),
        "heading": s["heading"],
        # The same sanitiser as the pages: nothing a writer typed becomes markup beyond the allow-list.
        "html": render_for_print(s["body"], f"x{s['section_id']}-"),
    } for number, s in zip(numbers, facts.sections)]
    by_section = {s["anchor"]: s for s in sections}
    active = [_with_reservation_section(e, by_section) for e in facts.endorsements if not e.withdrawn]
    for section in sections:
        section["reservations"] = []
    for endorsement in active:  # the consensus map: each reservation beside the section it concerns
        section = by_section.get(f"s-{endorsement.reservation_section_id}") if endorsement.reservation else None
        if section is not None:
            section["reservations"].append({"organisation": endorsement.organisation,
                                            "reservation": endorsement.reservation})
    return {
        **print_words(),
        "kind_name": str(KIND_NAMES.get(facts.kind, facts.kind)),
        "facts": facts,
        "sections": sections,
        "endorsements": active,
        "withdrawn_count": sum(1 for e in facts.endorsements if e.withdrawn),
        "endorsement_ids": ",".join(str(e.id) for e in active),
        "actions": facts.actions,
        "qr": qr_svg(facts.verify_url) if facts.verify_url and not facts.draft else "",
    }


def _with_reservation_section(endorsement: EndorsementFact, by_section: dict) -> EndorsementFact:
    """The endorsement as the annex shows it: its reservation names the section as the exported text
    numbers it ("§ 2.1 Scope of the commitment")."""
    if not endorsement.reservation:
        return endorsement
    section = by_section.get(f"s-{endorsement.reservation_section_id}")
    concerns = (_("§ %(number)s %(heading)s", number=section["number"], heading=section["heading"]) if section
                else endorsement.reservation_heading)
    return replace(endorsement, reservation_concerns=concerns)


def redline_context(*, title: str, group_name: str, document_id: int, old_label: str, new_label: str,
                    changes: list[dict], exported_at: datetime, language: str = "en",
                    action_changes: list[dict] | None = None) -> dict:
    """A comparison of two states, per changed section.

    `changes` is documents.services.document_diff's output. With formatted=True there (each change has a
    "comparison", documents/comparing.py) the redline shows the formatted text with whole words struck
    through or inserted, as the compare page does; a change without one is shown as runs of equal,
    deleted and inserted Markdown source."""
    order = {"added": 0, "removed": 0, "modified": 0, "moved": 0, "unchanged": 0}
    shown = []
    for change in changes:
        order[change["change"]] = order.get(change["change"], 0) + 1
        if change["change"] == "unchanged":
            continue
        comparison = change.get("comparison")
        runs = [{"op": {-1: "del", 0: "eq", 1: "ins"}[op], "text": text} for op, text in change.get("diff") or []]
        shown.append({"anchor": f"c-{change['section_id']}", "heading": change["heading"],
                      "old_heading": change.get("old_heading"), "change": change["change"],
                      "moved": change.get("moved", False), "runs": runs,
                      "html": comparison.html if comparison is not None else None,
                      "old_position": change.get("old_position"), "position": change.get("position")})
    return {**print_words(), "doc_title": title, "group_name": group_name, "document_id": document_id,
            "old_label": old_label, "new_label": new_label, "changes": shown, "summary": order,
            "exported_at": exported_at, "language": language,
            # A roadmap's actions: what changed for each, in words ("due 2027-Q1 → 2027-Q3").
            "action_changes": [a for a in (action_changes or []) if a["change"] != "unchanged"]}
