"""Verification is bounded: an uploaded PDF is read in a child process with a time and a memory limit.

A file built to inflate or to be slow gets a clear "could not be checked" (400 `not_checked`) within its
bound, never "genuine" and never a 500; the web process keeps none of the memory the parse took (one
7.9 MiB upload used to take a worker from 116 to 853 MiB, and keep it); a large genuine sealed PDF still
verifies. The hostile files are built here, byte by byte, as an attacker would.
"""
from __future__ import annotations

import io
import os
import random
import struct
import time
import zlib
from pathlib import Path

import pytest

from tests.conftest import csrf_token_from

MiB = 1024 * 1024
CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"


def classic_pdf(objects: list[bytes], info: int | None = None) -> bytes:
    """Objects 1..n (object 1 the catalog, object `info` the document information) with a cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info_entry = b"/Info %d 0 R " % info if info else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info_entry, xref)
    return bytes(out)


def xref_stream_pdf(objects: dict[int, bytes], in_streams: dict[int, tuple[int, int]], info: int) -> bytes:
    """Objects by number, some of them inside object streams (number -> (stream, index)), indexed by a
    cross-reference stream, as PDF 1.5 and later files are."""
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    own = max([*objects, *in_streams]) + 1
    offsets[own] = len(out)
    rows = b"".join(struct.pack(">BIH", 1, offsets[n], 0) if n in offsets
                    else struct.pack(">BIH", 2, *in_streams[n]) if n in in_streams
                    else struct.pack(">BIH", 0, 0, 65535) for n in range(own + 1))
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Info %d 0 R /Length %d >>\nstream\n"
            % (own, own + 1, info, len(rows))) + rows + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[own]
    return bytes(out)


def inflating_object_stream(number: int, body: bytes, inflated: int) -> bytes:
    """An object stream holding object `number` behind `inflated` bytes of digits that deflate about 90:1,
    just under pyHanko's limit for object streams (100:1, up to 64 MiB each).

    Made in a moment: one MiB is deflated once after a full flush (which makes its deflated bytes stand
    alone) and repeated; the zlib wrapper's checksum is computed over what it inflates to."""
    rnd, deflate = random.Random(number), zlib.compressobj(9, zlib.DEFLATED, -15)
    header = b"%d %d " % (number, inflated)
    block = bytearray(b"0" * MiB)
    for i in range(0, MiB, 120):
        block[i] = 48 + rnd.randrange(10)
    block = bytes(block)
    start = deflate.compress(header) + deflate.flush(zlib.Z_FULL_FLUSH)
    middle = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.compress(body) + deflate.flush()
    checksum = zlib.adler32(header)
    for _ in range(inflated // MiB):
        checksum = zlib.adler32(block, checksum)
    checksum = zlib.adler32(body, checksum)
    data = b"\x78\xda" + start + middle * (inflated // MiB) + end + struct.pack(">I", checksum)
    return (b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (len(header), len(data))
            + data + b"\nendstream")


def memory_bomb(streams: int = 11, inflated: int = 60 * MiB) -> bytes:
    """~7 MiB whose form fields each live in an object stream that inflates to 60 MiB: listing the
    signatures reads them all (about 700 MiB). The file of issue #25 had this shape and size."""
    fields = b" ".join(b"%d 0 R" % (100 + j) for j in range(streams))
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [" + fields + b"] >> >>", 2: PAGES,
               3: b"<< /Producer (bomb) >>"}
    in_streams = {}
    for j in range(streams):
        objects[4 + j] = inflating_object_stream(100 + j, b"<< /FT /Sig /T (Seal%d) >>" % j, inflated)
        in_streams[100 + j] = (4 + j, 0)
    return xref_stream_pdf(objects, in_streams, info=3)


def many_fields(count: int = 120_000) -> bytes:
    """~7 MiB: a form of 120,000 fields, each read when the signatures are listed (about 10 s in one process)."""
    refs = b" ".join(b"%d 0 R" % (4 + i) for i in range(count))
    return classic_pdf([b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>", PAGES, b"<< /Fields [" + refs + b"] >>",
                        *([b"<</FT/Tx>>"] * count)])


def nested_arrays(depth: int = 200_000) -> bytes:
    """Document information 200,000 arrays deep."""
    return classic_pdf([CATALOG, PAGES, b"<< /Title " + b"[" * depth + b"]" * depth + b" >>"], info=3)


def inflating_xref_stream(inflated: int = 400 * MiB) -> bytes:
    """A cross-reference stream (inflated before anything can be read) that inflates to 400 MiB."""
    deflate, zeros = zlib.compressobj(9), b"\0" * MiB
    data = b"".join(deflate.compress(zeros) for _ in range(inflated // MiB)) + deflate.flush()
    head = b"%PDF-1.7\n1 0 obj\n" + CATALOG + b"\nendobj\n2 0 obj\n" + PAGES + b"\nendobj\n"
    return (head + b"3 0 obj\n<< /Type /XRef /Size 4 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % len(data) + data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % len(head))


def memory_mib(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS), or its peak since reset_peak() (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field}")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM starts again from the current VmRSS


def verify(api, data: bytes):
    return api().post("/api/v1/verify", data={"file": (io.BytesIO(data), "x.pdf")}, content_type="multipart/form-data")


def check_processes() -> list[str]:
    """The verification processes still running under this one."""
    mine, found = str(os.getpid()), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == mine and b"--verify" in command:
            found.append(pid)
    return found


@pytest.fixture(scope="module")
def hostile():
    return {"memory_bomb": memory_bomb(), "many_fields": many_fields(), "nested_arrays": nested_arrays(),
            "inflating_xref_stream": inflating_xref_stream()}


@pytest.fixture
def large_sealed(app, draft_sample):
    """A genuine PDF of about 7 MiB (a rendered export with a 6 MiB image-like stream and 30,000 more
    objects), sealed by this installation."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from app.export.seal import seal_pdf

    writer = IncrementalPdfFileWriter(io.BytesIO(draft_sample["pdf"]))
    padding = generic.ArrayObject(
        writer.add_object(generic.DictionaryObject({generic.NameObject("/N"): generic.NumberObject(i)}))
        for i in range(30_000))
    padding.append(writer.add_object(generic.StreamObject(stream_data=random.Random(7).randbytes(6 * MiB))))
    writer.root[generic.NameObject("/Padding")] = writer.add_object(padding)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    pdf = seal_pdf(out.getvalue(), app.config)
    assert 6 * MiB < len(pdf) < app.config["MAX_CONTENT_LENGTH"]
    return pdf


def test_a_large_genuine_sealed_pdf_still_verifies(large_sealed, api):
    import hashlib

    response = verify(api, large_sealed)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["verdict"] == "genuine"
    assert body["signature_valid"] is True and body["made_by_this_installation"] is True
    assert body["modified_after_signing"] is False and body["problem"] is None
    assert body["sha256"] == hashlib.sha256(large_sealed).hexdigest() and body["version_id"] == 77


@pytest.mark.parametrize("name, code", [
    ("memory_bomb", "not_checked"),  # stopped at VERIFY_MEMORY_MB
    ("many_fields", "not_checked"),  # stopped at VERIFY_TIMEOUT
    ("nested_arrays", "not_a_pdf"),  # the parser gives up at once
    ("inflating_xref_stream", "not_a_pdf"),  # pyHanko's own decoding limit
])
@pytest.mark.parametrize("app_config", [{"VERIFY_TIMEOUT": 4, "VERIFY_MEMORY_MB": 384}])
def test_a_hostile_pdf_gets_a_clear_answer_within_its_bound(hostile, name, code, api):
    started = time.monotonic()
    response = verify(api, hostile[name])
    took = time.monotonic() - started
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code and error["details"]["fields"]["file"] == error["message"]
    assert error["details"]["verdict"] == {"not_checked": "not_checked", "not_a_pdf": "unreadable"}[code]
    if code == "not_checked":
        assert "could not be checked" in error["message"] and "Nothing is concluded" in error["message"]
    assert took < 4 + 3, f"{name} took {took:.1f} s"
    assert check_processes() == []  # the check's process is gone: nothing keeps running after the answer


@pytest.mark.parametrize("app_config", [{"VERIFY_TIMEOUT": 2}])
def test_a_slow_pdf_is_stopped_at_the_time_limit(hostile, api):
    started = time.monotonic()
    response = verify(api, hostile["many_fields"])
    assert time.monotonic() - started < 2 + 2
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "not_checked"
    assert "longer than 2 seconds" in response.get_json()["error"]["message"]
    assert check_processes() == []


def test_the_memory_limit_gives_the_same_clear_answer(hostile, app, api):
    response = verify(api, hostile["memory_bomb"])
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "not_checked"
    assert f"more than {app.config['VERIFY_MEMORY_MB']} MiB" in response.get_json()["error"]["message"]


def test_the_web_process_keeps_no_memory_from_what_it_verified(hostile, large_sealed, api):
    """Issue #25: one such upload took a worker from 116 to 853 MiB, kept after the answer, and four in
    parallel took 2.4 GiB. The web process (here the test's own, which runs the app) now holds only the
    upload: neither its peak nor what it keeps grows by more than a few copies of the file."""
    verify(api, large_sealed)  # warm: imports and caches of a first verification are not growth
    before = memory_mib()
    reset_peak()
    answers = [verify(api, data) for _ in range(2) for data in (hostile["memory_bomb"], large_sealed)]
    peak, after = memory_mib("VmHWM") - before, memory_mib() - before
    print(f"web process: {before:.0f} MiB before, peak +{peak:.0f} MiB, +{after:.0f} MiB after 4 verifications")
    assert peak < 64 and after < 32, f"the web process grew by {peak:.0f} MiB at its peak, {after:.0f} MiB after"
    assert [a.status_code for a in answers] == [400, 200, 400, 200]
    assert all(a.get_json()["signature_valid"] for a in answers[1::2])


def test_the_verify_page_says_the_file_could_not_be_checked(hostile, client):
    token = csrf_token_from(client.get("/verify").get_data(as_text=True))
    answer = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(hostile["memory_bomb"]), "b.pdf")},
                         content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "could not be checked" in page and "genuine" not in page.lower()
    assert '<h2 id="result-heading">Could not be checked</h2>' in page
