"""The render subprocess: HTML on stdin, PDF on stdout, under a memory limit.

    python app/export/worker.py --memory-mb 2048 --variant pdf/a-3b --tags
    python app/export/worker.py --verify --memory-mb 384 --certificate BASE64-DER

With --verify it checks an uploaded PDF instead (validate.check_pdf_bounded)
against the seal's certificate: the PDF on stdin, one line of JSON on stdout
(validate.check_report). MemoryError is reported as for a render.

Runs WeasyPrint with AssetFetcher only. With --tags the PDF is tagged and then mended
for PDF/UA-1 (pdfua.py) before it leaves the process, so the parent seals the final bytes.
It is its own process so that a huge or hostile document can exhaust only itself: the parent (render.py) kills it
at the time limit, and RLIMIT_AS makes an allocation past the memory limit
fail here instead of in the web server. URLs the fetcher refused are written
to stderr as JSON, one line, for the parent to log.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    del sys.path[0]  # run as a script: the package's own module names must not shadow anything


def _load(name: str):
    """A module of this folder by its path: the worker does not import the Flask app package (faster start)."""
    spec = importlib.util.spec_from_file_location(f"accord_export_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--variant", default="pdf/a-3b")
    parser.add_argument("--tags", action="store_true")
    parser.add_argument("--cpu-seconds", type=int, default=0)
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--certificate", default="")
    args = parser.parse_args()
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if args.cpu_seconds > 0:  # the parent's time limit dies with the parent; this one stays with the process
        resource.setrlimit(resource.RLIMIT_CPU, (args.cpu_seconds, args.cpu_seconds + 5))
    if args.verify:
        return verify(args.certificate)

    try:
        from weasyprint import HTML

        fetcher_module = _load("fetcher")
        html_text = sys.stdin.buffer.read().decode("utf-8")
        fetcher = fetcher_module.AssetFetcher()
        document = HTML(string=html_text, base_url=fetcher_module.ASSETS_URL, url_fetcher=fetcher).render()
        document.metadata.attachments = []  # never an embedded file, whatever the HTML says
        pdf = document.write_pdf(pdf_variant=args.variant or None, pdf_tags=args.tags, custom_metadata=True,
                                 attachments=None)
        if args.tags:  # PDF/UA-1 beside the PDF/A variant: WeasyPrint takes one variant only (pdfua.py)
            pdf = _load("pdfua").make_accessible(pdf)
    except MemoryError:
        sys.stderr.write("\n" + json.dumps({"error": "memory"}) + "\n")
        return 3
    sys.stderr.write("\n" + json.dumps({"refused": fetcher.refused, "pages": len(document.pages)}) + "\n")
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


def verify(certificate: str) -> int:
    """Check the PDF on stdin against the seal certificate (base64 DER); the facts as JSON on stdout."""
    sys.path.insert(0, str(HERE.parents[1]))  # the app package, for validate.py and what it imports
    try:
        import base64

        from asn1crypto import x509

        from app.export.validate import check_report

        report = check_report(sys.stdin.buffer.read(), x509.Certificate.load(base64.b64decode(certificate)))
        answer = json.dumps(report)
    except MemoryError:
        sys.stderr.write("\n" + json.dumps({"error": "memory"}) + "\n")
        return 3
    sys.stdout.write(answer + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
