"""Fixtures for PDF export tests: poppler's tools, a final statement with endorsements, rendered samples.

Rendering costs about a second per PDF, so the PDFs that many tests read are
made once per session (`sample`), from plain data through the same template,
renderer and seal as the app."""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime

import pytest

from tests.endorsements.conftest import endorse_body, final_setup  # noqa: F401  (fixtures shared with endorsements)

POPPLER = ("pdfsig", "pdftotext", "pdffonts", "pdfinfo", "pdfdetach")


@pytest.fixture(scope="session", autouse=True)
def _poppler():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"poppler-utils are needed for the PDF tests (missing {missing}); run tests/setup_system.sh")


def run(tool: str, *args, data: bytes | None = None, tmp_path=None) -> str:
    """A poppler tool's output for a PDF given as bytes (written to a temporary file)."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run([tool, *args, handle.name, *(["-"] if tool == "pdftotext" else [])],
                                capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def page_texts(pdf: bytes, mode: str = "-layout") -> list[str]:
    """pdftotext's text, one string per page (form feeds split them). `-raw` keeps rotated text too."""
    text = run("pdftotext", mode, data=pdf)
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def font_styles(pdf: bytes) -> dict[str, str]:
    """For each font in the PDF (its name without the subset tag, e.g. "Accord-Serif-Bold"), the style
    that the embedded font program itself declares (e.g. "Bold"): what the reader actually sees."""
    from io import BytesIO

    from fontTools.ttLib import TTFont
    from pyhanko.pdf_utils.reader import PdfFileReader

    styles: dict[str, str] = {}

    def walk(node):
        node = node.get_object()
        if node.get("/Type") == "/Pages":
            for kid in node["/Kids"]:
                walk(kid)
            return
        for _name, ref in node.get("/Resources", {}).get_object().get("/Font", {}).get_object().items():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            program = next(descriptor[k].get_object().data for k in ("/FontFile2", "/FontFile3", "/FontFile")
                           if k in descriptor)
            subfamily = TTFont(BytesIO(program))["name"].getDebugName(2)
            styles[str(font["/BaseFont"]).split("+")[-1]] = subfamily

    walk(PdfFileReader(BytesIO(pdf), strict=False).root["/Pages"])
    return styles


HOSTILE_MARKDOWN = (
    "Plain words stay.\n\n<script>alert('x')</script>\n\n"
    "<img src=\"file:///etc/passwd\"> <style>body { display: none }</style>\n\n"
    "[click](javascript:alert(1)) and <a href=\"file:///etc/passwd\" rel=\"attachment\">passwd</a>\n"
)

SAMPLE_SECTIONS = [
    {"section_id": 1, "level": 1, "heading": "Purpose",
     "body": "The signatories agree to buy accessible, repairable information technology for their administrations."},
    {"section_id": 2, "level": 2, "heading": "Scope of the commitment",
     "body": "| Lot | Products | Share |\n| --- | --- | --- |\n" +
             "\n".join(f"| {i} | Laptops, batch {i} | {i}% |" for i in range(1, 60))},
    {"section_id": 3, "level": 1, "heading": "Hostile text", "body": HOSTILE_MARKDOWN},
]


def sample_facts(*, draft: bool, endorsements=None):
    from app.export.context import EndorsementFact, ExportFacts

    when = datetime(2026, 11, 20, 9, 30)
    return ExportFacts(
        document_id=41, version_id=77, kind="statement", title="Fair ICT for public buyers",
        summary="A joint statement.", group_name="Buyers for fair ICT", status="final", version_label="Final text",
        version_number=3, dated=when, final_at=when, content_hash="ab" * 32, sections=SAMPLE_SECTIONS,
        exported_at=when, draft=draft, language="en",
        endorsements=endorsements if endorsements is not None else [
            EndorsementFact(5, "City of Ghent", "BE", "Anna De Smet", "Deputy Mayor", when),
            EndorsementFact(6, "City of Oslo", "NO", "Ola Nordmann", "Head of procurement", when, withdrawn=True)],
        audit_head={"seq": 12, "hash": "cd" * 32, "at": when}, verify_url="https://accord.example/verify")


@pytest.fixture(scope="session")
def print_app(tmp_path_factory):
    """An app for templates and the seal only (no database is touched)."""
    from app import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://",
                      EXPORT_DEV_SEAL_DIR=str(tmp_path_factory.mktemp("seal")))


def render_sample(print_app, *, draft: bool) -> tuple[str, bytes]:
    from app.export.context import document_context
    from app.export.render import render_pdf
    from app.export.seal import seal_pdf

    facts = sample_facts(draft=draft)
    with print_app.app_context():
        context = document_context(facts)
        html = print_app.jinja_env.get_template("export/document.html").render(pdf_title=facts.title,
                                                                               pdf_author=facts.group_name,
                               pdf_description="", language="en", draft=draft,
                               identity={"accordversionid": 77, "accorddocumentid": 41,
                                         "accordcontenthash": facts.content_hash, "accordendorsements": "5",
                                         "accordexportkind": "draft" if draft else "sealed"},
                               footer_text=("DRAFT · " if draft else "") + "Buyers for fair ICT · version 3",
                               draft_word="DRAFT", created_w3c="2026-11-20T09:30:00Z",
                               status_text="Final text, sealed", **context)
        rendered = render_pdf(html, timeout=60, memory_mb=2048, tags=True)
        pdf = rendered.pdf if draft else seal_pdf(rendered.pdf, print_app.config)
    return html, pdf


@pytest.fixture(scope="session")
def sealed_sample(print_app):
    html, pdf = render_sample(print_app, draft=False)
    return {"html": html, "pdf": pdf}


@pytest.fixture(scope="session")
def draft_sample(print_app):
    html, pdf = render_sample(print_app, draft=True)
    return {"html": html, "pdf": pdf}


@pytest.fixture(scope="session")
def seal_certificate(print_app):
    from app.export.seal import seal_for

    return seal_for(print_app.config).certificate


@pytest.fixture
def sealed(final_setup, api):  # noqa: F811  (final_setup: the fixture imported above, not redefined)
    """The final version endorsed by Ghent, exported once through the API (the PDF in `pdf`)."""
    people, vid = final_setup["people"], final_setup["version"]["id"]
    response = api(people["member"]).post(f"/api/v1/versions/{vid}/endorsements",
                                          json=endorse_body(final_setup["ghent"]))
    assert response.status_code == 201, response.get_json()
    final_setup["ghent_endorsement"] = response.get_json()["id"]
    exported = api(people["observer"]).get(f"/api/v1/versions/{vid}/export.pdf")
    assert exported.status_code == 200, exported.get_data()[:300]
    final_setup["pdf"] = exported.get_data()
    final_setup["response"] = exported
    return final_setup
