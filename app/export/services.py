"""Exporting documents as PDF: gather the facts, render once, seal, store, serve, verify.

An export request is described by an `ExportSpec` (specs.py: its key and how to
build its HTML). `obtain` answers a stored export at once; otherwise the
first caller claims the key (the unique constraint settles races between
workers) and queues its render (`render_in_background`), which a worker of the
task queue does (`export.render`; `render_now` does it in the calling process,
for scripts); other callers wait for the row to become ready. Every render is
an audit event of the group's chain.
"""
from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.errors import Busy, NotFound
from app.export.messages import EXPORT_STOPPED, RENDER_ABANDONED, english
from app.export.models import Export
from app.export.render import RenderFailed, render_pdf
from app.export.seal import SealUnavailable, seal_pdf
from app.export.specs import ExportSpec
from app.extensions import db, in_own_transaction
from app.i18n import _
from app.tasks import PRIORITY_WAITED, after_commit, enqueue, periodic, task
from app.util import utcnow

log = logging.getLogger(__name__)


# --- claiming, rendering and storing -------------------------------------------------------

def find(key: str) -> Export | None:
    return db.session.scalar(select(Export).where(Export.key == key))


def stale_claims_before():
    """Claims of renders made before this were abandoned (their worker died): no longer being rendered."""
    return utcnow() - timedelta(seconds=current_app.config["EXPORT_RENDER_TIMEOUT"] + 30)



def claim(user, spec: ExportSpec, *, background: bool = False) -> tuple[Export, bool]:
    """The export row for spec, and whether this caller must render it.

    A ready or freshly claimed export is someone else's to serve or finish; a failed
    one, or a claim older than the render timeout (its worker died), is taken over.
    `background`: a render nobody is waiting for (prerender.py), which leaves one of the
    EXPORT_MAX_RENDERS places to people's downloads."""
    export = find(spec.key)
    if export is not None and export.status == "ready":
        return export, False
    export_id, mine = in_own_transaction(_claim, spec, getattr(user, "id", None), background)
    db.session.commit()  # end the request's read snapshot, so it sees the row
    return db.session.get(Export, export_id, populate_existing=True), mine


def _claim(spec: ExportSpec, user_id: int | None, background: bool = False) -> tuple[int, bool]:
    export = find(spec.key)
    if export is None:
        _require_a_free_renderer(background)
        export = Export(key=spec.key, kind=spec.kind, group_id=spec.group_id, document_id=spec.document_id,
                        version_id=spec.version_id, endorsement_ids=spec.endorsement_ids,
                        content_hash=spec.content_hash, filename=spec.filename, status="rendering",
                        created_by_id=user_id)
        db.session.add(export)
        try:
            db.session.commit()
            return export.id, True
        except IntegrityError:  # someone else claimed it at the same moment: theirs to render
            db.session.rollback()
            return find(spec.key).id, False
    if export.status == "ready" or (export.status == "rendering" and export.started_at > stale_claims_before()):
        return export.id, False
    retry_after = timedelta(seconds=current_app.config["EXPORT_RETRY_FAILED_AFTER"])
    if export.status == "failed" and export.finished_at is not None and export.finished_at > utcnow() - retry_after:
        return export.id, False  # it just failed (time or memory limit): not again for every request
    _require_a_free_renderer(background)
    taken = db.session.execute(
        update(Export).where(Export.id == export.id, Export.status == export.status,
                             Export.started_at == export.started_at)
        .values(status="rendering", error="", started_at=utcnow(), created_by_id=user_id, attempts=0, html=None))
    db.session.commit()
    return export.id, taken.rowcount == 1


# Names the claim of a render among PostgreSQL's advisory locks (any constant no other lock uses).
RENDER_CLAIM_LOCK = 0x41636F7264  # "Accord"


