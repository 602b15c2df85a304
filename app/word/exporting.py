"""A draft or a version as a .docx, written with python-docx.

Each section's Markdown is rendered by the same sanitising renderer as the pages and the PDF (so a .docx
holds nothing a page would not show), and the HTML is written as Word paragraphs: numbered headings in
Word's heading styles (Heading 1..3, so the navigation pane and Word's own table of contents work),
emphasis, links, nested lists, tables with a repeated header row, block quotes, and footnotes as
numbered notes at the end of their section. A cover block (title, group, version, status, content hash;
the endorsements of a final version) opens the file; the document and version ids are in the custom
properties, and each section's Markdown in a custom XML part, with a fingerprint of the visible text, so
that importing an unchanged export gives back the same text (importing.py).
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree
from lxml import html as lxml_html

from app.documents.importing import section_numbers
from app.i18n import _
from app.word.importing import SOURCES_NS, SOURCES_PART, visible_fingerprint

CUSTOM_XML_CONTENT_TYPE = "application/xml"


@dataclass
class OpenComment:
    """An open thread to show as a Word comment: on its quoted words, or on the section heading."""

    section_id: int
    quote: str
    author: str
    date: datetime | None
    text: str
    replies: list[tuple[str, datetime | None, str]] = field(default_factory=list)


@dataclass
class WordFacts:
    document_id: int
    version_id: int | None
    title: str
    group_name: str
    version_name: str
    status_text: str
    content_hash: str
    language: str
    sections: list[dict]  # section_id, heading, level, body (Markdown)
    html_of: object  # callable(body, prefix) -> sanitised HTML
    endorsements: list[dict] = field(default_factory=list)  # organisation, country, signatory, date
    comments: list[OpenComment] = field(default_factory=list)
    exported_at: datetime | None = None


def _set_language(document, language: str) -> None:
    for style_name in ("Normal",):
        rpr = document.styles[style_name].element.get_or_add_rPr()
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), language)


def _custom_properties(document, values: dict[str, str]) -> None:
    """docProps/custom.xml: Accord's ids, read back by a later import."""
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
    vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    root = etree.Element(f"{{{ns}}}Properties", nsmap={None: ns, "vt": vt})
    for pid, (name, value) in enumerate(values.items(), start=2):
        prop = etree.SubElement(root, f"{{{ns}}}property", fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}",
                                pid=str(pid), name=name)
        etree.SubElement(prop, f"{{{vt}}}lpwstr").text = value
    part = Part(PackURI("/docProps/custom.xml"),
                "application/vnd.openxmlformats-officedocument.custom-properties+xml",
                etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), document.part.package)
    document.part.package.relate_to(part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                                          "custom-properties")


def _sources_part(document, payload: dict) -> None:
    root = etree.Element(f"{{{SOURCES_NS}}}sources", nsmap={None: SOURCES_NS})
    root.text = json.dumps(payload, ensure_ascii=False)
    part = Part(PackURI("/" + SOURCES_PART), CUSTOM_XML_CONTENT_TYPE,
                etree.tostring(root, xml_declaration=True, encoding="UTF-8"), document.part.package)
    document.part.relate_to(part, RT.CUSTOM_XML)



def look_like_a_link(rpr) -> None:
    """A run's properties made to look as Word shows a link: blue (0563C1) and underlined."""
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0563C1")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    rpr.append(color)
    rpr.append(underline)

def _add_hyperlink(paragraph, url: str, text: str, bold=False, italic=False):
    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    rpr.append(style)
    for flag, tag in ((bold, "w:b"), (italic, "w:i")):
        if flag:
            rpr.append(OxmlElement(tag))
    look_like_a_link(rpr)
    run.append(rpr)
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


