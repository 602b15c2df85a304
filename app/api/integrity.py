"""API: the integrity check's open problems and last run (site admins only)."""
from __future__ import annotations

from flask import jsonify
from pydantic import Field

from app.api import endpoint, signed_in_user
from app.api.fields import choice
from app.api.serialise import Answer, Timestamp
from app.integrity import services
from app.integrity.models import OUTCOMES, PHASES
from app.organisations.services import require_admin
from app.util import iso

PROBLEMS_LISTED = 500


class ProblemJson(Answer):
    id: int
    kind: str
    object: str
    detail: str
    found_at: Timestamp
    last_seen_at: Timestamp


class CheckedJson(Answer):
    sections: int
    versions: int
    groups: int


class RunJson(Answer):
    id: int
    pass_: int = Field(alias="pass")
    trigger: str
    started_at: Timestamp
    finished_at: Timestamp | None
    outcome: choice(OUTCOMES)
    phase: choice(PHASES)
    checked: CheckedJson
    new_problems: int


class IntegrityJson(Answer):
    open_problem_count: int
    open_problems: list[ProblemJson] = Field(description=f"The first {PROBLEMS_LISTED}")
    last_run: RunJson | None


def _problem_json(problem) -> dict:
    return {"id": problem.id, "kind": problem.kind, "object": problem.object, "detail": problem.detail,
            "found_at": iso(problem.found_at), "last_seen_at": iso(problem.last_seen_at)}


def _run_json(run) -> dict:
    return {"id": run.id, "pass": run.pass_number, "trigger": run.trigger, "started_at": iso(run.started_at),
            "finished_at": iso(run.finished_at), "outcome": run.outcome, "phase": run.phase,
            "checked": {"sections": run.sections_checked, "versions": run.versions_checked,
                        "groups": run.groups_checked},
            "new_problems": run.new_problems}


@endpoint("/admin/integrity", "GET", "The integrity check's open problems (the first 500) and its last run "
          "(site admin)", response=IntegrityJson, tag="admin", errors=(401, 403))
def integrity_report():
    require_admin(signed_in_user())
    runs = services.recent_runs(limit=1)
    return jsonify({"open_problem_count": services.open_problem_count(),
                    "open_problems": [_problem_json(p) for p in services.open_problem_rows(limit=PROBLEMS_LISTED)],
                    "last_run": _run_json(runs[0]) if runs else None})
