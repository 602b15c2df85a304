"""The compare page of the 280-section document, as people read it (issue 19).

    .venv/bin/python bench/bench_compare.py --manifest PATH --label sqlite|postgresql [--workdir DIR]

On the database that bench/build_data.py filled (its manifest names it), gunicorn with 2 sync workers
(bench_codrafting.Server), a member signed in through the login form:

1. Warm, 1% changed: version 1 is named, 3 of 280 sections get a one-word change (services.save_section),
   then GET /documents/{did}/compare?from=v1&to=current (inline, and side by side) interleaved with
   GET /healthz after a warm-up that lets both workers compare once. Target: the page at most 10x
   /healthz, median and 95th percentile.
2. Cold, 253 of 280 rewritten: 253 sections (all of them when fewer are non-empty) get every fourth word
   replaced, then gunicorn is restarted (every per-process cache empty: rendered Markdown, comparisons)
   and the first GET of the compare page is timed; several restarts. Target: under 1 s. The page is
   checked: the sections are all listed as modified, no Markdown mark is in the comparison, and whether
   the budget made some of it coarser is reported.

Prints a table and writes bench/results/compare-<label>.json.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_codrafting import (  # noqa: E402
    NEW_WORDS,
    RESULTS,
    SEED,
    WORD,
    Server,
    _timed_get,
    git_state,
    machine,
    one_word_edit,
    sign_in,
    summary,
    verdict,
    writers,
)
from build_data import make_app  # noqa: E402

MARKERS = ("**", "|---", "| ---")


def rewrite(text: str, rng: random.Random) -> str:
    """Every fourth word of four letters or more replaced: a section rewritten, not touched up."""
    count = iter(range(10**9))
    return WORD.sub(lambda m: rng.choice(NEW_WORDS) if next(count) % 4 == 0 else m.group(), text)


def save_all(manifest, rng, ids, change) -> None:
    from app.documents import services
    from app.documents.models import Section
    from app.extensions import db

    team = writers(manifest)
    for sid in ids:
        section = db.session.get(Section, sid)
        services.save_section(rng.choice(team), section, body=change(section.body, rng),
                              base_revision=section.current_revision, message="bench edit")
        db.session.commit()


def comparison_text(html: str) -> str:
    """The text of the page's comparisons (the formatted diffs), tags removed."""
    parts = re.findall(r'<div class="diff-formatted">(.*?)</div>\s*</section>', html, re.S)
    return re.sub(r"<[^>]+>", "", " ".join(parts))


