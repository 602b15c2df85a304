"""PDF/UA-1 on top of WeasyPrint's tagged PDF/A-3b, in the render process (worker.py loads this by its path).

WeasyPrint 70 takes one `pdf_variant` ("pdf/a-3b" or "pdf/ua-1", not both) and its tagged output falls short
of PDF/UA in a few places. `make_accessible` mends them with pikepdf before the file is sealed:

- the XMP metadata says `pdfuaid:part 1` beside `pdfaid:part 3` / `conformance B`, with the PDF/A extension
  schema that declares the pdfuaid namespace (PDF/A allows only declared XMP properties);
- text of the page-margin boxes (running heads, footers, page numbers, the DRAFT / COMPARISON mark) is marked
  content whose structure elements WeasyPrint leaves out of the tree: it becomes `/Artifact` (pagination);
- a Figure without alternative text (`/Alt`) becomes an artifact too: nothing is read out as an unnamed image;
- a list item whose content is not a Lbl or LBody (a footnote's paragraph) gets that content wrapped in LBody;
- table header cells (TH) get `/Scope /Column` in their attribute dictionary (WeasyPrint maps every header
  without scope="row" as a column header, and Accord's tables have column headers only);
- the window shows the document's title (`/ViewerPreferences /DisplayDocTitle true`) and every page orders
  its annotations by structure (`/Tabs /S`).

Nothing here imports the app: only pikepdf.
"""
from __future__ import annotations

import re
from io import BytesIO

import pikepdf
from pikepdf import Array, Dictionary, Name

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"

# PDF/A-3 (ISO 19005-3, 6.6.2.3) accepts XMP properties outside the predefined schemas only when an extension
# schema describes them: this one declares pdfuaid:part, as the PDF/UA-1 standard (ISO 14289-1, 5) asks.
EXTENSION_SCHEMA = f"""<rdf:Description xmlns:rdf="{RDF}" rdf:about=""
 xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{PDFUAID}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description xmlns:rdf="{RDF}" xmlns:pdfuaid="{PDFUAID}" rdf:about="" pdfuaid:part="1"/>"""

