"""The task queue (issue 18): pages do not wait for mail; an endorsement to its sealed PDF; a change to its mail.

    .venv/bin/python bench/bench_queue.py --db URL --label sqlite|postgresql --workdir DIR [--queue URL]

The web server is bench_codrafting's gunicorn (4 sync workers) with TASK_WORKERS 0, so it only queues; one
`flask worker` process (--threads 4) does the work, on the queue named by --queue (default: the embedded
queue, a SQLite file in DIR; e.g. redis://127.0.0.1:6379/12 for Redis, named for this run). Mail goes to a
local SMTP server started here (aiosmtpd) that records each message and the moment it arrived.

(a) The 20-member load of bench_load.py (its seeding, members and checker, unchanged), on the same data
    with an SMTP server that answers at once and with one that takes --mail-delay (2 s) per message before
    it accepts, --rounds pairs (2: instant, slow, slow, instant), each run with a fresh queue and worker.
    The load's comments notify the section's earlier commenters by mail: a few mails per comment. Page and
    save p95 of each run and of all runs with each server, how many mails were queued, how many were sent
    by the end of the run.
(b) An endorsement to its sealed PDF stored: a 12-section statement made final, then N organisations
    endorse it one after the other through the API (each waits until the previous PDF is stored); the clock
    runs from the API's answer (the endorsement committed) until the sealed PDF listing it is stored by the
    worker's `export.prerender`. Median and p95.
(c) A change to its mail: N invitations through the API, one every 0.5 s; the clock runs from the request
    until the SMTP server has the message. Median and p95, and the request's own time.

Prints tables and writes bench/results/queue-<label>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_codrafting import Server, free_port, machine, pct  # noqa: E402
from bench_load import SEED, check, load, seed, server_log_problems  # noqa: E402
from bench_prerender import stored_after  # noqa: E402
from build_data import PASSWORD, make_app  # noqa: E402

RESULTS = ROOT / "bench" / "results"
# The server and the worker as in production: the server only queues, the worker runs every task; sealed PDFs
# are rendered ahead (EXPORT_PRERENDER), as in production.
APP = 'app:create_app("testing", TASK_WORKERS=0, EXPORT_PRERENDER=True)'


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median_s": round(statistics.median(values), 3), "p95_s": round(pct(values, 95), 3),
            "max_s": round(max(values), 3)}


class Sink:
    """An SMTP server that takes `delay` seconds before it accepts each message; records who got what, when."""

    def __init__(self, delay: float = 0):
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.arrivals: list[tuple[float, list[str], str]] = []  # (perf_counter, recipients, Message-ID)
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.port = self.controller.port

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (the name aiosmtpd calls)
        from email.parser import BytesHeaderParser

        arrived = time.perf_counter()
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        if self.delay:
            await asyncio.sleep(self.delay)
        self.arrivals.append((arrived, list(envelope.rcpt_tos), str(headers["Message-ID"])))
        return "250 OK"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class Worker:
    """`flask worker` on the bench database and queue, its log in the work folder."""

    def __init__(self, env: dict, log: Path, threads: int):
        self.env = {**os.environ, **env}
        self.env.pop("DATABASE_URL", None)
        self.log, self.threads = log, threads
        self.process = None

    def __enter__(self):
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", APP, "worker", "--threads", str(self.threads)],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def settings(url: str, queue: str, queue_name: str, smtp_port: int) -> dict:
    """The environment the server and the worker share, beyond the bench's own."""
    return {"ACCORD_ENV": "testing", "TEST_DATABASE_URL": url, "TEST_TASK_QUEUE_URL": queue,
            "TASK_QUEUE_NAME": queue_name, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
            "MAIL_USE_TLS": "0", "MAIL_TIMEOUT": "20",
            # Mail left waiting by the slow run is not taken up again during the next ones.
            "MAIL_SWEEP_AFTER": "86400", "PYTHONUNBUFFERED": "1"}


def outbox_counts(url: str) -> dict:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.mail.models import OutboxMessage

    with make_app(url).app_context():
        counts = dict(db.session.execute(select(OutboxMessage.status, func.count(OutboxMessage.id))
                                         .group_by(OutboxMessage.status)).all())
        db.session.remove()
        db.engine.dispose()
    return counts


# --- (a) the load, with an instant and a slow mail server ---------------------------------------------

