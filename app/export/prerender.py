"""Sealed PDFs rendered before anyone asks: nobody should wait for a final text's PDF.

As soon as a version becomes final, and again after each endorsement or withdrawal and when endorsement
closes (the sealed PDF lists the active endorsements, counts the withdrawn ones and says whether endorsement
has closed, so each changes the file), the sealed PDF is rendered by a
worker of the task queue (`export.prerender`, app.tasks) once the change has committed. The download then finds it
stored and serves it at once. Renders coalesce: a job renders what is current when it runs, so ten
endorsements in a burst cost one or two renders, not ten (a job whose export is already stored or
being rendered by another does nothing).

A download that comes before the render has finished joins it (services.claim: one render per
export), as before. EXPORT_PRERENDER turns this off (tests do, except where they test it).
"""
from __future__ import annotations

import logging
import time

from flask import current_app

from app.documents.models import Version
from app.documents.signals import endorsement_closed, version_final
from app.endorsements.signals import endorsements_changed
from app.errors import Busy
from app.export import services
from app.export.specs import version_spec
from app.extensions import db, reading_only
from app.tasks import PRIORITY_AHEAD, after_commit, task

log = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 1.0  # while EXPORT_MAX_RENDERS others render, try again this often


def _sealed_pdf_changes(version: Version, **_) -> None:
    if current_app.config["EXPORT_PRERENDER"]:
        after_commit("export.prerender", version.id)


def connect_receivers() -> None:
    version_final.connect(_sealed_pdf_changes)
    endorsement_closed.connect(_sealed_pdf_changes)
    endorsements_changed.connect(_sealed_pdf_changes)


@task("export.prerender", priority=PRIORITY_AHEAD)
def render_sealed(version_id: int) -> int | None:
    """Renders and stores the sealed PDF of the version as it stands now; the export's id, or None when the
    version is not (or no longer) a final version, the renderers stayed busy for a whole render timeout, or the
    render failed (then no failed row stays: the first download tries again).

    Reads as a reader (no write lock on SQLite); the claim and the stored file are written in transactions
    of their own, as for a download."""
    with reading_only():
        return _render_sealed(version_id)


def _render_sealed(version_id: int) -> int | None:
    version = db.session.get(Version, version_id)
    if version is None or not version.is_final:
        return None
    spec = version_spec(version)
    deadline = time.monotonic() + current_app.config["EXPORT_RENDER_TIMEOUT"]
    while True:
        try:
            export, mine = services.claim(None, spec, background=True)
            break
        except Busy:
            if time.monotonic() > deadline:
                log.warning("Sealed PDF of version %s not rendered ahead: the renderers stayed busy", version_id)
                return None
            db.session.rollback()
            time.sleep(BUSY_RETRY_SECONDS)
    if mine:
        # A failure is logged (by perform, or by the task queue for the unexpected); no failed row stays
        # for a person's download to meet.
        try:
            services.render_claimed(export.id, spec, None)
        except Exception:
            services.forget_failed(export.id)
            raise
        if services.forget_failed(export.id):
            return None
    return export.id
