"""Pages of translations: starting one, confirming a section up to date, and what the document page shows.

The document page of an original or a translation gets a panel (documents/_translations.html) naming the
original and each translation with how many sections are behind, and, under each section's heading, links to
the same section in the other languages; in a translation, a section behind its original also shows the words
that changed in the original and a button to confirm it up to date. Documents without translations cost the
page one indexed query (translations.has_translations).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.forms import EmptyForm
from app.documents import services, translations
from app.documents.models import Document, Section
from app.documents.permissions import can_arrange, can_create_document, can_edit_text, document_for, section_for
from app.errors import Conflict, Invalid
from app.extensions import db
from app.i18n import LANGUAGES, _, ngettext
from app.validation import id_or_none

bp = Blueprint("translations", __name__)


@bp.post("/documents/<int:did>/translations")
@login_required
def start(did):
    document = document_for(current_user, did)
    if EmptyForm().validate_on_submit():
        translation = translations.start_translation(current_user, document, request.form.get("language"))
        db.session.commit()
        flash(_("The translation is started: each section holds the original's text, to translate."), "success")
        return redirect(url_for("documents.show", did=translation.id))
    return redirect(url_for("documents.show", did=did))


@bp.post("/sections/<int:sid>/up-to-date")
@login_required
def up_to_date(sid):
    section = section_for(current_user, sid)
    if EmptyForm().validate_on_submit():
        translations.mark_up_to_date(current_user, section, id_or_none(request.form.get("base_revision")))
        db.session.commit()
        flash(_("The section is marked up to date with the original."), "success")
    return redirect(url_for("documents.show", did=section.document_id) + f"#{section.anchor}")


@bp.post("/documents/<int:did>/translations/add-missing")
@login_required
def add_missing(did):
    document = document_for(current_user, did)
    if EmptyForm().validate_on_submit():
        added = translations.add_missing_sections(current_user, document)
        db.session.commit()
        flash(ngettext("%(num)d section of the original is added, to translate.",
                       "%(num)d sections of the original are added, to translate.", len(added)), "success")
    return redirect(url_for("documents.show", did=did))


# --- the document page --------------------------------------------------------------

@dataclass
class Entry:
    """One language of the document: the original (standing None) or a translation and how it stands."""
    document: Document
    standing: translations.Standing | None = None
    # On the original's page: (number, section) of the translation's sections behind, missing ones aside.
    behind: list[tuple[str, Section]] = field(default_factory=list)


@dataclass
class Panel:
    document: Document
    original: Document
    entries: list[Entry]
    can_start: bool
    languages_left: list[str]
    own: translations.Standing | None = None  # on a translation's page: how it stands
    can_add_missing: bool = False
    beside: dict[int, str] = field(default_factory=dict)  # section id -> markup under its heading


def panel(user, document: Document) -> Panel | None:
    """What the document page shows of its languages; None for a document without translations that the reader
    cannot translate."""
    can_start = document.translation_of_id is None and can_create_document(user, document.group)
    if not translations.has_translations(document):
        if not can_start:
            return None
        return Panel(document, document, [Entry(document)], can_start,
                     [code for code in LANGUAGES if code != document.language])
    original = translations.original_of(document)
    original_sections = services.live_sections(original)
    entries = [Entry(original)]
    for translation in translations.translations_of(original):
        entry = Entry(translation, translations.standing(translation, original_sections))
        if document.id == original.id:
            numbered = {s.id: n for n, s in services.numbered(entry.standing.sections)}
            entry.behind = [(numbered.get(s.id, ""), s) for s, _o in entry.standing.behind]
        entries.append(entry)
    taken = {entry.document.language for entry in entries}
    result = Panel(document, original, entries, can_start, [code for code in LANGUAGES if code not in taken])
    if document.id != original.id:
        result.own = next(e.standing for e in entries if e.document.id == document.id)
        result.can_add_missing = bool(result.own.missing) and can_arrange(user, document)
    result.beside = _beside(user, document, original, entries, result.own)
    return result


def _beside(user, document, original, entries, own) -> dict[int, str]:
    """Under each section's heading: the same section in the other languages and, in a translation, whether it
    is behind its original (with the changed words and the button that confirms it)."""
    sections = services.live_sections(document)
    key_of = {s.id: (s.id if document.id == original.id else s.original_section_id) for s in sections}
    keys = {k for k in key_of.values() if k is not None}
    if not keys:
        return {}
    languages = {e.document.id: e.document for e in entries}
    places: dict[int, list[tuple[Document, int]]] = {}
    for sid, did, key in db.session.execute(
            select(Section.id, Section.document_id, Section.original_section_id)
            .where(Section.original_section_id.in_(keys), Section.deleted_at.is_(None))):
        if did in languages and did != document.id:
            places.setdefault(key, []).append((languages[did], sid))
    if document.id != original.id:
        for key in keys:
            places.setdefault(key, []).insert(0, (original, key))
    behind = {s.id: o for s, o in own.behind} if own else {}
    behind_ids = {s.id for e in entries if e.standing for s, _o in e.standing.behind}
    removed = {s.id for s in own.removed} if own else set()
    editable = can_edit_text(user, document)
    macro = current_app.jinja_env.get_template("documents/_section_languages.html").module.section_languages
    out = {}
    for section in sections:
        key = key_of[section.id]
        others = sorted(places.get(key, []), key=lambda p: (p[0].id != original.id, p[0].language)) if key else []
        original_section = behind.get(section.id)
        if not others and original_section is None and section.id not in removed:
            continue
        out[section.id] = str(macro(
            section, others, original, original_section,
            translations.changes_since(section, original_section) if original_section is not None else None,
            section.id in removed, editable, behind_ids))
    return out


# --- the edit page -----------------------------------------------------------------------

@dataclass
class EditContext:
    original: Section
    behind: bool
    changes: object  # comparing.Comparison | None


def edit_context(section: Section) -> EditContext | None:
    """What the editor of a translated section sees of its original: its current revision and, when behind,
    the words that changed since the revision the translation follows."""
    if section.original_section_id is None:
        return None
    original = db.session.get(Section, section.original_section_id)
    return EditContext(original, translations.behind(section, original), translations.changes_since(section, original))


def confirm_from_form(user, section: Section, form) -> None:
    """A save of a translated section with "This section is up to date with the original" ticked confirms it
    against the original's revision the editor saw (the form's original_revision). Refused as a field error
    (the text stays in the form) when the original has changed meanwhile."""
    if section.original_section_id is None or form.get("up_to_date") != "1":
        return
    try:
        translations.mark_up_to_date(user, section, id_or_none(form.get("original_revision")))
    except Conflict as exc:
        raise Invalid(exc.message, fields={"body": exc.message}) from None

