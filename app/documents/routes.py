"""Pages of documents: reading, editing a section, history, versions and comparisons."""
from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.auth.forms import EmptyForm
from app.concurrency import costly
from app.documents import services
from app.documents import translation_routes as translation_pages
from app.documents.forms import (
    DocumentEditForm,
    DocumentForm,
    NewSectionForm,
    SectionEditForm,
    VersionForm,
)
from app.documents.fragments import PAGE_BODY, Rights, SectionFrames, toc_items
from app.documents.permissions import (
    can_arrange,
    can_create_document,
    can_edit_text,
    can_name_version,
    document_for,
    require_arrange,
    require_text_edit,
    section_for,
)
from app.documents.rendering import render_cached
from app.errors import AccordError, Conflict, Invalid
from app.extensions import db
from app.forms import apply_errors, status_for
from app.groups.permissions import group_for, role_in
from app.i18n import _, current_language, spoken_time
from app.templating import url_maker
from app.validation import id_or_none
from app.word import services as word

bp = Blueprint("documents", __name__)


def section_url(section) -> str:
    return url_for("documents.show", did=section.document_id) + f"#{section.anchor}"


@bp.route("/groups/<int:gid>/documents/new", methods=["GET", "POST"])
@login_required
def new_document(gid):
    group = group_for(current_user, gid)
    if not can_create_document(current_user, group):
        abort(403)
    form = DocumentForm()
    if request.method == "GET":
        form.language.data = current_language()
    if form.validate_on_submit():
        try:
            upload = form.file.data
            if upload and getattr(upload, "filename", ""):
                raw = upload.read()
                if word.is_docx_upload(upload.filename, raw):
                    report = word.import_docx(current_user, group, data=raw, title=form.title.data or None,
                                              kind=form.kind.data, summary=form.summary.data,
                                              language=form.language.data)
                    db.session.commit()
                    flash(word.import_message(report), "success")
                    return redirect(url_for("documents.show", did=report.document.id))
                try:
                    text = raw.decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise Invalid(_("The file is neither UTF-8 text nor a Word file (.docx)."),
                                  fields={"file": _("Not a Markdown file (UTF-8) or a Word file (.docx).")}) from None
                document = services.import_document(current_user, group, markdown_text=text,
                                                    title=form.title.data or None, kind=form.kind.data,
                                                    summary=form.summary.data, language=form.language.data)
            else:
                document = services.create_document(current_user, group, title=form.title.data,
                                                    kind=form.kind.data, summary=form.summary.data,
                                                    sections=[{"heading": _("Introduction"), "body": ""}],
                                                    language=form.language.data)
            db.session.commit()
            flash(_("“%(title)s” is created.", title=document.title), "success")
            return redirect(url_for("documents.show", did=document.id))
        except AccordError as exc:
            db.session.rollback()
            apply_errors(form, exc)
    return render_template("documents/new.html", group=group, form=form), status_for(form)


@bp.get("/documents/<int:did>")
@login_required
def show(did):
    document = document_for(current_user, did)
    sections = services.numbered(services.outline(document))  # what names each section's kept markup
    from app.comments.fragments import (  # the discussion builds on documents
        ThreadBlocks,
        document_body,
    )
    from app.comments.services import (
        document_discussion,  # the reader's part in the discussion
    )
    from app.notifications.services import is_watching

    discussion = document_discussion(current_user, document)
    rights = Rights(edit=can_edit_text(current_user, document), arrange=can_arrange(current_user, document),
                    comment=discussion.can_comment, propose=discussion.can_propose)
    csrf_token = generate_csrf()
    frames = SectionFrames(rights=rights, urls=_section_urls(did), doc_url=url_for("documents.show", did=did),
                           csrf_token=csrf_token, doc_language=document.language)
    body = document_body(sections, discussion, frames, ThreadBlocks(document))
    languages = translation_pages.panel(current_user, document)  # None: no translations, none to start
    beside = dict(languages.beside) if languages is not None else {}
    saved_section = id_or_none(request.args.get("saved"))
    notice = _save_notice(saved_section)
    if notice:  # where the person lands (the redirect's #anchor), not at the top of a long page
        beside[saved_section] = notice + beside.get(saved_section, "")
    reserved = _reservations_beside(document, beside)
    body, placed = _beside_sections(body, beside)
    if saved_section in placed:
        notice = None  # else shown at the top: that section is not on the page
    page = render_template(
        "documents/show.html", document=document, toc=toc_items(sections), body=PAGE_BODY if body else None,
        group=document.group, discussion=discussion, watching=is_watching(current_user, document),
        my_role=role_in(current_user, document.group_id),
        can_edit=rights.edit, can_arrange=rights.arrange, action_form=EmptyForm(),
        saved_section=saved_section, save_notice=notice, translation_panel=languages,
        reserved=reserved, reserved_placed=placed, **_workflow_context(document))
    before, _mark, after = page.partition(PAGE_BODY)
    return Response(b"".join([before.encode(), *body, after.encode()]), mimetype="text/html")


