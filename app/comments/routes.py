"""Pages of the discussion: comments beside the sections, suggested changes."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.comments import services
from app.comments.forms import (
    AmendmentForm,
    CommentForm,
    EditCommentForm,
    RejectForm,
    ResolveAmendmentForm,
)
from app.comments.models import Comment
from app.comments.permissions import (
    amendment_for,
    can_comment,
    can_decide,
    can_delete_comment,
    can_edit_comment,
    can_propose,
    can_resolve,
    can_support,
    comment_for,
)
from app.documents import services as documents
from app.documents.importing import normalise_newlines
from app.documents.permissions import require_unfrozen, section_for
from app.documents.rendering import render_cached
from app.errors import AccordError, Conflict, Invalid, NotFound, PermissionDenied
from app.extensions import db
from app.forms import apply_errors, safe_next, status_for
from app.i18n import _
from app.validation import FieldErrors, clean_id, id_or_none

bp = Blueprint("comments", __name__)


def comment_url(comment: Comment) -> str:
    return url_for("documents.show", did=comment.document_id) + f"#comment-{comment.id}"


def _back(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next"), default)


@bp.app_context_processor
def _discussion_helpers():
    return {"can_edit_comment": lambda c: can_edit_comment(current_user, c),
            "can_delete_comment": lambda c: can_delete_comment(current_user, c),
            "can_resolve_thread": lambda c: can_resolve(current_user, c),
            "comment_html": services.comment_html}


# --- comments -------------------------------------------------------------------------------

@bp.route("/sections/<int:sid>/comments", methods=["GET", "POST"])
@login_required
def add(sid):
    """The comment form on its own page (and where a refused comment comes back with its errors)."""
    section = section_for(current_user, sid)
    document = section.document
    if not can_comment(current_user, document):
        raise PermissionDenied(_("Observers read the discussion; members and above comment."))
    form = CommentForm()
    if request.method == "GET":
        form.quote.data = request.args.get("quote", "")
    parent = None
    try:
        parent = services.reply_target(section, form.parent_id.data)
    except Invalid as exc:
        if id_or_none(form.parent_id.data) is not None:
            raise NotFound(_("No such comment on this section.")) from None
        apply_errors(form, exc)  # not an id at all: said on the form, nothing posted
    if not form.errors and form.validate_on_submit():
        try:
            if parent is not None:
                comment = services.reply(current_user, parent, body=form.body.data)
            else:
                comment = services.add_comment(current_user, section, body=form.body.data, quote=form.quote.data,
                                               occurrence=form.occurrence.data)
            db.session.commit()
            flash(_("Your reply is posted.") if parent else _("Your comment is posted."), "success")
            return redirect(comment_url(comment))
        except AccordError as exc:
            if exc.status == 413 or exc.code in ("comment_deleted", "section_removed"):
                raise
            apply_errors(form, exc)
    return render_template("comments/new.html", section=section, document=document, form=form, parent=parent,
                           number=documents.section_number(section)), status_for(form)


@bp.get("/sections/<int:sid>/discussion")
@login_required
def discussion(sid):
    """Every thread of a section, resolved ones included; also for a removed section."""
    section = section_for(current_user, sid)
    threads = services.threads_of([section])[section.id]
    return render_template("comments/discussion.html", section=section, document=section.document,
                           threads=threads, number=documents.section_number(section),
                           amendments=services.amendments_of(section),
                           can_comment=can_comment(current_user, section.document) and section.deleted_at is None,
                           can_propose=can_propose(current_user, section.document) and section.deleted_at is None)


@bp.route("/comments/<int:cid>/edit", methods=["GET", "POST"])
@login_required
def edit(cid):
    comment = comment_for(current_user, cid)
    if not can_edit_comment(current_user, comment):
        raise PermissionDenied(_("Only its author edits a comment."))
    form = EditCommentForm(obj=comment if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.edit_comment(current_user, comment, body=form.body.data)
            db.session.commit()
            flash(_("Your comment is saved."), "success")
            return redirect(comment_url(comment))
        except AccordError as exc:
            if exc.status in (409, 413):
                raise
            apply_errors(form, exc)
    return render_template("comments/edit.html", comment=comment, document=comment.document, form=form), \
        status_for(form)


def _comment_action(cid, action, message):
    comment = comment_for(current_user, cid)
    if EmptyForm().validate_on_submit():
        target = action(current_user, comment)
        db.session.commit()
        flash(message, "success")
        return redirect(_back(comment_url(target)))
    return redirect(comment_url(comment))


@bp.post("/comments/<int:cid>/delete")
@login_required
def delete(cid):
    return _comment_action(cid, services.delete_comment, _("The comment is deleted. Its thread stays readable."))


@bp.post("/comments/<int:cid>/resolve")
@login_required
def resolve(cid):
    return _comment_action(cid, services.resolve, _("The thread is resolved. It stays readable under “Resolved”."))


@bp.post("/comments/<int:cid>/reopen")
@login_required
def reopen(cid):
    return _comment_action(cid, services.reopen, _("The thread is open again."))


# --- suggested changes --------------------------------------------------------------------------

@bp.route("/sections/<int:sid>/suggest", methods=["GET", "POST"])
@login_required
def suggest(sid):
    section = section_for(current_user, sid)
    document = section.document
    require_unfrozen(document)  # as a save of the section is refused (409 document_frozen)
    if not can_propose(current_user, document):
        raise PermissionDenied(_("Observers read suggestions; members and above suggest changes."))
    form = AmendmentForm()
    if request.method == "GET":
        form.body.data = section.body
        form.base_revision.data = str(section.current_revision)
    errors = FieldErrors()
    base = clean_id(errors, "base_revision", form.base_revision.data, required=False) or section.current_revision
    if errors.fields:
        apply_errors(form, Invalid(fields=errors.fields))
    preview = None
    if not form.errors and form.validate_on_submit():
        if request.form.get("preview"):
            try:
                base_text = documents.revision_text(section.id, base)
            except NotFound:
                base_text = section.body
            preview = documents.compare_texts(base_text, normalise_newlines(form.body.data or ""),
                                              id_prefix="preview-")
        else:
            try:
                amendment = services.propose_amendment(current_user, section, body=form.body.data or "",
                                                       base_revision=base, rationale=form.rationale.data)
                db.session.commit()
                flash(_("Your suggestion is posted. Editors can accept or reject it; others can support it."),
                      "success")
                return redirect(url_for("comments.amendment", aid=amendment.id))
            except AccordError as exc:
                if exc.status == 413 or exc.code == "section_removed":
                    raise
                apply_errors(form, exc)
    return render_template("comments/suggest.html", section=section, document=document, form=form, base=base,
                           number=documents.section_number(section), preview=preview), status_for(form)


def _amendment_page(amendment, status=200, conflict=None, resolve_form=None):
    section = amendment.section
    view = request.args.get("view") if request.args.get("view") in ("side", "source") else "inline"
    context = {"amendment": amendment, "section": section, "document": amendment.document,
               "number": documents.section_number(section),
               "diff": services.amendment_diff(amendment) if view == "source" else None,
               "change": services.amendment_comparison(amendment) if view != "source" else None,
               "view": view, "can_decide": can_decide(current_user, amendment),
               "can_support": can_support(current_user, amendment),
               "supporting": any(s.user_id == current_user.id for s in amendment.supports),
               "reject_form": RejectForm(formdata=None), "conflict": conflict, "resolve_form": resolve_form,
               "rationale_html": render_cached(amendment.rationale, f"amendment-{amendment.id}-"),
               "credited": services.credited_to(amendment)}
    if conflict:
        context["comparison"] = documents.compare_texts(conflict["current_body"], amendment.body,
                                                        id_prefix="conflict-")
        context["since"] = documents.compare_texts(documents.revision_text(section.id, amendment.base_revision),
                                                   conflict["current_body"], id_prefix="since-")
    return render_template("comments/amendment.html", **context), status


@bp.get("/amendments/<int:aid>")
@login_required
def amendment(aid):
    return _amendment_page(amendment_for(current_user, aid))


@bp.post("/amendments/<int:aid>/accept")
@login_required
def accept(aid):
    amendment = amendment_for(current_user, aid)
    form = ResolveAmendmentForm()
    if not form.validate_on_submit():
        return redirect(url_for("comments.amendment", aid=aid))
    by_hand = form.body.data is not None and "base_revision" in request.form
    try:
        base = None
        if by_hand:
            errors = FieldErrors()
            base = clean_id(errors, "base_revision", form.base_revision.data)
            errors.raise_if_any(_("This form does not say which revision it was written on: reload the page."))
        result = services.accept_amendment(current_user, amendment, body=form.body.data if by_hand else None,
                                           base_revision=base)
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        for message in [exc.message, *(f"{name}: {text}" for name, text in exc.fields.items())]:
            flash(message, "error")
        return _amendment_page(amendment, 400)
    except Conflict as exc:
        db.session.rollback()
        if exc.code != "conflict":
            raise
        db.session.refresh(amendment)
        section = amendment.section
        db.session.refresh(section)
        resolve_form = ResolveAmendmentForm(formdata=None)
        resolve_form.body.data = form.body.data if by_hand else section.body
        resolve_form.base_revision.data = str(section.current_revision)
        return _amendment_page(amendment, 409, conflict=exc.details, resolve_form=resolve_form)
    if result.created:
        credited = [person.name for person in services.credited_to(amendment)]
        if len(credited) > 1:
            message = _("Accepted: revision %(number)s of the section, credited to %(author)s and %(editor)s.",
                        number=result.revision.number, author=credited[0], editor=credited[1])
        else:
            message = _("Accepted: revision %(number)s of the section, credited to %(name)s.",
                        number=result.revision.number, name=credited[0] if credited else _("its author"))
        flash(message, "success")
    else:
        flash(_("Accepted: the text already said this, so no new revision was needed."), "success")
    return redirect(url_for("documents.show", did=amendment.document_id) + f"#section-{amendment.section_id}")


@bp.post("/amendments/<int:aid>/reject")
@login_required
def reject(aid):
    amendment = amendment_for(current_user, aid)
    form = RejectForm()
    if form.validate_on_submit():
        services.reject_amendment(current_user, amendment, reason=form.reason.data)
        db.session.commit()
        flash(_("The suggestion is rejected."), "success")
    return redirect(url_for("comments.amendment", aid=aid))


@bp.post("/amendments/<int:aid>/support")
@login_required
def support(aid):
    amendment = amendment_for(current_user, aid)
    if EmptyForm().validate_on_submit():
        if request.form.get("withdraw"):
            services.withdraw_support(current_user, amendment)
            flash(_("You no longer support this suggestion."), "success")
        else:
            services.support_amendment(current_user, amendment)
            flash(_("You support this suggestion."), "success")
        db.session.commit()
    return redirect(url_for("comments.amendment", aid=aid))
