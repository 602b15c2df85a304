"""The co-drafting benchmark: page latency, document diffs, revision storage, growth.

    .venv/bin/python bench/bench_codrafting.py --manifest PATH --label sqlite|postgresql

Runs on the database that bench/build_data.py filled (its manifest names it)
and measures, in this order:

1. Document page latency: GET /documents/{did} signed in with a real session
   cookie (POST /login with the form's CSRF token), against GET /healthz,
   on one gunicorn server (2 sync workers, 127.0.0.1, a free port) in the
   same run, requests interleaved one by one from this process with
   requests.Session after a warm-up that makes both workers render the
   document once. Also GET /api/v1/documents/{did} with the observer's API
   token. Target: page median and 95th percentile at most 10x healthz's.
2. services.document_diff between two named versions that differ in 1% of
   the sections (a one-word change each, made with services.save_section),
   and between the older version and the current text (new=None). Median of
   several runs, each loading document and versions afresh. Target: < 50 ms.
   Also the same with the 150 KB section among the changed ones.
3. Storage: 1,000 one-word edits of the 20 KB section through
   services.save_section, each from the current revision; bytes stored is
   the sum of len(payload) of that section's revisions (target: < 1 MB).
   Then services.revision_text for 100 random revision numbers, each
   checked against the text that was saved (target: median and max < 20 ms).
4. Growth: the history of the document is grown to 10x its number of
   revisions (one-word edits spread at random over the sections, through
   services.save_section), then the page latency is measured again on the
   same server. Target: the page no slower than 1.5x what it was.

Prints a table and writes bench/results/latest-<label>.json.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_data import make_app  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SEED = 20251123
WORD = re.compile(r"[A-Za-z]{4,}")
NEW_WORDS = ("shared", "public", "common", "joint", "municipal", "regional", "open", "reusable", "agreed",
             "documented", "audited", "portable", "European", "local", "binding", "voluntary")


# --- small helpers ---------------------------------------------------------------

def pct(values, p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def summary(seconds: list[float]) -> dict:
    return {"n": len(seconds), "median_ms": ms(statistics.median(seconds)), "p95_ms": ms(pct(seconds, 95)),
            "min_ms": ms(min(seconds)), "max_ms": ms(max(seconds)), "mean_ms": ms(statistics.fmean(seconds))}


def one_word_edit(text: str, rng: random.Random) -> str:
    """The text with one word (four letters or more, at a random place) replaced by another."""
    match = WORD.search(text, rng.randrange(len(text))) or WORD.search(text)
    if match is None:
        return text + " amended"
    word = rng.choice([w for w in NEW_WORDS if w != match.group()])
    return text[:match.start()] + word + text[match.end():]


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, step: str) -> None:
        if self.left() <= 0:
            raise SystemExit(f"bench: out of time before {step}")


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    import sqlite3

    return {"nproc": nproc, "cpu_model": model, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(), "loadavg_at_start": load}


# --- the server ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn --workers N (2 by default) wsgi:app on 127.0.0.1, on the bench database."""

    def __init__(self, url: str, workdir: Path, workers: int = 2, app: str = "wsgi:app", env: dict | None = None,
                 start_timeout: float = 30):
        self.url = url
        self.workers = workers
        self.app = app  # what gunicorn serves (bench_queue.py: a factory call, with the queue's settings)
        self.env = env or {}
        self.start_timeout = start_timeout  # seconds to wait for /healthz (longer on a machine others share)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"gunicorn-{self.port}.log"
        self.pidfile = workdir / "gunicorn.pid"
        self.process = None

    def start(self) -> None:
        # Simulated members all come from 127.0.0.1: the per-address limits are for attackers.
        env = {**os.environ, "ACCORD_ENV": "testing", "TEST_DATABASE_URL": self.url,
               "RATELIMIT_LOGIN": "1000 per minute", "RATELIMIT_LOGIN_ADDRESS": "10000 per minute",
               **{f"RATELIMIT_{kind}{scope}": "100000 per minute" for kind in ("PREVIEW", "COMPARE", "EXPORT")
                  for scope in ("", "_ADDRESS")}}
        env.pop("DATABASE_URL", None)
        env.update(self.env)
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                   "--pid", str(self.pidfile), "--timeout", "60", "--error-logfile", str(self.log)]
        if os.environ.get("BENCH_ACCESS_LOG"):  # each request's server time, in microseconds (%(D)s)
            command += ["--access-logfile", str(self.log.with_suffix(".access")),
                        "--access-logformat", '%(m)s %(U)s %(s)s %(B)s %(D)s %(q)s %(p)s']
        command.append(self.app)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        until = time.monotonic() + self.start_timeout
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within {self.start_timeout:g} s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def sign_in(base: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login", timeout=10)
    page.raise_for_status()
    match = (re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
             or re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text))
    if not match:
        raise SystemExit("no CSRF token on /login")
    answer = session.post(base + "/login", data={"email": email, "password": password,
                                                  "csrf_token": match.group(1)},
                          allow_redirects=False, timeout=10)
    if answer.status_code != 302:
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    return session


