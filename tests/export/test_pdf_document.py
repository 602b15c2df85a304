"""The PDF as a reader gets it: cover, contents with page numbers, running heads, exact text, fonts, metadata."""
from __future__ import annotations

import re

from tests.export.conftest import SAMPLE_SECTIONS, font_styles, page_texts, run


def test_the_cover_contents_and_sections_carry_the_exact_text(sealed_sample):
    pages = page_texts(sealed_sample["pdf"])
    cover = pages[0]
    for words in ("Fair ICT for public buyers", "Buyers for fair ICT", "Version 3, Final text", "20 November 2026",
                  "Final text, sealed"):
        assert words in cover
    contents = pages[1]
    assert "Contents" in contents
    # Each entry ends with the page its section starts on.
    purpose_page = next(i for i, p in enumerate(pages, start=1) if i > 2 and "The signatories agree" in p)
    assert re.search(rf"1\s+Purpose\s*\.+\s*{purpose_page}\b", contents)
    text = re.sub(r"\s+", " ", " ".join(pages))
    assert SAMPLE_SECTIONS[0]["body"] in text
    assert "Laptops, batch 59" in text


def test_every_page_but_the_cover_says_page_x_of_y(sealed_sample):
    pages = page_texts(sealed_sample["pdf"])
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in page


def test_a_long_table_repeats_its_header_on_the_next_page(sealed_sample):
    pages = [p for p in page_texts(sealed_sample["pdf"]) if "Laptops, batch" in p]
    assert len(pages) >= 2
    assert all(re.search(r"Lot\s+Products\s+Share", page) for page in pages)


def test_the_annex_lists_active_endorsements_and_the_evidence_page_the_facts(sealed_sample):
    pages = page_texts(sealed_sample["pdf"])
    annex = next(p for p in pages if "Annex: endorsing organisations" in p and "Anna De Smet" in p)
    assert "City of Ghent" in annex and "Belgium" in annex and "Deputy Mayor" in annex
    assert "City of Oslo" not in " ".join(pages)  # withdrawn before the export
    evidence = pages[-1]
    for words in ("Evidence", "ab" * 32, "cd" * 32, "https://accord.example/verify", "20 November 2026, 09:30 UTC",
                  "endorsement 5"):
        assert words in re.sub(r"\s+", "", evidence) or words in evidence
    assert "<svg" in sealed_sample["html"] and "data:" not in sealed_sample["html"].split("<body", 1)[1]


def test_hostile_markdown_is_plain_text_in_the_pdf(sealed_sample):
    text = " ".join(page_texts(sealed_sample["pdf"]))
    assert "Plain words stay." in text
    body = sealed_sample["html"].split("<body", 1)[1]
    assert "<script" not in body and "<img" not in body and "<style" not in body and "javascript:" not in body
    assert "Hostile text" in text  # the section is there; a `display: none` did not hide anything


def test_fonts_are_embedded(sealed_sample, draft_sample):
    for pdf in (sealed_sample["pdf"], draft_sample["pdf"]):
        lines = run("pdffonts", data=pdf).splitlines()[2:]
        assert lines, "the PDF lists no fonts"
        for line in lines:
            assert re.search(r"\s+yes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$", line), f"not embedded: {line}"
        assert any("Accord-Serif" in line for line in lines)


def test_metadata_language_title_author_bookmarks_and_tags(sealed_sample):
    info = run("pdfinfo", data=sealed_sample["pdf"])
    assert re.search(r"Title:\s+Fair ICT for public buyers", info)
    assert re.search(r"Author:\s+Buyers for fair ICT", info)
    assert re.search(r"Tagged:\s+yes", info)
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(sealed_sample["pdf"]))
    assert str(reader.root["/Lang"]) == "en"
    outline = reader.root["/Outlines"]
    titles, item = [], outline["/First"]
    while True:
        titles.append(str(item["/Title"]))
        if "/Next" not in item:
            break
        item = item["/Next"]
    assert any("Purpose" in t for t in titles) and any("Evidence" in t for t in titles)


def test_the_sealed_file_still_declares_pdf_a_3b(sealed_sample):
    meta = run("pdfinfo", "-meta", data=sealed_sample["pdf"])
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta


def test_a_draft_is_marked_draft_on_every_page_and_not_sealed(draft_sample):
    pages = page_texts(draft_sample["pdf"])
    assert len(pages) >= 3
    assert all("DRAFT · Buyers for fair ICT" in page for page in pages)  # the running footer
    watermarks = page_texts(draft_sample["pdf"], "-raw")
    assert len(watermarks) == len(pages) and all(re.search(r"^DRAFT$", p, re.M) for p in watermarks)
    assert "does not contain any signatures" in run("pdfsig", data=draft_sample["pdf"])
    text = " ".join(pages)
    assert "Annex: endorsing organisations" not in text and "Evidence" not in text


def test_accented_headings_and_bold_words_of_every_eu_language_stay_in_the_bundled_typeface(print_app):
    """A bold heading in Polish, Czech, Hungarian or Danish is set in the bundled serif, not patched
    with glyphs of another typeface from the system."""
    from dataclasses import replace

    from app.export.context import document_context
    from app.export.render import render_pdf
    from tests.export.conftest import sample_facts

    words = "Déclaration commune — Łódź, Plzeň, Győr, Ørsted, Šiauliai, Brașov, Ελλάδα, България"
    facts = replace(sample_facts(draft=True), title=words, sections=[
        {"section_id": 1, "level": 1, "heading": words, "body": f"**{words}** and *{words}* and ***{words}***."}])
    with print_app.app_context():
        html = print_app.jinja_env.get_template("export/document.html").render(
            pdf_title=facts.title, pdf_author=facts.group_name, pdf_description="", language="en", draft=True,
            identity={}, footer_text="DRAFT", draft_word="DRAFT", created_w3c="2026-11-20T09:30:00Z",
            status_text="Draft", **document_context(facts))
        pdf = render_pdf(html, timeout=60, memory_mb=2048, tags=True).pdf
    styles = font_styles(pdf)
    assert styles == {"Accord-Serif": "Regular", "Accord-Serif-Italic": "Italic", "Accord-Serif-Bold": "Bold",
                      "Accord-Serif-Bold-Italic": "Bold Italic"}, styles
    assert re.sub(r"\s+", " ", " ".join(page_texts(pdf))).count(words) >= 4