MARKED_CONTENT = re.compile(rb"/[A-Za-z0-9]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def make_accessible(pdf_bytes: bytes) -> bytes:
    """The same PDF, mended for PDF/UA-1 (see the module docstring); a PDF without a structure tree is
    returned unchanged (it cannot be made accessible here)."""
    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return pdf_bytes
        tree = _StructTree(pdf)
        elements = list(tree.elements())  # one walk: attribute access through pikepdf is what costs
        tree.figures_without_alt_become_artifacts(elements)
        tree.list_items_get_a_body(elements)
        tree.header_cells_get_a_scope(elements)
        tree.unreachable_content_becomes_artifacts(elements)
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        pdf.Root.MarkInfo = Dictionary(Marked=True)
        for page in pdf.pages:
            page.obj.Tabs = Name.S
        _declare_pdfua(pdf)
        out = BytesIO()
        pdf.save(out, fix_metadata_version=False, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()


class _StructTree:
    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.page_index = {page.objgen: i for i, page in enumerate(pdf.pages)}
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        # Page index (its /StructParents) -> the array mapping each MCID of that page to its element.
        self.parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)
                        if isinstance(nums[i + 1], Array)}
        self.artifacts: dict[int, set[int]] = {}  # page index -> MCIDs to mark as artifacts

    def elements(self):
        """Every structure element reachable from the root, parents before children."""
        stack = list(reversed(_kids(self.pdf.Root.StructTreeRoot)))
        while stack:
            element = stack.pop()
            if isinstance(element, Dictionary) and "/S" in element:
                yield element
                stack.extend(reversed(_kids(element)))

    def _page_of(self, element) -> int | None:
        page = element.get("/Pg")
        return self.page_index.get(page.objgen) if page is not None else None

    def _marked_content(self, element):
        """(page index, MCID) of the marked content directly under an element."""
        page = self._page_of(element)
        for kid in _kids(element):
            if isinstance(kid, int):
                if page is not None:
                    yield page, int(kid)
            elif isinstance(kid, Dictionary) and "/MCID" in kid:
                target = kid.get("/Pg")
                index = self.page_index.get(target.objgen) if target is not None else page
                if index is not None:
                    yield index, int(kid.MCID)

    def _mark_artifact(self, element) -> None:
        """The marked content of an element and its descendants becomes artifacts."""
        stack = [element]
        while stack:
            node = stack.pop()
            for page, mcid in self._marked_content(node):
                self.artifacts.setdefault(page, set()).add(mcid)
            stack.extend(kid for kid in _kids(node) if isinstance(kid, Dictionary) and "/S" in kid)

    def figures_without_alt_become_artifacts(self, elements: list) -> None:
        for element in elements:
            if element.S == Name.Figure and not str(element.get("/Alt", "")).strip() \
                    and not str(element.get("/ActualText", "")).strip():
                self._mark_artifact(element)
                parent = element.P
                parent.K = Array([kid for kid in _kids(parent)
                                  if not (isinstance(kid, Dictionary) and kid.objgen == element.objgen)])

    def list_items_get_a_body(self, elements: list) -> None:
        for element in elements:
            if element.S != Name.LI:
                continue
            kids = _kids(element)
            is_part = [isinstance(kid, Dictionary) and kid.get("/S") in (Name.Lbl, Name.LBody) for kid in kids]
            if all(is_part):
                continue
            body = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.LBody, P=element, K=Array()))
            if "/Pg" in element:
                body.Pg = element.Pg
            for kid in (kid for kid, part in zip(kids, is_part) if not part):
                body.K.append(kid)
                if isinstance(kid, Dictionary) and "/S" in kid:
                    kid.P = body
                elif isinstance(kid, int):  # marked content straight under the item: its parent is now the body
                    page = self._page_of(element)
                    if page is not None and page in self.parents:
                        self.parents[page][int(kid)] = body
            kept = [kid for kid, part in zip(kids, is_part) if part]
            element.K = Array(kept + [body])

    def header_cells_get_a_scope(self, elements: list) -> None:
        for element in elements:
            if element.S != Name.TH:
                continue
            attributes = element.get("/A")
            if isinstance(attributes, Array):  # several owners: the Table one gets the scope
                attributes = next((a for a in attributes if isinstance(a, Dictionary) and a.get("/O") == Name.Table),
                                  None)
            if not isinstance(attributes, Dictionary):
                attributes = Dictionary(O=Name.Table)
                element.A = attributes
            if "/Scope" not in attributes:
                attributes.Scope = Name.Column

    def unreachable_content_becomes_artifacts(self, elements: list) -> None:
        """Marked content whose element is not in the tree (page-margin boxes), and the content of elements
        dropped above, becomes `/Artifact` marked content; the parent tree forgets it."""
        tagged: dict[int, set[int]] = {}
        for element in elements:
            for page, mcid in self._marked_content(element):
                tagged.setdefault(page, set()).add(mcid)
        for page_number, page in enumerate(self.pdf.pages):
            keep = tagged.get(page_number, set()) - self.artifacts.get(page_number, set())
            contents = page.obj.Contents
            streams = list(contents) if isinstance(contents, Array) else [contents]
            data = b"\n".join(stream.read_bytes() for stream in streams)
            dropped = []

            def artifact(match):
                mcid = int(match.group(1))
                if mcid in keep:
                    return match.group(0)
                dropped.append(mcid)
                return b"/Artifact <</Type /Pagination>> BDC"
            # A regular expression, not pikepdf's parser: five times faster on a 200-page document. Text is
            # written as hex strings, so "<</MCID" only ever opens a property list.
            changed = MARKED_CONTENT.sub(artifact, data)
            if not dropped:
                continue
            page.obj.Contents = self.pdf.make_stream(changed)
            mapping = self.parents.get(int(page.obj.get("/StructParents", page_number)))
            for mcid in dropped:
                if mapping is not None and mcid < len(mapping):
                    mapping[mcid] = None


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _declare_pdfua(pdf: pikepdf.Pdf) -> None:
    """pdfuaid:part 1 and its extension schema, added to the XMP packet's rdf:RDF (PDF/A-3b stays as it is)."""
    from lxml import etree

    xmp = pdf.Root.Metadata.read_bytes()
    start, end = xmp.index(b"<x:xmpmeta"), xmp.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    meta = etree.fromstring(xmp[start:end])
    rdf = meta.find(f"{{{RDF}}}RDF")
    if rdf.find(f".//*[@{{{PDFUAID}}}part]") is None:
        for element in etree.fromstring(f'<rdf:RDF xmlns:rdf="{RDF}">{EXTENSION_SCHEMA}</rdf:RDF>'):
            rdf.append(element)
    packet = xmp[:start] + etree.tostring(meta, encoding="utf-8") + xmp[end:]
    pdf.Root.Metadata = pdf.make_stream(packet, Type=Name.Metadata, Subtype=Name.XML)
