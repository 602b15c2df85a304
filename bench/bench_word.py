"""The Word benchmark: import of a 150-page .docx, export of the 280-section benchmark document.

    .venv/bin/python bench/bench_word.py

1. Export: the benchmark document (bench/build_data.py's sources: the GDPR and the Standard for Public
   Code, about 280 sections) is created in a fresh SQLite file and exported as .docx with
   app.word.services.export_docx (Markdown rendering, python-docx writing), timed. Target < 5 s.
2. Import: the GDPR alone, exported the same way, its Accord part removed (so that the whole converter
   runs: XML preparation, mammoth, markdownify, section splitting), then imported as a new document with
   app.word.services.import_docx (converter, validation, sections stored), timed. Pages are counted at
   500 words a page. Target < 10 s.
"""
from __future__ import annotations

import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.build_data import DATA, make_app, source_sections  # noqa: E402


def without_accord_part(data: bytes) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in archive.namelist():
            if "accordSources" not in name:
                copy.writestr(name, archive.read(name))
    return out.getvalue()


def main() -> None:
    from flask_migrate import upgrade

    from app.auth.services import create_user
    from app.documents import services as documents
    from app.documents.importing import split_markdown
    from app.extensions import db
    from app.groups.services import create_group
    from app.word import services as word

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{folder}/bench.db")
        with app.app_context():
            upgrade()
            user = create_user("bench@example.eu", "Bench Editor", "bench-password-2026")
            group = create_group(user, "Bench group")
            sections = source_sections()
            big = documents.create_document(user, group, title="Benchmark document", kind="statement",
                                            sections=sections)
            db.session.commit()
            started = time.perf_counter()
            data, _name = word.export_docx(big)
            export_seconds = time.perf_counter() - started

            _title, gdpr_sections = split_markdown((DATA / "gdpr-regulation-2016-679.md").read_text())
            gdpr = documents.create_document(user, group, title="GDPR", kind="statement", sections=gdpr_sections)
            db.session.commit()
            gdpr_docx = without_accord_part(word.export_docx(gdpr)[0])
            words = sum(len(s["body"].split()) for s in gdpr_sections)
            started = time.perf_counter()
            report = word.import_docx(user, group, data=gdpr_docx)
            db.session.commit()
            import_seconds = time.perf_counter() - started
            imported = len(documents.live_sections(report.document))
    print(f"export: {len(sections)} sections, {len(data) / 1024:.0f} KiB .docx in {export_seconds:.2f} s "
          "(target < 5 s)")
    print(f"import: GDPR, about {words // 500} pages ({words:,} words), {len(gdpr_docx) / 1024:.0f} KiB .docx, "
          f"{imported} sections in {import_seconds:.2f} s (target < 10 s)")


if __name__ == "__main__":
    main()