def run_load(args, manifest: dict, delay: float) -> dict:
    queue, name = queue_for(args, f"load-{delay:g}")
    before = outbox_counts(args.db)
    with Sink(delay) as sink:
        env = settings(args.db, queue, name, sink.port)
        with Worker(env, args.workdir / f"worker-load-{delay:g}.log", args.worker_threads):
            server = Server(args.db, args.workdir, workers=args.workers, app=APP, env=env,
                            start_timeout=120)
            try:
                server.start()  # stopped below also when it does not answer in time
                print(f"[{args.label}] load, mail server taking {delay:g} s per message: {args.members} members, "
                      f"{args.seconds:.0f} s", flush=True)
                out, rec = load(server, manifest, args.members, args.seconds)
                received_by_end = len(sink.arrivals)
                problems = server_log_problems(server)
            finally:
                server.stop()
            after = outbox_counts(args.db)
    forget_queue(queue, name)
    checked = check(manifest, rec)
    queued = sum(after.values()) - sum(before.values())
    return {"smtp_delay_s": delay, "load": out, "check": checked, "server_log_problems": problems,
            "mails_queued": queued, "mails_received_by_end": received_by_end,
            "outbox_after": after, "page": out["kinds"]["page"], "save": out["kinds"]["save"],
            "times": {kind: rec.times.get(kind, []) for kind in ("page", "save")}}


def pooled(runs: list[dict], delay: float) -> dict:
    """Page and save latencies of every run with this mail server, together (ms)."""
    out = {}
    for kind in ("page", "save"):
        values = [t for run in runs if run["smtp_delay_s"] == delay for t in run["times"][kind]]
        out[kind] = {"n": len(values), "median_ms": round(statistics.median(values) * 1000, 1),
                     "p95_ms": round(pct(values, 95) * 1000, 1)} if values else {"n": 0}
    return out


def forget_queue(queue: str, name: str) -> None:
    """Drops what a run left in its Redis queue (the slow runs leave hundreds of mails): nothing reads it again."""
    if queue.startswith("redis://"):
        import re

        import redis

        client = redis.Redis.from_url(queue, socket_timeout=5)
        for key in client.scan_iter(f"*{re.sub('[^a-z0-9]', '', name)}*"):  # huey keeps letters and digits
            client.delete(key)


def queue_for(args, phase: str) -> tuple[str, str]:
    """A fresh queue for each phase: nothing left over by the one before."""
    name = f"bench-{args.label}-{phase}-{uuid.uuid4().hex[:8]}"
    if args.queue:
        return args.queue, name
    return f"sqlite:///{args.workdir / (name + '.sqlite3')}", name


# --- (b) and (c) ----------------------------------------------------------------------------------------

def endorsers(url: str, manifest: dict, count: int) -> tuple[int, list[dict]]:
    """A short final statement of the group and `count` organisations, each with a representative (a member
    of the group with an API token) who has not endorsed it yet."""
    from app.auth.models import User
    from app.auth.services import create_api_token, create_user
    from app.documents import workflow
    from app.documents.models import Document
    from app.documents.services import create_document
    from app.extensions import db
    from app.groups.models import Group, Membership
    from app.organisations.models import Organisation, Representative

    app = make_app(url)
    with app.app_context():
        coordinator = db.session.get(User, manifest["users"][0]["id"])
        group = db.session.get(Group, manifest["group_id"])
        big = db.session.get(Document, manifest["document_id"])
        sections = [{"heading": s.heading, "body": s.body, "level": s.level} for s in big.sections[:12]]
        document = create_document(coordinator, group, title="Joint statement for the queue bench",
                                   kind="statement", sections=sections)
        db.session.commit()
        workflow.transition(coordinator, document, "review")
        workflow.transition(coordinator, document, "final", "Final text")
        db.session.commit()
        people = []
        for n in range(count):
            organisation = Organisation(name=f"Queue bench city {n:02d}", country="BE", kind="city")
            db.session.add(organisation)
            db.session.flush()
            user = create_user(f"endorser{n}@queue.bench.example.eu", f"Endorser {n:02d}", PASSWORD,
                               organisation_id=organisation.id)
            db.session.add(Membership(group_id=group.id, user_id=user.id, role="member"))
            db.session.add(Representative(organisation_id=organisation.id, user_id=user.id))
            _token, raw = create_api_token(user, "queue bench")
            people.append({"organisation_id": organisation.id, "name": user.name, "token": raw})
        db.session.commit()
        version_id = document.final_version_id
        db.session.remove()
        db.engine.dispose()
    return version_id, people


