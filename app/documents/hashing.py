"""The content hash of a document state: SHA-256 over a canonical form.

The canonical form is compact JSON (sorted keys, no spaces, UTF-8) of the
title and the ordered sections (level, heading, body with LF line ends),
and each further part of the text that a package built on the core
contributes (signals.text_parts: a roadmap's ordered actions, as a reader
sees them, under "actions"). Anyone holding the text can recompute it; the
PDF and the endorsements carry it.
"""
from __future__ import annotations

import hashlib
import json

_OWN_KEYS = ("title", "sections")


def canonical_form(title: str, sections: list[dict], parts: dict[str, list | None] | None = None) -> bytes:
    """Further parts join the form only when they are not empty, so the hash of every document without
    them stays what it always was."""
    data = {
        "title": title,
        "sections": [{"level": s["level"], "heading": s["heading"], "body": s["body"]} for s in sections],
    }
    for name, value in (parts or {}).items():
        if name in _OWN_KEYS:
            raise ValueError(f"A text part may not be called {name!r}.")
        if value:
            data[name] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(title: str, sections: list[dict], parts: dict[str, list | None] | None = None) -> str:
    return hashlib.sha256(canonical_form(title, sections, parts)).hexdigest()
