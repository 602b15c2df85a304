"""Open threads on the document page, each rendered once per state and reader's powers, then reused.

A busy document carries hundreds of open threads, and rendering each through its macros cost more
than the rest of the page. A thread's markup is a function of what the key below holds: the
comments (their text, authors, dates, edits and deletions), the quoted words as they stand now, the
thread's state, the section link it returns to, what the reader's role allows, the language of the
interface (its words) and the reader's time zone (its dates). Any change to one of those is another
key, so nothing needs invalidating. What depends on who reads goes into marked holes filled per
request: the CSRF token (see app/documents/fragments.py), and the tools an author has on their own
comments, kept in both versions.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from flask import current_app
from flask_babel import get_timezone
from flask_login import current_user
from markupsafe import Markup

from app.caching import process_cache
from app.comments import services
from app.comments.highlighting import highlighted_html
from app.comments.permissions import comment_tools_allowed, resolve_allowed, role_in
from app.comments.services import highlight_spans
from app.documents.fragments import CSRF, NONCE
from app.documents.services import sections_by_id
from app.i18n import current_language

_CSRF_MARKUP = Markup(CSRF)
# A comment's own tools depend on who reads (its author edits it): kept markup holds both versions between
# these marks, and each request takes the one for its reader. The nonce of app/documents/fragments.py is in
# every mark, so no text a person typed can be taken for one.
_HOLE, _OR, _END = (f"\ue000{name}-{NONCE}\ue000" for name in ("hole", "or", "end"))
_GAPS = re.compile(f"{re.escape(CSRF)}|{re.escape(_HOLE)}(\\d+){re.escape(_OR)}(.*?){re.escape(_OR)}(.*?)"
                   f"{re.escape(_END)}", re.S)


class _Holes:
    """What a thread's markup shows of the tools that depend on authorship: both versions, in a hole named
    by the comment whose author sees the first (its own tools; for the resolve button, the thread's first
    comment). What each version allows comes from the permission rules, for the reader's role."""

    def __init__(self, powers: tuple):
        (self.own_tools, self.others_tools), (self.resolve_own, self.resolve_others) = powers
        self.module = None

    def _hole(self, cid: int, mine: str, other: str) -> Markup:
        return Markup(mine if mine == other else f"{_HOLE}{cid}{_OR}{mine}{_OR}{other}{_END}")

    def comment_tools(self, c, next_url: str) -> Markup:
        return self._hole(c.id, str(self.module.comment_tools(c, next_url, *self.own_tools)),
                          str(self.module.comment_tools(c, next_url, *self.others_tools)))

    def resolve_tool(self, thread, next_url: str) -> Markup:
        return self._hole(thread.comment.id, str(self.module.resolve_tool(thread, next_url, self.resolve_own)),
                          str(self.module.resolve_tool(thread, next_url, self.resolve_others)))