def render_started(app, version_id: int, committed_at: datetime) -> float:
    """Seconds from the endorsement's commit until the worker started rendering its sealed PDF (the export's
    started_at): the time in the queue, apart from the render itself."""
    from app.documents.models import Version
    from app.export.models import Export
    from app.export.specs import version_spec
    from app.extensions import db

    with app.test_request_context():
        key = version_spec(db.session.get(Version, version_id)).key
        started = db.session.query(Export.started_at).filter(Export.key == key).scalar()
        db.session.remove()
    return (started - committed_at).total_seconds()


def run_latencies(args, manifest: dict) -> dict:
    version_id, people = endorsers(args.db, manifest, args.endorsements)
    app = make_app(args.db)
    coordinator = next(u for u in manifest["users"] if u.get("token") and u["role"] == "coordinator")
    queue, name = queue_for(args, "latency")
    with Sink(0) as sink:
        env = settings(args.db, queue, name, sink.port)
        with Worker(env, args.workdir / "worker-latency.log", args.worker_threads):
            server = Server(args.db, args.workdir, workers=args.workers, app=APP, env=env,
                            start_timeout=120)
            try:
                server.start()  # stopped below also when it does not answer in time
                print(f"[{args.label}] {len(people)} endorsements, each to its sealed PDF", flush=True)
                to_pdf, endorse_ms, waited = [], [], []
                for person in people:
                    started = time.perf_counter()
                    answer = requests.post(
                        f"{server.base}/api/v1/versions/{version_id}/endorsements", timeout=60,
                        headers={"Authorization": f"Bearer {person['token']}"},
                        json={"organisation_id": person["organisation_id"], "signatory_name": person["name"],
                              "signatory_title": "Head of procurement", "password": PASSWORD})
                    committed = time.perf_counter()
                    if answer.status_code != 201:
                        raise SystemExit(f"endorsement answered {answer.status_code}: {answer.text[:300]}")
                    committed_at = datetime.now(UTC).replace(tzinfo=None)
                    endorse_ms.append((committed - started) * 1000)
                    to_pdf.append(stored_after(app, version_id, committed, timeout=300))
                    waited.append(render_started(app, version_id, committed_at))
                print(f"[{args.label}] {args.mails} invitations, each to its mail", flush=True)
                sent_at, request_ms = {}, []
                headers = {"Authorization": f"Bearer {coordinator['token']}"}
                for n in range(args.mails):
                    email = f"guest{n}-{uuid.uuid4().hex[:6]}@queue.bench.example.eu"
                    started = time.perf_counter()
                    answer = requests.post(f"{server.base}/api/v1/groups/{manifest['group_id']}/invitations",
                                           headers=headers, json={"email": email, "role": "member"}, timeout=60)
                    request_ms.append((time.perf_counter() - started) * 1000)
                    if answer.status_code != 201:
                        raise SystemExit(f"invitation answered {answer.status_code}: {answer.text[:300]}")
                    sent_at[email] = started
                    time.sleep(0.5)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    arrived = {r: at for at, rcpt, _mid in sink.arrivals for r in rcpt if r in sent_at}
                    if len(arrived) == len(sent_at):
                        break
                    time.sleep(0.1)
                problems = server_log_problems(server)
            finally:
                server.stop()
    forget_queue(queue, name)
    to_mail = [arrived[email] - at for email, at in sent_at.items() if email in arrived]
    return {"endorsement_to_sealed_pdf": summary(to_pdf), "endorsement_to_render_start": summary(waited),
            "endorsement_request_ms_median":
            round(statistics.median(endorse_ms), 1), "endorsement_to_sealed_pdf_each_s": [round(s, 2) for s in to_pdf],
            "change_to_mail": summary(to_mail), "mails_missing": len(sent_at) - len(to_mail),
            "invitation_request_ms": {"median": round(statistics.median(request_ms), 1),
                                      "p95": round(pct(request_ms, 95), 1)},
            "server_log_problems": problems}


