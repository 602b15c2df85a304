"""Many writers saving one section at once, through gunicorn with several workers.

Every save acknowledged with 200 must be in the final history and text;
every other save must have been answered 409. Nothing silently lost.
Runs on whichever database the suite runs on (SQLite and PostgreSQL in `make test`).
"""
from __future__ import annotations

import random
import threading

import requests

from app.auth.services import create_api_token
from app.documents.services import create_document, revision_text
from app.extensions import db

WRITERS = 8
SAVES_EACH = 25


def test_concurrent_saves_lose_nothing(app, make_group, gunicorn_server):
    group, people = make_group(roles=("editor",))
    editor = people["editor"]
    paragraphs = [f"Paragraph {i} of the joint statement." for i in range(WRITERS)]
    document = create_document(editor, group, title="Race", kind="statement",
                               sections=[{"heading": "Contested", "body": "\n\n".join(paragraphs)}])
    section = document.sections[0]
    section_id = section.id
    tokens = [create_api_token(editor, f"writer {w}")[1] for w in range(WRITERS)]
    db.session.commit()

    acknowledged: list[tuple[str, int]] = []
    refused: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def writer(w: int) -> None:
        rng = random.Random(w)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {tokens[w]}"
        url = f"{gunicorn_server}/api/v1/sections/{section_id}"
        state = session.get(url, timeout=30).json()
        for i in range(SAVES_EACH):
            if rng.random() < 0.6:  # most writers re-read; some keep writing on a stale base
                state = session.get(url, timeout=30).json()
            marker = f"[w{w}-s{i}]"
            parts = state["body"].split("\n\n")
            # Most saves touch the writer's own paragraph (mergeable); some touch a shared one (conflicts).
            target = w if rng.random() < 0.8 else 0
            parts[target] = parts[target] + " " + marker
            response = session.put(url, json={"body": "\n\n".join(parts), "base_revision": state["revision"],
                                              "message": marker}, timeout=60)
            with lock:
                if response.status_code == 200:
                    data = response.json()
                    acknowledged.append((marker, data["revision"]["number"]))
                    state = {"body": data["section"]["body"], "revision": data["section"]["revision"]}
                elif response.status_code == 409:
                    refused.append(marker)
                    state = session.get(url, timeout=30).json()
                else:
                    failures.append(f"{marker}: {response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(acknowledged) + len(refused) == WRITERS * SAVES_EACH
    db.session.expire_all()
    db.session.refresh(section)
    final = section.body
    lost = [marker for marker, _n in acknowledged if marker not in final]
    assert lost == [], f"acknowledged saves missing from the final text: {lost}"
    assert not any(marker in final for marker in refused)
    numbers = [n for _m, n in acknowledged]
    assert len(set(numbers)) == len(numbers), "two acknowledged saves claim the same revision"
    assert section.current_revision == 1 + len(acknowledged)  # gap-free: one revision per acknowledged save
    for marker, number in acknowledged:
        assert marker in revision_text(section_id, number)
    assert len(acknowledged) > WRITERS  # the test did exercise merging, not only conflicts
