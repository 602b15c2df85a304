"""Pages of roadmap actions: the table, summary and timeline, the forms, and the follow-up after endorsement."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.documents.services import live_sections, numbered
from app.errors import AccordError, Conflict
from app.extensions import db
from app.forms import apply_errors, status_for
from app.i18n import _
from app.roadmaps import services, timeline
from app.roadmaps.forms import ActionForm, FollowUpForm
from app.roadmaps.models import ACTION_STATUSES
from app.roadmaps.permissions import (
    action_for,
    can_edit_actions,
    can_follow_up,
    has_actions,
    require_action_edit,
    roadmap_for,
)
from app.roadmaps.timeframes import overlaps, parse_period, show_timeframe, timeframe_words
from app.validation import id_or_none

bp = Blueprint("roadmaps", __name__)
bp.app_template_filter("timeframe")(timeframe_words)


@bp.app_template_global()
def roadmap_version_actions(version):
    """For the version page: the actions frozen in a version (empty for statements)."""
    return services.version_actions(version) if has_actions(version.document) else []


@bp.app_template_global()
def roadmap_action_changes(document, old, new):
    """For the compare page: what changed for each action between two versions (or the current roadmap)."""
    return services.actions_diff(document, old, new)


def _filters(organisations) -> dict:
    organisation = request.args.get("organisation", "")
    status = request.args.get("status", "")
    period_text = request.args.get("period", "").strip()[:20]
    return {"organisation": organisation if organisation in {str(o.id) for o in organisations} else "",
            "status": status if status in ACTION_STATUSES else "",
            "period": period_text, "period_range": parse_period(period_text),
            "period_invalid": bool(period_text) and parse_period(period_text) is None}


def _matches(item: dict, filters: dict) -> bool:
    if filters["organisation"] and filters["organisation"] not in {str(o["id"]) for o in item["owners"]}:
        return False
    if filters["status"] and item["now_status"] != filters["status"]:
        return False
    if filters["period_range"]:
        from datetime import date

        start = date.fromisoformat(item["start_on"]) if item["start_on"] else None
        due = date.fromisoformat(item["due_on"]) if item["due_on"] else None
        if not overlaps(start, due, filters["period_range"]):
            return False
    return True


@bp.get("/documents/<int:did>/actions")
@login_required
def index(did):
    document = roadmap_for(current_user, did)
    final = document.final_version
    frozen = document.status in ("final", "closed") and final is not None
    # Once final, the page shows the endorsed plan itself beside the progress recorded since.
    items = services.version_actions(final) if frozen else services.current_actions(document)
    progress = services.progress_of(document, [i["action_id"] for i in items]) if final is not None else {}
    for item in items:
        now = progress.get(item["action_id"])
        item["now_status"] = now["status"] if now and now["status"] else item["status"]
        item["now_label"] = str(ACTION_STATUSES[item["now_status"]])
        item["latest"] = now["latest"] if now else None
    organisations = services.group_organisations(document.group_id)
    filters = _filters(organisations)
    shown = [i for i in items if _matches(i, filters)]
    quarters, undated = timeline.timeline(shown)
    endorsed_plan = None
    if final is not None and not frozen:
        endorsed_plan = services.version_actions(final)
    return render_template(
        "roadmaps/index.html", document=document, group=document.group, items=shown, total=len(items),
        counts=timeline.summary_counts(items, "now_status"), statuses=ACTION_STATUSES, quarters=quarters,
        undated=undated, organisations=organisations, filters=filters, frozen=frozen, final=final,
        can_edit=can_edit_actions(current_user, document), can_follow_up=can_follow_up(current_user, document),
        endorsed_plan=endorsed_plan, action_form=EmptyForm(), active="actions")


def _fill_choices(form: ActionForm, document) -> None:
    form.owner_organisation_ids.choices = [(str(o.id), f"{o.name} ({o.country})")
                                           for o in services.group_organisations(document.group_id)]
    form.lead_user_id.choices = [("", _("Nobody yet"))] + [(str(p.id), p.name)
                                                         for p in services.group_people(document.group_id)]
    form.section_id.choices = [("", _("None: the roadmap as a whole"))] + [
        (str(s.id), f"§{n} {s.heading}") for n, s in numbered(live_sections(document))]


def _owner_values(form: ActionForm) -> list:
    return [value for value in (form.owner_organisation_ids.data or []) if value]


@bp.route("/documents/<int:did>/actions/new", methods=["GET", "POST"])
@login_required
def new(did):
    document = roadmap_for(current_user, did)
    require_action_edit(current_user, document)
    form = ActionForm()
    _fill_choices(form, document)
    if request.method == "GET" and request.args.get("section"):
        form.section_id.data = request.args["section"]
    if form.validate_on_submit():
        try:
            action = services.create_action(
                current_user, document, title=form.title.data, description=form.description.data,
                owner_ids=_owner_values(form), lead_user_id=form.lead_user_id.data or None,
                start=form.start_date.data, due=form.due_date.data, status=form.status.data,
                section_id=form.section_id.data or None)
            db.session.commit()
            flash(_("Action “%(title)s” is added.", title=action.title), "success")
            return redirect(url_for("roadmaps.index", did=document.id) + f"#action-{action.id}")
        except AccordError as exc:
            if exc.status == 413:
                raise
            apply_errors(form, exc)
    return render_template("roadmaps/edit.html", document=document, form=form, action=None,
                           active="actions"), status_for(form)


@bp.route("/actions/<int:aid>/edit", methods=["GET", "POST"])
@login_required
def edit(aid):
    action = action_for(current_user, aid)
    document = action.document
    require_action_edit(current_user, document)
    form = ActionForm(obj=action if request.method == "GET" else None)
    _fill_choices(form, document)
    if request.method == "GET":
        form.owner_organisation_ids.data = [str(o.organisation_id) for o in action.owners]
        form.lead_user_id.data = str(action.lead_user_id or "")
        form.section_id.data = str(action.section_id or "")
        form.start_date.data = show_timeframe(action.start_date, action.start_precision) or ""
        form.due_date.data = show_timeframe(action.due_date, action.due_precision) or ""
        form.revision.data = str(action.edit_count)
    stale = False
    if form.validate_on_submit():
        revision = form.revision.data
        try:
            services.update_action(
                current_user, action, edit_count=id_or_none(revision),
                title=form.title.data, description=form.description.data, owner_ids=_owner_values(form),
                lead_user_id=form.lead_user_id.data or None, start=form.start_date.data, due=form.due_date.data,
                status=form.status.data, section_id=form.section_id.data or None)
            db.session.commit()
            flash(_("Action “%(title)s” is saved.", title=action.title), "success")
            return redirect(url_for("roadmaps.index", did=document.id) + f"#action-{action.id}")
        except Conflict as exc:
            if exc.code != "stale":
                raise
            apply_errors(form, exc)
            db.session.refresh(action)
            stale = True
        except AccordError as exc:
            if exc.status == 413:
                raise
            apply_errors(form, exc)
    status = 409 if stale else status_for(form)
    return render_template("roadmaps/edit.html", document=document, form=form, action=action, stale=stale,
                           delete_form=EmptyForm(), statuses=ACTION_STATUSES,
                           due_shown=show_timeframe(action.due_date, action.due_precision), active="actions"), status


@bp.post("/actions/<int:aid>/move")
@login_required
def move(aid):
    action = action_for(current_user, aid)
    direction = request.form.get("direction")
    if EmptyForm().validate_on_submit() and direction in ("up", "down"):
        services.move_action(current_user, action, direction)
        db.session.commit()
        flash(_("“%(title)s” moved up.", title=action.title) if direction == "up"
              else _("“%(title)s” moved down.", title=action.title), "success")
    return redirect(url_for("roadmaps.index", did=action.document_id) + f"#action-{action.id}")


@bp.post("/actions/<int:aid>/delete")
@login_required
def delete(aid):
    action = action_for(current_user, aid)
    if EmptyForm().validate_on_submit():
        services.delete_action(current_user, action)
        db.session.commit()
        flash(_("Action “%(title)s” is removed. Versions that hold it keep it.", title=action.title), "success")
    return redirect(url_for("roadmaps.index", did=action.document_id))


@bp.route("/actions/<int:aid>", methods=["GET", "POST"])
@login_required
def show(aid):
    """One action: as it is now, as it was endorsed, and its follow-up entries (with the form to add one)."""
    action = action_for(current_user, aid)
    document = action.document
    form = FollowUpForm()
    allowed = can_follow_up(current_user, document)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.add_update(current_user, action, status=form.status.data or None, note=form.note.data,
                                    entry_date=form.entry_date.data or None)
                db.session.commit()
                flash(_("Progress is recorded."), "success")
                return redirect(url_for("roadmaps.show", aid=action.id) + "#follow-up")
            except AccordError as exc:
                if exc.status in (403, 409):
                    raise
                apply_errors(form, exc)
    endorsed = None
    if document.final_version is not None:
        endorsed = next((a for a in services.version_actions(document.final_version)
                         if a["action_id"] == action.id), None)
    current = next((a for a in services.current_actions(document) if a["action_id"] == action.id), None)
    updates = services.updates_of(action)
    progress = services.progress_of(document, [action.id]).get(action.id) if endorsed else None
    return render_template("roadmaps/show.html", document=document, action=action, current=current,
                           endorsed=endorsed, updates=updates, progress=progress, form=form,
                           can_follow_up=allowed and endorsed is not None, statuses=ACTION_STATUSES,
                           can_edit=can_edit_actions(current_user, document), active="actions"), status_for(form)
