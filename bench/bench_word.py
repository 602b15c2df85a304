"""The Word benchmark: export of the 280-section benchmark document, import of a 150-page .docx.

    .venv/bin/python bench/bench_word.py [--save FILE.docx]

1. Export: the benchmark document (bench/build_data.py's sources: the GDPR and the Standard for Public
   Code, 279 sections) is created in a fresh SQLite file and exported as .docx with
   app.word.services.export_docx (Markdown rendering, python-docx writing), timed. Target < 5 s.
2. Import: a Word file of 150 pages (at 500 words a page): the same sources, then the GDPR's sections once
   more ("second reading") until 75,000 words, with a comment on the first words of every fifth section.
   It is exported with its comments as Word comments, its Accord part removed (so that the whole
   converter runs: XML preparation, mammoth, markdownify, section splitting), and tracked changes are
   written into it as Word writes them (an insertion and a deletion by two authors in every tenth
   paragraph). Then it is imported as a new document with app.word.services.import_docx, timed, and the
   conversion alone (services.read_upload: what runs with no transaction open) is timed apart: the rest
   is the write transaction. Target < 10 s. `--save` keeps the file.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.build_data import DATA, make_app, source_sections  # noqa: E402

WORDS_PER_PAGE = 500
PAGES = 150
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def without_accord_part(data: bytes, document_xml: bytes | None = None) -> bytes:
    """The .docx without Accord's custom XML part (and the relationship and content type naming it), so that it
    is any Word file to the importer and still a whole one to Word and python-docx."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in archive.namelist():
            if "accordSources" in name:
                continue
            content = document_xml if name == "word/document.xml" and document_xml else archive.read(name)
            if name.endswith(".rels") or name == "[Content_Types].xml":
                content = re.sub(rb"<(Relationship|Override)\b[^>]*accordSources[^>]*/>", b"", content)
            copy.writestr(name, content)
    return out.getvalue()


def with_tracked_changes(document_xml: bytes, every: int = 10) -> tuple[bytes, int]:
    """Every `every`-th body paragraph with text gains a tracked insertion (Legal Service) and a tracked
    deletion of its last run (Marta Puig), as Word writes them."""
    from lxml import etree

    root = etree.fromstring(document_xml)
    paragraphs = [p for p in root.iter(f"{{{W}}}p") if "".join(p.itertext()).strip()]
    changed = 0
    for index, paragraph in enumerate(paragraphs[1::every]):
        runs = paragraph.findall(f"{{{W}}}r")
        if not runs:
            continue
        ins = etree.SubElement(paragraph, f"{{{W}}}ins", {f"{{{W}}}id": str(10_000 + 2 * index),
                               f"{{{W}}}author": "Legal Service", f"{{{W}}}date": "2026-03-02T10:00:00Z"})
        text = etree.SubElement(etree.SubElement(ins, f"{{{W}}}r"), f"{{{W}}}t")
        text.text = " (as the board agreed)"
        last = runs[-1]
        deletion = etree.Element(f"{{{W}}}del", {f"{{{W}}}id": str(10_001 + 2 * index),
                                 f"{{{W}}}author": "Marta Puig", f"{{{W}}}date": "2026-03-03T09:00:00Z"})
        last.addprevious(deletion)
        deletion.append(last)
        for t in last.iter(f"{{{W}}}t"):
            t.tag = f"{{{W}}}delText"
        changed += 1
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), changed


def long_sections() -> list[dict]:
    from app.documents.importing import split_markdown

    sections = source_sections()
    _title, gdpr = split_markdown((DATA / "gdpr-regulation-2016-679.md").read_text(encoding="utf-8"))
    words = sum(len(s["body"].split()) for s in sections)
    for section in gdpr:
        if words >= PAGES * WORDS_PER_PAGE:
            break
        if words + len(section["body"].split()) > PAGES * WORDS_PER_PAGE * 1.02:
            continue  # a long section would overshoot the 150 pages: a shorter one follows
        sections.append({**section, "heading": f"{section['heading']} (second reading)"})
        words += len(section["body"].split())
    return sections



@contextlib.contextmanager
def benchmark_document():
    """(editor, group, document): the 280-section benchmark document in a fresh SQLite database, inside an
    application context; the Word benchmarks (this one and bench_word_redline.py) start from it."""
    from flask_migrate import upgrade

    from app.auth.services import create_user
    from app.documents import services as documents
    from app.extensions import db
    from app.groups.services import create_group

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{folder}/bench.db")
        with app.app_context():
            upgrade()
            user = create_user("bench@example.eu", "Bench Editor", "bench-password-2026")
            group = create_group(user, "Bench group")
            big = documents.create_document(user, group, title="Benchmark document", kind="statement",
                                            sections=source_sections())
            db.session.commit()
            yield user, group, big


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--save", help="keep the 150-page .docx here")
    args = parser.parse_args()
    from app.comments.services import add_comment
    from app.documents import services as documents
    from app.extensions import db
    from app.word import services as word

    with benchmark_document() as (user, group, big):
        section_count = len(documents.live_sections(big))
        started = time.perf_counter()
        data, _name = word.export_docx(big)
        export_seconds = time.perf_counter() - started

        long = long_sections()
        source = documents.create_document(user, group, title="A long statement", kind="statement",
                                           sections=long)
        for section in documents.live_sections(source)[::5]:
            words = section.body.split()[:3]
            quote = " ".join(words) if len(words) == 3 and " ".join(words) in section.body else None
            add_comment(user, section, body="Is this still what we mean?", quote=quote)
        db.session.commit()
        exported = word.export_docx(source, with_comments=True)[0]
        body_xml, changed = with_tracked_changes(zipfile.ZipFile(io.BytesIO(exported)).read("word/document.xml"))
        long_docx = without_accord_part(exported, body_xml)
        if args.save:
            Path(args.save).write_bytes(long_docx)
        words = sum(len(s["body"].split()) for s in long)
        started = time.perf_counter()
        word.read_upload(long_docx)
        convert_seconds = time.perf_counter() - started
        db.session.commit()
        started = time.perf_counter()
        report = word.import_docx(user, group, data=long_docx)
        db.session.commit()
        import_seconds = time.perf_counter() - started
        imported = len(documents.live_sections(report.document))
        assert imported == len(long), (imported, len(long))
    print(f"export: {section_count} sections, {len(data) / 1024:.0f} KiB .docx in {export_seconds:.2f} s "
          "(target < 5 s)")
    print(f"import: {words // WORDS_PER_PAGE} pages ({words:,} words), {len(long_docx) / 1024:.0f} KiB .docx with "
          f"{report.comments} Word comments and tracked changes in {changed} paragraphs: {imported} sections, "
          f"{report.suggestions} suggestions in {import_seconds:.2f} s (target < 10 s); the conversion alone "
          f"(no transaction open) {convert_seconds:.2f} s, so the write transaction about "
          f"{max(0.0, import_seconds - convert_seconds):.2f} s")


if __name__ == "__main__":
    main()