class _Writer:
    """Sanitised HTML (the renderer's allow-list) to Word paragraphs.

    Paragraph styles are set by their style id, looked up once per name: python-docx's own way
    (`paragraph.style = "List Bullet"`) scans every style of the template twice per paragraph, which was
    two thirds of the time of a 280-section export (bench/README.md, "Word files")."""

    def __init__(self, document):
        self.document = document
        self.notes: list[str] = []
        self._style_ids: dict[str, str] = {}

    def paragraph(self, container, style: str | None = None):
        paragraph = container.add_paragraph()
        if style is not None:
            if style not in self._style_ids:
                self._style_ids[style] = self.document.styles[style].style_id
            paragraph._p.style = self._style_ids[style]
        return paragraph

    def block(self, element, container=None, list_depth=0, quote=False):
        container = container or self.document
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd"):
                paragraph = self.paragraph(container, "Quote" if quote else None)
                self.inline(paragraph, child, bold=tag.startswith("h") or tag == "dt")
            elif tag in ("ul", "ol"):
                self.list(child, container, list_depth + 1, ordered=tag == "ol")
            elif tag == "blockquote":
                self.block(child, container, list_depth, quote=True)
            elif tag == "table":
                self.table(child, container)
            elif tag == "pre":
                paragraph = self.paragraph(container, "Quote" if quote else None)
                run = paragraph.add_run(child.text_content())
                run.font.name = "Courier New"
            elif tag == "hr":
                self.paragraph(container).add_run("* * *")
            elif tag == "div" and "footnote" in (child.get("class") or ""):
                for number, item in enumerate(child.iter("li"), start=1):
                    for back in item.xpath(".//a[contains(@class, 'footnote-backref')]"):
                        back.drop_tree()
                    self.notes.append(" ".join(item.text_content().split()))
                    del number
            elif tag in ("div", "dl", "tbody", "thead"):
                self.block(child, container, list_depth, quote)
            elif tag:
                paragraph = self.paragraph(container, "Quote" if quote else None)
                self.inline(paragraph, child)

    def list(self, element, container, depth, ordered):
        base = "List Number" if ordered else "List Bullet"
        style = base if depth == 1 else f"{base} {min(depth, 3)}"
        for item in element:
            if not isinstance(item.tag, str) or item.tag != "li":
                continue
            paragraph = self.paragraph(container, style)
            inline_parts = []
            for child in item:
                if child.tag in ("ul", "ol"):
                    continue
                inline_parts.append(child)
            self.inline(paragraph, item, skip_blocks=True)
            for child in item:
                if child.tag in ("ul", "ol"):
                    self.list(child, container, depth + 1, ordered=child.tag == "ol")

    def table(self, element, container):
        rows = element.xpath(".//tr")
        if not rows:
            return
        width = max(len(r.xpath("./th|./td")) for r in rows)
        table = container.add_table(rows=len(rows), cols=max(1, width))
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            cells = row.xpath("./th|./td")
            for c, cell in enumerate(cells):
                paragraph = table.cell(r, c).paragraphs[0]
                self.inline(paragraph, cell, bold=cell.tag == "th")
            if row.xpath("./th") or (r == 0 and element.xpath(".//thead")):
                trpr = table.rows[r]._tr.get_or_add_trPr()
                header = OxmlElement("w:tblHeader")
                trpr.append(header)

    def inline(self, paragraph, element, bold=False, italic=False, strike=False, code=False, skip_blocks=False):
        if element.text:
            self.run(paragraph, element.text, bold, italic, strike, code)
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if skip_blocks and tag in ("ul", "ol"):
                pass
            elif tag == "a" and (child.get("href") or "").startswith(("http://", "https://", "mailto:")):
                _add_hyperlink(paragraph, child.get("href"), child.text_content(), bold, italic)
            elif tag == "sup" and (child.get("id") or "").find("fnref") != -1:
                run = paragraph.add_run(f"[{child.text_content()}]")
                run.font.superscript = True
            elif tag == "br":
                paragraph.add_run().add_break()
            elif tag == "p":  # a list item's paragraphs
                self.inline(paragraph, child, bold, italic, strike, code)
            else:
                self.inline(paragraph, child, bold or tag in ("strong", "b", "th"),
                            italic or tag in ("em", "i", "u"), strike or tag in ("s", "del"),
                            code or tag == "code")
            if child.tail:
                self.run(paragraph, child.tail, bold, italic, strike, code)

    @staticmethod
    def run(paragraph, text, bold, italic, strike, code):
        if not text:
            return
        run = paragraph.add_run(text.replace("\n", " "))
        run.bold = bold or None
        run.italic = italic or None
        if strike:
            run.font.strike = True
        if code:
            run.font.name = "Courier New"