def _reservations_beside(document, beside: dict[int, str]) -> list[dict]:
    """The consensus map of the document's current final version: each reservation's markup added to what
    goes under its section's heading (`beside`); returns the sections that hold reservations, for the summary."""
    from app.endorsements.services import reserved_sections

    reserved = reserved_sections(document.final_version)
    if reserved:
        macro = get_template_attribute("endorsements/_consensus.html", "reservations_beside")
        for entry in reserved:
            beside[entry["section_id"]] = beside.get(entry["section_id"], "") + str(macro(entry))
    return reserved


def _save_notice(saved_section: int | None) -> str | None:
    """The confirmation of the save this reader just made (kept in their session by edit_section), as markup,
    when the page was asked for that section."""
    outcome = session.pop("section_saved", None)
    if not outcome or saved_section is None or outcome.get("section") != saved_section:
        return None
    return render_template("documents/_save_notice.html", outcome=outcome)


_SECTION_START = re.compile(rb'<section id="section-(\d+)"')


def _beside_sections(body: list[bytes], markup: dict[int, str]) -> tuple[list[bytes], set[int]]:
    """The page's kept section markup with this reader's own markup (a save notice, the section's other
    languages) placed right under each section's heading, in one pass; and the ids of the sections it found."""
    if not markup or not body:
        return body, set()
    joined = b"".join(body)
    pieces, done, placed = [], 0, set()
    for match in _SECTION_START.finditer(joined):
        sid = int(match.group(1))
        extra = markup.get(sid)
        if extra is None:
            continue
        heading_end = joined.find(b"</h", joined.find(b"<h", match.end()))
        end = joined.find(b">", heading_end) + 1 if heading_end >= 0 else 0
        if not end:
            continue
        pieces += [joined[done:end], extra.encode()]
        done = end
        placed.add(sid)
    pieces.append(joined[done:])
    return pieces, placed


def _section_urls(did: int) -> dict:
    return {"add_comment": url_maker("comments.add", "sid"), "suggest": url_maker("comments.suggest", "sid"),
            "discussion": url_maker("comments.discussion", "sid"), "edit": url_maker("documents.edit_section", "sid"),
            "history": url_maker("documents.section_history", "sid"),
            "move": url_maker("documents.move_section", "sid"),
            "remove": url_maker("documents.delete_section", "sid"),
            "add_after": url_maker("documents.new_section", "after", did=did)}


def _workflow_context(document) -> dict:
    from app.documents.workflow import allowed_transitions, can_transition
    from app.endorsements.services import (
        is_open_for_endorsement,
        organisations_user_represents,
        organisations_user_signs_for,
    )

    final = document.final_version
    # A delegate signs for the organisation on the final version too (endorsements.permissions).
    signs_for = organisations_user_signs_for(current_user, final) if final is not None \
        else organisations_user_represents(current_user)
    return {"can_transition": can_transition(current_user, document),
            "transitions": allowed_transitions(document),
            "endorse_open": final is not None and is_open_for_endorsement(final),
            "my_org_ids": {o.id for o in signs_for}}