def _timed_get(session: requests.Session, url: str, **kwargs) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.get(url, timeout=30, **kwargs)
    _ = response.content  # the whole body is read
    return time.perf_counter() - started, response


def measure_pages(server: Server, session: requests.Session, did: int, token: str, title: str,
                  requests_each: int) -> dict:
    """Interleaved GET /documents/{did}, GET /healthz and GET /api/v1/documents/{did}."""
    page_url = f"{server.base}/documents/{did}"
    api_url = f"{server.base}/api/v1/documents/{did}"
    health_url = f"{server.base}/healthz"
    api_headers = {"Authorization": f"Bearer {token}"}

    # Warm-up: two concurrent clients, so that both workers render every section once.
    def warm():
        other = requests.Session()
        other.cookies.update(session.cookies)
        for _ in range(4):
            other.get(page_url, timeout=60).raise_for_status()
            other.get(api_url, headers=api_headers, timeout=60).raise_for_status()
    threads = [threading.Thread(target=warm) for _ in range(2)]
    warm_started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    warm_seconds = time.perf_counter() - warm_started
    for _ in range(10):
        session.get(page_url, timeout=30)
        session.get(health_url, timeout=30)

    kinds = {
        "page": lambda: _timed_get(session, page_url),
        "healthz": lambda: _timed_get(session, health_url),
        "api_document": lambda: _timed_get(session, api_url, headers=api_headers),
    }
    times = {kind: [] for kind in kinds}
    sizes, errors = {}, {kind: 0 for kind in kinds}
    order = list(kinds)
    for index in range(requests_each):
        rotated = order[index % 3:] + order[:index % 3]  # nobody always goes first
        for kind in rotated:
            seconds, response = kinds[kind]()
            if response.status_code != 200:
                errors[kind] += 1
            times[kind].append(seconds)
            sizes[kind] = len(response.content)
    check = session.get(page_url, timeout=30)
    if title not in check.text or "/logout" not in check.text:
        raise SystemExit("the document page did not show the document to a signed-in member")
    result = {kind: {**summary(values), "bytes": sizes[kind], "errors": errors[kind]}
              for kind, values in times.items()}
    result["ratio_median"] = round(result["page"]["median_ms"] / result["healthz"]["median_ms"], 2)
    result["ratio_p95"] = round(result["page"]["p95_ms"] / result["healthz"]["p95_ms"], 2)
    result["warmup_seconds"] = round(warm_seconds, 2)
    return result


# --- in-process measurements -----------------------------------------------------

def people(manifest):
    from app.auth.models import User
    from app.extensions import db

    by_role = {}
    for entry in manifest["users"]:
        by_role.setdefault(entry["role"], []).append(db.session.get(User, entry["id"]))
    return by_role


def writers(manifest) -> list:
    by_role = people(manifest)
    return by_role["coordinator"] + by_role["editor"] + by_role["member"]


def time_diff(did: int, old_id: int, new_id: int | None, runs: int) -> tuple[dict, list[dict]]:
    from app.documents import services
    from app.documents.models import Document, Version
    from app.extensions import db

    seconds, out = [], None
    gc.collect()  # no collection of this process's garbage inside a timed run, if it can be helped
    for _ in range(runs):
        db.session.rollback()  # every run loads document and versions afresh
        started = time.perf_counter()
        document = db.session.get(Document, did)
        old = db.session.get(Version, old_id)
        new = db.session.get(Version, new_id) if new_id is not None else None
        out = services.document_diff(document, old, new)
        seconds.append(time.perf_counter() - started)
    db.session.rollback()
    return summary(seconds), out