def _cover(document, facts: WordFacts) -> None:
    style = document.styles.add_style("Accord Cover", WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    title = document.add_paragraph(style="Accord Cover")
    run = title.add_run(facts.title)
    run.bold = True
    run.font.size = Pt(20)
    lines = (facts.group_name, facts.version_name, facts.status_text,
             _("Content hash (SHA-256): %(hash)s", hash=facts.content_hash))
    for line in lines:
        document.add_paragraph(line, style="Accord Cover")
    if facts.endorsements:
        document.add_paragraph(_("Endorsed by:"), style="Accord Cover").runs[0].bold = True
        for e in facts.endorsements:
            document.add_paragraph(f"{e['organisation']} ({e['country']}), {e['signatory']}, {e['date']}",
                                   style="Accord Cover")


# What XML 1.0 cannot hold (a .docx is XML): C0 controls other than tab, newline and carriage return, lone
# surrogates and the two non-characters. Typed text may carry them; the file gets the text without them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value):
    """Strings (in lists, tuples and dicts too) with what XML cannot hold left out; other values as they are."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {key: _xml_text(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_xml_text(item) for item in value)
    if isinstance(value, OpenComment):
        return replace(value, quote=_xml_text(value.quote), author=_xml_text(value.author),
                       text=_xml_text(value.text), replies=_xml_text(value.replies))
    return value


def _writable(facts: WordFacts) -> WordFacts:
    html_of = facts.html_of
    return replace(facts, title=_xml_text(facts.title), group_name=_xml_text(facts.group_name),
                   version_name=_xml_text(facts.version_name), status_text=_xml_text(facts.status_text),
                   sections=[{**section, "heading": _xml_text(section["heading"])} for section in facts.sections],
                   endorsements=_xml_text(facts.endorsements),
                   comments=_xml_text(facts.comments),
                   html_of=lambda body, prefix: _xml_text(html_of(body, prefix)))


def build_docx(facts: WordFacts) -> bytes:
    facts = _writable(facts)
    document = docx.Document()
    _set_language(document, facts.language)
    core = document.core_properties
    core.title = facts.title
    core.author = facts.group_name
    core.subject = facts.version_name
    core.keywords = f"accord:{facts.content_hash}"
    _cover(document, facts)
    writer = _Writer(document)
    numbers = section_numbers([s["level"] for s in facts.sections])
    comments_by_section: dict[int, list[OpenComment]] = {}
    for comment in facts.comments:
        comments_by_section.setdefault(comment.section_id, []).append(comment)
    for number, section in zip(numbers, facts.sections):
        heading = writer.paragraph(document, f"Heading {max(1, min(3, section['level']))}")
        heading.add_run(f"{number} {section['heading']}")
        writer.notes = []
        html = facts.html_of(section["body"], f"w{section['section_id']}-")
        root = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
        writer.block(root)
        for index, note in enumerate(writer.notes, start=1):
            paragraph = document.add_paragraph()
            paragraph.add_run(f"[{index}] ").font.superscript = True
            paragraph.add_run(note)
        for comment in comments_by_section.get(section["section_id"], []):
            _add_comment(document, heading, _paragraphs_after(document, heading), comment)
    document.add_paragraph()  # keeps the last section's text off the end of the body
    body = document.element.body
    _custom_properties(document, {"AccordDocumentId": str(facts.document_id),
                                  "AccordVersionId": str(facts.version_id or ""),
                                  "AccordContentHash": facts.content_hash})
    _sources_part(document, {"document_id": facts.document_id, "version_id": facts.version_id,
                             "content_hash": facts.content_hash, "fingerprint": visible_fingerprint(body),
                             "sections": [{"heading": s["heading"], "level": s["level"], "body": s["body"],
                                           "section_id": s["section_id"], "revision": s.get("revision")}
                                          for s in facts.sections]})
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _paragraphs_after(document, heading) -> list[Paragraph]:
    """The body's paragraphs written after `heading` so far (its section's), without listing the whole body."""
    return [Paragraph(element, document._body) for element in heading._p.itersiblings(qn("w:p"))]


def _add_comment(document, heading, paragraphs, comment: OpenComment) -> None:
    """A Word comment on the first run that holds the quoted words (Word comments span whole runs), or
    on the section's heading."""
    runs = None
    if comment.quote:
        for paragraph in paragraphs:
            if comment.quote[:60] in paragraph.text:
                runs = paragraph.runs or None
                for run in paragraph.runs:
                    if comment.quote[:30] in run.text:
                        runs = [run]
                        break
                break
    runs = runs or heading.runs
    if not runs:
        return
    text = comment.text + "".join(f"\n\n{author}: {body}" for author, _d, body in comment.replies)
    document.add_comment(runs, text=text, author=comment.author[:100] or "Accord",
                         initials="".join(w[0] for w in comment.author.split()[:3]).upper())
