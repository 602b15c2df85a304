"""The redline .docx of the 280-section benchmark document: two versions, a third of the sections edited
(three words each, one bold added), three removed and three added, exported as Word tracked changes with
app.word.services.export_redline_docx, twice (the rendering is cached the second time).

    .venv/bin/python bench/bench_word_redline.py   # SQLite, about 10 s
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_word import benchmark_document  # noqa: E402


def main() -> None:
    from app.documents import services as documents
    from app.extensions import db
    from app.word import services as word

    with benchmark_document() as (user, _group, big):
        first = documents.create_version(user, big, label="one")
        db.session.commit()
        live = documents.live_sections(big)
        edited = 0
        for section in live[::3]:
            body = re.sub(r"\bthe\b", "a", section.body, count=3)
            body = re.sub(r"\bshall\b", "**shall**", body, count=1)
            if body != section.body:
                documents.save_section(user, section, body=body, base_revision=section.current_revision)
                edited += 1
        for section in live[5:8]:
            documents.delete_section(user, section)
        for i in range(3):
            documents.add_section(user, big, heading=f"New {i}", body="A new paragraph. " * 30,
                                  after_section_id=live[20 * i + 30].id)
        second = documents.create_version(user, big, label="two")
        db.session.commit()
        times = []
        for _ in range(2):
            started = time.perf_counter()
            data, _name = word.export_redline_docx(big, first, second)
            times.append(time.perf_counter() - started)
    print(f"redline: {len(live)} sections, {edited} edited, 3 removed, 3 added: {len(data) // 1024} KiB .docx in "
          + " / ".join(f"{t:.2f} s" for t in times))


if __name__ == "__main__":
    main()
