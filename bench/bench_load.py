"""Under load: 20 simulated members for 60 s on one document, nothing lost; then growth at 10x and 100x.

    .venv/bin/python bench/bench_load.py --db URL --label sqlite|postgresql --workdir DIR

1. Seed, through the app's own services, a large working group: the 280-section
   document of bench/build_data.py (../shared/data), 36 members, a few thousand
   one-word revisions spread over the sections, two named versions, and about
   2,000 comments (threads with replies, most of them resolved, as at the end of a
   real drafting round).
2. Start gunicorn (4 sync workers, 127.0.0.1, a free port) on that database.
3. Probe at 1x: page, save and /healthz latencies from one client, interleaved.
4. Load: 20 simulated members, each a thread of this (separate) process with its
   own signed-in session (the real login form) and API token. The session begins
   before the clock: all members sign in at once and each opens the document as
   many times as there are workers (each worker keeps its own caches, per role and
   per reader); those openings are timed and reported apart. Then, for 60 s, each
   member repeatedly waits (think time 0.5 to 2.5 s) and then does one of:
   read the document page (33 %), read one section and its history (10 %), save
   a one-word edit to a section (25 %; a third of those on four "hot" sections
   that everyone edits, so saves collide), comment on words of a section (14 %),
   diff (13 %: a section's revisions, or the document against a named version), or open the
   group's final statement (5 %: its endorsements and its sealed PDF, stored once at seeding).
   A save starts from the section's current revision and, after a typing pause of
   0.2 to 1 s, PUTs the text with one word replaced by a marker unique to that
   save; a 409 is answered as a person would: read again, redo the edit, save
   again (at most twice). A monitor thread GETs /healthz every 0.25 s meanwhile.
5. Check: every save answered 200 must have its marker in the revision it was
   given and in the final text of its section (markers are never chosen as words
   to replace, so a later edit cannot remove them legitimately); every comment
   answered 201 must be stored with its words. Any 5xx, connection error,
   unexpected status, "database is locked" or traceback in the server's log
   counts as an error. Prints `lost: N`; the run fails unless errors and lost
   saves are both 0.
6. Growth: the history is grown in bulk (revisions encoded by the app's own
   storage module, and resolved comment threads) to 10x and then 100x the seeded
   revisions and comments, and the probe of step 3 is repeated on the same server.

Prints tables and writes bench/results/load-<label>.json.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import requests.models

# The driver's twenty threads share one interpreter. requests reads a body in 10 KiB pieces, taking the
# GIL for each: a 1.5 MB page was then timed at 235 ms instead of 64 ms while other driver threads ran
# (bench/README.md, "Under load"), which measured the driver, not the server. Bodies of every kind of
# request are read in pieces of up to 4 MiB instead.
requests.models.CONTENT_CHUNK_SIZE = 4 * 1024 * 1024

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_codrafting import Server, machine, pct, sign_in  # noqa: E402
from build_data import PASSWORD, build, make_app  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SEED = 20261123
WORD = re.compile(r"\b[A-Za-z]{4,}\b")
MARKER = re.compile(r"\bq\d+x\d+z\b")
MEMBERS_TOTAL = 36
SEED_REVISIONS = 3000
SEED_THREADS = 1200
MAX_EDIT_BYTES = 20_000  # members edit ordinary sections; the 150 KB annex is read, not typed into
KINDS = ("page", "section", "save", "comment", "diff", "final", "healthz")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median_ms": ms(statistics.median(values)), "p95_ms": ms(pct(values, 95)),
            "max_ms": ms(max(values))}


def replace_word(text: str, rng: random.Random, new: str) -> str | None:
    """The text with one ordinary word (never a marker) replaced by `new`; None when it has none."""
    words = [m for m in WORD.finditer(text)]
    if not words:
        return None
    match = rng.choice(words)
    return text[:match.start()] + new + text[match.end():]


# --- 1. seeding ------------------------------------------------------------------

def seed(url: str, rng: random.Random) -> dict:
    from sqlalchemy import func, select

    from app.auth.services import create_api_token, create_user
    from app.comments import services as comments
    from app.documents import services
    from app.documents.models import Document, Section, SectionRevision
    from app.extensions import db
    from app.groups.models import Membership
    from app.organisations.models import Organisation

    manifest = build(url)
    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        did = manifest["document_id"]
        document = db.session.get(Document, did)
        organisations = list(db.session.scalars(select(Organisation)))
        existing = len(manifest["users"])
        for index in range(existing, MEMBERS_TOTAL):
            role = "editor" if index % 6 == 0 else "member"
            user = create_user(f"{role}{index}@bench.example.eu", f"Member {index:02d}", PASSWORD,
                               organisation_id=organisations[index % len(organisations)].id)
            db.session.add(Membership(group_id=manifest["group_id"], user_id=user.id, role=role))
            manifest["users"].append({"id": user.id, "email": user.email, "role": role})
        db.session.commit()
        from app.auth.models import User

        writers = [u for u in manifest["users"] if u["role"] in ("member", "editor", "coordinator")]
        for entry in writers:
            _token, raw = create_api_token(db.session.get(User, entry["id"]), "load bench")
            entry["token"] = raw
        db.session.commit()
        people = [db.session.get(User, u["id"]) for u in writers]

        sections = [s for s in services.live_sections(document) if len(s.body.encode()) <= MAX_EDIT_BYTES
                    and WORD.search(s.body)]
        ids = [s.id for s in sections]
        v1 = services.create_version(people[0], document, label="Draft for the Brussels workshop")
        db.session.commit()
        for count in range(SEED_REVISIONS):
            section = db.session.get(Section, rng.choice(ids))
            body = replace_word(section.body, rng, rng.choice(("shared", "public", "joint", "regional", "binding")))
            services.save_section(rng.choice(people), section, body=body, base_revision=section.current_revision,
                                  message="seed edit")
            if count % 200 == 199:
                db.session.commit()
        db.session.commit()
        v2 = services.create_version(people[1], document, label="Draft for the ministers' meeting")
        db.session.commit()
        threads = replies = resolved = 0
        for index in range(SEED_THREADS):
            section = db.session.get(Section, rng.choice(ids))
            words = WORD.findall(section.body)
            quote = rng.choice(words) if words and index % 4 else None
            author = rng.choice(people)
            thread = comments.add_comment(author, section, body=f"Seed comment {index}: is this the right word?",
                                          quote=quote)
            threads += 1
            for r in range(rng.choice((0, 0, 1, 1, 2))):
                comments.reply(rng.choice(people), thread, body=f"Seed reply {r} to comment {index}.")
                replies += 1
            if index % 10 < 8:
                comments.resolve(author, thread)
                resolved += 1
            if index % 100 == 99:
                db.session.commit()
        db.session.commit()
        final_vid = seed_final_statement(manifest, people[0])
        revisions = db.session.scalar(select(func.count(SectionRevision.id)).join(
            Section, Section.id == SectionRevision.section_id).where(Section.document_id == did))
        manifest.update({
            "editable_section_ids": ids, "version_ids": [v1.id, v2.id], "final_version_id": final_vid,
            "hot_section_ids": rng.sample(ids, 4),
            "seeded": {"members": len(manifest["users"]), "revisions": revisions, "threads": threads,
                       "replies": replies, "resolved_threads": resolved,
                       "seconds": round(time.perf_counter() - started, 1)}})
        db.session.remove()
        db.engine.dispose()
    return manifest


def seed_final_statement(manifest: dict, coordinator) -> int:
    """A second, short statement of the group, final, endorsed by its three organisations, with its sealed
    PDF already stored: members download it and read its endorsements during the load."""
    from build_data import source_sections
    from flask import current_app

    from app.auth.models import User
    from app.documents import services, workflow
    from app.endorsements.services import endorse
    from app.export import services as export
    from app.export.specs import version_spec
    from app.extensions import db
    from app.groups.models import Group
    from app.organisations.models import Representative

    group = db.session.get(Group, manifest["group_id"])
    document = services.create_document(coordinator, group, title="Joint statement on open standards (final)",
                                        kind="statement", sections=source_sections()[:15])
    db.session.commit()
    workflow.transition(coordinator, document, "review")
    workflow.transition(coordinator, document, "final", "Final text")
    db.session.commit()
    version = document.final_version
    seen = set()
    for entry in manifest["users"]:
        user = db.session.get(User, entry["id"])
        if user.organisation_id is None or user.organisation_id in seen:
            continue
        seen.add(user.organisation_id)
        db.session.add(Representative(organisation_id=user.organisation_id, user_id=user.id))
        db.session.flush()
        endorse(user, version, organisation_id=user.organisation_id, signatory_name=user.name,
                signatory_title="Head of procurement")
    db.session.commit()
    with current_app.test_request_context():
        stored = export.render_now(None, version_spec(db.session.get(type(version), version.id)))
        if stored.status != "ready":
            raise SystemExit(f"the sealed export of the final statement failed: {stored.error}")
        db.session.commit()
    return version.id


# --- 3 and 6. the probe ----------------------------------------------------------------

def probe(server: Server, manifest: dict, rng: random.Random, rounds: int) -> dict:
    """Page, save and /healthz latencies from one client, interleaved, on a quiet server."""
    reader = next(u for u in manifest["users"] if u["role"] == "member")
    session = sign_in(server.base, reader["email"], PASSWORD)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {reader['token']}"
    did = manifest["document_id"]
    page_url, health_url = f"{server.base}/documents/{did}", f"{server.base}/healthz"
    # Warm every worker (each keeps its own caches): concurrent sessions, so the requests spread.
    cookies = session.cookies.get_dict()

    def warm():
        other = requests.Session()
        other.cookies.update(cookies)
        for _ in range(3):
            other.get(page_url, timeout=120).raise_for_status()
    warmers = [threading.Thread(target=warm) for _ in range(2 * server.workers)]
    for warmer in warmers:
        warmer.start()
    for warmer in warmers:
        warmer.join()
    times = defaultdict(list)
    for n in range(rounds):
        for kind, url, client in (("healthz", health_url, session), ("page", page_url, session)):
            started = time.perf_counter()
            response = client.get(url, timeout=60)
            _ = response.content
            times[kind].append(time.perf_counter() - started)
            response.raise_for_status()
        sid = rng.choice(manifest["editable_section_ids"])
        current = api.get(f"{server.base}/api/v1/sections/{sid}", timeout=30).json()
        body = replace_word(current["body"], rng, f"q0x{n}p")
        started = time.perf_counter()
        answer = api.put(f"{server.base}/api/v1/sections/{sid}", timeout=30,
                         json={"body": body, "base_revision": current["revision"], "message": "probe"})
        times["save"].append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"probe save answered {answer.status_code}: {answer.text[:300]}")
    out = {kind: stats(values) for kind, values in times.items()}
    out["page_over_healthz_median"] = round(out["page"]["median_ms"] / out["healthz"]["median_ms"], 1)
    out["page_over_healthz_p95"] = round(out["page"]["p95_ms"] / out["healthz"]["p95_ms"], 1)
    return out


# --- 4. the load --------------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = []
        self.saves = []  # (section id, revision number, marker)
        self.save_status = defaultdict(int)
        self.comments = []  # (comment id, body)
        self.requests = 0

    def timed(self, kind: str, call, expected=(200,)):
        started = time.perf_counter()
        try:
            response = call()
            _ = response.content
        except requests.RequestException as exc:
            with self.lock:
                self.requests += 1
                self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.requests += 1
            self.times[kind].append(elapsed)
            if response.status_code not in expected:
                self.errors.append(f"{kind}: HTTP {response.status_code} {response.request.method} "
                                   f"{response.request.path_url}: {response.text[:200]}")
        return response


class Member(threading.Thread):
    def __init__(self, index: int, entry: dict, manifest: dict, base: str, until: float, rec: Recorder):
        super().__init__(daemon=True, name=f"member-{index}")
        self.index, self.entry, self.manifest = index, entry, manifest
        self.base, self.until, self.rec = base, until, rec
        self.rng = random.Random(SEED + index)
        self.count = 0
        self.exc = None

    def arrive(self, opens: int):
        """Before the clock: sign in through the form and open the document, as each person does when a
        session begins. Recorded apart ("opening"), not in the 60 s."""
        try:
            self.browser = sign_in(self.base, self.entry["email"], PASSWORD)
            self.api = requests.Session()
            self.api.headers["Authorization"] = f"Bearer {self.entry['token']}"
            for _ in range(opens):
                self.rec.timed("opening", lambda: self.browser.get(
                    f"{self.base}/documents/{self.manifest['document_id']}", timeout=120))
        except Exception as exc:  # a bug in the driver must not pass for a quiet run
            self.exc = exc

    def run(self):
        if self.exc is not None:
            return
        try:
            while time.monotonic() < self.until:
                time.sleep(self.rng.uniform(0.5, 2.5))
                if time.monotonic() >= self.until:
                    break
                roll = self.rng.random()
                if roll < 0.33:
                    self.read_page()
                elif roll < 0.43:
                    self.read_section()
                elif roll < 0.68:
                    self.save()
                elif roll < 0.82:
                    self.comment()
                elif roll < 0.95:
                    self.diff()
                else:
                    self.final_statement()
        except Exception as exc:  # a bug in the driver must not pass for a quiet run
            self.exc = exc

    def pick_section(self) -> int:
        if self.rng.random() < 1 / 3:
            return self.rng.choice(self.manifest["hot_section_ids"])
        return self.rng.choice(self.manifest["editable_section_ids"])

    def read_page(self):
        self.rec.timed("page", lambda: self.browser.get(f"{self.base}/documents/{self.manifest['document_id']}",
                                                        timeout=60))

    def read_section(self):
        sid = self.pick_section()
        self.rec.timed("section", lambda: self.api.get(f"{self.base}/api/v1/sections/{sid}", timeout=60))
        self.rec.timed("section", lambda: self.browser.get(f"{self.base}/sections/{sid}/history", timeout=60))

    def save(self):
        sid = self.pick_section()
        self.count += 1
        marker = f"q{self.index + 1}x{self.count}z"
        for _attempt in range(3):
            current = self.rec.timed("section", lambda: self.api.get(f"{self.base}/api/v1/sections/{sid}",
                                                                     timeout=60))
            if current is None or current.status_code != 200:
                return
            current = current.json()
            body = replace_word(current["body"], self.rng, marker)
            if body is None:
                return
            time.sleep(self.rng.uniform(0.2, 1.0))  # typing
            answer = self.rec.timed("save", lambda: self.api.put(
                f"{self.base}/api/v1/sections/{sid}", timeout=60,
                json={"body": body, "base_revision": current["revision"], "message": f"load {marker}"}),
                expected=(200, 409))
            if answer is None:
                return
            with self.rec.lock:
                self.rec.save_status[answer.status_code] += 1
            if answer.status_code == 200:
                with self.rec.lock:
                    self.rec.saves.append((sid, answer.json()["revision"]["number"], marker))
                return
            if answer.status_code != 409:
                return

    def comment(self):
        sid = self.pick_section()
        current = self.rec.timed("section", lambda: self.api.get(f"{self.base}/api/v1/sections/{sid}", timeout=60))
        if current is None or current.status_code != 200:
            return
        words = WORD.findall(current.json()["body"])
        body = f"Load comment by member {self.index + 1}, number {self.count}: clearer wording please."
        self.count += 1
        payload = {"body": body}
        if words:
            payload["quote"] = self.rng.choice(words)
        answer = self.rec.timed("comment", lambda: self.api.post(f"{self.base}/api/v1/sections/{sid}/comments",
                                                                 json=payload, timeout=60), expected=(201,))
        if answer is not None and answer.status_code == 201:
            with self.rec.lock:
                self.rec.comments.append((answer.json()["id"], body))

    def final_statement(self):
        """The final statement's endorsements, then its sealed PDF (served from storage)."""
        vid = self.manifest["final_version_id"]
        self.rec.timed("final", lambda: self.api.get(f"{self.base}/api/v1/versions/{vid}/endorsements", timeout=60))
        answer = self.rec.timed("final", lambda: self.api.get(f"{self.base}/api/v1/versions/{vid}/export.pdf",
                                                              timeout=60))
        if answer is not None and answer.status_code == 200 and not answer.content.startswith(b"%PDF-"):
            with self.rec.lock:
                self.rec.errors.append("final: the sealed export is not a PDF")

    def diff(self):
        if self.rng.random() < 0.7:
            sid = self.pick_section()
            current = self.rec.timed("section", lambda: self.api.get(f"{self.base}/api/v1/sections/{sid}",
                                                                     timeout=60))
            if current is None or current.status_code != 200:
                return
            to = current.json()["revision"]
            start = max(1, to - self.rng.randint(1, 20))
            self.rec.timed("diff", lambda: self.api.get(f"{self.base}/api/v1/sections/{sid}/diff",
                                                        params={"from": start, "to": to}, timeout=60))
        else:
            vid = self.rng.choice(self.manifest["version_ids"])
            self.rec.timed("diff", lambda: self.browser.get(
                f"{self.base}/documents/{self.manifest['document_id']}/compare",
                params={"from": vid, "to": "current"}, timeout=60))


