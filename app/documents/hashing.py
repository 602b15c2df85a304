"""The content hash of a document state: SHA-256 over a canonical form.

The canonical form is compact JSON (sorted keys, no spaces, UTF-8) of the
title and the ordered sections (level, heading, body with LF line ends),
and, for a roadmap that has actions, the ordered actions as a reader sees
them (roadmaps.services.canonical_actions). Anyone holding the text can
recompute it; the PDF and the endorsements carry it.
"""
from __future__ import annotations

import hashlib
import json


def canonical_form(title: str, sections: list[dict], actions: list[dict] | None = None) -> bytes:
    """A roadmap's actions (roadmaps.services.canonical_actions) join the form only when there are
    some, so the hash of every document without actions stays what it always was."""
    data = {
        "title": title,
        "sections": [{"level": s["level"], "heading": s["heading"], "body": s["body"]} for s in sections],
    }
    if actions:
        data["actions"] = actions
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(title: str, sections: list[dict], actions: list[dict] | None = None) -> str:
    return hashlib.sha256(canonical_form(title, sections, actions)).hexdigest()
