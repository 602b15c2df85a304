"""A flood of costly previews from one account, and what everyone else sees meanwhile (issue #25).

1. A fresh SQLite database built by the migrations, with one attacker account (any account: no role in
   any group is needed to preview) and one editor with a section.
2. gunicorn with --workers sync workers (4, as README's deployment) on 127.0.0.1 and a free port.
3. For --seconds, --flooders threads post pathological Markdown previews as the attacker (--hostile:
   "slow", 64 KiB that runs into the 2 s time limit, or "brackets", 64 KiB of "[" that the shape checks
   refuse at once) as fast as answers come, while one client asks /healthz every 50 ms and the editor saves
   the section every 500 ms.
4. Reported: /healthz p50/p95/max and failures, the saves' p50/p95/max and failures, and the previews'
   answers by status. Run with the default limits (what a deployment gets), with the rate limits lifted
   (--no-limits) and also without the per-account gate (--no-gate: only the time bound protects).

    .venv/bin/python bench/bench_flood.py [--seconds 20] [--flooders 8] [--hostile slow] [--no-limits] [--no-gate]

Every request has a client timeout of 30 s; the run ends by itself.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_codrafting import free_port, summary  # noqa: E402

PASSWORD = "correct-horse-battery"
HOSTILE = {
    "brackets": "[" * 65536,  # a shape the checks know: refused before any rendering
    "slow": "<a" * 32768,  # of no known shape, about 3 s unbounded: cut off by the 2 s time limit
}


def build(url: str) -> dict:
    """Schema, an attacker, an editor with a one-section document, and their tokens."""
    script = f"""
import json
from app import create_app
from app.extensions import db
app = create_app("testing", SQLALCHEMY_DATABASE_URI={url!r})
with app.app_context():
    from flask_migrate import upgrade
    upgrade()
    from app.auth.services import create_api_token, create_user
    from app.documents.services import create_document
    from app.groups.services import create_group
    attacker = create_user("attacker@example.eu", "Attacker", {PASSWORD!r})
    editor = create_user("editor@example.eu", "Editor", {PASSWORD!r})
    group = create_group(editor, "Clean buses")
    document = create_document(editor, group, title="Statement", kind="statement",
                               sections=[{{"heading": "Aim", "body": "Buy clean buses."}}])
    db.session.flush()
    out = {{"attacker": create_api_token(attacker, "flood")[1], "editor": create_api_token(editor, "save")[1],
           "section": document.sections[0].id}}
    db.session.commit()
    print(json.dumps(out))
"""
    env = {**os.environ, "ACCORD_ENV": "testing"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--flooders", type=int, default=8)
    parser.add_argument("--no-limits", action="store_true", help="lift the rate limits: only the time bound")
    parser.add_argument("--no-gate", action="store_true", help="lift COSTLY_AT_ONCE too")
    parser.add_argument("--hostile", choices=sorted(HOSTILE), default="slow")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="accord-flood-"))
    url = f"sqlite:///{workdir / 'flood.db'}"
    data = build(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ACCORD_ENV": "testing", "TEST_DATABASE_URL": url}
    # As in production (README): the workers count limits together, in Redis (database 3 here).
    env["RATELIMIT_STORAGE_URI"] = os.environ.get("BENCH_LIMITS_URL", "redis://127.0.0.1:6379/3")
    import redis

    redis.Redis.from_url(env["RATELIMIT_STORAGE_URI"]).flushdb()
    if args.no_limits:
        env.update({f"RATELIMIT_PREVIEW{scope}": "1000000 per minute" for scope in ("", "_ADDRESS")})
    if args.no_gate:
        env["COSTLY_AT_ONCE"] = "1000"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind",
                               f"127.0.0.1:{port}",
                               "--timeout", "60", "--error-logfile", str(workdir / "gunicorn.log"), "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        until = time.monotonic() + 30
        while time.monotonic() < until:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")

        stop = threading.Event()
        health, health_failures = [], 0
        saves, save_failures = [], Counter()
        previews = Counter()
        preview_times: list[float] = []
        lock = threading.Lock()

        def flood():
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {data['attacker']}"
            n = 0
            while not stop.is_set():
                n += 1  # a new text each time: nothing is answered from a cache
                started = time.monotonic()
                try:
                    body = f"{HOSTILE[args.hostile]} {threading.get_ident()} {n}"
                    status = session.post(base + "/api/v1/preview", timeout=30, json={"body": body}).status_code
                except requests.RequestException:
                    status = "timeout"
                with lock:
                    previews[status] += 1
                    preview_times.append(time.monotonic() - started)

        def probe():
            nonlocal health_failures
            session = requests.Session()
            while not stop.is_set():
                started = time.monotonic()
                try:
                    ok = session.get(base + "/healthz", timeout=30).status_code == 200
                except requests.RequestException:
                    ok = False
                if ok:
                    health.append(time.monotonic() - started)
                else:
                    health_failures += 1
                time.sleep(0.05)

        def save():
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {data['editor']}"
            n, revision = 0, 1
            while not stop.is_set():
                n += 1
                started = time.monotonic()
                try:
                    answer = session.put(f"{base}/api/v1/sections/{data['section']}", timeout=30,
                                         json={"body": f"Buy clean buses, draft {n}.", "base_revision": revision})
                    status = answer.status_code
                    if status == 200:
                        revision = answer.json()["revision"]["number"]
                except requests.RequestException:
                    status = "timeout"
                if status == 200:
                    saves.append(time.monotonic() - started)
                else:
                    save_failures[status] += 1
                time.sleep(0.5)

        threads = [threading.Thread(target=flood, daemon=True) for _ in range(args.flooders)]
        threads += [threading.Thread(target=probe, daemon=True), threading.Thread(target=save, daemon=True)]
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=35)
        result = {"seconds": args.seconds, "flooders": args.flooders, "workers": args.workers,
                  "hostile": args.hostile, "rate_limits": not args.no_limits, "gate": not args.no_gate,
                  "healthz": summary(health) if health else None, "healthz_failures": health_failures,
                  "saves": summary(saves) if saves else None, "save_failures": dict(save_failures),
                  "previews": {str(k): v for k, v in previews.items()},
                  "preview_time": summary(preview_times) if preview_times else None}
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