def monitor(base: str, until: float, rec: Recorder):
    session = requests.Session()
    while time.monotonic() < until:
        rec.timed("healthz", lambda: session.get(f"{base}/healthz", timeout=60))
        time.sleep(0.25)


def load(server: Server, manifest: dict, members: int, seconds: float) -> tuple[dict, Recorder]:
    writers = [u for u in manifest["users"] if u.get("token")]
    rec = Recorder()
    team = [Member(i, writers[i % len(writers)], manifest, server.base, 0.0, rec) for i in range(members)]
    # The session begins: everyone signs in and opens the document, all at once. Each worker keeps its own
    # caches (per role, and per reader for their own threads), so each member opens it once per worker's
    # worth of requests; those openings are timed apart from the session that follows.
    arrivals = [threading.Thread(target=m.arrive, args=(server.workers,), daemon=True) for m in team]
    for arrival in arrivals:
        arrival.start()
    for arrival in arrivals:
        arrival.join(300)
    until = time.monotonic() + seconds
    for member in team:
        member.until = until
    watcher = threading.Thread(target=monitor, args=(server.base, until, rec), daemon=True)
    started = time.perf_counter()
    opening = len(rec.times["opening"])
    watcher.start()
    for member in team:
        member.start()
    for member in team:
        member.join(seconds + 120)
    watcher.join(30)
    elapsed = time.perf_counter() - started
    for member in team:
        if member.exc is not None:
            rec.errors.append(f"driver {member.name}: {type(member.exc).__name__}: {member.exc}")
    out = {"members": members, "seconds": round(elapsed, 1), "requests": rec.requests - opening,
           "requests_per_second": round((rec.requests - opening) / elapsed, 1),
           "opening": stats(rec.times.get("opening", [])),
           "kinds": {kind: stats(rec.times.get(kind, [])) for kind in KINDS},
           "saves_200": rec.save_status.get(200, 0), "saves_409": rec.save_status.get(409, 0),
           "comments_201": len(rec.comments), "errors": len(rec.errors), "error_samples": rec.errors[:10]}
    page, health = out["kinds"]["page"], out["kinds"]["healthz"]
    if page.get("n") and health.get("n"):
        out["page_p95_over_healthz_p95"] = round(page["p95_ms"] / health["p95_ms"], 1)
    return out, rec