def measure_warm(server, session, url: str, count: int) -> dict:
    def warm():
        other = requests.Session()
        other.cookies.update(session.cookies)
        for _ in range(3):
            other.get(url, timeout=60).raise_for_status()
    threads = [threading.Thread(target=warm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    health = f"{server.base}/healthz"
    times = {"compare": [], "healthz": []}
    errors = 0
    for index in range(count):
        kinds = ["compare", "healthz"] if index % 2 == 0 else ["healthz", "compare"]
        for kind in kinds:
            seconds, response = _timed_get(session, url if kind == "compare" else health)
            errors += response.status_code != 200
            times[kind].append(seconds)
    result = {kind: summary(values) for kind, values in times.items()}
    result["ratio_median"] = round(result["compare"]["median_ms"] / result["healthz"]["median_ms"], 2)
    result["ratio_p95"] = round(result["compare"]["p95_ms"] / result["healthz"]["p95_ms"], 2)
    result["errors"] = errors
    result["bytes"] = len(session.get(url, timeout=60).content)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="Accord compare page benchmark")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--requests", type=int, default=100, help="measured requests of each kind (warm)")
    parser.add_argument("--cold-runs", type=int, default=3, help="server restarts for the cold measurement")
    parser.add_argument("--rewritten", type=int, default=253)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    manifest = json.loads(Path(args.manifest).read_text())
    workdir = Path(args.workdir or Path(args.manifest).parent)
    rng = random.Random(SEED + 19)
    url, did = manifest["database_url"], manifest["document_id"]
    results = {"label": args.label, "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
               "code": git_state(), "settings": {"requests_each": args.requests, "cold_runs": args.cold_runs}}
    app = make_app(url)
    reader = next(u for u in manifest["users"] if u["role"] == "member")
    with app.app_context():
        from app.documents import services
        from app.documents.models import Document
        from app.extensions import db

        document = db.session.get(Document, did)
        coordinator = writers(manifest)[0]
        version = services.create_version(coordinator, document, label="compare: version 1")
        db.session.commit()
        v1 = version.id
        live = services.live_sections(db.session.get(Document, did))
        candidates = [s.id for s in live if s.body.strip()]
        sections = len(live)
        small = [s.id for s in live if s.body.strip() and len(s.body) < 50_000]
        one_percent = rng.sample(small, max(1, round(sections * 0.01)))
        save_all(manifest, rng, one_percent, one_word_edit)
        db.session.remove()
    compare_url = f"/documents/{did}/compare?from={v1}&to=current"

    server = Server(url, workdir)
    try:
        server.start()
        session = sign_in(server.base, reader["email"], manifest["password"])
        print(f"[{args.label}] 1. warm compare page, {len(one_percent)}/{sections} sections changed", flush=True)
        results["warm_1pct"] = measure_warm(server, session, server.base + compare_url, args.requests)
        results["warm_1pct_side"] = measure_warm(server, session, server.base + compare_url + "&view=side",
                                                 max(20, args.requests // 3))
        page = session.get(server.base + compare_url, timeout=60).text
        assert f"{len(one_percent)} modified" in page, "the compare page did not list the changed sections"
        results["warm_1pct"]["markdown_marks"] = any(m in comparison_text(page) for m in MARKERS)
    finally:
        server.stop()

    with app.app_context():
        from app.extensions import db

        rewritten = rng.sample(candidates, min(args.rewritten, len(candidates)))
        started = time.perf_counter()
        save_all(manifest, rng, rewritten, rewrite)
        results["rewrite_seconds"] = round(time.perf_counter() - started, 1)
        db.session.remove()
        db.engine.dispose()
    changed = len(set(rewritten) | set(one_percent))
    print(f"[{args.label}] 2. cold compare page, {changed}/{sections} sections changed", flush=True)
    cold, coarse, marks, modified = [], [], [], []
    for _ in range(args.cold_runs):
        server = Server(url, workdir)
        try:
            server.start()
            session = sign_in(server.base, reader["email"], manifest["password"])
            seconds, response = _timed_get(session, server.base + compare_url)
            assert response.status_code == 200, response.status_code
            cold.append(seconds)
            coarse.append(len(re.findall(r'class="diff-deferred"', response.text)))
            marks.append(any(m in comparison_text(response.text) for m in MARKERS))
            found = re.search(r"(\d+) modified", response.text)
            modified.append(int(found.group(1)) if found else None)
            second, _ = _timed_get(session, server.base + compare_url)  # the same worker or the other, cold too
            cold.append(second)
        finally:
            server.stop()
    results["cold_rewritten"] = {**summary(cold), "runs": [round(s * 1000) for s in cold], "sections": sections,
                                 "changed_sections": changed, "modified_listed": modified,
                                 "sections_on_their_own_page": coarse, "markdown_marks": marks}

    w, ws, c = results["warm_1pct"], results["warm_1pct_side"], results["cold_rewritten"]
    rows = [
        (f"compare page, {len(one_percent)}/{sections} changed, warm, median / p95",
         f"{w['compare']['median_ms']:.1f} / {w['compare']['p95_ms']:.1f} ms", "", ""),
        ("healthz, median / p95", f"{w['healthz']['median_ms']:.1f} / {w['healthz']['p95_ms']:.1f} ms", "", ""),
        ("compare / healthz, median / p95", f"{w['ratio_median']:.1f}x / {w['ratio_p95']:.1f}x", "<= 10x",
         verdict(max(w["ratio_median"], w["ratio_p95"]) <= 10)),
        ("the same, side by side: compare / healthz, median / p95",
         f"{ws['ratio_median']:.1f}x / {ws['ratio_p95']:.1f}x ({ws['compare']['median_ms']:.1f} ms)", "(info)", ""),
        (f"compare page, {changed}/{sections} changed, cold (first requests after a restart), median / max",
         f"{c['median_ms']:.0f} / {c['max_ms']:.0f} ms", "< 1 s", verdict(c["max_ms"] < 1000)),
        ("cold: sections listed modified; of them linked to their own page; Markdown marks",
         f"{modified}; {coarse}; {marks}", "", ""),
    ]
    results["table"] = [dict(zip(("measure", "value", "target", "verdict"), row)) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print(f"\n== Compare page benchmark on {args.label} ==")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"compare-{args.label}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"(written to {path.relative_to(ROOT)})")
    return 1 if w["errors"] or ws["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
