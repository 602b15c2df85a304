""".docx → title, sections (Markdown), comments and tracked changes: the pure core of the Word import.

The body is converted by mammoth (docx → clean HTML: headings, paragraphs, emphasis, links, nested lists,
tables, footnotes, images) and markdownify (HTML → Markdown); this module writes only the mapping to
Accord's model, in three steps:

1. The XML of the body is prepared (lxml): headings found by Word's heading styles, outline levels and
   numbered headings ("3.2 Monitoring") get one style per level; the title, tables of contents and
   fields are taken out; each comment's range and each tracked insertion or deletion is marked with
   private-use characters and its content kept (a deletion's text becomes ordinary text).
2. mammoth and markdownify convert the prepared body; the HTML is cut into sections at its headings.
3. In each section's Markdown the marks say which words each comment was made on and what each tracked
   change did: the section's text is the text before the changes, and each Word author's changes give
   one suggested new text of the section.

A .docx exported by Accord carries each section's Markdown and a fingerprint of its visible text
(exporting.py): when the visible text is still exactly what was exported, the sections are taken from
there, so an export imported again gives the same text and content hash.

No Flask and no database here: services.py turns the result into a document.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import mammoth
from bs4 import BeautifulSoup
from lxml import etree
from markdownify import MarkdownConverter

from app.i18n import _, ngettext
from app.word.package import DocxPackage, WordFileError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "w14": W14, "w15": W15}
SOURCES_PART = "customXml/accordSources.xml"
SOURCES_NS = "urn:accord:word-export:1"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
FOOTNOTE_OPEN, FOOTNOTE_CLOSE = "\ue002", "\ue003"
_MARK = re.compile(f"{MARK_OPEN}([cCiIdD])(\\d+){MARK_CLOSE}")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,5})\.?[ \t\u00a0]+(\S.{0,150})$")
# Accord numbers sections itself: "3.2 Monitoring" is the section "Monitoring" (a year such as "2026 targets" stays).
_SECTION_NUMBER = re.compile(r"^(?:§\s*)?\d{1,2}(?:\.\d{1,2}){0,5}\.?[ \t\u00a0]+(?=\S)")
MAX_HEADING_DEPTH = 6


@dataclass
class WordComment:
    word_id: str
    author: str
    initials: str
    date: datetime | None
    text: str
    parent: str | None = None  # the word_id of the comment this one answers
    section: int | None = None  # index in ImportResult.sections
    quote: str = ""
    near: int | None = None  # where the quote starts in the section's text


@dataclass
class WordChange:
    index: int
    kind: str  # "ins" or "del"
    author: str
    date: datetime | None


@dataclass
class Suggestion:
    section: int
    author: str
    date: datetime | None
    body: str
    changes: int


@dataclass
class ImportResult:
    title: str | None
    sections: list[dict]
    comments: list[WordComment] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    identity: dict = field(default_factory=dict)  # an Accord export's document and version ids
    from_sources: bool = False


@dataclass(frozen=True)
class ImportLimits:
    image_max_bytes: int = 32 * 1024
    seconds: float = 30.0


class _Budget:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise WordFileError(_("The Word file takes too long to read. Split it into smaller files."),
                                "docx_too_slow")


def _parse(data: bytes, what: str):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise WordFileError(_damaged(what), "docx_corrupt") from None


def _damaged(what: str) -> str:
    """What is said of a part of the file that cannot be read (`what` names the part, in English)."""
    messages = {
        "styles": _("The Word file is damaged: its styles cannot be read."),
        "text": _("The Word file is damaged: its text cannot be read."),
        "comments": _("The Word file is damaged: its comments cannot be read."),
        "comment replies": _("The Word file is damaged: its comment replies cannot be read."),
        "Accord part": _("The Word file is damaged: its Accord part cannot be read."),
        "properties": _("The Word file is damaged: its properties cannot be read."),
        "custom properties": _("The Word file is damaged: its custom properties cannot be read."),
    }
    return messages.get(what) or _("The Word file is damaged: it cannot be read.")


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter(_w("t")))


# --- step 1: preparing the XML ----------------------------------------------------------

@dataclass
class _Styles:
    names: dict[str, str]  # style id -> lower-case name
    outline: dict[str, int]  # style id -> outline level (0-based), following basedOn


def _read_styles(package: DocxPackage) -> _Styles:
    data = package.parts.get("word/styles.xml")
    names: dict[str, str] = {}
    outline: dict[str, int] = {}
    if not data:
        return _Styles(names, outline)
    root = _parse(data, "styles")
    based: dict[str, str] = {}
    for style in root.iter(_w("style")):
        sid = style.get(_w("styleId")) or ""
        name = style.find("w:name", NS)
        names[sid] = (name.get(_w("val")) if name is not None else sid).lower()
        level = style.find("w:pPr/w:outlineLvl", NS)
        if level is not None and (level.get(_w("val")) or "").isdigit():
            outline[sid] = int(level.get(_w("val")))
        parent = style.find("w:basedOn", NS)
        if parent is not None:
            based[sid] = parent.get(_w("val")) or ""
    for sid in list(names):
        seen, current = set(), sid
        while current not in outline and current in based and current not in seen:
            seen.add(current)
            current = based[current]
        if current in outline:
            outline[sid] = outline[current]
    return _Styles(names, outline)


def _style_id(paragraph) -> str:
    style = paragraph.find("w:pPr/w:pStyle", NS)
    return style.get(_w("val")) or "" if style is not None else ""


def _set_style(paragraph, style_id: str) -> None:
    ppr = paragraph.find("w:pPr", NS)
    if ppr is None:
        ppr = etree.SubElement(paragraph, _w("pPr"))
        paragraph.remove(ppr)
        paragraph.insert(0, ppr)
    style = ppr.find("w:pStyle", NS)
    if style is None:
        style = etree.Element(_w("pStyle"))
        ppr.insert(0, style)
    style.set(_w("val"), style_id)
    numbering = ppr.find("w:numPr", NS)
    if numbering is not None:
        ppr.remove(numbering)


def _all_bold(paragraph) -> bool:
    runs = [r for r in paragraph.iter(_w("r")) if (r.findtext("w:t", namespaces=NS) or "").strip()]
    return bool(runs) and all(r.find("w:rPr/w:b", NS) is not None and
                              r.find("w:rPr/w:b", NS).get(_w("val"), "true") not in ("0", "false")
                              for r in runs)


def heading_level(paragraph, styles: _Styles) -> int | None:
    """The heading depth (1, 2, ...) of a paragraph, or None for body text: Word's heading styles, an
    outline level on the paragraph or its style, or a short numbered line ("3.2 Monitoring") that does
    not read as a sentence."""
    sid = _style_id(paragraph)
    name = styles.names.get(sid, sid.lower())
    match = re.fullmatch(r"heading ?(\d)", name)
    if match:
        return int(match.group(1))
    level = paragraph.find("w:pPr/w:outlineLvl", NS)
    if level is not None and (level.get(_w("val")) or "").isdigit() and int(level.get(_w("val"))) < 9:
        return int(level.get(_w("val"))) + 1
    if sid in styles.outline and styles.outline[sid] < 9:
        return styles.outline[sid] + 1
    text = _before_text(_text_of(paragraph)).strip()
    numbered = _NUMBERED_HEADING.match(text)
    if numbered and len(text) <= 120 and not text.endswith((".", ";", ":", ",")) and (
            "." in numbered.group(1) or _all_bold(paragraph)):
        return numbered.group(1).count(".") + 1
    return None


def _mark_run(kind: str, index: int):
    run = etree.Element(_w("r"))
    text = etree.SubElement(run, _w("t"))
    text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    text.text = f"{MARK_OPEN}{kind}{index}{MARK_CLOSE}"
    return run


def _place_mark(element, run) -> None:
    """A mark where `element` stands; a range mark between paragraphs goes into the nearest paragraph."""
    parent = element.getparent()
    if parent.tag in (_w("p"), _w("hyperlink"), _w("smartTag"), _w("customXml"), _w("fldSimple")) or \
            parent.tag == _w("sdtContent") and parent.getparent().getparent().tag == _w("p"):
        parent.replace(element, run)
        return
    is_start = element.tag.endswith("Start")
    following = list(element.itersiblings()) if is_start else list(element.itersiblings(preceding=True))
    parent.remove(element)
    for sibling in following:
        paragraphs = [sibling] if sibling.tag == _w("p") else list(sibling.iter(_w("p")))
        if paragraphs:
            target = paragraphs[0] if is_start else paragraphs[-1]
            if is_start:
                ppr = target.find("w:pPr", NS)
                target.insert(1 if ppr is not None else 0, run)
            else:
                target.append(run)
            return


@dataclass
class _Prepared:
    xml: bytes
    title: str | None
    changes: dict[int, WordChange]
    comment_marks: dict[int, str]  # mark index -> Word comment id
    left_out: list[str]


def _unwrap(element, kind: str, index: int) -> None:
    parent = element.getparent()
    position = parent.index(element)
    children = [_mark_run(kind, index), *list(element), _mark_run(kind.upper(), index)]
    parent.remove(element)
    for offset, child in enumerate(children):
        parent.insert(position + offset, child)


def _drop_fields(body, left_out_counts: dict[str, int]) -> None:
    """Fields (page numbers, dates, references) are computed text, not the statement's: their results are
    left out. Hyperlink fields stay (mammoth turns them into links)."""
    for simple in list(body.iter(_w("fldSimple"))):
        instruction = (simple.get(_w("instr")) or "").strip()
        if instruction.upper().startswith("HYPERLINK"):
            continue
        simple.getparent().remove(simple)
        left_out_counts["fields"] += 1
    for paragraph in body.iter(_w("p")):
        depth = 0
        dropping: list[bool] = []
        instruction: list[str] = []
        for run in list(paragraph.iter(_w("r"))):
            char = run.find("w:fldChar", NS)
            kind = char.get(_w("fldCharType")) if char is not None else None
            if kind == "begin":
                depth += 1
                dropping.append(False)
                instruction = []
            elif kind == "separate" and dropping:
                words = "".join(instruction).strip().upper()
                dropping[-1] = not words.startswith("HYPERLINK")
                if dropping[-1]:
                    left_out_counts["fields"] += 1
            elif kind == "end" and dropping:
                depth -= 1
                dropping.pop()
                continue
            else:
                instruction.extend(t.text or "" for t in run.iter(_w("instrText")))
            if any(dropping) and kind is None and run.getparent() is not None:
                run.getparent().remove(run)


def prepare(package: DocxPackage, budget: _Budget) -> _Prepared:
    root = _parse(package.parts["word/document.xml"], "text")
    body = root.find("w:body", NS)
    if body is None:
        raise WordFileError(_("The Word file has no text."), "docx_empty")
    styles = _read_styles(package)
    counts = {"table of contents": 0, "fields": 0, "cover block of an Accord export": 0}
    title = None
    # Tables of contents: a content control of the gallery "Table of Contents", or paragraphs in TOC styles.
    for sdt in list(body.iter(_w("sdt"))):
        gallery = sdt.find("w:sdtPr/w:docPartObj/w:docPartGallery", NS)
        if gallery is not None and "contents" in (gallery.get(_w("val")) or "").lower():
            sdt.getparent().remove(sdt)
            counts["table of contents"] += 1
    budget.check()
    _drop_fields(body, counts)
    # Tracked changes and comment ranges become marks around ordinary runs.
    changes: dict[int, WordChange] = {}
    comment_marks: dict[int, str] = {}
    counter = 0
    for element in list(body.iter(_w("ins"), _w("del"), _w("moveFrom"), _w("moveTo"))):
        if element.getparent() is None or element.getparent().tag == _w("rPr"):  # a paragraph mark's change
            continue
        counter += 1
        kind = "ins" if element.tag in (_w("ins"), _w("moveTo")) else "del"
        changes[counter] = WordChange(counter, kind, element.get(_w("author")) or "", _date(element.get(_w("date"))))
        if kind == "del":
            for deleted in element.iter(_w("delText")):
                deleted.tag = _w("t")
            for deleted in element.iter(_w("delInstrText")):
                deleted.tag = _w("instrText")
        _unwrap(element, "i" if kind == "ins" else "d", counter)
    for start in list(body.iter(_w("commentRangeStart"))):
        counter += 1
        comment_marks[counter] = start.get(_w("id")) or ""
        ends = [e for e in body.iter(_w("commentRangeEnd")) if e.get(_w("id")) == start.get(_w("id"))]
        _place_mark(start, _mark_run("c", counter))
        if ends:
            _place_mark(ends[0], _mark_run("C", counter))
    budget.check()
    for paragraph in list(body.iter(_w("p"))):
        sid = _style_id(paragraph)
        name = styles.names.get(sid, sid.lower())
        if name.startswith("toc") or name == "table of figures":
            paragraph.getparent().remove(paragraph)
            counts["table of contents"] += 1
            continue
        if name == "accord cover":
            paragraph.getparent().remove(paragraph)
            counts["cover block of an Accord export"] += 1
            continue
        if name in ("title",) and title is None:
            title = _before_text(_text_of(paragraph)).strip() or None
            paragraph.getparent().remove(paragraph)
            continue
        level = heading_level(paragraph, styles)
        if level is not None:
            _set_style(paragraph, f"AccordH{min(level, MAX_HEADING_DEPTH)}")
        elif name in ("quote", "intense quote", "block text"):
            _set_style(paragraph, "AccordQuote")
    left_out = [_left_out(what, n) for what, n in counts.items() if n]
    return _Prepared(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), title,
                     changes, comment_marks, left_out)


def _left_out(what: str, count: int) -> str:
    """What of the file was left out, and how many when more than one."""
    if what == "table of contents":
        return ngettext("table of contents", "table of contents (%(num)d)", count)
    if what == "fields":
        return ngettext("fields", "fields (%(num)d)", count)
    return ngettext("cover block of an Accord export", "cover block of an Accord export (%(num)d)", count)


def _before_text(text: str) -> str:
    """The text with tracked insertions removed and deletions kept, marks gone."""
    return _apply_marks(text, keep=lambda change_kind, _index: change_kind == "del")[0]


# --- step 2: converting -------------------------------------------------------------------

STYLE_MAP = "\n".join([
    *(f"p.AccordH{n} => h{n}:fresh" for n in range(1, MAX_HEADING_DEPTH + 1)),
    "p.AccordQuote => blockquote > p:fresh",
    "u => em",
    "comment-reference => !",
])


class _Markdown(MarkdownConverter):
    """markdownify with Accord's choices: ATX headings, "-" bullets, "*" emphasis."""

    def convert_img(self, el, text, parent_tags):
        alt = (el.attrs.get("alt") or "").replace("]", "").strip()
        src = el.attrs.get("src") or ""
        return f"![{alt}]({src})" if src.startswith("data:") else ""


