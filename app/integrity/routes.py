"""The site admins' page of the integrity check: open problems, the last runs, and a button to run it now."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.errors import Conflict
from app.extensions import reads_only
from app.i18n import _, ngettext
from app.integrity import services
from app.organisations.services import require_admin

bp = Blueprint("integrity", __name__, url_prefix="/admin/integrity")


@bp.before_request
@login_required
def _admins_only():
    require_admin(current_user)


@bp.get("")
def overview():
    return render_template("integrity/overview.html", problems=services.open_problem_rows(limit=500),
                           open_count=services.open_problem_count(), runs=services.recent_runs(),
                           kinds=services.KINDS, form=EmptyForm(),
                           budget=current_app.config["INTEGRITY_PAGE_BUDGET_SECONDS"])


@bp.post("/run")
@reads_only  # the checks read as a reader; their results are written in short transactions of their own
def run_now():
    if EmptyForm().validate_on_submit():
        try:
            report = services.check_integrity(current_app.config["INTEGRITY_PAGE_BUDGET_SECONDS"], trigger="page",
                                              user=current_user)
        except Conflict as exc:
            flash(exc.message, "error")
            return redirect(url_for("integrity.overview"))
        checked = _("Checked: sections %(sections)s, versions %(versions)s, groups %(groups)s.",
                    sections=report.sections_checked, versions=report.versions_checked, groups=report.groups_checked)
        done = _("The pass is complete.") if report.outcome == "finished" else \
            _("The time of this run is spent; the next run carries on where it stopped.")
        count = len(report.new_problems)
        found = ngettext("%(num)d new problem.", "%(num)d new problems.", count)
        flash(" ".join([checked, done, found]), "error" if count else "success")
    return redirect(url_for("integrity.overview"))