# --- 5. the checker ------------------------------------------------------------------

def check(manifest: dict, rec: Recorder) -> dict:
    from sqlalchemy import select

    from app.comments.models import Comment
    from app.documents import services
    from app.documents.models import Section
    from app.extensions import db

    lost, wrong_revision, gaps = [], [], []
    with make_app(manifest["database_url"]).app_context():
        finals = {s.id: s for s in db.session.scalars(select(Section).where(
            Section.id.in_({sid for sid, _n, _m in rec.saves})))}
        for sid, number, marker in rec.saves:
            if marker not in finals[sid].body:
                lost.append((sid, number, marker))
            if marker not in services.revision_text(sid, number):
                wrong_revision.append((sid, number, marker))
        for section in finals.values():
            numbers = sorted(r.number for r in services.revisions_of(section))
            if numbers != list(range(1, len(numbers) + 1)):
                gaps.append(section.id)
        stored = dict(db.session.execute(select(Comment.id, Comment.body).where(
            Comment.id.in_([cid for cid, _b in rec.comments]))).all()) if rec.comments else {}
        missing_comments = [cid for cid, body in rec.comments if stored.get(cid) != body]
        db.session.remove()
        db.engine.dispose()
    return {"acknowledged_saves": len(rec.saves), "lost": len(lost), "lost_samples": lost[:5],
            "not_in_their_revision": len(wrong_revision), "sections_with_gaps": gaps,
            "acknowledged_comments": len(rec.comments), "comments_missing": len(missing_comments)}