def _markdown(html: str) -> str:
    text = _Markdown(heading_style="ATX", bullets="-", strong_em_symbol="*", escape_underscores=False,
                     escape_misc=False, table_infer_header=True).convert(html)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def convert(package: DocxPackage, prepared: _Prepared, limits: ImportLimits, budget: _Budget
            ) -> tuple[list[tuple[int, str, str]], list[str]]:
    """[(level, heading, Markdown body with marks)], what was left out."""
    left_out: list[str] = []
    images = {"kept": 0, "dropped": 0}

    def image(img):
        alt = (img.alt_text or "").strip()
        try:
            with img.open() as stream:
                data = stream.read(limits.image_max_bytes + 1)
        except Exception:  # noqa: BLE001 - mammoth raises whatever the reader raises for a linked image
            images["dropped"] += 1
            return {"alt": alt}
        if len(data) > limits.image_max_bytes or not (img.content_type or "").startswith("image/"):
            images["dropped"] += 1
            return {"alt": alt}
        images["kept"] += 1
        return {"src": f"data:{img.content_type};base64,{base64.b64encode(data).decode('ascii')}", "alt": alt}

    source = package.zip_bytes({"word/document.xml": prepared.xml})
    budget.check()
    result = mammoth.convert_to_html(io.BytesIO(source), style_map=STYLE_MAP, include_default_style_map=True,
                                     convert_image=mammoth.images.img_element(image),
                                     external_file_access=False, include_embedded_style_map=False)
    budget.check()
    if images["dropped"]:
        left_out.append(_("images too large or linked (%(count)s)", count=images["dropped"]))
    soup = BeautifulSoup(result.value, "html.parser")
    footnotes = _take_footnotes(soup)
    blocks: list[tuple[int, str, str]] = []
    current: tuple[int, str] = (0, "")
    parts: list[str] = []

    def close():
        body = _markdown("".join(parts)) if parts else ""
        if current[0] or body.strip():
            blocks.append((current[0], current[1], _attach_footnotes(body, footnotes)))

    for node in list(soup.contents):
        name = getattr(node, "name", None)
        if name in {f"h{n}" for n in range(1, 7)}:
            close()
            current, parts = (int(name[1]), " ".join(node.get_text().split())), []
        else:
            parts.append(str(node))
        budget.check()
    close()
    return blocks, left_out