@bp.route("/documents/<int:did>/edit", methods=["GET", "POST"])
@login_required
def edit_document(did):
    document = document_for(current_user, did)
    require_arrange(current_user, document)
    form = DocumentEditForm(obj=document)
    if form.validate_on_submit():
        try:
            services.update_document(current_user, document, title=form.title.data, summary=form.summary.data,
                                     language=form.language.data)
            db.session.commit()
            flash(_("Title, summary and language are saved."), "success")
            return redirect(url_for("documents.show", did=did))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("documents/edit_document.html", document=document, form=form), status_for(form)


@bp.route("/documents/<int:did>/sections/new", methods=["GET", "POST"])
@login_required
def new_section(did):
    document = document_for(current_user, did)
    require_arrange(current_user, document)
    form = NewSectionForm()
    sections = services.numbered(services.live_sections(document))
    form.after_section_id.choices = [("", _("At the end"))] + [(str(s.id), f"§{n} {s.heading}") for n, s in sections]
    if request.method == "GET" and request.args.get("after"):
        form.after_section_id.data = request.args["after"]
    if form.validate_on_submit():
        try:
            section = services.add_section(current_user, document, heading=form.heading.data, body=form.body.data,
                                           after_section_id=form.after_section_id.data or None,
                                           level=form.level.data)
            db.session.commit()
            flash(_("Section “%(heading)s” is added.", heading=section.heading), "success")
            return redirect(section_url(section))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("documents/new_section.html", document=document, form=form), status_for(form)


def compare_for_reading(old: str, new: str, section_id: int):
    """Two texts compared as people read them (the one comparison engine: formatted, whole words), as the
    conflict screen shows them side by side."""
    return services.compare_texts(old, new, id_prefix=f"conflict{section_id}-")


def _names(people: list[str]) -> str:
    """"Marta Puig", "Marta Puig and Jon Berg", "Ann, Marta Puig and Jon Berg" (in the reader's language)."""
    if len(people) == 1:
        return people[0]
    return _("%(names)s and %(last)s", names=_(", ").join(people[:-1]), last=people[-1])


def _writers(saves: list[dict], me) -> list[str]:
    """The names of the people who saved these revisions, each once, in order; "you" for the reader."""
    names: list[str] = []
    for save in saves:
        author = save.get("author")
        name = _("you (in another window)") if author and author["id"] == me.id else \
            (author["name"] if author else _("a former member"))
        if name not in names:
            names.append(name)
    return names


def _remember_save(section, result) -> None:
    """What the document page tells the person about the save they just made, next to the section."""
    merged_with = [services.save_json(rev) for rev in result.merged_with]
    session["section_saved"] = {
        "section": section.id, "revision": result.revision.number, "created": result.created,
        "merged": result.merged, "writers": _names(_writers(merged_with, current_user)) if merged_with else "",
        "last_saved": spoken_time(merged_with[-1]["saved_at"]) if merged_with else "",
        "diff": url_for("documents.section_diff", sid=section.id,
                        **{"from": result.revision.number - 1, "to": result.revision.number}) if result.merged else ""}