def _require_a_free_renderer(background: bool = False) -> None:
    """At most EXPORT_MAX_RENDERS renders at once across every worker: each takes a core and up to
    EXPORT_RENDER_MEMORY_MB, so more would only slow them all and risk the machine. A background
    render takes at most all but one of them, so that a person's download always finds a place.

    Counting the running renders and claiming one must be one step: two workers counting at the same
    moment would both see room. The claim's transaction (_claim) holds a lock from here to its commit:
    on SQLite the write lock it began with (BEGIN IMMEDIATE); on PostgreSQL a transaction-scoped
    advisory lock, taken here, so that claims queue for the milliseconds each takes while nothing
    else waits (the lock goes with the commit or rollback, also when the worker dies). At read
    committed, PostgreSQL's default, the count then sees every claim committed before."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RENDER_CLAIM_LOCK})
    running = db.session.scalar(select(func.count(Export.id)).where(Export.status == "rendering",
                                                                    Export.started_at > stale_claims_before()))
    places = current_app.config["EXPORT_MAX_RENDERS"]
    if running >= (places - 1 if background and places > 1 else places):
        raise Busy(_("Other PDFs are being made right now. Try again in a minute."))


def perform(export_id: int, kind: str, html: str, actor_id: int | None) -> None:
    """Render (and seal) the claimed export, then store it and record the event in one short transaction."""
    config = current_app.config
    started = time.monotonic()
    try:
        rendered = render_pdf(html, timeout=config["EXPORT_RENDER_TIMEOUT"],
                              memory_mb=config["EXPORT_RENDER_MEMORY_MB"], tags=config["EXPORT_PDF_TAGS"])
        pdf = seal_pdf(rendered.pdf, config) if kind == "sealed" else rendered.pdf
    except (RenderFailed, SealUnavailable) as exc:
        log.error("Export %s failed: %s", export_id, exc)
        in_own_transaction(_mark_failed, export_id, str(exc))
        return
    in_own_transaction(_store, export_id, pdf, rendered, round(time.monotonic() - started, 3), actor_id)


def _store(export_id: int, pdf: bytes, rendered, seconds: float, actor_id: int | None) -> None:
    from app.auth.models import User

    export = db.session.get(Export, export_id)
    digest = hashlib.sha256(pdf).hexdigest()
    export.pdf, export.sha256, export.size, export.pages = pdf, digest, len(pdf), rendered.pages
    export.status, export.error, export.finished_at, export.render_seconds = "ready", "", utcnow(), seconds
    export.html = None
    actor = db.session.get(User, actor_id) if actor_id else None
    record(export.group_id, actor, "export.render", f"export:{export.id}", kind=export.kind,
           document_id=export.document_id, version_id=export.version_id, sha256=digest,
           endorsement_ids=export.endorsement_ids, pages=rendered.pages, refused_urls=len(rendered.refused))
    db.session.commit()


def render_claimed(export_id: int, spec: ExportSpec, actor_id: int | None) -> None:
    """Builds the claimed export's HTML, ends the reads and renders it here, in this process (a worker's task,
    or a script); anything unexpected is said on the row before it is raised."""
    queue_claimed(export_id, spec, actor_id, run_here=True)


def queue_claimed(export_id: int, spec: ExportSpec, actor_id: int | None, *, run_here: bool = False) -> None:
    """Builds the claimed export's HTML and stores it with the claim, then queues its render (`export.render`)
    or, with run_here, runs that task's work in this process."""
    try:
        html = spec.build_html()
        db.session.commit()  # no transaction stays open through the render (or the wait for it)
        in_own_transaction(_store_html, export_id, html, actor_id, not run_here)
    except Exception:
        mark_failed(export_id, english(EXPORT_STOPPED))
        raise
    if run_here:
        render_queued(export_id, actor_id)


def _store_html(export_id: int, html: str, actor_id: int | None, queue: bool) -> None:
    db.session.execute(update(Export).where(Export.id == export_id).values(html=html))
    if queue:
        after_commit("export.render", export_id, actor_id)
    db.session.commit()


@task("export.render", priority=PRIORITY_WAITED)
def render_queued(export_id: int, actor_id: int | None) -> None:
    """The queued render of a claimed export, in a worker: taken (a first time, or again when the worker that
    had it stopped), rendered in a limited child process, stored. At most EXPORT_MAX_ATTEMPTS takes."""
    config = current_app.config
    taken = db.session.execute(
        update(Export).where(Export.id == export_id, Export.status == "rendering", Export.html.is_not(None),
                             (Export.attempts == 0) | (Export.started_at < stale_claims_before()))
        .values(attempts=Export.attempts + 1, started_at=utcnow()))
    db.session.commit()
    if taken.rowcount != 1:
        log.info("Export %s not rendered by this task: done, failed, gone or being rendered", export_id)
        return
    export = db.session.get(Export, export_id)
    kind, html, attempts = export.kind, export.html, export.attempts
    db.session.commit()
    if attempts > config["EXPORT_MAX_ATTEMPTS"]:
        mark_failed(export_id, english(RENDER_ABANDONED, times=attempts - 1))
        return
    perform(export_id, kind, html, actor_id)