def _take_footnotes(soup) -> dict[str, str]:
    """mammoth's footnotes (a list at the end) out of the HTML, their references replaced by marks."""
    notes: dict[str, str] = {}
    for item in soup.find_all("li", id=re.compile(r"^(footnote|endnote)-\d+$")):
        for back in item.find_all("a", href=re.compile(r"^#(footnote|endnote)-ref-")):
            back.decompose()
        number = item["id"].replace("footnote-", "").replace("endnote-", "e")
        notes[number] = " ".join(_markdown(item.decode_contents()).split())
        parent = item.parent
        item.decompose()
        if parent is not None and parent.name == "ol" and not parent.find("li"):
            parent.decompose()
    for ref in soup.find_all("a", id=re.compile(r"^(footnote|endnote)-ref-\d+$")):
        number = ref["id"].replace("footnote-ref-", "").replace("endnote-ref-", "e")
        holder = ref.parent if ref.parent is not None and ref.parent.name == "sup" else ref
        holder.replace_with(f"{FOOTNOTE_OPEN}{number}{FOOTNOTE_CLOSE}")
    return notes


def _attach_footnotes(body: str, notes: dict[str, str]) -> str:
    used = re.findall(f"{FOOTNOTE_OPEN}(e?\\d+){FOOTNOTE_CLOSE}", body)
    body = re.sub(f"{FOOTNOTE_OPEN}(e?\\d+){FOOTNOTE_CLOSE}", r"[^\1]", body)
    definitions = [f"[^{n}]: {notes[n]}" for n in dict.fromkeys(used) if n in notes]
    return body + ("\n\n" + "\n".join(definitions) if definitions else "")


