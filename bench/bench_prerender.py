"""Sealed PDFs rendered ahead: from an endorsement to its sealed PDF stored, and the download afterwards.

    .venv/bin/python bench/bench_prerender.py [--requests 30] [--label sqlite]

Builds the benchmark data (bench/build_data.py: about 280 sections, 410 KB of
Markdown) into a fresh SQLite file, plus a short statement of 12 sections
(what most working groups endorse), with EXPORT_PRERENDER on, as in production. For each document:

1. It goes final through the workflow service; the clock runs from the commit
   until the sealed PDF (no endorsement yet) is stored by the background job.
2. Each of the group's three organisations endorses through the endorsement
   service, one after the other as people do; for each, the clock runs from
   the endorsement's commit until the sealed PDF listing it is stored.
3. The endorser's download of the final PDF (GET /versions/{vid}/export.pdf
   through the whole Flask app, signed in), median and p95 of N requests,
   once it is stored; and whether any download rendered anything.

Target (issue 16): downloads under 50 ms, served from storage. Prints a table and
writes bench/results/prerender-<label>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_data import PASSWORD, build, make_app  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def stored_after(app, version_id: int, since: float, timeout: float = 600) -> float:
    """Seconds from `since` until the sealed export of the version's current endorsements is stored."""
    from app.documents.models import Version
    from app.export.models import Export
    from app.export.specs import version_spec
    from app.extensions import db

    with app.test_request_context():
        key = version_spec(db.session.get(Version, version_id)).key
        while time.perf_counter() - since < timeout:
            db.session.commit()
            status = db.session.query(Export.status).filter(Export.key == key).scalar()
            if status == "ready":
                return time.perf_counter() - since
            if status == "failed":
                raise SystemExit(f"the sealed PDF of version {version_id} failed to render")
            time.sleep(0.02)
        db.session.remove()
    raise SystemExit(f"the sealed PDF of version {version_id} was not stored within {timeout} s")


def short_statement(app, manifest) -> int:
    from app.auth.models import User
    from app.documents.models import Document
    from app.documents.services import create_document
    from app.extensions import db
    from app.groups.models import Group

    with app.app_context():
        coordinator = db.session.get(User, manifest["users"][0]["id"])
        group = db.session.get(Group, manifest["group_id"])
        big = db.session.get(Document, manifest["document_id"])
        sections = [{"heading": s.heading, "body": s.body, "level": s.level} for s in big.sections[:12]]
        document = create_document(coordinator, group, title="Short joint statement (bench)", kind="statement",
                                   sections=sections)
        db.session.commit()
        return document.id


def run_document(app, manifest, document_id: int, requests: int) -> dict:
    from app.auth.models import User
    from app.documents import workflow
    from app.documents.models import Document
    from app.endorsements.services import endorse
    from app.extensions import db
    from app.organisations.models import Representative
    from app.tasks import wait_idle

    with app.app_context():
        users = [db.session.get(User, entry["id"]) for entry in manifest["users"]]
        coordinator = users[0]
        organisation_of = [(u.id, u.organisation_id) for u in users]
        document = db.session.get(Document, document_id)
        sections = len(document.sections)
        workflow.transition(coordinator, document, "review")
        workflow.transition(coordinator, document, "final", "Final version")
        db.session.commit()
        since = time.perf_counter()
        vid = document.final_version_id
    final_seconds = stored_after(app, vid, since)

    endorsers, seen = [], set()
    for user_id, organisation_id in organisation_of:
        if organisation_id not in seen:
            seen.add(organisation_id)
            endorsers.append(user_id)
    to_stored = []
    for user_id in endorsers:
        with app.app_context():
            from app.documents.models import Version

            user = db.session.get(User, user_id)
            if db.session.query(Representative).filter_by(organisation_id=user.organisation_id,
                                                          user_id=user.id).first() is None:
                db.session.add(Representative(organisation_id=user.organisation_id, user_id=user.id))
                db.session.flush()
            endorse(user, db.session.get(Version, vid), organisation_id=user.organisation_id,
                    signatory_name=user.name, signatory_title="Head of procurement")
            db.session.commit()
            since = time.perf_counter()
        to_stored.append(stored_after(app, vid, since))
    assert wait_idle(60)
    last_endorser = manifest["users"][[u["id"] for u in manifest["users"]].index(endorsers[-1])]
    return {"sections": sections, "final_to_stored_seconds": round(final_seconds, 2),
            "endorsement_to_stored_seconds": [round(s, 2) for s in to_stored],
            **download(app, vid, last_endorser["email"], requests)}


def download(app, vid: int, email: str, requests: int) -> dict:
    from sqlalchemy import func, select

    from app.audit.models import AuditEvent
    from app.extensions import db

    def renders():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "export.render"))

    client = app.test_client()
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code in (302, 303), signed_in.status_code
    before = renders()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(f"/versions/{vid}/export.pdf")
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    times.sort()
    return {"download_median_ms": round(statistics.median(times), 2),
            "download_p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
            "download_requests": requests, "downloads_rendered": renders() - before,
            "pdf_bytes": len(response.get_data())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--label", default="sqlite")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="accord-bench-prerender-")
    os.environ.setdefault("ACCORD_INSTANCE_DIR", workdir)
    try:
        manifest = build(f"sqlite:///{workdir}/bench.db")
        make_app(manifest["database_url"])  # the environment bench/build_data.py sets for its app
        from app import create_app

        # As in production, but without the per-account limit on downloads, which the repeated download would hit.
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=manifest["database_url"], EXPORT_DEV_SEAL_DIR=workdir,
                         EXPORT_PRERENDER=True, RATELIMIT_ENABLED=False)
        short = run_document(app, manifest, short_statement(app, manifest), args.requests)
        large = run_document(app, manifest, manifest["document_id"], args.requests)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {"label": args.label, "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
              "short_statement": short, "benchmark_document": large}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"prerender-{args.label}.json").write_text(json.dumps(result, indent=2))
    print(f"Sealed PDFs rendered ahead ({args.label})")
    print(f"  {'':<44} {'12 sections':>14} {str(large['sections']) + ' sections':>14}")
    for name, key in (("final -> sealed PDF stored (s)", "final_to_stored_seconds"),
                      ("endorsement -> its sealed PDF stored (s)", "endorsement_to_stored_seconds"),
                      (f"download, median of {args.requests} (ms)", "download_median_ms"),
                      ("download, p95 (ms)", "download_p95_ms"),
                      ("renders caused by downloads", "downloads_rendered")):
        value = lambda d: ", ".join(map(str, d[key])) if isinstance(d[key], list) else str(d[key])  # noqa: E731
        print(f"  {name:<44} {value(short):>14} {value(large):>14}")
    print(f"written to {RESULTS / f'prerender-{args.label}.json'}")


if __name__ == "__main__":
    main()
