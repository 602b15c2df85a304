"""Text that XML cannot hold (control characters a person may paste or type) never breaks a .docx export."""
from __future__ import annotations

import io

import docx

from app.documents import services
from app.extensions import db


def test_control_characters_are_left_out_of_the_file_not_a_failed_download(api, make_group):
    group, people = make_group(roles=("editor",))
    document = services.create_document(people["editor"], group, title="Fair ICT", kind="statement", sections=[
        {"heading": "Scope", "body": "Buses\x0b and\x1f trams.\n\n| Lot | Note |\n| --- | --- |\n| 1 | a\x08b |"}])
    db.session.commit()
    for path in (f"/api/v1/documents/{document.id}/export.docx", f"/documents/{document.id}/export.docx"):
        response = api(people["editor"]).get(path)
        assert response.status_code == 200, path
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)
        assert "Buses and trams." in text and "1 Scope" in text
