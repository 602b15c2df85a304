"""PDF/UA-1 beside PDF/A-3b: the structure tree of a real sealed, draft and redline PDF, read with pikepdf.

One render per kind (module fixtures), through the same templates, renderer (worker.py, pdfua.py) and seal
as the app; the sections hold what Markdown makes of lists, a footnote, a table, an image and symbols."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from io import BytesIO

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.export.conftest import page_texts, run, sample_facts
from tests.export.test_seal import validated

TITLE = "Fair ICT for public buyers"
SYMBOLS = "→ ← ✓ • – “quoted” Łódź, Győr, Şile, Ελλάδα, България"
BODY = ("Buyers agree:\n\n- to repair\n- to reuse\n\n1. first step\n2. second step\n\n"
        f"Signs: {SYMBOLS}.[^1]\n\n![Map of the lots](https://example.eu/map.png)\n\n"
        "| Lot | Share |\n| --- | --- |\n| 1 | 40% |\n\n[^1]: A footnote, with its back-link arrow.")
SECTIONS = [{"section_id": 1, "level": 1, "heading": "Purpose", "body": BODY},
            {"section_id": 2, "level": 2, "heading": "Scope", "body": "Laptops and phones."}]


def _document_pdf(print_app, *, draft: bool) -> bytes:
    from app.export.context import EndorsementFact, document_context
    from app.export.render import render_pdf
    from app.export.seal import seal_pdf

    when = datetime(2026, 11, 20, 9, 30)
    facts = replace(sample_facts(draft=draft), sections=SECTIONS, endorsements=[
        EndorsementFact(5, "City of Ghent", "BE", "Anna De Smet", "Deputy Mayor", when, reservation="Not lot 2.",
                        reservation_section_id=2, note="With pleasure.")])
    with print_app.app_context():
        html = print_app.jinja_env.get_template("export/document.html").render(
            pdf_title=TITLE, pdf_author=facts.group_name, pdf_description="", language="en", draft=draft,
            identity={}, footer_text=("DRAFT · " if draft else "") + "Buyers for fair ICT · Version 3, Final text",
            draft_word="DRAFT", created_w3c="2026-11-20T09:30:00Z", status_text="Final version, sealed",
            **document_context(facts))
        pdf = render_pdf(html, timeout=60, memory_mb=2048).pdf
        return pdf if draft else seal_pdf(pdf, print_app.config)


@pytest.fixture(scope="module")
def sealed_pdf(print_app):
    return _document_pdf(print_app, draft=False)


@pytest.fixture(scope="module")
def draft_pdf(print_app):
    return _document_pdf(print_app, draft=True)


@pytest.fixture(scope="module")
def redline_pdf(print_app):
    from app.documents.comparing import compare_html
    from app.documents.rendering import render_for_print
    from app.export.context import redline_context
    from app.export.render import render_pdf

    # One section as the Markdown source diff, one as the formatted comparison the app now exports (a list,
    # a table cell and a footnote with words changed inside them).
    edited = BODY.replace("to reuse", "to reuse and refurbish").replace("| 40% |", "| 45% |")
    with print_app.app_context():
        comparison = compare_html(render_for_print(BODY), render_for_print(edited))
    changes = [{"section_id": 1, "heading": "Purpose", "change": "modified", "moved": False,
                "diff": [[0, "We buy "], [-1, "cheap"], [1, "repairable"], [0, " laptops."]]},
               {"section_id": 2, "heading": "Scope", "change": "modified", "moved": False,
                "comparison": comparison}]
    actions = [{"title": "Buy repairable laptops", "change": "modified", "changes": ["due 2027-Q1 → 2027-Q3"]},
               {"title": "Publish the list", "change": "added", "changes": []}]
    context = redline_context(title=TITLE, group_name="Buyers for fair ICT", document_id=41,
                              old_label="Version 2, Second draft", new_label="Version 3, Final text", changes=changes,
                              exported_at=datetime(2026, 11, 20, 9, 30), action_changes=actions)
    with print_app.app_context():
        html = print_app.jinja_env.get_template("export/redline.html").render(
            pdf_title=f"Comparison: {TITLE}", pdf_author="Buyers for fair ICT", draft=True,
            identity={}, footer_text="COMPARISON · Version 2 → Version 3", draft_word="COMPARISON",
            created_w3c="2026-11-20T09:30:00Z", **context)
        return render_pdf(html, timeout=60, memory_mb=2048).pdf


KINDS = ("sealed_pdf", "draft_pdf", "redline_pdf")


@pytest.fixture(params=KINDS)
def pdf(request):
    return request.getfixturevalue(request.param)


def structure(pdf_bytes: bytes):
    """The open file and its structure elements reachable from the root, parents first."""
    document = pikepdf.open(BytesIO(pdf_bytes))
    found, stack = [], list(kids(document.Root.StructTreeRoot))
    while stack:
        element = stack.pop(0)
        if isinstance(element, pikepdf.Dictionary) and "/S" in element:
            found.append(element)
            stack[:0] = kids(element)
    return document, found


def kids(element) -> list:
    value = element.get("/K")
    return [] if value is None else list(value) if isinstance(value, pikepdf.Array) else [value]


def of_type(elements, name: str) -> list:
    return [e for e in elements if e.S == pikepdf.Name("/" + name)]


def declared_schemas(xmp: bytes) -> dict[str, str]:
    """The PDF/A extension schemas of an XMP packet: prefix -> namespace URI."""
    from lxml import etree

    schema, rdf = "{http://www.aiim.org/pdfa/ns/schema#}", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    root = etree.fromstring(xmp[xmp.index(b"<x:xmpmeta"):xmp.index(b"</x:xmpmeta>") + 12])
    found = {}
    for node in root.iter(f"{rdf}li", f"{rdf}Description"):
        prefix = node.get(f"{schema}prefix") or node.findtext(f"{schema}prefix")
        uri_node = node.find(f"{schema}namespaceURI")
        uri = node.get(f"{schema}namespaceURI") or (
            None if uri_node is None else (uri_node.text or uri_node.get(f"{rdf}resource")))
        if prefix and uri:
            found[prefix.strip()] = uri.strip()
    return found


def test_pdf_ua_1_is_declared_beside_pdf_a_3b_with_the_title(pdf):
    document = pikepdf.open(BytesIO(pdf))
    meta = document.open_metadata()
    assert meta["pdfuaid:part"] == "1"
    assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
    assert TITLE in meta["dc:title"]
    # PDF/A accepts pdfuaid only with an extension schema that declares it (pyHanko rewrites the packet
    # when it seals, in another but equivalent RDF form: read it as RDF, not as text).
    assert declared_schemas(document.Root.Metadata.read_bytes()).get("pdfuaid") == "http://www.aiim.org/pdfua/ns/id/"
    assert document.Root.ViewerPreferences.DisplayDocTitle is True
    assert document.Root.MarkInfo.Marked is True and str(document.Root.Lang) == "en"
    assert TITLE in str(document.docinfo.Title)
    assert all(page.obj.Tabs == pikepdf.Name.S for page in document.pages)


def test_every_figure_has_alternative_text_and_the_qr_code_says_what_it_is(pdf, sealed_pdf):
    _document, elements = structure(pdf)
    assert all(str(figure.get("/Alt", "")).strip() for figure in of_type(elements, "Figure"))
    if pdf is sealed_pdf:
        assert [str(f.Alt) for f in of_type(elements, "Figure")] == ["QR code of the verification address given above"]


def test_a_markdown_image_never_reaches_the_pdf_as_an_unnamed_image(draft_pdf):
    """The sanitiser keeps no <img> and the fetcher fetches no remote file: no image, no Figure without text;
    the words the writer gave the image are read in its place."""
    assert "[Image: Map of the lots]" in " ".join(" ".join(page_texts(draft_pdf, "-raw")).split())
    document, elements = structure(draft_pdf)
    assert of_type(elements, "Figure") == []
    assert not any(name for page in document.pages
                   for name, xobject in page.obj.get("/Resources", {}).get("/XObject", {}).items()
                   if xobject.get("/Subtype") == pikepdf.Name.Image)


def test_table_header_cells_have_a_scope(sealed_pdf, draft_pdf):
    for pdf_bytes in (sealed_pdf, draft_pdf):
        _document, elements = structure(pdf_bytes)
        headers = of_type(elements, "TH")
        assert len(headers) >= 2
        assert all(th.A.Scope in (pikepdf.Name.Column, pikepdf.Name.Row) for th in headers)
    _document, elements = structure(sealed_pdf)
    assert len(of_type(elements, "TH")) >= 7  # the Markdown table's and the annex's


def test_list_items_hold_a_label_and_a_body(pdf, draft_pdf):
    _document, elements = structure(pdf)
    items = of_type(elements, "LI")
    assert items
    for item in items:
        parts = [str(kid.S) for kid in kids(item)]
        assert parts and set(parts) <= {"/Lbl", "/LBody"} and "/LBody" in parts, parts
    if pdf is draft_pdf:  # the bullets, numbers and the footnote's number are labels
        assert sum(1 for item in items if "/Lbl" in [str(kid.S) for kid in kids(item)]) >= 5


def _marked_content(document) -> list[tuple[int, list]]:
    """For each page, its marked-content operators as (operator, operands), in order."""
    return [[(str(op), list(operands)) for operands, op in pikepdf.parse_content_stream(page)]
            for page in document.pages]


def test_all_content_is_tagged_or_an_artifact_and_every_tag_is_in_the_tree(pdf):
    document, elements = structure(pdf)
    reachable = {e.objgen for e in elements}
    nums = document.Root.StructTreeRoot.ParentTree.Nums
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for page, operators in zip(document.pages, _marked_content(document)):
        mapping, depth = parents[int(page.obj.StructParents)], 0
        for operator, operands in operators:
            if operator in ("BDC", "BMC"):
                depth += 1
                if operator == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                    assert mapping[int(operands[1].MCID)].objgen in reachable
            elif operator == "EMC":
                depth -= 1
            elif operator in ("Tj", "TJ", "'", '"', "Do", "f", "f*", "S", "B", "sh"):
                assert depth > 0, f"{operator} outside marked content"


def _without_artifacts(pdf_bytes: bytes, keep_artifacts: bool = False) -> list[str]:
    """The pages' text with every /Artifact sequence taken out (or with only those kept)."""
    with pikepdf.open(BytesIO(pdf_bytes)) as document:
        for page in document.pages:
            kept, stack = [], []
            for operands, op in pikepdf.parse_content_stream(page):
                name = str(op)
                if name in ("BDC", "BMC"):
                    stack.append(str(operands[0]) == "/Artifact" or (bool(stack) and stack[-1]))
                inside = bool(stack) and stack[-1]
                if name == "EMC":
                    stack.pop()
                text_operator = name in ("Tj", "TJ", "'", '"')
                if not text_operator or inside == keep_artifacts:
                    kept.append(pikepdf.ContentStreamInstruction(operands, op))
            page.obj.Contents = document.make_stream(pikepdf.unparse_content_stream(kept))
        out = BytesIO()
        document.save(out)
    return page_texts(out.getvalue(), "-raw")


