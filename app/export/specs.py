"""What an export shows: an `ExportSpec` names a PDF (its key) and builds its HTML.

A final version is sealed (its key names the active endorsements), any other
version or the current text is a draft, a comparison is a redline. The
services (services.py) claim, render, seal and store what a spec names.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from app.audit.services import head as audit_head
from app.documents.models import Document, Version
from app.documents.services import (
    PRINT_COMPARE_BUDGET,
    current_content_hash,
    document_diff,
    live_sections,
    version_state,
)
from app.endorsements.models import Endorsement
from app.endorsements.services import endorsements_of
from app.errors import NotFound
from app.export.context import EndorsementFact, ExportFacts, document_context, redline_context
from app.export.validate import IDENTITY_KEYS
from app.i18n import _, choose_language, in_language
from app.util import iso, utcnow


@dataclass
class ExportSpec:
    key: str
    kind: str
    group_id: int
    document_id: int
    version_id: int | None
    filename: str
    content_hash: str = ""
    endorsement_ids: str = ""
    build_html: Callable[[], str] = field(default=lambda: "", repr=False)

    @property
    def sealed(self) -> bool:
        return self.kind == "sealed"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "document"


def document_language(document: Document) -> str:
    """The language of the document's PDF (one of app.i18n.LANGUAGES): the document's own, else EXPORT_LANGUAGE.
    Every export key of a language other than English names it (English keys are as they were before there were
    languages, so the PDFs already kept, sealed ones first, stay what is served)."""
    return (choose_language(getattr(document, "language", None))
            or choose_language(current_app.config["EXPORT_LANGUAGE"]) or "en")


def _in(language: str) -> str:
    return "" if language == "en" else f":{language}"


def verify_url() -> str:
    return current_app.config["EXPORT_PUBLIC_BASE_URL"].rstrip("/") + "/verify"


def roadmap_actions_for_pdf(version: Version | None, document: Document) -> list[dict] | None:
    """A roadmap's actions table (title, owners, lead, start, due, status); None for statements.

    From app.roadmaps.services: the actions frozen with a version (version_actions), or the live
    ones for the current text (current_actions)."""
    if document.kind != "roadmap":
        return None
    from app.roadmaps.services import current_actions, version_actions

    actions = version_actions(version) if version is not None else current_actions(document)
    return [{"title": a["title"], "owners": [o["name"] for o in a.get("owners") or []],
             "lead": (a.get("lead") or {}).get("name", ""), "start": a.get("start") or "",
             "due": a.get("due") or "", "status": a.get("status_label") or a.get("status") or "",
             "section": a.get("section")} for a in actions]


def _endorsement_facts(endorsements: list[Endorsement]) -> list[EndorsementFact]:
    """What the annex shows of each endorsement, as the version page does: the reservation with its section,
    the public note; withdrawn ones are kept (flagged) so that the evidence page can count them."""
    return [EndorsementFact(id=e.id, organisation=e.organisation.name, country=e.organisation.country,
                            signatory_name=e.signatory_name, signatory_title=e.signatory_title, date=e.created_at,
                            withdrawn=e.withdrawn_at is not None, reservation=e.reservation or "",
                            reservation_section_id=e.reservation_section_id,
                            reservation_heading=e.reservation_section.heading if e.reservation_section else "",
                            note=e.note or "", mandate=e.mandate or "",
                            delegated_by=e.delegated_by.name if e.delegated_by and e.mandate else "",
                            decided_by=e.decided_by or "", decided_on=e.decided_on)
            for e in endorsements]


def _identity(facts: ExportFacts, kind: str, endorsement_ids: str) -> dict:
    values = {"version_id": facts.version_id or "", "document_id": facts.document_id,
              "content_hash": facts.content_hash, "endorsements": endorsement_ids, "kind": kind}
    return {IDENTITY_KEYS[name]: value for name, value in values.items()}


def _page(template: str, *, title: str, author: str, language: str, draft: bool, identity: dict, footer: str,
          description: str = "", draft_word: str = "DRAFT", **context) -> str:
    """The print template's HTML. Called inside `in_language(language, "UTC")` (see `_document_html`): a PDF's
    fixed words follow its document's language, whoever asks for it, and its times are UTC for every reader."""
    now = utcnow()
    # Straight from the Jinja environment: the page context processors (session, notifications) have no place in a PDF.
    return current_app.jinja_env.get_template(template).render(
        pdf_title=title, pdf_author=author, pdf_description=description, language=language, draft=draft,
        identity=identity, footer_text=footer, draft_word=draft_word, created_w3c=iso(now), **context)


