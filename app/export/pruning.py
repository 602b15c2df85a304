"""Deleting stored exports nobody needs to keep: drafts, comparisons and failed renders grown old.

A sealed export of a final version is the evidence of what was endorsed and stays for good. Every
other stored PDF can be made again from the history (a draft of a version, of the current text, a
comparison), so it is deleted EXPORT_DRAFT_MAX_AGE_DAYS after it was made; asked for again, it is
rendered again. A render under way is never touched: only a claim its worker abandoned (older than
the render timeout, which `claim` would take over anyway) is no longer "being rendered".
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, not_, or_, select

from app.audit.services import record
from app.documents.models import Version
from app.export.models import Export
from app.export.services import stale_claims_before
from app.extensions import db
from app.tasks import periodic
from app.util import utcnow


def _kept_for_good():
    """Sealed exports of final versions."""
    return (Export.kind == "sealed") & exists(select(Version.id).where(Version.id == Export.version_id,
                                                                        Version.is_final))


@periodic("export.prune_drafts", minute="40", hour="3")
def prune_draft_exports(now: datetime | None = None) -> int:
    """Deletes the stored exports that are not sealed exports of final versions and were made more than
    EXPORT_DRAFT_MAX_AGE_DAYS ago, leaving alone any being rendered; records, in each group's audit chain,
    which were deleted, and commits. Returns how many."""
    now = now or utcnow()
    made_before = now - timedelta(days=current_app.config["EXPORT_DRAFT_MAX_AGE_DAYS"])
    stale = or_(Export.status != "rendering", Export.started_at < stale_claims_before())
    old = list(db.session.execute(
        select(Export.id, Export.group_id).where(Export.created_at < made_before, stale, not_(_kept_for_good()))
        .order_by(Export.id)))
    if not old:
        db.session.rollback()
        return 0
    # Deleted with the same conditions: a render that began meanwhile keeps its row.
    deleted = list(db.session.execute(
        delete(Export).where(Export.id.in_([row.id for row in old]), stale, not_(_kept_for_good()))
        .returning(Export.id)).scalars())
    gone = set(deleted)
    by_group: dict[int, list[int]] = defaultdict(list)
    for row in old:
        if row.id in gone:
            by_group[row.group_id].append(row.id)
    for group_id, ids in sorted(by_group.items()):
        record(group_id, None, "export.prune", "exports:pruned", export_ids=ids,
               older_than_days=current_app.config["EXPORT_DRAFT_MAX_AGE_DAYS"])
    db.session.commit()
    return len(gone)
