"""The commented words highlighted in a section's rendered Markdown.

Anchors are positions in the Markdown source. Invisible marker characters
(from Unicode's private use area, which no writer types) go in at each
anchor's start and end; the text is rendered and sanitised as usual; then
every piece of text between a start and its end is wrapped in <mark>, piece
by piece, so a highlight across paragraphs or emphasis never breaks the HTML.
If the markers changed how the Markdown renders (a marker inside a link's
address, say), the highlighted HTML without its <mark>s would differ from
the plain rendering: that anchor is then not highlighted in the text, and
the comment's own excerpt still shows its words. Never a wrong highlight,
never a broken page.
"""
from __future__ import annotations

import re

from app.documents.rendering import render_cached

OPEN, CLOSE = "\ue000", "\ue001"
FIRST_INDEX = 0xE100
MAX_MARKS = 0x700  # anchors highlighted per section
_MARKER = re.compile("([\ue000\ue001])([\ue100-\ue7ff])")
_TAG = re.compile(r"(<[^>]*>)")
# Block syntax at the start of a line: a marker placed before it would stop it being syntax.
_BLOCK_START = re.compile(r"[ \t]*(?:(?:#{1,6}|[-*+]|\d{1,9}[.)]|>)[ \t]+)*")


def _mark_positions(text: str, spans) -> str:
    events = []
    for index, (start, end, _key) in enumerate(spans[:MAX_MARKS]):
        line_start = text.rfind("\n", 0, start) + 1
        if not text[line_start:start].strip(" \t"):  # at the start of a line: after its list, quote or heading marks
            start = max(start, min(end, _BLOCK_START.match(text, line_start).end()))
        if end <= start:
            continue
        marker = chr(FIRST_INDEX + index)
        events.append((start, 1, OPEN + marker))
        events.append((end, 0, CLOSE + marker))
    events.sort(key=lambda e: (e[0], e[1]))
    out, at = [], 0
    for position, _order, marker in events:
        out.append(text[at:position])
        out.append(marker)
        at = position
    out.append(text[at:])
    return "".join(out)


_ADDED = re.compile(r'<span id="mark-\d+" class="mark-target"></span>'
                    r'|<mark class="comment-mark" data-comments="[\d ]+">|</mark>')


def _without_marks(html: str) -> str:
    """The highlighted HTML with our own additions taken out: equal to the plain rendering when all went well."""
    return _ADDED.sub("", html)


def _wrap(rendered: str, spans) -> str:
    keys = [key for _s, _e, key in spans[:MAX_MARKS]]
    active: set[int] = set()
    pending_ids: list[int] = []
    out = []
    for token in _TAG.split(rendered):
        if token.startswith("<"):
            out.append(_MARKER.sub("", token))
            continue
        parts = _MARKER.split(token)
        # re.split with two groups gives [text, kind, index, text, kind, index, ..., text]
        i = 0
        while i < len(parts):
            piece = parts[i]
            if piece and not piece.strip():
                out.append(piece)  # whitespace between blocks: a <mark> there would be misplaced
            elif piece:
                for key in pending_ids:
                    out.append(f'<span id="mark-{key}" class="mark-target"></span>')
                pending_ids = []
                if active:
                    ids = " ".join(str(keys[k]) for k in sorted(active))
                    out.append(f'<mark class="comment-mark" data-comments="{ids}">{piece}</mark>')
                else:
                    out.append(piece)
            if i + 2 < len(parts):
                kind, index = parts[i + 1], ord(parts[i + 2]) - FIRST_INDEX
                if kind == OPEN:
                    active.add(index)
                    pending_ids.append(keys[index])
                else:
                    active.discard(index)
                    if keys[index] in pending_ids:  # no text between start and end
                        pending_ids.remove(keys[index])
            i += 3
    return "".join(out)


def highlighted_html(text: str, spans: list[tuple[int, int, int]], id_prefix: str = "") -> str:
    """`text` rendered as safe HTML with each (start, end, key) span marked; key names the comment."""
    plain = render_cached(text, id_prefix)
    spans = [s for s in spans if 0 <= s[0] < s[1] <= len(text)]
    if not spans or OPEN in text or CLOSE in text:
        return plain
    marked = _wrap(render_cached(_mark_positions(text, spans), id_prefix), spans)
    if _without_marks(marked) == plain:
        return marked
    good = [s for s in spans
            if _without_marks(_wrap(render_cached(_mark_positions(text, [s]), id_prefix), [s])) == plain]
    if not good:
        return plain
    marked = _wrap(render_cached(_mark_positions(text, good), id_prefix), good)
    return marked if _without_marks(marked) == plain else plain
