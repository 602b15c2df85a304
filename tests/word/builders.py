"""Word files for the tests, built with python-docx; comments, replies and tracked changes written as Word
writes them (the XML of w:ins / w:del, commentsExtended.xml)."""
from __future__ import annotations

import io

import docx
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def statement() -> docx.Document:
    """A short statement: title, numbered headings, emphasis, a link, nested lists, a table, a quote."""
    d = docx.Document()
    d.core_properties.title = "Joint statement on clean buses"
    d.add_heading("1 Purpose", 1)
    p = d.add_paragraph("We, the buyers, ")
    p.add_run("agree").bold = True
    p.add_run(" to buy ")
    p.add_run("clean").underline = True
    p.add_run(" buses.")
    d.add_heading("2 Scope", 1)
    d.add_paragraph("Two lots:")
    t = d.add_table(rows=3, cols=2)
    for r, row in enumerate((("Lot", "Buses"), ("1", "40"), ("2", "25"))):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.add_paragraph("The market must follow.", style="Quote")
    p = d.add_paragraph("3.2 Monitoring")  # a numbered heading in body style
    d.add_paragraph("We report every year.")
    return d


def tracked(paragraph, kind: str, text: str, author: str, date="2026-03-02T10:00:00Z", wid=1):
    """Append a tracked insertion or deletion to a paragraph, as Word writes it."""
    tag = "w:t" if kind == "ins" else "w:delText"
    paragraph._p.append(parse_xml(
        f'<w:{kind} {W_NS} w:id="{wid}" w:author="{author}" w:date="{date}">'
        f'<w:r><{tag} xml:space="preserve">{text}</{tag}></w:r></w:{kind}>'))


def with_reply(document, runs, parent, reply_text: str, author: str):
    """A reply to `parent` (a python-docx comment on `runs`), linked as Word links them: commentsExtended.xml
    names the reply's last paragraph and its parent's."""
    reply = document.add_comment(runs, text=reply_text, author=author)
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    ids = ("1A2B3C4D", "5E6F7A8B")
    for comment, para_id in zip((parent, reply), ids):
        comment._comment_elm.findall(f"{w}p")[-1].set(
            "{http://schemas.microsoft.com/office/word/2010/wordml}paraId", para_id)
    xml = ('<w15:commentsEx xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
           f'<w15:commentEx w15:paraId="{ids[0]}" w15:done="0"/>'
           f'<w15:commentEx w15:paraId="{ids[1]}" w15:paraIdParent="{ids[0]}" w15:done="0"/></w15:commentsEx>')
    part = Part(PackURI("/word/commentsExtended.xml"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml",
                xml.encode(), document.part.package)
    document.part.relate_to(part, "http://schemas.microsoft.com/office/2011/relationships/commentsExtended")
    return reply