@bp.route("/sections/<int:sid>/edit", methods=["GET", "POST"])
@login_required
def edit_section(sid):
    section = section_for(current_user, sid)
    document = section.document
    require_text_edit(current_user, document)
    form = SectionEditForm(obj=section if request.method == "GET" else None)
    if request.method == "GET":
        form.base_revision.data = section.current_revision
    conflict = None
    if form.validate_on_submit():
        try:
            base = id_or_none(form.base_revision.data)
            if base is None and form.base_revision.data:
                raise Invalid(_("This form does not say which revision it was opened on: reload the page and "
                                "save again."), fields={"body": _("Reload the page and save again.")})
            result = services.save_section(current_user, section, body=form.body.data or "", heading=form.heading.data,
                                           base_revision=base, message=form.message.data)
            translation_pages.confirm_from_form(current_user, section, request.form)
            db.session.commit()
            _remember_save(section, result)
            return redirect(url_for("documents.show", did=document.id, saved=section.id) + f"#{section.anchor}")
        except Conflict as exc:
            db.session.rollback()
            if exc.code != "conflict":
                raise
            conflict = exc.details
            db.session.refresh(section)
            form.base_revision.data = section.current_revision
        except AccordError as exc:
            if exc.status == 413:
                raise
            apply_errors(form, exc)
    number = services.section_number(section)
    status = 409 if conflict else status_for(form)
    context = {}
    if conflict:
        theirs, mine = conflict.get("current_body", section.body), form.body.data or ""
        saves = conflict.get("saved_since", [])
        context = {"comparison": compare_for_reading(theirs, mine, section.id), "their_text": theirs, "my_text": mine,
                   "their_heading": conflict.get("current_heading", section.heading),
                   "saved_by": _names(_writers(saves, current_user)) if saves else _("someone"),
                   "saved_when": spoken_time(conflict.get("saved_at"))}
    return render_template("documents/edit_section.html", section=section, document=document, form=form,
                           number=number, conflict=conflict, translation=translation_pages.edit_context(section),
                           **context), status


@bp.post("/sections/<int:sid>/move")
@login_required
def move_section(sid):
    section = section_for(current_user, sid)
    direction = request.form.get("direction")
    if EmptyForm().validate_on_submit() and direction in ("up", "down"):
        services.move_section(current_user, section, direction)
        db.session.commit()
        flash(_("“%(heading)s” moved up.", heading=section.heading) if direction == "up"
              else _("“%(heading)s” moved down.", heading=section.heading), "success")
    return redirect(section_url(section))


@bp.get("/sections/<int:sid>/delete")
@login_required
def confirm_delete_section(sid):
    """What removing the section will do (its words, its open discussion), and the button that does it."""
    from app.endorsements import consequences

    section = section_for(current_user, sid)
    if section.deleted_at is not None:
        flash(_("“%(heading)s” was already removed.", heading=section.heading), "info")
        return redirect(url_for("documents.show", did=section.document_id))
    require_arrange(current_user, section.document)
    return render_template("documents/confirm_remove_section.html", section=section, document=section.document,
                           number=services.section_number(section), figures=consequences.remove_section(section),
                           form=EmptyForm())


@bp.post("/sections/<int:sid>/delete")
@login_required
def delete_section(sid):
    section = section_for(current_user, sid)
    if EmptyForm().validate_on_submit():
        if section.deleted_at is not None:  # a second submit, or someone else removed it meanwhile
            flash(_("Nothing was done: “%(heading)s” was already removed.", heading=section.heading), "info")
            return redirect(url_for("documents.show", did=section.document_id))
        services.delete_section(current_user, section)
        db.session.commit()
        flash(_("“%(heading)s” is removed. Its history is kept.", heading=section.heading), "success")
    return redirect(url_for("documents.show", did=section.document_id))


@bp.get("/sections/<int:sid>/history")
@login_required
def section_history(sid):
    section = section_for(current_user, sid)
    revisions = services.revisions_of(section)
    return render_template("documents/section_history.html", section=section, document=section.document,
                           revisions=revisions, number=services.section_number(section),
                           can_restore=can_edit_text(current_user, section.document) and section.deleted_at is None,
                           action_form=EmptyForm())


@bp.get("/sections/<int:sid>/revisions/<int:number>")
@login_required
def show_revision(sid, number):
    section = section_for(current_user, sid)
    rev = services.revision(section, number)
    body = services.revision_text(section.id, rev.number)
    return render_template("documents/revision.html", section=section, document=section.document, revision=rev,
                           html=render_cached(body, f"rev-{rev.number}-"), body=body)