def _document_status_name(status: str) -> str:
    names = {"draft": _("draft"), "review": _("in review"), "final": _("final"), "closed": _("closed")}
    return names.get(status, status)


def _translation_note(document: Document) -> str:
    """For a translation: that it is one, of which text, and which version of the authoritative text it follows
    (the original's final version when the translation matches it, else the original's current text)."""
    if document.translation_of_id is None:
        return ""
    from app.documents.translations import behind_final, original_of
    from app.i18n import language_name

    original = original_of(document)
    if original.final_version_id is not None and not behind_final(document):
        return _("Translation of “%(title)s”. It follows %(version)s of the authoritative text (%(language)s).",
                 title=original.title, version=original.final_version.name,
                 language=language_name(original.language))
    return _("Translation of “%(title)s”. It follows the current working text of the authoritative text "
             "(%(language)s), not a final version.", title=original.title, language=language_name(original.language))


def _status_text(document: Document, version: Version | None, draft: bool) -> str:
    if version is None:
        return _("Working text (%(status)s) — not endorsed, not sealed", status=_document_status_name(document.status))
    if draft:
        return _("Named version, not the final version — not sealed")
    if version.closed_at:
        return _("Final version, sealed (endorsement closed)")
    return _("Final version, sealed")


def _document_html(document: Document, version: Version | None, state: list[dict], *, draft: bool,
                   kind: str, endorsements: list[EndorsementFact], hash_value: str) -> str:
    """The document's PDF as HTML, in the document's language (not the requester's) and with its times in UTC."""
    with in_language(document_language(document), "UTC"):
        return _document_html_here(document, version, state, draft=draft, kind=kind, endorsements=endorsements,
                                   hash_value=hash_value)


def _document_html_here(document: Document, version: Version | None, state: list[dict], *, draft: bool,
                        kind: str, endorsements: list[EndorsementFact], hash_value: str) -> str:
    facts = ExportFacts(
        document_id=document.id, version_id=version.id if version else None, kind=document.kind,
        title=version.title if version else document.title, summary=version.summary if version else document.summary,
        group_name=document.group.name, status=document.status,
        version_label=version.label if version else _("Current working text"),
        version_number=version.number if version else None,
        dated=version.created_at if version else utcnow(),
        final_at=version.created_at if version is not None and version.is_final else None,
        content_hash=hash_value, sections=state, exported_at=utcnow(), draft=draft,
        language=document_language(document), endorsements=endorsements,
        audit_head=None, verify_url=verify_url(), actions=roadmap_actions_for_pdf(version, document))
    event = audit_head(document.group_id)
    if event is not None:
        facts.audit_head = {"seq": event.seq, "hash": event.hash, "at": event.at}
    context = document_context(facts)
    label = version.name if version else _("working text")
    if draft:
        footer = _("DRAFT · %(group)s · %(version)s", group=document.group.name, version=label)
    else:
        footer = _("%(group)s · %(version)s", group=document.group.name, version=label)
    translation_note = _translation_note(document)
    if translation_note:  # on every page, where the footer is
        footer = _("%(note)s · %(footer)s", note=translation_note, footer=footer)
    return _page("export/document.html", title=facts.title, author=document.group.name, language=facts.language,
                 draft=draft, identity=_identity(facts, kind, context["endorsement_ids"]), footer=footer,
                 description=facts.summary, status_text=_status_text(document, version, draft),
                 draft_word=_("DRAFT"), translation_note=translation_note, **context)


