"""Opening a .docx safely: the checks made before any XML is parsed.

A .docx is a zip of XML parts. Before anything reads it, the file is checked for what it claims to be
(a zip holding word/document.xml, not an OLE file such as a .doc or an encrypted Office file), and for
its size once unpacked: the number of parts, each part's and all parts' sizes as the zip declares them,
and the same sizes again while reading (a zip may lie about them). Macros (vbaProject.bin) are never
read; relationships that point outside the file (linked images, attached templates, external data)
are never followed. Pure: no Flask, no database.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from app.i18n import _, format_number

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, and every encrypted or password-protected Office file
ZIP_MAGIC = b"PK\x03\x04"
MAIN_PART = "word/document.xml"
MACRO_PARTS = ("vbaProject.bin", "vbaData.xml")


class WordFileError(ValueError):
    """A file Accord will not read, with the sentence that says why and a short code."""

    def __init__(self, message: str, code: str = "docx_invalid"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Limits:
    max_parts: int = 2000
    max_part_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 200 * 1024 * 1024


@dataclass
class DocxPackage:
    """The parts of a checked .docx, read into memory (bounded), macros left behind."""

    parts: dict[str, bytes]
    had_macros: bool = False
    left_out: list[str] = field(default_factory=list)

    def zip_bytes(self, replace: dict[str, bytes] | None = None) -> bytes:
        """The parts as a new zip (with `replace`d ones): what the converter reads, never the upload itself."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            for name, data in self.parts.items():
                archive.writestr(name, (replace or {}).get(name, data))
        return out.getvalue()


def looks_like_docx(data: bytes) -> bool:
    return data[:4] == ZIP_MAGIC


def open_docx(data: bytes, limits: Limits = Limits()) -> DocxPackage:
    """The checked parts of a .docx, or WordFileError saying what is wrong with the file."""
    if data[:8] == OLE_MAGIC:
        raise WordFileError(_("This is an older Word file (.doc) or a password-protected one. Save it as a "
                              ".docx without a password and upload it again."), "docx_not_ooxml")
    if not looks_like_docx(data):
        raise WordFileError(_("This is not a Word file (.docx)."), "docx_not_docx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise WordFileError(_("The Word file is damaged: it cannot be opened."), "docx_corrupt") from None
    if len(infos) > limits.max_parts:
        raise WordFileError(_("The Word file has more than %(count)s parts.", count=format_number(limits.max_parts)),
                            "docx_too_large")
    declared = 0
    for info in infos:
        if info.file_size > limits.max_part_bytes:
            raise WordFileError(_("The Word file unpacks to too much data."), "docx_too_large")
        declared += info.file_size
    if declared > limits.max_total_bytes:
        raise WordFileError(_("The Word file unpacks to too much data."), "docx_too_large")
    names = {info.filename for info in infos}
    if MAIN_PART not in names or "[Content_Types].xml" not in names:
        raise WordFileError(_("This zip file is not a Word document (.docx)."), "docx_not_docx")
    parts: dict[str, bytes] = {}
    had_macros = False
    total = 0
    try:
        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise WordFileError(_("The Word file is encrypted."), "docx_not_ooxml")
            if info.filename.rsplit("/", 1)[-1] in MACRO_PARTS:
                had_macros = True
                continue
            with archive.open(info) as stream:
                # Read one byte beyond the declared size: a part that holds more than it declares is refused.
                chunk = stream.read(min(info.file_size, limits.max_part_bytes) + 1)
            if len(chunk) > info.file_size:
                raise WordFileError(_("The Word file is damaged: a part is larger than it says."), "docx_corrupt")
            total += len(chunk)
            if total > limits.max_total_bytes:
                raise WordFileError(_("The Word file unpacks to too much data."), "docx_too_large")
            parts[info.filename] = chunk
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        if isinstance(exc, WordFileError):
            raise
        raise WordFileError(_("The Word file is damaged: it cannot be read."), "docx_corrupt") from None
    package = DocxPackage(parts=parts, had_macros=had_macros)
    if had_macros:
        package.left_out.append(_("macros (never run)"))
    return package
