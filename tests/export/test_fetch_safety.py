"""The renderer fetches nothing but bundled assets, attaches nothing, and cannot outlive its limits."""
from __future__ import annotations

import base64
import http.server
import threading
import time

import pytest

from app.export.render import RenderFailed, render_pdf
from app.extensions import db
from tests.export.conftest import page_texts, run

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that counts every request it gets."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body::before { content: 'FETCHEDFROMSERVER'; }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def hostile_html(base: str, secret_css) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><title>Hostile</title>
<link rel="stylesheet" href="print.css">
<link rel="stylesheet" href="{base}/linked.css">
<link rel="stylesheet" href="{secret_css.as_uri()}">
<link rel="attachment" href="file:///etc/passwd" title="passwd">
<link rel="attachment" href="{base}/attached.bin">
<style>
@import url("{base}/imported.css");
@import url("{secret_css.as_uri()}");
@font-face {{ font-family: Evil; src: url("{base}/font.ttf"); }}
body {{ background: url("file:///etc/passwd"); }}
p.x {{ background-image: url("data:image/png;base64,{PNG}"); font-family: Evil; }}
</style></head><body>
<p class="x">Still rendered.</p>
<img src="file:///etc/passwd" alt="a">
<img src="{base}/image.png" alt="b">
<img src="data:image/png;base64,{PNG}" alt="c">
<object data="{base}/object.svg"></object>
<iframe src="{base}/frame.html"></iframe>
<a rel="attachment" href="file:///etc/passwd">passwd</a>
<a rel="attachment" href="{base}/linked.bin">linked</a>
<svg><image href="{base}/svg-image.png" width="10" height="10"/></svg>
</body></html>"""


def test_nothing_outside_the_bundled_assets_is_fetched_read_or_attached(listener, tmp_path):
    base, requests = listener
    secret = tmp_path / "secret.css"
    secret.write_text("body::after { content: 'SECRETFROMFILE'; }")
    rendered = render_pdf(hostile_html(base, secret), timeout=60)
    assert rendered.pdf.startswith(b"%PDF") and rendered.pages >= 1
    assert requests == [], f"the renderer asked the server for {requests}"
    text = " ".join(page_texts(rendered.pdf))
    assert "Still rendered." in text
    assert "SECRETFROMFILE" not in text and "FETCHEDFROMSERVER" not in text and "root:" not in text
    assert "0 embedded files" in run("pdfdetach", "-list", data=rendered.pdf)
    refused = " ".join(rendered.refused)
    for url in ("file:///etc/passwd", secret.as_uri(), f"{base}/linked.css", f"{base}/image.png", "data:image/png"):
        assert url in refused


def test_hostile_sections_export_through_the_app_without_any_request(listener, make_group, api):
    from app.documents.services import create_document

    base, requests = listener
    group, people = make_group(roles=("observer", "editor"))
    body = (f"![pixel]({base}/markdown.png) and [link]({base}/page)\n\n"
            f"<img src=\"{base}/raw.png\"> <img src=\"file:///etc/passwd\"> "
            f"<img src=\"data:image/png;base64,{PNG}\">\n\n"
            f"<link rel=\"attachment\" href=\"file:///etc/passwd\"><style>@import url({base}/x.css);</style>\n\n"
            "<script>document.write('SCRIPTRAN')</script> Text after.")
    document = create_document(people["editor"], group, title="Hostile", kind="statement",
                               sections=[{"heading": "Images", "body": body}])
    db.session.commit()
    response = api(people["observer"]).get(f"/api/v1/documents/{document.id}/export.pdf")
    assert response.status_code == 200
    assert requests == []
    pdf = response.get_data()
    assert "0 embedded files" in run("pdfdetach", "-list", data=pdf)
    text = " ".join(page_texts(pdf))
    assert "Text after." in text and "SCRIPTRAN" not in text


def test_a_render_past_the_time_limit_is_stopped_with_a_clear_error():
    huge = "<html><body>" + "<table>" + "<tr><td>cell</td><td>cell</td></tr>" * 40000 + "</table></body></html>"
    started = time.monotonic()
    with pytest.raises(RenderFailed, match="longer than 1 seconds"):
        render_pdf(huge, timeout=1)
    assert time.monotonic() - started < 10


def test_a_render_past_the_memory_limit_fails_cleanly():
    small = "<html><body><p>small</p></body></html>"
    assert render_pdf(small, timeout=60, memory_mb=200).pages == 1
    large = "<html><body><table>" + "<tr><td>cell</td><td>cell</td></tr>" * 6000 + "</table></body></html>"
    with pytest.raises(RenderFailed, match="more than 200 MiB"):
        render_pdf(large, timeout=60, memory_mb=200)