# --- report ----------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--label", required=True)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--queue", default="", help="TASK_QUEUE_URL (default: a SQLite file in --workdir)")
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads of the flask worker")
    parser.add_argument("--mail-delay", type=float, default=2.0, help="seconds the slow SMTP server takes")
    parser.add_argument("--endorsements", type=int, default=20)
    parser.add_argument("--mails", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of load runs (instant and slow mail server)")
    parser.add_argument("--skip-load", action="store_true", help="only (b) and (c)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ACCORD_INSTANCE_DIR", str(args.workdir))  # the dev seal, made once for all processes
    # The seeding's comments notify people, and without a mail server here each mail is written to the log.
    logging.getLogger("app").addFilter(lambda record: not record.getMessage().startswith("Mail to "))
    results = {"label": args.label, "machine": machine(), "queue": args.queue or "sqlite file (embedded)",
               "taken_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    print(f"[{args.label}] seeding", flush=True)
    manifest = seed(args.db, random.Random(SEED))
    print(f"[{args.label}] seeded: {manifest['seeded']}", flush=True)
    ok = True
    if not args.skip_load:
        # Rounds alternate the order (instant, slow; slow, instant; ...): the machine's drift falls on both.
        order = [d for n in range(args.rounds) for d in ((0.0, args.mail_delay) if n % 2 == 0
                                                            else (args.mail_delay, 0.0))]
        runs = [run_load(args, manifest, delay) for delay in order]
        results["load"] = [{k: v for k, v in run.items() if k != "times"} for run in runs]
        results["load_pooled"] = {str(d): pooled(runs, d) for d in (0.0, args.mail_delay)}
        print(f"\n[{args.label}] 20 members, {args.seconds:.0f} s each; mail by one worker ({args.worker_threads} "
              f"threads)")
        print(f"  {'SMTP server':<22}{'page med':>9}{'page p95':>9}{'save med':>9}{'save p95':>9}{'req/s':>7}"
              f"{'errors':>7}{'lost':>5}{'mails queued':>13}{'sent by end':>12}")
        for run in runs:
            page, save = run["page"], run["save"]
            print(f"  {str(run['smtp_delay_s']) + ' s per message':<22}{page['median_ms']:>9}{page['p95_ms']:>9}"
                  f"{save['median_ms']:>9}{save['p95_ms']:>9}{run['load']['requests_per_second']:>7}"
                  f"{run['load']['errors']:>7}{run['check']['lost']:>5}{run['mails_queued']:>13}"
                  f"{run['mails_received_by_end']:>12}")
            for sample in run["load"]["error_samples"] + run["server_log_problems"]:
                print(f"    {sample}")
            ok = ok and run["load"]["errors"] == 0 and run["check"]["lost"] == 0 and not run["server_log_problems"]
        if args.rounds > 1:
            for delay in (0.0, args.mail_delay):
                p = pooled(runs, delay)
                print(f"  {'all ' + str(delay) + ' s runs':<22}{p['page']['median_ms']:>9}{p['page']['p95_ms']:>9}"
                      f"{p['save']['median_ms']:>9}{p['save']['p95_ms']:>9}")
    latencies = run_latencies(args, manifest)
    results["latencies"] = latencies
    e, m = latencies["endorsement_to_sealed_pdf"], latencies["change_to_mail"]
    print(f"\n[{args.label}] endorsement (API answer) -> sealed PDF stored by the worker, {e['n']} endorsements "
          f"of a 12-section statement: median {e['median_s']} s, p95 {e['p95_s']} s, max {e['max_s']} s")
    w = latencies["endorsement_to_render_start"]
    print(f"[{args.label}]   of which from the commit to the worker's start of the render: median {w['median_s']} s, "
          f"p95 {w['p95_s']} s")
    print(f"[{args.label}] invitation (request) -> mail at the SMTP server, {m['n']} invitations: median "
          f"{m['median_s']} s, p95 {m['p95_s']} s, max {m['max_s']} s; the request itself "
          f"{latencies['invitation_request_ms']['median']} / {latencies['invitation_request_ms']['p95']} ms")
    ok = ok and latencies["mails_missing"] == 0 and not latencies["server_log_problems"]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"queue-{args.label}.json").write_text(json.dumps(results, indent=2))
    print(f"[{args.label}] {'PASS' if ok else 'FAIL'}; written to {RESULTS / f'queue-{args.label}.json'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