def version_spec(version: Version) -> ExportSpec:
    """A version: sealed when it is the final text, otherwise a draft; kept either way (a version is frozen)."""
    document = version.document
    language = document_language(document)
    filename = f"{_slug(version.title)}-v{version.number}"
    if version.is_final:
        # Read once, as plain facts: the key and the file describe the same moment, whatever is endorsed or
        # withdrawn between this and the render. All of them: the annex lists the active ones, the evidence page
        # counts the withdrawn ones, and the cover says whether endorsement has closed, so all three name the file.
        everything = _endorsement_facts(endorsements_of(version))
        active = [fact.id for fact in everything if not fact.withdrawn]
        withdrawn = [fact.id for fact in everything if fact.withdrawn]
        ids = ",".join(map(str, active))
        record = f"{ids}|withdrawn:{','.join(map(str, withdrawn))}|closed:{int(version.closed_at is not None)}"
        digest = hashlib.sha256(record.encode("ascii")).hexdigest()[:24]

        def build():
            return _document_html(document, version, version_state(version), draft=False, kind="sealed",
                                  endorsements=everything, hash_value=version.content_hash)
        return ExportSpec(key=f"sealed:v{version.id}:e{len(active)}-{digest}{_in(language)}", kind="sealed",
                          group_id=document.group_id, document_id=document.id, version_id=version.id,
                          filename=f"{filename}-sealed.pdf", content_hash=version.content_hash,
                          endorsement_ids=ids, build_html=build)

    def build_draft():
        return _document_html(document, version, version_state(version), draft=True, kind="draft",
                              endorsements=[], hash_value=version.content_hash)
    return ExportSpec(key=f"draft:v{version.id}{_in(language)}", kind="draft", group_id=document.group_id,
                      document_id=document.id, version_id=version.id, filename=f"{filename}-draft.pdf",
                      content_hash=version.content_hash, build_html=build_draft)


def _current_state(document: Document) -> list[dict]:
    return [{"section_id": s.id, "heading": s.heading, "body": s.body, "level": s.level}
            for s in live_sections(document)]


def current_spec(document: Document) -> ExportSpec:
    """The current text, as a draft. Its key holds the text's hash, so an edit makes a new export."""
    state = _current_state(document)
    hash_value = current_content_hash(document, state)

    def build():
        return _document_html(document, None, state, draft=True, kind="draft", endorsements=[], hash_value=hash_value)
    extra = hashlib.sha256(f"{document.summary}\n{document.status}".encode()).hexdigest()[:16]
    return ExportSpec(key=f"draft:d{document.id}:{hash_value}:{extra}{_in(document_language(document))}",
                      kind="draft", group_id=document.group_id, document_id=document.id, version_id=None,
                      filename=f"{_slug(document.title)}-draft.pdf", content_hash=hash_value, build_html=build)


def redline_spec(document: Document, old: Version | None, new: Version | None) -> ExportSpec:
    """A comparison of two states (None: the current text), deletions struck and insertions underlined."""
    def side(version):
        if version is not None:
            return f"v{version.id}"
        return "c" + current_content_hash(document, _current_state(document))[:24]

    def label(version):
        return version.name if version else _("The current text")

    def build():
        with in_language(language, "UTC"):  # the document's language, whoever asks; times in UTC
            return build_here()

    def build_here():
        from app.roadmaps.services import actions_diff

        changes = document_diff(document, old, new, formatted=True, source=False, for_print=True,
                                formatted_budget=PRINT_COMPARE_BUDGET)
        context = redline_context(title=(new.title if new else document.title), group_name=document.group.name,
                                  document_id=document.id, old_label=label(old), new_label=label(new),
                                  changes=changes, exported_at=utcnow(), language=language,
                                  action_changes=actions_diff(document, old, new))
        identity = {IDENTITY_KEYS["document_id"]: document.id, IDENTITY_KEYS["kind"]: "redline"}
        return _page("export/redline.html", title=_("Comparison: %(title)s", title=context["doc_title"]),
                     author=document.group.name, identity=identity,
                     footer=_("COMPARISON · %(old)s → %(new)s", old=label(old), new=label(new)), draft=True,
                     draft_word=_("COMPARISON"), **context)
    language = document_language(document)
    a, b = side(old), side(new)
    return ExportSpec(key=f"redline:d{document.id}:{a}:{b}{_in(language)}", kind="redline", group_id=document.group_id,
                      document_id=document.id, version_id=None,
                      filename=f"{_slug(document.title)}-compare-{a}-{b}.pdf"[:190], build_html=build)


def published_final_spec(document: Document) -> ExportSpec:
    if document.final_version is None:
        raise NotFound("No such statement.")
    return version_spec(document.final_version)