@pytest.mark.parametrize("kind, mark, footer", [("sealed_pdf", None, "Buyers for fair ICT · Version 3"),
                                                ("draft_pdf", "DRAFT", "DRAFT · Buyers for fair ICT"),
                                                ("redline_pdf", "COMPARISON", "COMPARISON · Version 2")])
def test_running_heads_footers_page_numbers_and_the_watermark_are_artifacts(request, kind, mark, footer):
    pdf_bytes = request.getfixturevalue(kind)
    pages = page_texts(pdf_bytes, "-raw")
    content, artifacts = _without_artifacts(pdf_bytes), _without_artifacts(pdf_bytes, keep_artifacts=True)
    total = len(pages)
    for number, (page, text, extra) in enumerate(zip(pages, content, artifacts), start=1):
        assert f"Page {number} of {total}" in page and f"Page {number} of {total}" in extra
        assert "Page " not in text and footer not in text and footer in extra
        if mark:  # the running footer names it too; the rotated mark may come out of pdftotext in pieces
            assert re.sub(r"\s+", "", extra).count(mark) == 2 and mark not in re.sub(r"\s+", "", text)
    body = " ".join(content)
    assert TITLE in body  # the cover's title is content, only its running copy is an artifact
    if kind != "redline_pdf":
        assert "Buyers agree:" in body and "Laptops and phones." in body
        assert body.count(TITLE) <= 2 < total  # the cover (and the evidence page), not each running head


