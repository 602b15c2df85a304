"""The PDF export benchmark: cold sealed export of the large document, its peak memory, stored serving, chromium.

    .venv/bin/python bench/bench_export.py [--manifest PATH] [--requests 20] [--label sqlite]

Without --manifest it builds the benchmark data itself (bench/build_data.py: the
GDPR and the Standard for Public Code, about 280 sections and 410 KB of
Markdown) into a fresh SQLite file in a temporary directory. Then:

1. The document goes final (services, as a coordinator would) and the three
   organisations of the bench group endorse it.
2. Cold export: services.render_now on the final version (claim, HTML from
   the print templates, WeasyPrint in its limited subprocess, the PAdES seal,
   storage, audit event), timed end to end, with the HTML building timed on
   its own. Peak memory is the largest resident set of any child process
   (resource.getrusage(RUSAGE_CHILDREN).ru_maxrss), measured before
   chromium runs, so it is the render subprocess's.
3. The same HTML printed by headless chromium (`chromium --headless
   --no-sandbox --print-to-pdf`), from a temporary folder holding the HTML
   and the bundled print assets, timed in the same run; the ratio is the
   cold export's time over chromium's (and WeasyPrint's subprocess alone over
   chromium's).
4. Stored export: GET /api/v1/versions/{vid}/export.pdf through the whole
   Flask app (WSGI test client, bearer token), median and max of N requests.

Targets: cold export at most 2x chromium, stored under 50 ms, peak under 1 GiB.
Prints a table and writes bench/results/export-<label>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_data import build, make_app  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")


def make_final(app, manifest) -> int:
    """The document final and endorsed by the group's three organisations; returns the final version's id."""
    from app.auth.models import User
    from app.documents import workflow
    from app.documents.models import Document
    from app.endorsements.services import endorse
    from app.extensions import db
    from app.organisations.models import Representative

    with app.app_context():
        users = {entry["role"] + str(i): db.session.get(User, entry["id"]) for i, entry in enumerate(manifest["users"])}
        coordinator = next(u for k, u in users.items() if k.startswith("coordinator"))
        document = db.session.get(Document, manifest["document_id"])
        if document.status != "final":
            workflow.transition(coordinator, document, "review")
            workflow.transition(coordinator, document, "final", "Final text (bench)")
            db.session.commit()
        version = document.final_version
        seen = set()
        for user in users.values():
            if user.organisation_id in seen:
                continue
            seen.add(user.organisation_id)
            db.session.add(Representative(organisation_id=user.organisation_id, user_id=user.id))
            db.session.flush()
            endorse(user, version, organisation_id=user.organisation_id, signatory_name=user.name,
                    signatory_title="Head of procurement")
        db.session.commit()
        vid = version.id
        db.session.remove()
    return vid


def cold_export(app, vid: int) -> dict:
    from app.documents.models import Version
    from app.export import services, specs
    from app.extensions import db

    with app.test_request_context():
        version = db.session.get(Version, vid)
        spec = specs.version_spec(version)
        started = time.perf_counter()
        html = spec.build_html()
        html_seconds = time.perf_counter() - started
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        export = services.render_now(None, spec)
        total = time.perf_counter() - started + html_seconds
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert export.status == "ready", export.error
        result = {"html_seconds": round(html_seconds, 3), "cold_export_seconds": round(total, 3),
                  "render_and_seal_seconds": export.render_seconds, "pages": export.pages,
                  "pdf_bytes": export.size, "html_bytes": len(html.encode("utf-8")),
                  "peak_child_rss_mib": round(after.ru_maxrss / 1024, 1),
                  "child_cpu_seconds": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
                                             2)}
        db.session.remove()
    return result, html


def weasyprint_alone(html: str, memory_mb: int) -> float:
    """The render subprocess on its own (no seal, no storage), for the like-for-like ratio."""
    from app.export.render import render_pdf

    started = time.perf_counter()
    render_pdf(html, timeout=600, memory_mb=memory_mb, tags=True)
    return time.perf_counter() - started


def chromium_print(html: str) -> dict:
    from app.export.fetcher import ASSETS_DIR

    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return {"chromium_seconds": None, "note": f"no chromium at {CHROMIUM}"}
    with tempfile.TemporaryDirectory(prefix="accord-chromium-") as folder:
        folder = Path(folder)
        shutil.copytree(ASSETS_DIR, folder, dirs_exist_ok=True)  # print.css and fonts beside the HTML
        (folder / "document.html").write_text(html, encoding="utf-8")
        out = folder / "chromium.pdf"
        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={out}",
                   (folder / "document.html").as_uri()]
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, timeout=600)
        seconds = time.perf_counter() - started
        pages = None
        if out.exists() and shutil.which("pdfinfo"):
            info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
            pages = next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), None)
        return {"chromium_seconds": round(seconds, 3), "chromium_pages": pages, "chromium_exit": completed.returncode}


def stored_serving(app, vid: int, token: str, requests: int) -> dict:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get(f"/api/v1/versions/{vid}/export.pdf", headers=headers)
    assert first.status_code == 200, first.status_code
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(f"/api/v1/versions/{vid}/export.pdf", headers=headers)
        body = response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and body == first.get_data()
    return {"stored_median_ms": round(statistics.median(times), 2), "stored_max_ms": round(max(times), 2),
            "stored_requests": requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", help="a manifest from bench/build_data.py (default: build into a temp SQLite)")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--label", default=None)
    args = parser.parse_args()

    workdir = None
    if args.manifest:
        manifest = json.loads(Path(args.manifest).read_text())
    else:
        workdir = tempfile.mkdtemp(prefix="accord-bench-export-")
        os.environ.setdefault("ACCORD_INSTANCE_DIR", workdir)
        manifest = build(f"sqlite:///{workdir}/bench.db")
    label = args.label or manifest.get("dialect", "sqlite")
    app = make_app(manifest["database_url"])
    app.config["EXPORT_DEV_SEAL_DIR"] = workdir or app.config["EXPORT_DEV_SEAL_DIR"]
    try:
        vid = make_final(app, manifest)
        cold, html = cold_export(app, vid)
        alone = weasyprint_alone(html, app.config["EXPORT_RENDER_MEMORY_MB"])
        chromium = chromium_print(html)
        stored = stored_serving(app, vid, manifest["api_token"], args.requests)
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {"label": label, "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
              "sections": manifest["section_count"], "markdown_bytes": manifest["markdown_bytes"],
              **cold, "weasyprint_subprocess_seconds": round(alone, 3), **chromium, **stored}
    if result.get("chromium_seconds"):
        result["ratio_cold_over_chromium"] = round(result["cold_export_seconds"] / result["chromium_seconds"], 2)
        result["ratio_weasyprint_over_chromium"] = round(alone / result["chromium_seconds"], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"export-{label}.json").write_text(json.dumps(result, indent=2))

    def line(name, value, target=""):
        print(f"  {name:<44} {value!s:>12}  {target}")

    print(f"PDF export benchmark ({label}): {result['sections']} sections, "
          f"{result['markdown_bytes'] / 1024:.0f} KiB of Markdown, {result['pages']} pages")
    line("HTML from the print templates (s)", result["html_seconds"])
    line("cold sealed export, end to end (s)", result["cold_export_seconds"])
    line("  of which render subprocess + seal (s)", result["render_and_seal_seconds"])
    line("WeasyPrint subprocess alone (s)", result["weasyprint_subprocess_seconds"])
    line("chromium --print-to-pdf, same HTML (s)", result.get("chromium_seconds"),
         f"({result.get('chromium_pages')} pages)")
    line("ratio cold export / chromium", result.get("ratio_cold_over_chromium"), "target <= 2")
    line("ratio WeasyPrint alone / chromium", result.get("ratio_weasyprint_over_chromium"))
    line("peak memory of the render subprocess (MiB)", result["peak_child_rss_mib"], "target < 1024")
    line(f"stored export, median of {args.requests} (ms)", result["stored_median_ms"], "target < 50")
    line("stored export, max (ms)", result["stored_max_ms"])
    print(f"written to {RESULTS / f'export-{label}.json'}")


if __name__ == "__main__":
    main()