class ThreadBlocks:
    """Per request: key(thread, ...) names a thread's markup, markup(key, thread, ...) gives it. The markup is
    the same for every reader with the same powers; what depends on authorship is in holes (_Holes)."""

    def __init__(self, document):
        role = role_in(current_user, document.group_id)
        # What the reader's role allows in a thread, as author and as anyone else: readers whose roles allow
        # the same (an editor and a coordinator) read the same markup.
        self.powers = (tuple(comment_tools_allowed(role, author) for author in (True, False)),
                       tuple(resolve_allowed(role, author) for author in (True, False)))
        self.cache = process_cache("thread_block")
        self.language = current_language()  # the threads' words are in it
        self._macro = None

    def _render(self, thread, section, can_comment: bool, next_url: str) -> str:
        if self._macro is None:
            holes = _Holes(self.powers)
            helpers = {"holes": holes, "comment_html": services.comment_html, "csrf_token": lambda: _CSRF_MARKUP}
            template = current_app.jinja_env.get_template("comments/_macros.html")
            holes.module = template.make_module(helpers)
            self._macro = holes.module.thread_block
        return str(self._macro(thread, section, can_comment, next_url))

    def key(self, thread, section, can_comment: bool, next_url: str) -> tuple:
        """Everything the thread's markup shows: equal keys, equal markup. Where the quoted words stand is
        not shown (the link to them names the comment), so an edit before them that moves them keeps the key;
        the words themselves and whether they are exact or gone are in it."""
        comments = [thread.comment, *thread.replies]
        location = thread.location
        return (thread.comment.id, self.powers, can_comment, next_url, self.language, str(get_timezone()),
                section.deleted_at, location.orphaned, location.exact, location.start is None,
                thread.quoted_now(section.body), thread.comment.anchor_quote, thread.comment.resolved_at,
                thread.comment.resolved_by_id,
                tuple((c.id, c.body, c.author_id, c.author_name, c.created_at, c.edited_at, c.deleted_at)
                      for c in comments))

    def markup(self, key: tuple, thread, section, can_comment: bool, next_url: str) -> str:
        """The thread's markup, the CSRF and authorship holes still marked."""
        html = self.cache.get(key)
        if html is None:
            html = self._render(thread, section, can_comment, next_url)
            self.cache.put(key, html)
        return html


class Piece(NamedTuple):
    """A section's kept markup, UTF-8. `common`: as read by anyone who wrote none of its comments, cut at its
    CSRF tokens. `literals` and `gaps`: cut also at its authorship holes, a gap being None for the CSRF
    token or (comment id, the author's version, everyone else's), each version cut at its CSRF tokens;
    `authors_of`: the ids of the comments with a hole."""
    common: tuple
    authors_of: frozenset
    literals: tuple
    gaps: tuple

    @classmethod
    def cut(cls, html: str) -> Piece:
        literals, gaps, common, last = [], [], [], 0
        for match in _GAPS.finditer(html):
            literals.append(html[last:match.start()])
            if match.group(1) is None:
                gaps.append(None)
            else:
                gaps.append((int(match.group(1)), match.group(2), match.group(3)))
            last = match.end()
        literals.append(html[last:])
        for n, literal in enumerate(literals):
            common.append(literal)
            if n < len(gaps):
                common.append(CSRF if gaps[n] is None else gaps[n][2])
        return cls(tuple(p.encode() for p in "".join(common).split(CSRF)),
                   frozenset(gap[0] for gap in gaps if gap is not None), tuple(p.encode() for p in literals),
                   tuple(gap and (gap[0], *(tuple(p.encode() for p in v.split(CSRF)) for v in gap[1:]))
                         for gap in gaps))

    def weight(self) -> int:
        return (sum(map(len, self.common)) + sum(map(len, self.literals))
                + sum(len(b) for gap in self.gaps if gap for version in gap[1:] for b in version))

    def join_to(self, out: list, token: bytes, mine: frozenset) -> None:
        """Appends the piece as `mine` (the ids of the reader's comments) reads it, with `token` in its forms."""
        append = out.append
        if self.authors_of.isdisjoint(mine):
            segments = self.common
            append(segments[0])
            for segment in segments[1:]:
                append(token)
                append(segment)
            return
        literals = self.literals
        append(literals[0])
        for gap, literal in zip(self.gaps, literals[1:]):
            if gap is None:
                append(token)
            else:
                version = gap[1] if gap[0] in mine else gap[2]
                append(version[0])
                for part in version[1:]:
                    append(token)
                    append(part)
            append(literal)