def test_the_seal_stays_valid_for_pdfsig_and_pyhanko_and_pdf_a_3b_stays(sealed_pdf, seal_certificate):
    output = run("pdfsig", data=sealed_pdf)
    assert "Signature Validation: Signature is Valid." in output and "Total document signed" in output
    status = validated(PdfFileReader(BytesIO(sealed_pdf)).embedded_signatures[0], seal_certificate)
    assert status.intact and status.valid and status.trusted
    meta = run("pdfinfo", "-meta", data=sealed_pdf)
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta and 'pdfuaid:part="1"' in meta
    assert re.search(r"Tagged:\s+yes", run("pdfinfo", data=sealed_pdf))


def _font_names(pdf_bytes: bytes) -> set[str]:
    names = set()
    with pikepdf.open(BytesIO(pdf_bytes)) as document:
        for page in document.pages:
            for _name, font in page.obj.Resources.get("/Font", {}).items():
                names.add(str(font.BaseFont).split("+")[-1])
    return names


def test_every_glyph_comes_from_a_bundled_face(pdf, draft_pdf):
    """Footnote back-links (↩), arrows, ✓, bullets, dashes, quotes and European letters: no host font."""
    names = _font_names(pdf)
    bundled = {"Accord-Serif", "Accord-Serif-Bold", "Accord-Serif-Italic", "Accord-Serif-Bold-Italic", "Accord-Mono",
               "Accord-Symbols"}
    assert names and names <= bundled, names - bundled
    if pdf is draft_pdf:
        assert "Accord-Symbols" in names  # ↩ and ✓ are not in EB Garamond
        text = " ".join(page_texts(pdf))
        assert SYMBOLS in re.sub(r"\s+", " ", text) and "↩" in text