def bench_diffs(manifest, rng: random.Random, runs: int) -> dict:
    from app.documents import services
    from app.documents.models import Document, Section
    from app.extensions import db

    did = manifest["document_id"]
    team = writers(manifest)
    coordinator = team[0]
    document = db.session.get(Document, did)
    live = services.live_sections(document)
    candidates = [s.id for s in live if s.body.strip() and s.id != manifest["big_section_id"]]
    largest = max(live, key=lambda s: len(s.body)).id
    count = max(1, round(len(live) * 0.01))
    results = {"sections": len(live), "changed_sections": count}

    def edit_round(label: str, ids: list[int]) -> tuple[int, int]:
        before = services.create_version(coordinator, db.session.get(Document, did), label=f"{label}: before")
        db.session.commit()
        for sid in ids:
            section = db.session.get(Section, sid)
            result = services.save_section(rng.choice(team), section, body=one_word_edit(section.body, rng),
                                           base_revision=section.current_revision, message="one-word edit")
            assert result.created
            db.session.commit()
        after = services.create_version(coordinator, db.session.get(Document, did), label=f"{label}: after")
        db.session.commit()
        return before.id, after.id

    def check(out, ids):
        modified = sorted(item["section_id"] for item in out if item["change"] == "modified")
        assert modified == sorted(ids), (modified, ids)
        assert all(item["change"] == "unchanged" for item in out if item["section_id"] not in ids)

    picked = rng.sample(candidates, count)
    v1, v2 = edit_round("1% of sections", picked)
    results["picked_section_bytes"] = [len(db.session.get(Section, sid).body.encode()) for sid in picked]
    results["version_ids"] = [v1, v2]
    results["versions"], out = time_diff(did, v1, v2, runs)
    check(out, picked)
    results["version_to_current"], out = time_diff(did, v1, None, runs)
    check(out, picked)

    picked_big = [largest] + rng.sample([c for c in candidates if c != largest], count - 1)
    v3, v4 = edit_round("1% with the largest section", picked_big)
    results["largest_section_bytes"] = len(db.session.get(Section, largest).body.encode())
    results["versions_with_largest"], out = time_diff(did, v3, v4, runs)
    check(out, picked_big)
    return results


def bench_storage(manifest, rng: random.Random, edits: int, samples: int, deadline: Deadline) -> dict:
    from sqlalchemy import select

    from app.documents import services, storage
    from app.documents.models import Section, SectionRevision
    from app.extensions import db

    sid = manifest["big_section_id"]
    team = writers(manifest)
    section = db.session.get(Section, sid)
    texts = {section.current_revision: section.body}
    start_revision = section.current_revision
    save_seconds = []
    for index in range(edits):
        if deadline.left() < 60:
            break
        body = one_word_edit(section.body, rng)
        started = time.perf_counter()
        result = services.save_section(team[index % len(team)], section, body=body,
                                       base_revision=section.current_revision, message=f"edit {index + 1}")
        db.session.commit()
        save_seconds.append(time.perf_counter() - started)
        assert result.created and not result.merged
        texts[result.revision.number] = body
    rows = db.session.execute(select(SectionRevision.number, SectionRevision.kind, SectionRevision.payload)
                              .where(SectionRevision.section_id == sid)).all()
    stored = sum(len(payload) for _n, _k, payload in rows)
    snapshots = sum(1 for _n, kind, _p in rows if kind == storage.SNAPSHOT)
    numbers = sorted(texts)
    sample = rng.sample(numbers, min(samples, len(numbers)))
    rebuild = []
    gc.collect()
    for number in sample:
        db.session.rollback()
        started = time.perf_counter()
        text = services.revision_text(sid, number)
        rebuild.append(time.perf_counter() - started)
        assert text == texts[number], f"revision {number} rebuilt wrong"
    # The longest chain of deltas: the revision just before a snapshot.
    longest = max(n for n in numbers if (n - 1) % storage.SNAPSHOT_EVERY == storage.SNAPSHOT_EVERY - 1
                  or n == numbers[-1])
    chain = []
    for _ in range(9):
        db.session.rollback()
        started = time.perf_counter()
        assert services.revision_text(sid, longest) == texts[longest]
        chain.append(time.perf_counter() - started)
    db.session.rollback()
    return {
        "section_bytes": len(texts[start_revision].encode()),
        "edits": len(save_seconds),
        "revisions": len(rows),
        "snapshots": snapshots,
        "deltas": len(rows) - snapshots,
        "bytes_stored": stored,
        "bytes_if_whole_texts": sum(len(t.encode()) for t in texts.values()),
        "save": summary(save_seconds),
        "rebuild": summary(rebuild),
        "rebuild_longest_chain": {"revision": longest, **summary(chain)},
    }