def server_log_problems(server: Server) -> list[str]:
    try:
        text = server.log.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines()
            if "database is locked" in line or "Traceback" in line or "Exception on" in line][:10]


# --- 6. growth ----------------------------------------------------------------------

def grow(manifest: dict, factor: int, rng: random.Random) -> dict:
    """Bulk-append one-word revisions (encoded by app.documents.storage, as save_section would) and resolved
    threads until the document has `factor` times the seeded revisions and comments."""
    from sqlalchemy import func, insert, select, text, update

    from app.comments import services as comments
    from app.comments.anchoring import carry
    from app.comments.models import Comment
    from app.documents import storage
    from app.documents.models import Section, SectionRevision
    from app.extensions import db

    started = time.perf_counter()
    did = manifest["document_id"]
    seeded = manifest["seeded"]
    target_revisions = seeded["revisions"] * factor
    target_comments = (seeded["threads"] + seeded["replies"]) * factor
    author_ids = [u["id"] for u in manifest["users"] if u.get("token")]
    with make_app(manifest["database_url"]).app_context():
        count_revisions = select(func.count(SectionRevision.id)).join(
            Section, Section.id == SectionRevision.section_id).where(Section.document_id == did)
        need = target_revisions - db.session.scalar(count_revisions)
        sections = {s.id: s for s in db.session.scalars(select(Section).where(
            Section.id.in_(manifest["editable_section_ids"])))}
        state = {sid: [s.body, s.current_revision, s.heading] for sid, s in sections.items()}
        # Open threads' anchors are carried at each save by the app (comments.carry_anchors): do the same here.
        tracked = defaultdict(list)
        for comment in db.session.scalars(select(Comment).where(
                Comment.section_id.in_(list(sections)), Comment.parent_id.is_(None), Comment.resolved_at.is_(None),
                Comment.anchor_quote != "")):
            tracked[comment.section_id].append([comment, comments.locate(comment, sections[comment.section_id])])
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = []
        ids = list(state)
        for n in range(max(0, need)):
            sid = ids[n % len(ids)] if n % 3 else rng.choice(ids)
            body, number, heading = state[sid]
            new = replace_word(body, rng, rng.choice(("shared", "public", "joint", "regional", "binding")))
            kind, payload = storage.encode(body, new, number + 1)
            for entry in tracked.get(sid, ()):
                entry[1] = carry(entry[0].anchor_quote, entry[1], body, new)
            rows.append({"section_id": sid, "number": number + 1, "heading": heading, "kind": kind,
                         "payload": payload, "body_length": len(new), "author_id": rng.choice(author_ids),
                         "message": "history", "merged": False, "created_at": now})
            state[sid] = [new, number + 1, heading]
            if len(rows) >= 5000:
                db.session.execute(insert(SectionRevision), rows)
                rows = []
        if rows:
            db.session.execute(insert(SectionRevision), rows)
        for sid, (body, number, _heading) in state.items():
            if number != sections[sid].current_revision:
                db.session.execute(update(Section).where(Section.id == sid).values(body=body, current_revision=number))
            for comment, where in tracked.get(sid, ()):
                comment.located_revision, comment.located_start, comment.located_end = number, where.start, where.end
                comment.located_state = "orphaned" if where.orphaned else ("exact" if where.exact else "changed")
        db.session.commit()
        count_comments = select(func.count(Comment.id)).where(Comment.document_id == did)
        need_comments = target_comments - db.session.scalar(count_comments)
        rows = []
        for n in range(max(0, need_comments)):
            sid = rng.choice(ids)
            rows.append({"section_id": sid, "document_id": did, "author_id": rng.choice(author_ids),
                         "body": f"An old, resolved remark {n}.", "anchor_quote": "", "anchor_prefix": "",
                         "anchor_suffix": "", "revision": 1, "created_at": now - timedelta(days=30),
                         "resolved_at": now - timedelta(days=29), "resolved_by_id": rng.choice(author_ids)})
            if len(rows) >= 5000:
                db.session.execute(insert(Comment), rows)
                rows = []
        if rows:
            db.session.execute(insert(Comment), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load: fresh planner statistics. Without them
            # the planner still believes the tables are small and scans all 216,000 comments.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
        out = {"factor": factor, "revisions": db.session.scalar(count_revisions),
               "comments": db.session.scalar(count_comments), "seconds": round(time.perf_counter() - started, 1)}
        db.session.remove()
        db.engine.dispose()
    return out


# --- report ------------------------------------------------------------------------

def print_load(label: str, out: dict, checked: dict) -> None:
    print(f"\n[{label}] {out['members']} members for {out['seconds']} s: {out['requests']} requests, "
          f"{out['requests_per_second']} per second")
    print(f"  {'kind':<9}{'n':>7}{'median ms':>12}{'p95 ms':>10}{'max ms':>10}")
    for kind in KINDS:
        s = out["kinds"][kind]
        if s.get("n"):
            print(f"  {kind:<9}{s['n']:>7}{s['median_ms']:>12}{s['p95_ms']:>10}{s['max_ms']:>10}")
    s = out["opening"]
    if s.get("n"):
        print(f"  before the clock, sign-in then {s['n']} openings of the document, all members at once "
              f"(cold caches): median {s['median_ms']} ms, p95 {s['p95_ms']} ms, max {s['max_ms']} ms")
    ratio = f"{out['saves_200']}:{out['saves_409']}"
    print(f"  saves 200:409 = {ratio}; comments 201: {out['comments_201']}; errors: {out['errors']}")
    for sample in out["error_samples"]:
        print(f"    {sample}")
    print(f"  page p95 / healthz p95 in the same run: {out.get('page_p95_over_healthz_p95')}x (target <= 10x)")
    print(f"  lost: {checked['lost']} (of {checked['acknowledged_saves']} acknowledged saves; "
          f"{checked['not_in_their_revision']} not in their revision; gaps in {len(checked['sections_with_gaps'])} "
          f"sections; {checked['comments_missing']} of {checked['acknowledged_comments']} comments missing)")


def print_growth(label: str, probes: list[dict]) -> None:
    print(f"\n[{label}] growth: one client on a quiet server, page / save / healthz")
    print(f"  {'data':<28}{'page med':>9}{'page p95':>9}{'save med':>9}{'save p95':>9}{'hz med':>8}{'hz p95':>8}"
          f"{'page/1x':>8}")
    base = probes[0]["page"]["median_ms"]
    for p in probes:
        print(f"  {p['label']:<28}{p['page']['median_ms']:>9}{p['page']['p95_ms']:>9}{p['save']['median_ms']:>9}"
              f"{p['save']['p95_ms']:>9}{p['healthz']['median_ms']:>8}{p['healthz']['p95_ms']:>8}"
              f"{round(p['page']['median_ms'] / base, 2):>8}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--label", required=True)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--probe-rounds", type=int, default=60)
    parser.add_argument("--growth", default="10,100", help="factors, comma-separated; empty for none")
    args = parser.parse_args()
    rng = random.Random(SEED)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = {"label": args.label, "machine": machine(),
               "taken_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    print(f"[{args.label}] seeding", flush=True)
    manifest = seed(args.db, rng)
    results["seeded"] = manifest["seeded"]
    print(f"[{args.label}] seeded: {manifest['seeded']}", flush=True)
    server = Server(args.db, args.workdir, workers=args.workers)
    server.start()
    ok = True
    try:
        probes = [dict(probe(server, manifest, rng, args.probe_rounds), label="1x (as seeded)")]
        print(f"[{args.label}] load: {args.members} members, {args.seconds:.0f} s, {args.workers} workers", flush=True)
        out, rec = load(server, manifest, args.members, args.seconds)
        checked = check(manifest, rec)
        problems = server_log_problems(server)
        out["server_log_problems"] = problems
        results["load"], results["check"] = out, checked
        print_load(args.label, out, checked)
        for line in problems:
            print(f"  server log: {line}")
        ok = out["errors"] == 0 and checked["lost"] == 0 and checked["not_in_their_revision"] == 0 \
            and not checked["sections_with_gaps"] and checked["comments_missing"] == 0 and not problems
        for factor in [int(f) for f in args.growth.split(",") if f.strip()]:
            print(f"[{args.label}] growing the history to {factor}x", flush=True)
            grown = grow(manifest, factor, rng)
            probes.append(dict(probe(server, manifest, rng, args.probe_rounds),
                               label=f"{factor}x ({grown['revisions']} rev, {grown['comments']} com)", grown=grown))
        results["probes"] = probes
        print_growth(args.label, probes)
    finally:
        server.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"load-{args.label}.json").write_text(json.dumps(results, indent=2))
    print(f"[{args.label}] {'PASS' if ok else 'FAIL'}: errors {results['load']['errors']}, "
          f"lost {results['check']['lost']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