# --- step 3: marks to comments and suggestions ---------------------------------------------

def _apply_marks(text: str, keep) -> tuple[str, dict[int, tuple[int, int]]]:
    """The text without marks, keeping a change's content when keep(kind, index) says so; and where each
    comment mark's range lies in the result."""
    out: list[str] = []
    length = 0
    hidden: list[int] = []  # changes whose content is being dropped
    starts: dict[int, int] = {}
    ranges: dict[int, tuple[int, int]] = {}
    position = 0
    for match in _MARK.finditer(text):
        chunk = text[position:match.start()]
        if not hidden:
            out.append(chunk)
            length += len(chunk)
        position = match.end()
        kind, index = match.group(1), int(match.group(2))
        if kind in "id":
            if not keep("ins" if kind == "i" else "del", index):
                hidden.append(index)
        elif kind in "ID":
            if index in hidden:
                hidden.remove(index)
        elif kind == "c":
            starts[index] = length
        elif kind == "C" and index in starts:
            ranges[index] = (starts[index], length)
    if not hidden:
        out.append(text[position:])
    return "".join(out), ranges


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"(?<=\S) {2,}(?=\S)", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _read_comments(package: DocxPackage) -> dict[str, WordComment]:
    data = package.parts.get("word/comments.xml")
    if not data:
        return {}
    root = _parse(data, "comments")
    comments: dict[str, WordComment] = {}
    para_of: dict[str, str] = {}
    for element in root.iter(_w("comment")):
        cid = element.get(_w("id")) or ""
        paragraphs = list(element.iter(_w("p")))
        text = "\n\n".join(" ".join(_text_of(p).split()) for p in paragraphs).strip()
        comments[cid] = WordComment(cid, (element.get(_w("author")) or "").strip(),
                                    (element.get(_w("initials")) or "").strip(), _date(element.get(_w("date"))),
                                    text)
        if paragraphs and paragraphs[-1].get(f"{{{W14}}}paraId"):
            para_of[paragraphs[-1].get(f"{{{W14}}}paraId")] = cid
    extended = package.parts.get("word/commentsExtended.xml")
    if extended:
        for entry in _parse(extended, "comment replies").iter(f"{{{W15}}}commentEx"):
            child, parent = para_of.get(entry.get(f"{{{W15}}}paraId")), para_of.get(entry.get(f"{{{W15}}}paraIdParent"))
            if child and parent and child != parent:
                comments[child].parent = parent
    return comments