def table_stats() -> dict:
    """Size of the sections table (PostgreSQL: with its TOAST, and dead row versions)."""
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("select pg_stat_force_next_flush()"))
        row = db.session.execute(text(
            "select n_live_tup, n_dead_tup, pg_total_relation_size('sections'), "
            "pg_total_relation_size('section_revisions'), coalesce(last_autovacuum::text, '') "
            "from pg_stat_user_tables where relname = 'sections'")).one()
        db.session.rollback()
        return {"sections_live_rows": row[0], "sections_dead_rows": row[1], "sections_bytes": row[2],
                "section_revisions_bytes": row[3], "sections_last_autovacuum": row[4]}
    pages = db.session.execute(text("pragma page_count")).scalar()
    size = db.session.execute(text("pragma page_size")).scalar()
    db.session.rollback()
    return {"database_bytes": pages * size}


def git_state() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    changed = git("status", "--porcelain", "--", "app", "migrations", "templates", "config.py", "wsgi.py")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_app_files": len(changed.splitlines()) if changed else 0}


def revision_count(did: int) -> int:
    from sqlalchemy import func, select

    from app.documents.models import Section, SectionRevision
    from app.extensions import db

    return db.session.scalar(select(func.count(SectionRevision.id)).join(Section, Section.id ==
                                                                          SectionRevision.section_id)
                             .where(Section.document_id == did))


def grow_history(manifest, rng: random.Random, factor: int, deadline: Deadline, reserve: float) -> dict:
    """One-word edits on random sections until the document's history is `factor` times as long."""
    from app.documents import services
    from app.documents.models import Document, Section
    from app.extensions import db

    did = manifest["document_id"]
    team = writers(manifest)
    before = revision_count(did)
    target = before * factor
    ids = [s.id for s in services.live_sections(db.session.get(Document, did)) if s.body.strip()]
    added, batch = 0, 25
    started = time.perf_counter()
    while before + added < target and deadline.left() > reserve:
        for _ in range(min(batch, target - before - added)):
            section = db.session.get(Section, rng.choice(ids))
            result = services.save_section(rng.choice(team), section, body=one_word_edit(section.body, rng),
                                           base_revision=section.current_revision, message="growth")
            assert result.created
            added += 1
        db.session.commit()
    seconds = time.perf_counter() - started
    after = revision_count(did)
    return {"revisions_before": before, "revisions_after": after, "added": added,
            "factor": round(after / before, 2), "target_factor": factor, "seconds": round(seconds, 1),
            "saves_per_second": round(added / seconds, 1) if seconds else None,
            "complete": after >= target}