def test_a_figure_without_words_becomes_an_artifact(print_app):
    """No user image reaches a PDF, but the mending must hold for any figure the templates may add: one without
    alternative text is no unnamed Figure in the tree; its marks are painted as an artifact."""
    from app.export.render import render_pdf

    html = ("<!doctype html><html lang='en'><head><title>Figures</title></head><body><p>Before.</p>"
            "<svg width='40' height='40'><rect width='40' height='40' fill='black'/></svg>"
            "<svg width='40' height='40'><title>A named square</title><rect width='40' height='40'/></svg>"
            "<p>After.</p></body></html>")
    with print_app.app_context():
        pdf = render_pdf(html, timeout=60, memory_mb=2048).pdf
    document, elements = structure(pdf)
    assert [str(figure.Alt) for figure in of_type(elements, "Figure")] == ["A named square"]
    stream = b"".join(page.obj.Contents.read_bytes() if isinstance(page.obj.Contents, pikepdf.Stream)
                      else b"".join(part.read_bytes() for part in page.obj.Contents) for page in document.pages)
    assert b"/Artifact" in stream


def test_the_redline_shows_the_formatted_comparison_without_markdown_marks(redline_pdf):
    text = " ".join(" ".join(page.split()) for page in page_texts(redline_pdf))
    assert "to reuse and refurbish" in text and "45%" in text
    assert "[inserted:" not in text and "| 45%" not in text and "- to repair" not in text


def test_the_reservation_under_its_section_is_tagged_text_and_a_list(sealed_pdf):
    """The consensus map in the sealed PDF is read as a paragraph (the tally) and a list (who holds what)."""
    text = " ".join(" ".join(page_texts(sealed_pdf, "-raw")).split())
    assert "1.1 Scope 1 reservation City of Ghent: Not lot 2. Laptops and phones." in text  # -raw: bullets apart
    _document, elements = structure(sealed_pdf)
    assert len(of_type(elements, "L")) >= 3  # the Markdown's two lists and the reservations