def _sources(package: DocxPackage) -> tuple[dict, list[dict] | None, str]:
    """An Accord export's identity, its sections' Markdown and the fingerprint of the text it showed."""
    data = package.parts.get(SOURCES_PART)
    if not data:
        return {}, None, ""
    try:
        root = _parse(data, "Accord part")
        payload = json.loads(root.text or "{}")
        sections = [{"heading": str(s["heading"]), "level": int(s["level"]), "body": str(s["body"])}
                    for s in payload["sections"]]
        identity = {k: payload.get(k) for k in ("document_id", "version_id", "content_hash")}
        return identity, sections, str(payload.get("fingerprint", ""))
    except (WordFileError, ValueError, KeyError, TypeError):
        return {}, None, ""


def visible_fingerprint(body) -> str:
    """SHA-256 of the text a reader sees in the body, paragraph by paragraph (cover block excluded)."""
    digest = hashlib.sha256()
    for paragraph in body.iter(_w("p")):
        if _style_id(paragraph) == "AccordCover":
            continue
        digest.update(_text_of(paragraph).encode("utf-8") + b"\n")
    for _deleted in body.iter(_w("delText")):
        digest.update(b"\x00changed")
        break
    return digest.hexdigest()


def _core_title(package: DocxPackage) -> str | None:
    data = package.parts.get("docProps/core.xml")
    if not data:
        return None
    title = _parse(data, "properties").find("{http://purl.org/dc/elements/1.1/}title")
    words = " ".join((title.text or "").split()) if title is not None else ""
    return words[:300] or None