# --- report ------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(label: str, r: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    p, g = r["pages"], r["pages_after_growth"]
    rows.append(("page GET /documents/{did} median / p95",
                 f"{p['page']['median_ms']:.1f} / {p['page']['p95_ms']:.1f} ms",
                 "", ""))
    rows.append(("healthz GET /healthz median / p95",
                 f"{p['healthz']['median_ms']:.1f} / {p['healthz']['p95_ms']:.1f} ms",
                 "", ""))
    rows.append(("page / healthz ratio, median / p95", f"{p['ratio_median']:.1f}x / {p['ratio_p95']:.1f}x", "<= 10x",
                 verdict(max(p["ratio_median"], p["ratio_p95"]) <= 10)))
    rows.append(("API GET /api/v1/documents/{did} median / p95",
                 f"{p['api_document']['median_ms']:.1f} / {p['api_document']['p95_ms']:.1f} ms", "", ""))
    d = r["diffs"]
    rows.append((f"document_diff v1->v2 ({d['changed_sections']}/{d['sections']} sections changed), median",
                 f"{d['versions']['median_ms']:.1f} ms (max {d['versions']['max_ms']:.1f})", "< 50 ms",
                 verdict(d["versions"]["median_ms"] < 50)))
    rows.append(("document_diff v1->current, median",
                 f"{d['version_to_current']['median_ms']:.1f} ms (max {d['version_to_current']['max_ms']:.1f})",
                 "< 50 ms", verdict(d["version_to_current"]["median_ms"] < 50)))
    rows.append((f"document_diff, 1% incl. the {d['largest_section_bytes'] // 1024} KiB section, median",
                 f"{d['versions_with_largest']['median_ms']:.1f} ms", "< 50 ms",
                 verdict(d["versions_with_largest"]["median_ms"] < 50)))
    s = r["storage"]
    rows.append((f"bytes stored, {s['edits']} one-word edits of a {s['section_bytes'] / 1000:.0f} KB section",
                 f"{s['bytes_stored']:,} B ({s['snapshots']} snapshots, {s['deltas']} deltas)", "< 1 MB",
                 verdict(s["bytes_stored"] < 1_000_000 and s["edits"] == 1000)))
    rows.append(("save_section of that section, median / p95",
                 f"{s['save']['median_ms']:.1f} / {s['save']['p95_ms']:.1f} ms", "", ""))
    rows.append((f"revision_text, {s['rebuild']['n']} random revisions, median / max",
                 f"{s['rebuild']['median_ms']:.2f} / {s['rebuild']['max_ms']:.2f} ms", "< 20 ms",
                 verdict(s["rebuild"]["max_ms"] < 20)))
    rows.append((f"revision_text, longest delta chain (rev {s['rebuild_longest_chain']['revision']}), median",
                 f"{s['rebuild_longest_chain']['median_ms']:.2f} ms", "< 20 ms",
                 verdict(s["rebuild_longest_chain"]["median_ms"] < 20)))
    gr = r["growth"]
    rows.append(("history grown (revisions in the document)",
                 f"{gr['revisions_before']:,} -> {gr['revisions_after']:,} ({gr['factor']}x, "
                 f"{gr['saves_per_second']} saves/s)", f"{gr['target_factor']}x", verdict(gr["complete"])))
    rows.append(("page after growth, median / p95", f"{g['page']['median_ms']:.1f} / {g['page']['p95_ms']:.1f} ms",
                 "", ""))
    rows.append(("page after / before growth, median / p95",
                 f"{r['growth_slowdown_median']:.2f}x / {r['growth_slowdown_p95']:.2f}x", "<= 1.5x",
                 verdict(max(r["growth_slowdown_median"], r["growth_slowdown_p95"]) <= 1.5)))
    rows.append(("page / healthz ratio after growth, median / p95",
                 f"{g['ratio_median']:.1f}x / {g['ratio_p95']:.1f}x", "<= 10x",
                 verdict(max(g["ratio_median"], g["ratio_p95"]) <= 10)))
    dg = r["diffs_after_growth"]
    rows.append(("document_diff v1->v2 after growth, median", f"{dg['median_ms']:.1f} ms", "< 50 ms",
                 verdict(dg["median_ms"] < 50)))
    dc = r["diff_to_current_after_growth"]
    rows.append((f"document_diff v1->current after growth ({dc['modified_sections']}/{dc['sections']} changed), "
                 "median", f"{dc['median_ms']:.0f} ms", "(info)", ""))
    return rows


def print_table(label: str, rows) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    head = ("measure", "value", "target", "")
    widths = [max(w, len(h)) for w, h in zip(widths, head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    print(f"\n== Co-drafting benchmark on {label} ==")
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))