@bp.post("/sections/<int:sid>/revisions/<int:number>/restore")
@login_required
def restore_revision(sid, number):
    section = section_for(current_user, sid)
    if EmptyForm().validate_on_submit():
        result = services.restore_revision(current_user, section, number)
        db.session.commit()
        flash(_("Revision %(old)s is restored as revision %(new)s.", old=number, new=result.revision.number)
              if result.created else _("That revision is already the current text."), "success")
    return redirect(url_for("documents.section_history", sid=sid))


@bp.get("/sections/<int:sid>/diff")
@login_required
@costly("RATELIMIT_COMPARE")
def section_diff(sid):
    section = section_for(current_user, sid)
    current = section.current_revision
    a = id_or_none(request.args.get("from")) or max(1, current - 1)
    b = id_or_none(request.args.get("to")) or current
    view = request.args.get("view") if request.args.get("view") in ("side", "source") else "inline"
    diff = services.section_diff(section, a, b) if view == "source" else None
    comparison = services.section_comparison(section, a, b) if view != "source" else None
    return render_template("documents/section_diff.html", section=section, document=section.document,
                           a=a, b=b, view=view, diff=diff, comparison=comparison,
                           numbers=list(range(current, 0, -1)))


@bp.route("/documents/<int:did>/history", methods=["GET", "POST"])
@login_required
def history(did):
    document = document_for(current_user, did)
    form = VersionForm()
    if request.method == "POST":
        if not can_name_version(current_user, document):
            abort(403)
        if form.validate_on_submit():
            try:
                version = services.create_version(current_user, document, label=form.label.data, note=form.note.data)
                db.session.commit()
                flash(_("Version %(number)s “%(label)s” is named.", number=version.number, label=version.label),
                      "success")
                return redirect(url_for("documents.show_version", vid=version.id))
            except AccordError as exc:
                apply_errors(form, exc)
    sections = services.live_sections(document)
    removed = [s for s in document.sections if s.deleted_at is not None]
    return render_template("documents/history.html", document=document, versions=services.versions_of(document),
                           form=form, can_name=can_name_version(current_user, document), sections=sections,
                           removed=removed), status_for(form)


@bp.get("/versions/<int:vid>")
@login_required
def show_version(vid):
    version = services.version_for(current_user, vid)
    state = services.version_state(version)
    numbers = services.section_numbers([s["level"] for s in state])
    rendered = [(n, s, render_cached(s["body"], f"v{version.id}-{s['section_id']}-")) for n, s in zip(numbers, state)]
    from app.endorsements.services import deadline_of, endorsements_of, is_open_for_endorsement, reserved_sections

    reserved = reserved_sections(version) if version.is_final else []
    return render_template("documents/version.html", version=version, document=version.document, sections=rendered,
                           endorsements=endorsements_of(version) if version.is_final else [],
                           reserved=reserved, consensus_map={entry["section_id"]: entry for entry in reserved},
                           endorsement_deadline=deadline_of(version) if is_open_for_endorsement(version) else None,
                           show_actions=True, **_workflow_context(version.document))


@bp.get("/documents/<int:did>/compare")
@login_required
@costly("RATELIMIT_COMPARE")
def compare(did):
    document = document_for(current_user, did)
    versions = services.versions_of(document)
    if not versions:
        flash(_("Name a version first: then it can be compared with the current text."), "info")
        return redirect(url_for("documents.history", did=did))
    # By default: the two latest versions, or the only version against the current text.
    a_arg = request.args.get("from") or str(versions[1].id if len(versions) > 1 else versions[0].id)
    b_arg = request.args.get("to") or (str(versions[0].id) if len(versions) > 1 else "current")
    view = request.args.get("view") if request.args.get("view") in ("side", "source") else "inline"

    old, new = services.compared_version(document, "from", a_arg), services.compared_version(document, "to", b_arg)
    changes = services.document_diff(document, old, new, formatted=view != "source", source=view == "source")
    summary = {kind: sum(1 for c in changes if c["change"] == kind)
               for kind in ("added", "removed", "modified", "moved", "unchanged")}
    return render_template("documents/compare.html", document=document, versions=versions, a=a_arg, b=b_arg,
                           old=old, new=new, changes=changes, view=view, summary=summary)
