"""Builds the benchmark's working group and its large document, through the service layer.

    .venv/bin/python bench/build_data.py --db URL --manifest PATH

The database at URL must be empty (a fresh SQLite file, or a freshly created
PostgreSQL database); its schema is made here by the migrations
(flask_migrate.upgrade), exactly as `flask db upgrade` does.

What is built, all through app.auth / app.groups / app.documents services:
- a working group with seven members: a coordinator, two editors, three
  members and an observer, each with a password (to sign in through /login);
- one large document made from /work/shared/data: the GDPR
  (gdpr-regulation-2016-679.md) and the Standard for Public Code
  (standard-for-public-code.md), each split at its headings with
  app.documents.importing.split_markdown, in that order (about 280 sections,
  about 410 KB of Markdown, one of them a 150 KB block of recitals);
- one more section of 20 KB (text of the GDPR recitals, cut at a paragraph
  end), added by an editor, for the storage benchmark;
- an API token of the observer, for reading through the API.

It writes a JSON manifest (ids, e-mails, password, token) that
bench_codrafting.py reads.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("ACCORD_BENCH_DATA", ROOT.parent / "shared" / "data"))
SOURCES = ("gdpr-regulation-2016-679.md", "standard-for-public-code.md")
PASSWORD = "bench-password-not-secret"
BIG_SECTION_BYTES = 20_000
PEOPLE = [
    ("coordinator", "Camille Coordinator"),
    ("editor", "Eda Editor"),
    ("editor", "Emil Editor"),
    ("member", "Mara Member"),
    ("member", "Milan Member"),
    ("member", "Mette Member"),
    ("observer", "Otto Observer"),
]


def make_app(url: str):
    """The app on the bench database, in testing mode (as the test-suite makes it)."""
    os.environ["ACCORD_ENV"] = "testing"
    os.environ["TEST_DATABASE_URL"] = url
    from app import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=url)


def source_sections() -> list[dict]:
    from app.documents.importing import split_markdown

    sections = []
    for name in SOURCES:
        _title, parts = split_markdown((DATA / name).read_text(encoding="utf-8"))
        sections.extend(parts)
    return sections


def twenty_kb_text() -> str:
    """About 20 KB of real prose: GDPR recitals, cut at the end of a paragraph."""
    text = (DATA / SOURCES[0]).read_text(encoding="utf-8")
    start = text.find("(1)")
    start = start if start != -1 else 0
    chunk = text[start:start + BIG_SECTION_BYTES + 4000]
    end = chunk.rfind("\n\n", 0, BIG_SECTION_BYTES + 1)
    if end < BIG_SECTION_BYTES * 0.9:
        end = BIG_SECTION_BYTES
    return chunk[:end].strip("\n")


def build(url: str) -> dict:
    from flask_migrate import upgrade

    from app.auth.services import create_api_token, create_user
    from app.documents import services
    from app.extensions import db
    from app.groups.models import Membership
    from app.groups.services import create_group
    from app.organisations.models import Organisation

    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        migrated = time.perf_counter()
        organisations = []
        for name, country in (("City of Lisbon", "PT"), ("Gemeente Utrecht", "NL"), ("Ville de Lyon", "FR")):
            organisation = Organisation(name=name, country=country, kind="city")
            db.session.add(organisation)
            organisations.append(organisation)
        db.session.flush()
        users = []
        for index, (role, name) in enumerate(PEOPLE):
            email = f"{role}{index}@bench.example.eu"
            user = create_user(email, name, PASSWORD, organisation_id=organisations[index % 3].id)
            users.append((role, user))
        coordinator = users[0][1]
        group = create_group(coordinator, "Public code and data protection (bench)",
                             "Working group built by bench/build_data.py.")
        for role, user in users[1:]:
            db.session.add(Membership(group_id=group.id, user_id=user.id, role=role))
        db.session.commit()

        sections = source_sections()
        document = services.create_document(
            coordinator, group, title="Joint statement on public code and data protection",
            kind="statement", summary="Built from the GDPR and the Standard for Public Code.",
            sections=sections)
        db.session.commit()
        editor = users[1][1]
        big = services.add_section(editor, document, heading="Annex: recitals (20 KB, storage benchmark)",
                                   body=twenty_kb_text(), level=1)
        db.session.commit()
        observer = users[-1][1]
        _token, raw_token = create_api_token(observer, "bench reader")
        db.session.commit()
        built = time.perf_counter()

        live = services.live_sections(document)
        manifest = {
            "database_url": url,
            "dialect": db.engine.dialect.name,
            "group_id": group.id,
            "document_id": document.id,
            "section_ids": [s.id for s in live],
            "section_count": len(live),
            "markdown_bytes": sum(len(s.body.encode("utf-8")) for s in live),
            "largest_section_bytes": max(len(s.body.encode("utf-8")) for s in live),
            "big_section_id": big.id,
            "big_section_bytes": len(big.body.encode("utf-8")),
            "password": PASSWORD,
            "users": [{"id": u.id, "email": u.email, "role": role} for role, u in users],
            "api_token": raw_token,
            "migrate_seconds": round(migrated - started, 3),
            "build_seconds": round(built - migrated, 3),
        }
        db.session.remove()
        db.engine.dispose()
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--manifest", required=True, help="where to write the JSON manifest")
    args = parser.parse_args()
    manifest = build(args.db)
    Path(args.manifest).write_text(json.dumps(manifest, indent=2))
    print(f"built: {manifest['section_count']} sections, {manifest['markdown_bytes'] / 1024:.0f} KiB of Markdown "
          f"(largest section {manifest['largest_section_bytes'] / 1024:.0f} KiB), "
          f"{len(manifest['users'])} members; migrations {manifest['migrate_seconds']} s, "
          f"data {manifest['build_seconds']} s")


if __name__ == "__main__":
    main()
