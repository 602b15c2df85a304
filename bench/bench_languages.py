"""The document page in another language against English (issue 21: at most 10% more).

    .venv/bin/python bench/bench_languages.py --manifest PATH --label sqlite|postgresql [--workdir DIR]
        [--requests 200] [--languages fr,de,nb]

On the database that bench/build_data.py filled (the 280-section document), gunicorn with 2 sync workers
(bench_codrafting.Server); one member per language signs in through the login form, with that language in
their profile. After a warm-up that lets each worker serve each reader (each language's cached pieces are
built once per worker), the page is requested in turns (en, fr, de, nb, en, ...) so that a drift of the
machine's speed touches every language alike, and once cold (a fresh server) for each language.
Prints a table and writes bench/results/languages-<label>.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_codrafting import RESULTS, Server, _timed_get, git_state, machine, sign_in, summary, verdict  # noqa: E402
from build_data import make_app  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description="Accord document page per language")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per language (warm)")
    parser.add_argument("--languages", default="fr,de,nb")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    manifest = json.loads(Path(args.manifest).read_text())
    workdir = Path(args.workdir or Path(args.manifest).parent)
    languages = ["en", *[code for code in args.languages.split(",") if code and code != "en"]]
    url, did = manifest["database_url"], manifest["document_id"]
    members = [u for u in manifest["users"] if u["role"] in ("member", "editor", "observer")]
    if len(members) < len(languages):
        raise SystemExit(f"the data has {len(members)} readers for {len(languages)} languages")
    readers = dict(zip(languages, members))
    app = make_app(url)
    with app.app_context():
        from app.auth.models import User
        from app.extensions import db

        for code, reader in readers.items():
            db.session.get(User, reader["id"]).language = code
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    page = f"/documents/{did}"
    results = {"label": args.label, "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
               "code": git_state(), "settings": {"requests_each": args.requests, "languages": languages}}

    cold = {code: [] for code in languages}
    for _ in range(2):  # cold: each language first on a fresh server (every per-process cache empty)
        server = Server(url, workdir)
        try:
            server.start()
            for code in languages:
                session = sign_in(server.base, readers[code]["email"], manifest["password"])
                seconds, response = _timed_get(session, server.base + page)
                assert response.status_code == 200 and f'<html lang="{code}"' in response.text, (code,
                                                                                                response.status_code)
                cold[code].append(seconds)
        finally:
            server.stop()

    server = Server(url, workdir)
    try:
        server.start()
        sessions = {code: sign_in(server.base, readers[code]["email"], manifest["password"]) for code in languages}

        def warm(session):
            for _ in range(4):
                session.get(server.base + page, timeout=120).raise_for_status()
        threads = [threading.Thread(target=warm, args=(requests_session,))
                   for requests_session in sessions.values() for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        times = {code: [] for code in languages}
        errors = 0
        started = time.perf_counter()
        for index in range(args.requests):
            order = languages if index % 2 == 0 else list(reversed(languages))
            for code in order:
                seconds, response = _timed_get(sessions[code], server.base + page)
                errors += response.status_code != 200
                times[code].append(seconds)
        results["seconds"] = round(time.perf_counter() - started, 1)
        results["errors"] = errors
        results["bytes"] = {code: len(sessions[code].get(server.base + page, timeout=120).content)
                            for code in languages}
    finally:
        server.stop()

    results["warm"] = {code: summary(values) for code, values in times.items()}
    results["cold"] = {code: summary(values) for code, values in cold.items()}
    english = results["warm"]["en"]
    rows = []
    worst = 0.0
    for code in languages:
        warm_row = results["warm"][code]
        over_median = warm_row["median_ms"] / english["median_ms"] - 1
        over_p95 = warm_row["p95_ms"] / english["p95_ms"] - 1
        if code != "en":
            worst = max(worst, over_median)
        rows.append((code, f"{warm_row['median_ms']:.1f} / {warm_row['p95_ms']:.1f} ms",
                     "" if code == "en" else f"{over_median:+.1%} / {over_p95:+.1%}",
                     f"{results['cold'][code]['median_ms']:.0f} ms"))
    results["worst_median_over_english"] = round(worst, 4)
    results["verdict"] = verdict(worst <= 0.10)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"languages-{args.label}.json").write_text(json.dumps(results, indent=2))
    print(f"\n[{args.label}] document page ({did}), warm median / p95, against English, cold first view")
    for row in rows:
        print(f"  {row[0]:3} {row[1]:>22} {row[2]:>18} {row[3]:>10}")
    print(f"  worst warm median over English: {worst:+.1%} (target <= +10%): {results['verdict']}; "
          f"errors: {errors}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