# --- main --------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description="Accord co-drafting benchmark")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--label", required=True, help="sqlite or postgresql (names the results file)")
    parser.add_argument("--requests", type=int, default=300, help="measured requests of each kind")
    parser.add_argument("--diff-runs", type=int, default=9)
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--growth", type=int, default=10, help="grow the history to this many times its size")
    parser.add_argument("--deadline", type=float, default=240, help="seconds for the whole run")
    parser.add_argument("--workdir", default=None, help="for the server's log (default: beside the manifest)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    deadline = Deadline(args.deadline)
    manifest = json.loads(Path(args.manifest).read_text())
    workdir = Path(args.workdir or Path(args.manifest).parent)
    rng = random.Random(SEED)
    url, did = manifest["database_url"], manifest["document_id"]
    started_at = datetime.now(UTC)
    results = {"label": label_name(args.label), "date": started_at.isoformat(timespec="seconds"),
               "machine": machine(), "code": git_state(), "data": {k: manifest[k] for k in (
                   "section_count", "markdown_bytes", "largest_section_bytes", "big_section_bytes",
                   "build_seconds")},
               "settings": {"requests_each": args.requests, "diff_runs": args.diff_runs, "edits": args.edits,
                            "rebuild_samples": args.samples, "growth_factor": args.growth,
                            "gunicorn_workers": 2, "seed": SEED}}
    app = make_app(url)
    server = Server(url, workdir)
    try:
        with app.app_context():
            from sqlalchemy import text

            from app.documents.models import Document
            from app.extensions import db

            results["database_version"] = db.session.execute(
                text("select sqlite_version()" if db.engine.dialect.name == "sqlite" else "show server_version")
            ).scalar()
            title = db.session.get(Document, did).title
            db.session.rollback()
            results["table_stats_before"] = table_stats()
        server.start()
        reader = next(u for u in manifest["users"] if u["role"] == "member")
        session = sign_in(server.base, reader["email"], manifest["password"])
        step_started = time.perf_counter()
        print(f"[{args.label}] 1. page latency: {args.requests} requests of each kind, interleaved", flush=True)
        results["pages"] = measure_pages(server, session, did, manifest["api_token"], title, args.requests)
        results["pages"]["seconds"] = round(time.perf_counter() - step_started, 1)
        with app.app_context():
            deadline.check("diffs")
            print(f"[{args.label}] 2. document diffs", flush=True)
            results["diffs"] = bench_diffs(manifest, rng, args.diff_runs)
            deadline.check("storage")
            print(f"[{args.label}] 3. storage: {args.edits} one-word edits of the 20 KB section", flush=True)
            results["storage"] = bench_storage(manifest, rng, args.edits, args.samples, deadline)
            print(f"[{args.label}] 4. growth: history to {args.growth}x", flush=True)
            reserve = 20 + args.requests * 0.12  # time kept for measuring the page again
            results["growth"] = grow_history(manifest, rng, args.growth, deadline, reserve)
            v1, v2 = results["diffs"]["version_ids"]
            results["table_stats_after_growth"] = table_stats()
            results["diffs_after_growth"], _ = time_diff(did, v1, v2, args.diff_runs)
            timing, out = time_diff(did, v1, None, 3)
            results["diff_to_current_after_growth"] = {
                **timing, "modified_sections": sum(1 for item in out if item["change"] == "modified"),
                "sections": len(out)}
            db.session.remove()
            db.engine.dispose()
        deadline.check("page latency after growth")
        results["pages_after_growth"] = measure_pages(server, session, did, manifest["api_token"], title,
                                                      args.requests)
        before, after = results["pages"]["page"], results["pages_after_growth"]["page"]
        results["growth_slowdown_median"] = round(after["median_ms"] / before["median_ms"], 2)
        results["growth_slowdown_p95"] = round(after["p95_ms"] / before["p95_ms"], 2)
    finally:
        server.stop()
    results["seconds"] = round((datetime.now(UTC) - started_at).total_seconds(), 1)
    try:
        results["machine"]["loadavg_at_end"] = os.getloadavg()
    except OSError:
        pass
    rows = report(args.label, results)
    results["table"] = [dict(zip(("measure", "value", "target", "verdict"), row)) for row in rows]
    results["all_targets_met"] = all(row[3] != "NOT met" for row in rows)
    results["request_errors"] = sum(results[phase][kind]["errors"] for phase in ("pages", "pages_after_growth")
                                    for kind in ("page", "healthz", "api_document"))
    print_table(f"{results['label']} {results.get('database_version', '')}", rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"latest-{args.label}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"({results['seconds']} s; load average {results['machine']['loadavg_at_start']} at start, "
          f"{results['machine'].get('loadavg_at_end')} at end; written to {path.relative_to(ROOT)})")
    if results["request_errors"]:
        print(f"ERROR: {results['request_errors']} requests did not answer 200")
        return 1
    return 0


def label_name(label: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(label, label)


if __name__ == "__main__":
    sys.exit(main())
