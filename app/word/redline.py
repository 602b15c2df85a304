"""A comparison of two versions as a .docx with real Word tracked changes (a "redline").

The words come from the one comparison engine (documents/comparing.py, via compare_texts): each section's
formatted comparison HTML, with its <ins>/<del> marks, is walked the way exporting.py walks a section's
HTML, and each inserted or deleted stretch becomes runs inside `w:ins` / `w:del` (deleted text as
`w:delText`), with the author, date and a unique id, so that Word's "Accept all" gives the newer text and
"Reject all" the older one. A block inserted or deleted whole also has its paragraph mark inserted or
deleted (a table row: its row), so that accepting or rejecting leaves no empty paragraph behind.

What is said for people and not part of either text is left out: the screen reader's "[inserted: ...]"
labels, the notes on formatting ("bold added"), on moves and on a coarser comparison. A change of
formatting alone is written with the newer formatting (its text is the same on both sides). Moves are
compared with moves off: a moved block or section is deleted at its old place and inserted at its new one.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from lxml import html as lxml_html

from app.i18n import _
from app.word.exporting import _set_language, _Writer, _xml_text, look_like_a_link

_BLOCK_CHANGE = {"diff-block-ins": "ins", "diff-block-del": "del"}
_NOT_TEXT = ("visually-hidden", "diff-note", "diff-coarse-note")


@dataclass
class RedlineSection:
    """One section as the redline writes it: its heading on each side ("2.1 Scope" with its number there,
    None where the section is not on that side) and the comparison HTML of its body."""

    old_heading: str | None
    old_level: int
    new_heading: str | None
    new_level: int
    html: str


@dataclass
class RedlineFacts:
    document_id: int
    title: str
    group_name: str
    old_label: str
    new_label: str
    author: str
    date: datetime
    language: str
    sections: list[RedlineSection] = field(default_factory=list)


class _TrackedWriter(_Writer):
    """exporting._Writer, with the engine's <ins>/<del> written as Word revisions."""

    def __init__(self, document, author: str, date: datetime):
        super().__init__(document)
        self.author = author[:255] or "Accord"
        self.date = date.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.next_id = 1
        self.change: str | None = None  # "ins" or "del" while inside one
        self.superscript = False
        self.format_note: str | None = None  # "(bold added)": a change of formatting alone, in words

    def revision(self, kind: str):
        element = OxmlElement(f"w:{kind}")
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        self.next_id += 1
        return element

    def mark_paragraph(self, paragraph, kind: str) -> None:
        """The paragraph mark itself inserted or deleted (a whole block, a whole section)."""
        ppr = paragraph._p.get_or_add_pPr()
        rpr = ppr.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            ppr.append(rpr)
        if rpr.find(qn("w:ins")) is None and rpr.find(qn("w:del")) is None:
            rpr.append(self.revision(kind))

    def track(self, r) -> None:
        if self.change is None:
            return
        wrapper = self.revision(self.change)
        r.getparent().replace(r, wrapper)
        wrapper.append(r)
        if self.change == "del":
            for t in r.findall(qn("w:t")):
                t.tag = qn("w:delText")

    def run(self, paragraph, text, bold, italic, strike, code):
        if not text:
            return None
        run = paragraph.add_run(text.replace("\n", " "))
        run.bold = bold or None
        run.italic = italic or None
        if strike:
            run.font.strike = True
        if code:
            run.font.name = "Courier New"
        if self.superscript:
            run.font.superscript = True
        if self.format_note:
            self.format_change(run, self.format_note, bold=bool(bold), italic=bool(italic), strike=bool(strike))
        self.track(run._r)
        return run

    def format_change(self, run, note: str, **now: bool) -> None:
        """A change of formatting alone as Word's w:rPrChange, holding the older formatting: so that
        "Reject all" gives the older formatting too. Only what this writer itself sets is said
        (bold; italics, as which underline is written; strikethrough); a changed link has no Word form."""
        was = dict(now)
        for word, flag in (("bold", "bold"), ("italics", "italic"), ("underline", "italic"),
                           ("strikethrough", "strike")):
            if f"{word} added" in note:
                was[flag] = False
            elif f"{word} removed" in note:
                was[flag] = True
        if was == now:
            return
        change = OxmlElement("w:rPrChange")
        for name, value in (("w:id", str(self.next_id)), ("w:author", self.author), ("w:date", self.date)):
            change.set(qn(name), value)
        self.next_id += 1
        older = OxmlElement("w:rPr")
        for flag, tag in (("bold", "w:b"), ("italic", "w:i"), ("strike", "w:strike")):
            if was[flag]:
                older.append(OxmlElement(tag))
        change.append(older)
        run._r.get_or_add_rPr().append(change)

    def inline(self, paragraph, element, bold=False, italic=False, strike=False, code=False, skip_blocks=False):
        kind = _BLOCK_CHANGE.get((element.get("class") or "").strip())
        if kind and element.tag not in ("td", "th"):
            self.mark_paragraph(paragraph, kind)
        if element.text:
            self.run(paragraph, element.text, bold, italic, strike, code)
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if skip_blocks and tag in ("ul", "ol"):
                pass
            elif tag in ("ins", "del"):
                outer, self.change = self.change, tag
                self.inline(paragraph, child, bold, italic, strike, code)
                self.change = outer
            elif tag == "a" and (child.get("href") or "").startswith(("http://", "https://", "mailto:")):
                self.link(paragraph, child, bold, italic, strike, code)
            elif tag == "span" and child.get("data-was"):
                outer, self.format_note = self.format_note, child.get("data-was")
                self.inline(paragraph, child, bold, italic, strike, code)
                self.format_note = outer
            elif tag == "sup":
                outer, self.superscript = self.superscript, True
                self.inline(paragraph, child, bold, italic, strike, code)
                self.superscript = outer
            elif tag == "br":
                run = paragraph.add_run()
                run.add_break()
                self.track(run._r)
            else:
                self.inline(paragraph, child, bold or tag in ("strong", "b", "th"), italic or tag in ("em", "i", "u"),
                            strike or tag == "s", code or tag == "code")
            if child.tail:
                self.run(paragraph, child.tail, bold, italic, strike, code)

    def link(self, paragraph, element, bold, italic, strike, code) -> None:
        """A hyperlink whose words may themselves hold changes: its runs are written, then moved into it."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        before = len(paragraph._p)
        self.inline(paragraph, element, bold, italic, strike, code)
        written = list(paragraph._p)[before:]
        if not written:
            return
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("r:id"), paragraph.part.relate_to(element.get("href"), RT.HYPERLINK, is_external=True))
        for item in written:
            for r in item.iter(qn("w:r")):
                look_like_a_link(r.get_or_add_rPr())
            hyperlink.append(item)
        paragraph._p.append(hyperlink)

    def table(self, element, container):
        super().table(element, container)
        rows = element.xpath(".//tr")
        if not rows:
            return
        tbl = container.element.body.findall(qn("w:tbl"))[-1] if hasattr(container, "element") else None
        if tbl is None:
            return
        for tr_element, tr in zip(rows, tbl.findall(qn("w:tr"))):
            kinds = {_BLOCK_CHANGE.get((cell.get("class") or "").strip()) for cell in tr_element.xpath("./th|./td")}
            if len(kinds) == 1 and None not in kinds:
                tr.get_or_add_trPr().append(self.revision(kinds.pop()))


def _readable(html: str):
    """The comparison HTML as a tree, without what is said for people only, and with footnotes and code
    blocks as paragraphs (so that changes inside them are tracked like any other)."""
    root = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
    for changed in root.xpath(".//span[@class='diff-format']"):  # the note says what it was: kept for Word
        note = changed.getnext()
        if note is not None and "diff-note" in (note.get("class") or ""):
            changed.set("data-was", note.text_content())
            following = note.getnext()
            if note.tail and not note.tail.strip() and following is not None \
                    and following.get("class") == "diff-format":  # the space between two words changed alike
                following.text, note.tail = note.tail + (following.text or ""), None
    for element in list(root.iter()):
        if isinstance(element.tag, str) and any(name in (element.get("class") or "").split() for name in _NOT_TEXT):
            element.drop_tree()
    for notes in root.xpath(".//div[contains(@class, 'footnote')]"):
        for back in notes.xpath(".//a[starts-with(@href, '#')]"):
            back.drop_tree()
        for number, item in enumerate(notes.xpath(".//li"), start=1):
            item.tag = "p"
            kind = _BLOCK_CHANGE.get((item.get("class") or "").strip())
            label = lxml_html.Element(kind) if kind else None
            prefix = f"[{number}] "
            item.text = (item.text or "").lstrip() or None
            if label is not None:
                label.text = prefix
                label.tail = item.text
                item.text = None
                item.insert(0, label)
            else:
                item.text = prefix + (item.text or "")
        for wrapper in notes.xpath(".//ol|.//hr"):
            if wrapper.tag == "hr":
                wrapper.drop_tree()
            else:
                wrapper.drop_tag()
        notes.set("class", "")
    for pre in root.xpath(".//pre"):
        pre.tag = "p"
        wrapper = lxml_html.Element("code")
        wrapper.text, pre.text = pre.text, None
        for child in list(pre):
            wrapper.append(child)
        pre.insert(0, wrapper)
    return root


def _heading(writer: _TrackedWriter, text: str, level: int, change: str | None) -> None:
    paragraph = writer.paragraph(writer.document, f"Heading {max(1, min(3, level))}")
    writer.change = change
    writer.run(paragraph, text, False, False, False, False)
    writer.change = None
    if change:
        writer.mark_paragraph(paragraph, change)


def build_redline_docx(facts: RedlineFacts) -> bytes:
    document = docx.Document()
    _set_language(document, facts.language)
    core = document.core_properties
    core.title = _xml_text(facts.title)
    core.author = _xml_text(facts.group_name)
    comparison = _("Comparison: %(old)s → %(new)s", old=facts.old_label, new=facts.new_label)
    core.subject = _xml_text(comparison)
    cover = document.add_paragraph()
    run = cover.add_run(_xml_text(facts.title))
    run.bold = True
    run.font.size = Pt(20)
    for line in (facts.group_name, comparison,
                 _("The changes are Word tracked changes: accept them all for the newer text, reject them all "
                   "for the older one.")):
        document.add_paragraph(_xml_text(line)).runs[0].font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    writer = _TrackedWriter(document, _xml_text(facts.author), facts.date)
    for section in facts.sections:
        old_heading = _xml_text(section.old_heading)
        new_heading = _xml_text(section.new_heading)
        if old_heading == new_heading and section.old_level == section.new_level:
            _heading(writer, new_heading, section.new_level, None)
        else:
            if old_heading is not None:
                _heading(writer, old_heading, section.old_level, "del")
            if new_heading is not None:
                _heading(writer, new_heading, section.new_level, "ins")
        writer.change = None
        writer.block(_readable(_xml_text(section.html)))
    document.add_paragraph()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