@periodic("export.sweep", minute="*")
def sweep() -> int:
    """Queues again the renders whose worker stopped (a claim older than the render timeout, its HTML stored);
    a claim without HTML was left by a request that stopped before queueing it: failed. Returns how many."""
    stale = list(db.session.execute(select(Export.id, Export.created_by_id, Export.html.is_not(None)).where(
        Export.status == "rendering", Export.started_at < stale_claims_before()).limit(100)))
    for export_id, actor_id, has_html in stale:
        if has_html:
            enqueue("export.render", export_id, actor_id)
        else:
            _mark_failed(export_id, english(EXPORT_STOPPED))
    db.session.commit()
    return len(stale)


def render_now(user, spec: ExportSpec, wait: float | None = None) -> Export:
    """The export, rendered in this process when nobody has (scripts and benchmarks, which run no worker);
    waits (up to `wait` seconds) for another's."""
    export, mine = claim(user, spec)
    if mine:
        render_claimed(export.id, spec, getattr(user, "id", None))
    return wait_for(export.id, current_app.config["EXPORT_RENDER_TIMEOUT"] if wait is None else wait)


def render_in_background(user, spec: ExportSpec, wait: float | None = None) -> Export:
    """The export; when it must be rendered, a worker of the task queue does it (`export.render`).

    Waits up to `wait` seconds (EXPORT_WAIT_SECONDS) for the render, queued now or by another; the caller
    shows progress (or answers 202) when it is not ready by then."""
    wait = current_app.config["EXPORT_WAIT_SECONDS"] if wait is None else wait
    export, mine = claim(user, spec)
    if mine:
        queue_claimed(export.id, spec, getattr(user, "id", None))
    elif export.status != "rendering":
        wait = 0
    return wait_for(export.id, wait)


def forget_failed(export_id: int) -> bool:
    """Deletes the export if its render failed (True then): a background render nobody asked for leaves no
    failure behind, so the first person who asks tries again at once instead of meeting the failure."""
    def forget():
        gone = db.session.execute(delete(Export).where(Export.id == export_id, Export.status == "failed")).rowcount
        db.session.commit()
        return gone == 1
    return in_own_transaction(forget)


def mark_failed(export_id: int, message: str) -> None:
    """The export failed (message says why), in a transaction of its own."""
    in_own_transaction(_mark_failed, export_id, message)


def _mark_failed(export_id: int, message: str) -> None:
    """`message`: one of messages.py's, in English (the row is read in every language: messages.translated)."""
    db.session.execute(update(Export).where(Export.id == export_id, Export.status == "rendering")
                       .values(status="failed", error=message, finished_at=utcnow(), html=None))
    db.session.commit()


def wait_for(export_id: int, seconds: float) -> Export:
    deadline = time.monotonic() + seconds
    while True:
        db.session.commit()  # a fresh snapshot each time round (PostgreSQL repeatable reads, SQLite locks)
        export = db.session.get(Export, export_id, populate_existing=True)
        if export.status != "rendering" or time.monotonic() >= deadline:
            return export
        time.sleep(0.2)


def stored_pdf(export: Export) -> bytes:
    return db.session.scalar(select(Export.pdf).where(Export.id == export.id))


def export_for(user, export_id) -> Export:
    """The export, to whoever reads its document; a board pack's only to those who may download it."""
    from app.documents.permissions import can_read
    from app.export.board_pack import can_download, organisation_of_key

    export = db.session.get(Export, export_id) if isinstance(export_id, int) else None
    if export is None or not can_read(user, export.document):
        raise NotFound(_("No such export."))
    pack = organisation_of_key(export.key)
    if pack is not None and not can_download(user, pack[1], export.version):
        raise NotFound(_("No such export."))
    return export