def read_docx(package: DocxPackage, limits: ImportLimits = ImportLimits(), *, use_sources: bool = True
              ) -> ImportResult:
    """The file's title, sections, comments and suggestions. `use_sources=False` converts the visible text
    even of an unchanged Accord export (updating.py compares two conversions)."""
    budget = _Budget(limits.seconds)
    core_title = _core_title(package)
    identity, sources, fingerprint = _sources(package)
    word_comments = _read_comments(package)
    if use_sources and sources is not None and not word_comments:
        body = _parse(package.parts["word/document.xml"], "text").find("w:body", NS)
        if body is not None and fingerprint and visible_fingerprint(body) == fingerprint:
            has_changes = any(True for _ in body.iter(_w("ins"), _w("del")))
            if not has_changes:
                return ImportResult(title=core_title, sections=sources, identity=identity, from_sources=True,
                                    left_out=[_left_out("cover block of an Accord export", 1)])
    prepared = prepare(package, budget)
    blocks, left_out = convert(package, prepared, limits, budget)
    left_out = [*package.left_out, *prepared.left_out, *left_out]
    title = core_title or prepared.title
    headed = [b for b in blocks if b[0]]
    if title is None and headed:
        tops = [b[0] for b in headed]
        if tops.count(min(tops)) == 1 and blocks[0][0] == min(tops) and len(headed) > 1:
            title = _before_text(blocks[0][1]).strip() or None
            first = blocks.pop(0)
            if first[2].strip():
                blocks.insert(0, (0, "", first[2]))
    base = min((b[0] for b in blocks if b[0]), default=1)
    sections: list[dict] = []
    marked_bodies: list[str] = []
    for level, raw_heading, body in blocks:
        heading = _SECTION_NUMBER.sub("", " ".join(_before_text(raw_heading).split()), count=1)[:300]
        heading = heading or _("Untitled section")
        sections.append({"heading": _("Preamble") if not level else heading,
                         "level": 1 if not level else max(1, min(3, level - base + 1)), "body": ""})
        marked_bodies.append(body)
        for match in _MARK.finditer(raw_heading):  # a comment on a heading is a comment on its section
            comment = word_comments.get(prepared.comment_marks.get(int(match.group(2)), ""))
            if match.group(1) == "c" and comment is not None and comment.section is None:
                comment.section = len(sections) - 1
    deep = sum(1 for b in blocks if b[0] and b[0] - base + 1 > 3)
    if deep:
        left_out.append(_("heading levels below the third, kept as third-level sections (%(count)s)", count=deep))
    result = ImportResult(title=title, sections=sections, left_out=left_out, identity=identity)
    mark_section: dict[int, int] = {}
    for index, marked in enumerate(marked_bodies):
        before, ranges = _apply_marks(marked, keep=lambda kind, _i: kind == "del")
        sections[index]["body"] = _tidy(before)
        for match in _MARK.finditer(marked):
            mark_section.setdefault(int(match.group(2)), index)
        for mark, (start, end) in ranges.items():
            word_id = prepared.comment_marks.get(mark)
            comment = word_comments.get(word_id or "")
            if comment is not None and comment.section is None:
                comment.section = index
                quote = before[start:end]
                inner = quote.strip("*_~` ")  # the emphasis around the words is not part of them
                comment.quote = " ".join(inner.split())[:5000]
                comment.near = start + quote.find(inner[:1]) if inner else start
        budget.check()
        authors: dict[str, list[WordChange]] = {}
        for match in _MARK.finditer(marked):
            if match.group(1) in "id":
                change = prepared.changes[int(match.group(2))]
                authors.setdefault(change.author, []).append(change)
        for author, changes in authors.items():
            mine = {c.index for c in changes}
            after, _r = _apply_marks(marked, keep=lambda kind, i, mine=mine: (kind == "ins") == (i in mine))
            after = _tidy(after)
            if after != sections[index]["body"]:
                dates = [c.date for c in changes if c.date]
                result.suggestions.append(Suggestion(index, author, min(dates) if dates else None, after,
                                                     len(changes)))
    # Comments whose range was lost (or that have none) go on the section where their reference stands,
    # else the first; replies follow their thread.
    for word_id, comment in word_comments.items():
        if comment.parent is None and comment.section is None:
            comment.section = 0 if sections else None
    for comment in word_comments.values():
        if comment.parent is not None:
            root = word_comments.get(comment.parent)
            comment.section = root.section if root is not None else comment.section
    result.comments = [c for c in word_comments.values() if c.section is not None and c.text]
    if not sections:
        raise WordFileError(_("The Word file has no text to import."), "docx_empty")
    return result