def document_body(sections, discussion, frames, blocks: ThreadBlocks) -> list[bytes]:
    """Every section of the document page, [(number, section)] in order, as UTF-8 chunks to be joined into
    the response: its frame, its text with the words of open threads highlighted, and those threads.

    Each section's whole markup is kept, encoded and cut at its CSRF and authorship holes, under a PieceKey:
    the section's revision (which names its text) and discussion version (raised with every change to its
    comments and suggestions, in the writing transaction), its place in the outline and what the reader's
    role allows. A request in which nothing changed reads no comment and joins bytes, filling the holes for
    its reader (discussion.mine: the comments they wrote); a change rebuilds only the sections it touched,
    from their threads read afresh. Those are read after the section row, so what is kept under a version is
    never older than that version."""
    cache = process_cache("section_piece")
    token = frames.csrf_token.encode()
    last = len(sections) - 1
    reader = (frames.rights, blocks.powers, frames.doc_url, frames.language, frames.doc_language, str(get_timezone()))
    pieces: list = []
    missing: list[tuple[int, str, object, PieceKey]] = []
    for index, (number, section) in enumerate(sections):
        key = PieceKey(section.id, section.current_revision, section.discussion_version, section.heading,
                       section.level, number, index == 0, index == last, reader)
        piece = cache.get(key)
        if piece is None:
            missing.append((index, number, section, key))
        pieces.append(piece)
    if missing:
        _build_pieces(missing, pieces, cache, frames, blocks, discussion.can_comment, last)
    mine = discussion.mine
    out: list[bytes] = []
    for piece in pieces:
        piece.join_to(out, token, mine)
    return out


def _build_pieces(missing: list, pieces: list, cache, frames, blocks: ThreadBlocks, can_comment: bool,
                  last: int) -> None:
    """Builds the `missing` pieces, [(index, number, outline entry, key)], into `pieces` and keeps them. The
    sections themselves and then their threads are read after their outline rows, so what is kept under a key
    is never older than the key says."""
    loaded = sections_by_id([entry.id for _i, _n, entry, _k in missing])
    found = []
    for index, number, entry, key in missing:
        if entry.id in loaded:
            found.append((index, number, loaded[entry.id], key))
        else:  # removed with its document since: nothing to show
            pieces[index] = Piece.cut("")
    details = services.section_discussions([section for _i, _n, section, _k in found])
    spans = {section.id: highlight_spans(details[section.id].threads) for _i, _n, section, _k in found}
    for index, number, section, key in found:
        # What the markup shows of the section is the row read now, had it been saved or moved since.
        key = key._replace(revision=section.current_revision, heading=section.heading, level=section.level)
        d = details[section.id]
        next_url = f"{frames.doc_url}#{section.anchor}"
        frame = frames.key(section, number, index == 0, index == last, len(d.threads), d.proposed, d.has_resolved)
        head, middle, tail = frames.parts(frame, section)
        text = _highlighted_text(section, spans[section.id])
        blocks_html = "".join(blocks.markup(blocks.key(t, section, can_comment, next_url), t, section,
                                            can_comment, next_url) for t in d.threads)
        piece = pieces[index] = Piece.cut("".join((head, text, middle, blocks_html, tail, "\n")))
        cache.put(key, piece, piece.weight())


def _highlighted_text(section, spans: tuple) -> str:
    """The section's text as HTML with the open threads' words marked, kept per revision and marks: the
    same text is wanted again by readers of other roles and by readers with their own threads in it."""
    cache = process_cache("section_text")
    key = (section.id, section.current_revision, spans, current_language())  # a text shown as written has a note
    html = cache.get(key)
    if html is None:
        html = highlighted_html(section.body, list(spans), f"{section.anchor}-")
        cache.put(key, html, len(html))
    return html


class PieceKey(NamedTuple):
    """Everything a section's markup on the document page shows. The text is a function of the revision
    (save_section is the one place that sets both), the discussion of the discussion version; the reader
    is their rights, what their role allows in threads, the page's address, the languages (the reader's,
    the document's) and the reader's time zone (dates are shown in it)."""
    section_id: int
    revision: int
    discussion_version: int
    heading: str
    level: int
    number: str
    first: bool
    last: bool
    reader: tuple
