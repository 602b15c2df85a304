"""Verifying the benchmark's sealed PDF: the verdict with pyHanko's difference analysis, end to end.

    .venv/bin/python bench/bench_verify.py [--manifest PATH] [--requests 5] [--label sqlite]

Builds the benchmark document (bench/build_data.py: about 280 sections) into a
fresh SQLite file unless --manifest is given, makes it final and endorsed
(bench_export.make_final), exports the sealed PDF once, then times
POST /api/v1/verify through the whole Flask app (the check runs in its
bounded child process, as in production) for three files:

1. the sealed PDF as exported (verdict `genuine`);
2. the same with a second signature appended by another signer (pyHanko,
   a test certificate authority; `genuine_with_later_signatures`): the
   difference analysis walks the later revision;
3. the same with an incremental update that draws text on the cover
   (`modified_after_sealing`): the difference analysis, and the sealed
   revision checked on its own.

Target: each under 2 s. Prints a table and writes bench/results/verify-<label>.json.
"""
from __future__ import annotations

import argparse
import io
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

from bench_export import make_final  # noqa: E402
from build_data import build, make_app  # noqa: E402

RESULTS = ROOT / "bench" / "results"
TARGET_SECONDS = 2.0


def sealed_pdf(app, vid: int) -> bytes:
    from app.documents.models import Version
    from app.export import services, specs
    from app.extensions import db

    with app.test_request_context():
        export = services.render_now(None, specs.version_spec(db.session.get(Version, vid)))
        assert export.status == "ready", export.error
        pdf = services.stored_pdf(export)
        db.session.remove()
    return pdf


def variants(pdf: bytes, folder: Path) -> dict[str, tuple[bytes, str]]:
    from tests.export.doctored import countersigned, with_text_drawn

    return {"genuine": (pdf, "genuine"),
            "second_signature": (countersigned(pdf, folder), "genuine_with_later_signatures"),
            "text_drawn_on_cover": (with_text_drawn(pdf, "10 organisations"), "modified_after_sealing")}


def timed_verify(app, data: bytes, expected: str, requests: int) -> dict:
    client, times = app.test_client(), []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.post("/api/v1/verify", data={"file": (io.BytesIO(data), "x.pdf")},
                               content_type="multipart/form-data")
        times.append(time.perf_counter() - started)
        body = response.get_json()
        assert response.status_code == 200 and body["verdict"] == expected, (response.status_code, body)
    return {"median_seconds": round(statistics.median(times), 3), "max_seconds": round(max(times), 3),
            "bytes": len(data), "verdict": expected}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", help="a manifest from bench/build_data.py (default: build into a temp SQLite)")
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--label", default=None)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="accord-bench-verify-")
    if args.manifest:
        manifest = json.loads(Path(args.manifest).read_text())
    else:
        os.environ.setdefault("ACCORD_INSTANCE_DIR", workdir)
        manifest = build(f"sqlite:///{workdir}/bench.db")
    label = args.label or manifest.get("dialect", "sqlite")
    app = make_app(manifest["database_url"])
    app.config["EXPORT_DEV_SEAL_DIR"] = workdir
    app.config["RATELIMIT_ENABLED"] = False
    try:
        vid = make_final(app, manifest)
        pdf = sealed_pdf(app, vid)
        files = variants(pdf, Path(workdir))
        timings = {name: timed_verify(app, data, expected, args.requests) for name, (data, expected) in files.items()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {"label": label, "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
              "sections": manifest["section_count"], "requests": args.requests,
              "verify_timeout": app.config["VERIFY_TIMEOUT"], "verify_memory_mb": app.config["VERIFY_MEMORY_MB"],
              **{name: timing for name, timing in timings.items()}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"verify-{label}.json").write_text(json.dumps(result, indent=2))
    print(f"Verification benchmark ({label}): {result['sections']} sections, sealed PDF {len(pdf):,} bytes, "
          f"POST /api/v1/verify, median and max of {args.requests}")
    for name, timing in timings.items():
        mark = "ok" if timing["max_seconds"] < TARGET_SECONDS else "OVER"
        print(f"  {name:<22} {timing['verdict']:<32} {timing['median_seconds']:>7.3f} s  "
              f"(max {timing['max_seconds']:.3f} s)  target < {TARGET_SECONDS:g} s  {mark}")


if __name__ == "__main__":
    main()
