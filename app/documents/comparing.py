"""Comparisons as people read them: word-level track changes on the formatted text.

Both texts are rendered first (the app's own Markdown rendering, sanitised and bounded: the caller passes
it in, so this module stays pure), then read back as blocks (paragraphs, headings, list items, table
cells, ...) each holding a run of words with their formatting. Blocks are aligned first (diff-match-patch
on one character per block, as its line mode does), a block that moved is paired with its new place,
changed blocks are paired with their new form, and the words of each pair are compared
(diff-match-patch on one character per word, then its semantic clean-up, so neighbouring small changes
read as one phrase replaced). The answer keeps the formatting (headings, bold, italics, links, lists,
tables) and marks the changes inside it with <ins>/<del>, each with words a screen reader says; a change
of formatting alone is said in words ("bold added", "link changed").

Why not lxml.html.diff.htmldiff (the maintained formatted-HTML diff): tried on the issue's examples it
replaces a whole paragraph for "not an optional extra" → "never a voluntary add-on", puts a <del> between
table rows (outside any cell), shows a changed link as the words "Link: https://..." inside the text, says
nothing of bold added or removed and has no moves. redlines and xmldiff compare plain text or XML trees,
not formatted text with words as the unit. So this builds on diff-match-patch, already a dependency.

Bounded: one diff-match-patch call never runs longer than TIMEOUT, and once the caller's time budget is
spent (or the texts are larger than MAX_TOKENS words), changed blocks are shown whole (the old block
struck, the new one inserted) and the answer says it is coarser.
"""
from __future__ import annotations

import html as html_module
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from diff_match_patch import diff_match_patch

from app.i18n import _
from app.util import N_

DELETE, EQUAL, INSERT = -1, 0, 1
TIMEOUT = 0.1  # seconds, for any single diff-match-patch call
MAX_TOKENS = 200_000  # words and spaces of both texts together beyond which changed blocks are shown whole
MAX_BLOCK_TOKENS = 20_000  # the same for one changed block
MOVE_SIMILARITY = 0.6  # share of words a deleted and an inserted block have in common to be called a move
MOVE_MIN_WORDS = 3  # a shorter block ("Yes.") is not called moved: it is likelier two different ones
MAX_MOVE_PAIRS = 40_000  # deleted x inserted blocks compared for moves; beyond, only identical blocks are
PAIR_SIMILARITY = 0.3  # in one changed stretch, blocks this alike are shown as one block edited

COARSE_NOTE = N_("This comparison is coarser than usual: the texts are long, so a changed paragraph is "
                 "shown whole (the old one struck through, the new one inserted) rather than word by word.")


def coarse_note() -> str:
    """What a coarser comparison says about itself (COARSE_NOTE), in the reader's language."""
    return _(COARSE_NOTE)


class _Marks(NamedTuple):
    """The words said around every insertion and deletion, in the reader's language: looked up once per
    comparison (they are said thousands of times in a long one)."""
    ins_open: str  # HTML
    del_open: str  # HTML
    close: str  # HTML
    deleted: str  # plain text, with %(text)s
    inserted: str  # plain text, with %(text)s

    @classmethod
    def now(cls) -> _Marks:
        return cls(_say("[inserted: "), _say("[deleted: "), _say("]"), _("[deleted: %(text)s]"),
                   _("[inserted: %(text)s]"))


_MARKS: ContextVar[_Marks | None] = ContextVar("comparison_marks", default=None)


def _marks() -> _Marks:
    return _MARKS.get() or _Marks.now()


def _say(message: str, **html) -> str:
    """A translated sentence as HTML: its words escaped, then `html` (markup already safe) put in its
    %(name)s placeholders."""
    return _escape(_(message)) % html if html else _escape(_(message))

# --- Reading the rendered HTML back --------------------------------------------------------------------

_VOID = {"br", "hr", "img", "wbr"}
_INLINE = {"strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup", "code", "a", "abbr", "span", "br",
           "mark", "small", "kbd", "q", "cite"}
_LEAVES = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "caption", "pre", "hr"}
_KEPT_ATTRIBUTES = {"href", "title", "rel", "align", "colspan", "rowspan", "scope", "start", "class"}
# A writer's own <del>/<ins> (the sanitiser allows them) must not read as a change: shown as <s>/<u>.
_MARK_TAG = {"del": "s", "ins": "u"}


_BR = "\x00"  # a line break (<br>) among the words: the renderer removes NUL from texts, so it is unambiguous
_SPACES = re.compile(r"\s+")


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, attrs, []


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node(None, ())
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        kept = tuple(sorted((k, v or "") for k, v in attrs if k in _KEPT_ATTRIBUTES
                            and not (k == "class" and tag != "div")))
        node = _Node(tag, kept)
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


_WORD_CHAR = r"[\w\u0300-\u036f\u0900-\u0dff\u0e00-\u0e7f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
# One token: an ideograph or kana (those scripts put no spaces between words); a word, which keeps its
# apostrophes and hyphens (l'Union, aujourd'hui, Vergabe-Richtlinie) and its decimal or thousands
# separators between digits (2,5 and 1.000); a run of white space; any other single character.
_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
    rf"|{_WORD_CHAR}+(?:(?:['’\u2010\u2011-]|(?<=\d)[.,](?=\d)){_WORD_CHAR}+)*"
    r"|\s+|.", re.S)


_BEYOND_RANGES = re.compile(r"[^\x00-\u02ff]")


def tokens_of(text: str) -> list[str]:
    """The word rule: whole words, numbers, punctuation marks and runs of white space, in order; joined
    they give the text back. A combining mark beyond the ranges above still stays with its word."""
    if not _BEYOND_RANGES.search(text):  # no combining mark can be outside the ranges: nothing to join
        return _TOKEN.findall(text)
    out: list[str] = []
    for token in _TOKEN.findall(text):
        if out and len(token) == 1 and unicodedata.category(token)[0] == "M":
            out[-1] += token
        elif out and unicodedata.category(out[-1][-1])[0] == "M" and token[0].isalnum() and out[-1][0].isalnum():
            out[-1] += token
        else:
            out.append(token)
    return out


@dataclass
class _Block:
    path: tuple  # ((uid, tag, attrs), ...) from the outermost container to the element holding the words
    tokens: list  # [(text, marks)], marks = ((tag, attrs), ...) from the outside in
    pre: bool
    key: str = ""
    words: Counter = field(default_factory=Counter)

    @property
    def leaf(self) -> str:
        return self.path[-1][1] if self.path else "p"


class _Reader:
    def __init__(self, side: str):
        self.side = side
        self.count = 0
        self.blocks: list[_Block] = []

    def read(self, html: str) -> list[_Block]:
        builder = _TreeBuilder()
        builder.feed(html)
        builder.close()
        self._walk(builder.root, ())
        return self.blocks

    def _walk(self, node: _Node, path: tuple) -> None:
        if node.tag is not None:
            self.count += 1
            path = (*path, (f"{self.side}{self.count}", node.tag, node.attrs))
        pre = any(tag == "pre" for _uid, tag, _attrs in path)
        run: list = []
        produced = False
        for child in node.children:
            if isinstance(child, str):
                run.append((child, ()))
            elif child.tag in _INLINE:
                self._inline(child, (), run)
            else:
                produced |= self._flush(run, path, pre)
                run = []
                self._walk(child, path)
                produced = True
        produced |= self._flush(run, path, pre)
        if not produced and node.tag in _LEAVES:
            self.blocks.append(_Block(path, [], pre))  # an empty cell or a rule keeps the shape

    def _inline(self, node: _Node, marks: tuple, run: list) -> None:
        if node.tag == "br":
            run.append((_BR, marks))
            return
        if node.tag in _VOID:
            return
        tag = _MARK_TAG.get(node.tag, node.tag)
        inner = (*marks, (tag, node.attrs)) if tag != "span" or node.attrs else marks
        for child in node.children:
            if isinstance(child, str):
                run.append((child, inner))
            else:
                self._inline(child, inner, run)

    def _flush(self, run: list, path: tuple, pre: bool) -> bool:
        tokens: list = []
        key: list[str] = []
        for text, marks in run:
            if text == _BR:
                if not pre and tokens and tokens[-1][0] == " ":
                    tokens.pop()
                tokens.append((_BR, marks))
                key.append(_BR)
                continue
            if not pre:
                text = _SPACES.sub(" ", text)
            words = tokens_of(text)
            if not pre and words and words[0] == " " and (not tokens or tokens[-1][0] in (" ", _BR)):
                del words[0]
            if words:
                tokens.extend([(word, marks) for word in words])
                key.append(f"{marks!r}\x02{''.join(words)}")
        if not pre:
            while tokens and tokens[-1][0] == " ":
                tokens.pop()
        if not tokens or (not pre and all(t == " " for t, _m in tokens)):
            return False
        if not path:  # words outside any block (not from Markdown, but possible): a paragraph of their own
            self.count += 1
            path = ((f"{self.side}{self.count}", "p", ()),)
        block = _Block(path, tokens, pre)
        # What makes two blocks the same: their place and tag, and their words with their formatting.
        block.key = "/".join(f"{tag}{attrs}" for _uid, tag, attrs in path) + "\x00" + "\x01".join(key)
        self.blocks.append(block)
        return True


def _prepare(blocks: list[_Block]) -> None:
    for block in blocks:
        shape = "/".join(f"{tag}{attrs}" for _uid, tag, attrs in block.path)
        if not block.key:  # an empty block (a cell, a rule)
            block.key = shape + "\x00"
        block.words = Counter(text for text, _m in block.tokens if not text.isspace())


def _similarity(a: _Block, b: _Block) -> float:
    total = sum(a.words.values()) + sum(b.words.values())
    if not total:
        return 1.0 if a.leaf == b.leaf else 0.0
    return 2 * sum((a.words & b.words).values()) / total


# --- Aligning blocks and words -------------------------------------------------------------------------

def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = TIMEOUT
    return dmp


def _as_chars(a: list, b: list) -> tuple[str, str]:
    """One character per distinct item, as diff-match-patch's linesToChars does for lines."""
    codes: dict = {}

    def encode(items):
        return "".join(chr(0x10000 + codes.setdefault(item, len(codes))) for item in items)
    return encode(a), encode(b)


def _sequence_diff(a: list, b: list, semantic: bool) -> list[tuple[int, int]]:
    """[(op, count)]: how many items of a (delete), of b (insert) or of both (equal) come next."""
    if a == b:
        return [(EQUAL, len(a))] if a else []
    chars_a, chars_b = _as_chars(a, b)
    dmp = _dmp()
    diffs = dmp.diff_main(chars_a, chars_b, False)
    if semantic:
        dmp.diff_cleanupSemantic(diffs)
    return [(op, len(text)) for op, text in diffs]


@dataclass
class _Item:
    kind: str  # equal, delete, insert, modify, moved_from, moved_to
    old: _Block | None = None
    new: _Block | None = None
    move: int = 0  # the move's number, for moved_from / moved_to
    move_down: bool = True
    ops: list | None = None  # the word diff of old and new, computed once


def _align(old: list[_Block], new: list[_Block], find_moves: bool = True) -> list[_Item]:
    items: list[_Item] = []
    runs: list[tuple[list[_Block], list[_Block], int]] = []  # (deleted, inserted, index in items)
    i = j = 0
    pending: tuple[list, list] = ([], [])
    for op, count in _sequence_diff([b.key for b in old], [b.key for b in new], semantic=False):
        if op == EQUAL:
            if pending[0] or pending[1]:
                runs.append((*pending, len(items)))
                items.append(None)  # the run's place, filled below
                pending = ([], [])
            for k in range(count):
                items.append(_Item("equal", old[i + k], new[j + k]))
            i += count
            j += count
        elif op == DELETE:
            pending[0].extend(old[i:i + count])
            i += count
        else:
            pending[1].extend(new[j:j + count])
            j += count
    if pending[0] or pending[1]:
        runs.append((*pending, len(items)))
        items.append(None)

    moves = _find_moves(runs) if find_moves else {}
    sources = {id(new): old_block for old_block in (b for dels, _ins, _p in runs for b in dels)
               for new in [moves.get(id(old_block))] if new is not None}
    out: list[_Item] = []
    run_at = {place: (deleted, inserted) for deleted, inserted, place in runs}
    for place, item in enumerate(items):
        if item is not None:
            out.append(item)
            continue
        deleted, inserted = run_at[place]
        out.extend(_pair_run(deleted, inserted, moves, sources))
    # Number the moves in reading order and say which way each went.
    numbers: dict[int, int] = {}
    first_seen: dict[int, str] = {}
    for item in out:
        if item.kind in ("moved_from", "moved_to"):
            ident = id(item.old)
            item.move = numbers.setdefault(ident, len(numbers) + 1)
            first_seen.setdefault(ident, item.kind)
    for item in out:
        if item.kind in ("moved_from", "moved_to"):
            item.move_down = first_seen[id(item.old)] == "moved_from"
    return out


def _find_moves(runs) -> dict[int, _Block]:
    """Deleted blocks that reappear (as they were, or edited) in another changed stretch: id(old) -> new."""
    def long_enough(block: _Block) -> bool:
        return sum(block.words.values()) >= MOVE_MIN_WORDS
    deleted = [(r, b) for r, (dels, _ins, _p) in enumerate(runs) for b in dels if long_enough(b)]
    inserted = [(r, b) for r, (_dels, ins, _p) in enumerate(runs) for b in ins if long_enough(b)]
    moves: dict[int, _Block] = {}
    taken: set[int] = set()
    if not deleted or not inserted:
        return moves
    if len(deleted) * len(inserted) > MAX_MOVE_PAIRS:
        by_text = {}
        for r, b in inserted:
            by_text.setdefault(tuple(t for t, _m in b.tokens), []).append((r, b))
        for r, b in deleted:
            for r2, b2 in by_text.get(tuple(t for t, _m in b.tokens), []):
                if r2 != r and id(b2) not in taken:
                    moves[id(b)] = b2
                    taken.add(id(b2))
                    break
        return moves
    candidates = sorted(((_similarity(d, n), k, m) for k, (rd, d) in enumerate(deleted)
                         for m, (rn, n) in enumerate(inserted) if rd != rn), reverse=True)
    used_old: set[int] = set()
    for score, k, m in candidates:
        if score < MOVE_SIMILARITY:
            break
        if k in used_old or m in taken:
            continue
        used_old.add(k)
        taken.add(m)
        moves[id(deleted[k][1])] = inserted[m][1]
    return moves


def _pair_run(deleted: list[_Block], inserted: list[_Block], moves: dict[int, _Block],
              sources: dict[int, _Block]) -> list[_Item]:
    targets = {id(b) for b in moves.values()}
    dels = [b for b in deleted if id(b) not in moves]
    ins = [b for b in inserted if id(b) not in targets]
    partner: dict[int, _Block] = {}
    if len(dels) == len(ins) and all(d.leaf == n.leaf for d, n in zip(dels, ins)):
        partner = {id(d): n for d, n in zip(dels, ins)}
    else:
        start = 0
        for d in dels:
            best, best_score = None, PAIR_SIMILARITY
            for position in range(start, min(len(ins), start + 50)):
                score = _similarity(d, ins[position]) - (0 if d.leaf == ins[position].leaf else 0.2)
                if score >= best_score:
                    best, best_score = position, score
            if best is not None:
                partner[id(d)] = ins[best]
                start = best + 1
    paired_new = {id(n) for n in partner.values()}
    out: list[_Item] = []
    i = j = 0
    while i < len(deleted) or j < len(inserted):
        d = deleted[i] if i < len(deleted) else None
        n = inserted[j] if j < len(inserted) else None
        if d is not None and id(d) in moves:
            out.append(_Item("moved_from", d, moves[id(d)]))
            i += 1
        elif d is not None and id(d) not in partner:
            out.append(_Item("delete", d))
            i += 1
        elif n is not None and id(n) in targets:
            out.append(_Item("moved_to", sources[id(n)], n))
            j += 1
        elif n is not None and id(n) not in paired_new:
            out.append(_Item("insert", None, n))
            j += 1
        else:
            out.append(_Item("modify", d, partner[id(d)]))
            i += 1
            j += 1
    return out


REWRITTEN = 0.2  # blocks with fewer words in common are shown as rewritten whole, without a word diff


def _word_diff(old: _Block, new: _Block) -> list[tuple[int, list]]:
    """[(op, [(text, old_marks, new_marks)])]: equal words carry both formattings."""
    if _similarity(old, new) < REWRITTEN:
        return [(op, [(t, m, m) for t, m in tokens]) for op, tokens in ((DELETE, old.tokens), (INSERT, new.tokens))
                if tokens]
    a = [t for t, _m in old.tokens]
    b = [t for t, _m in new.tokens]
    out: list[tuple[int, list]] = []
    i = j = 0
    for op, count in _sequence_diff(a, b, semantic=True):
        if op == EQUAL:
            out.append((EQUAL, [(old.tokens[i + k][0], old.tokens[i + k][1], new.tokens[j + k][1])
                                for k in range(count)]))
            i += count
            j += count
        elif op == DELETE:
            out.append((DELETE, [(t, m, m) for t, m in old.tokens[i:i + count]]))
            i += count
        else:
            out.append((INSERT, [(t, m, m) for t, m in new.tokens[j:j + count]]))
            j += count
    return out


# --- Writing the comparison ----------------------------------------------------------------------------

def _escape(text: str) -> str:
    return html_module.escape(text, quote=False)


def _open_tag(tag: str, attrs, extra_class: str = "") -> str:
    attrs = list(attrs)
    if extra_class:
        attrs = [(k, v) for k, v in attrs if k != "class"] + [("class", extra_class)]
    rendered = "".join(f' {k}="{html_module.escape(v, quote=True)}"' for k, v in attrs)
    return f"<{tag}{rendered}>"


_MARK_NAMES = {"strong": "bold", "b": "bold", "em": "italics", "i": "italics", "u": "underline",
               "s": "strikethrough", "code": "code", "sub": "subscript", "sup": "superscript", "a": "link",
               "abbr": "abbreviation"}


def _mark_name(name: str) -> str:
    """A formatting's name (_MARK_NAMES) in the reader's language."""
    return {"bold": _("bold"), "italics": _("italics"), "underline": _("underline"),
            "strikethrough": _("strikethrough"), "code": _("code"), "subscript": _("subscript"),
            "superscript": _("superscript"), "link": _("link"), "abbreviation": _("abbreviation"),
            "formatting": _("formatting")}.get(name, name)


def _block_name(leaf: str) -> str:
    """A kind of block, by its tag, in the reader's language."""
    names = {"p": _("paragraph"), "li": _("list item"), "td": _("table cell"), "th": _("table header cell"),
             "pre": _("code block"), "dt": _("term"), "dd": _("definition"), "caption": _("table caption")}
    if leaf in names:
        return names[leaf]
    if len(leaf) == 2 and leaf[0] == "h" and leaf[1] in "123456":
        return _("heading %(level)s", level=leaf[1])
    return leaf


def _format_change(old_marks: tuple, new_marks: tuple) -> str:
    """The words for a change of formatting alone: "bold added", "link changed, was https://..."."""
    old_by, new_by = {}, {}
    for tag, attrs in old_marks:
        old_by.setdefault(_MARK_NAMES.get(tag, "formatting"), dict(attrs))
    for tag, attrs in new_marks:
        new_by.setdefault(_MARK_NAMES.get(tag, "formatting"), dict(attrs))
    said = []
    for name in new_by:
        if name not in old_by:
            said.append(_("%(formatting)s added", formatting=_mark_name(name)))
        elif name == "link" and old_by[name].get("href") != new_by[name].get("href"):
            was = old_by[name].get("href")
            said.append(_("link changed, was %(address)s", address=was) if was else _("link changed"))
        elif old_by[name] != new_by[name]:
            said.append(_("%(formatting)s changed", formatting=_mark_name(name)))
    said += [_("%(formatting)s removed", formatting=_mark_name(name)) for name in old_by if name not in new_by]
    return _(", ").join(said) or _("formatting changed")


class _Writer:
    """HTML out of blocks: opens and closes the containers (lists, tables, quotes) as the path changes."""

    def __init__(self):
        self.parts: list[str] = []
        self.stack: list[str] = []  # uids of the open elements
        self.tags: list[str] = []

    def block(self, path: tuple, leaf_class: str, body: str, prefix: str = "") -> None:
        common = 0
        while common < len(self.stack) and common < len(path) and self.stack[common] == path[common][0]:
            common += 1
        self._close_to(common)
        for position in range(common, len(path)):
            uid, tag, attrs = path[position]
            is_leaf = position == len(path) - 1
            self.parts.append(_open_tag(tag, attrs, leaf_class if is_leaf else ""))
            if tag in _VOID:
                continue
            self.stack.append(uid)
            self.tags.append(tag)
        self.parts.append(prefix + body)

    def _close_to(self, depth: int) -> None:
        while len(self.stack) > depth:
            self.stack.pop()
            tag = self.tags.pop()
            self.parts.append(f"</{tag}>" + ("\n" if tag in _LEAVES else ""))

    def html(self) -> str:
        self._close_to(0)
        return "".join(self.parts)


def _wrap_runs(pieces: list[tuple[str, tuple, str]]) -> str:
    """pieces: [(kind, marks, html)]; kind "" (unchanged), "ins", "del" or "fmt:<note>". Formatting marks
    stay open across pieces, so a link with a word changed inside it is still one link."""
    out: list[str] = []
    open_marks: list = []
    for kind, marks, inner in pieces:
        common = 0
        while common < len(open_marks) and common < len(marks) and open_marks[common] == marks[common]:
            common += 1
        while len(open_marks) > common:
            out.append(f"</{open_marks.pop()[0]}>")
        for mark in marks[common:]:
            out.append(_open_tag(*mark))
            open_marks.append(mark)
        out.append(inner if not kind else _mark(kind, inner))
    while open_marks:
        out.append(f"</{open_marks.pop()[0]}>")
    return "".join(out)


def _mark(kind: str, inner: str) -> str:
    if kind == "ins":
        marks = _marks()
        return (f'<ins><span class="visually-hidden">{marks.ins_open}</span>{inner}'
                f'<span class="visually-hidden">{marks.close}</span></ins>')
    if kind == "del":
        marks = _marks()
        return (f'<del><span class="visually-hidden">{marks.del_open}</span>{inner}'
                f'<span class="visually-hidden">{marks.close}</span></del>')
    note = kind.split(":", 1)[1]
    return (f'<span class="diff-format">{inner}</span>'
            f'<span class="diff-note"> ({_escape(note)})</span>')


def _group(tokens) -> list[tuple[str, tuple, str]]:
    """[(text, marks, kind)] -> pieces with neighbouring tokens of one kind and formatting joined."""
    return [(kind, marks, _escape("".join([token[0] for token in group])).replace(_BR, "<br>"))
            for (kind, marks), group in groupby(tokens, key=itemgetter(2, 1))]


def _body(item: _Item, side: str, coarse_now: bool) -> str:
    """The words of one block: side "inline" (deletions and insertions), "old" or "new"."""
    if item.kind == "equal":
        if item.ops is None:  # the same on every side: written once
            block = item.new
            item.ops = _wrap_runs(_group([(t, m, "") for t, m in block.tokens]))
        return item.ops
    if item.kind in ("delete", "insert") or coarse_now:
        block = item.old if item.kind in ("delete", "moved_from") else item.new
        kind = "del" if item.kind in ("delete", "moved_from") else "ins"
        return _wrap_runs(_group([(t, m, kind) for t, m in block.tokens]))
    tokens = []
    for op, words in item.ops:
        for text, old_marks, new_marks in words:
            if op == EQUAL:
                if side == "old":
                    tokens.append((text, old_marks, ""))
                elif old_marks != new_marks and not text.isspace():
                    tokens.append((text, new_marks, "fmt:" + _format_change(old_marks, new_marks)))
                else:
                    tokens.append((text, new_marks, ""))
            elif op == DELETE and side in ("inline", "old"):
                tokens.append((text, old_marks, "del"))
            elif op == INSERT and side in ("inline", "new"):
                tokens.append((text, new_marks, "ins"))
    return _wrap_runs(_group(tokens))


@dataclass
class Comparison:
    html: str  # inline: one text with the deletions and insertions marked in place
    old_html: str  # side by side, left: the old text with its deletions marked
    new_html: str  # side by side, right: the new text with its insertions marked
    rows: list  # side by side aligned by block: [(old_html, new_html)] per top-level block
    text: str  # plain text for e-mails: [deleted: ...] and [inserted: ...] inside the words
    changed: bool
    coarse: bool  # some changed blocks are shown whole (the budget or MAX_TOKENS was reached)
    moves: int

    @property
    def coarse_note(self) -> str:
        return coarse_note() if self.coarse else ""


def _block_note(item: _Item) -> str:
    if item.kind == "modify" and item.old.leaf != item.new.leaf:
        was, now = _block_name(item.old.leaf), _block_name(item.new.leaf)
        return f'<span class="diff-note">{_say("(%(now)s, was %(was)s)", now=_escape(now), was=_escape(was))} </span>'
    return ""


def _move_note(item: _Item, prefix: str, side: str) -> str:
    """Where a moved block came from and went to, each a link to the other place."""
    n = item.move
    if side == "inline":
        here, there = (f"{prefix}move-{n}-from", f"{prefix}move-{n}-to") if item.kind == "moved_from" else (
            f"{prefix}move-{n}-to", f"{prefix}move-{n}-from")
    else:
        other = "new" if side == "old" else "old"
        here, there = f"{prefix}{side}-move-{n}", f"{prefix}{other}-move-{n}"
    if item.kind == "moved_from":
        where = f'<a href="#{there}">{_say("further down") if item.move_down else _say("further up")}</a>'
        words = _say("Moved from here to %(place)s.", place=where) if side == "inline" else \
            _say("Moved to %(place)s.", place=where)
        return f'<span class="diff-note diff-move-note" id="{here}">{words} </span>'
    where = f'<a href="#{there}">{_say("further up") if item.move_down else _say("further down")}</a>'
    words = _say("Moved here from %(place)s:", place=where)
    return f'<span class="diff-note diff-move-note" id="{here}">{words} </span>'


_LEAF_CLASS = {"delete": "diff-block-del", "insert": "diff-block-ins", "moved_from": "diff-block-moved",
               "moved_to": "diff-block-moved"}


def _translate(path: tuple, uid_map: dict) -> tuple:
    return tuple((uid_map.get(uid, uid), tag, attrs) for uid, tag, attrs in path)


def _write(items: list[_Item], prefix: str, coarse_ids: set) -> tuple[str, str, str, list]:
    uid_map: dict[str, str] = {}
    for item in items:
        if item.kind in ("equal", "modify"):
            for (old_uid, old_tag, _a), (new_uid, new_tag, _b) in zip(item.old.path, item.new.path):
                if old_tag != new_tag:
                    break
                uid_map.setdefault(old_uid, new_uid)
    inline = _Writer()
    rows: list = []
    row_key = None
    row_old = row_new = None
    for item in items:
        coarse_now = id(item) in coarse_ids
        new_path = item.new.path if item.new is not None and item.kind != "moved_from" else None
        old_path = _translate(item.old.path, uid_map) if item.old is not None else None
        if coarse_now and item.kind == "modify":
            inline.block(old_path, "diff-block-del", _body(_Item("delete", item.old), "inline", True))
            inline.block(new_path, "diff-block-ins", _body(_Item("insert", None, item.new), "inline", True))
        elif item.kind == "moved_from":
            inline.block(old_path, "diff-block-moved", "", _move_note(item, prefix, "inline"))
        elif item.kind == "moved_to":
            inline.block(new_path, "diff-block-moved", _body(item, "inline", False), _move_note(item, prefix, "inline"))
        else:
            path = old_path if item.kind == "delete" else new_path
            inline.block(path, _LEAF_CLASS.get(item.kind, ""), _body(item, "inline", False), _block_note(item))
        # Side by side: one row per top-level block (a paragraph, a whole list, a whole table).
        top = (new_path or old_path)[0][0]
        if top != row_key:
            if row_old is not None:
                rows.append((row_old.html(), row_new.html()))
            row_key, row_old, row_new = top, _Writer(), _Writer()
        if item.kind != "insert" and item.kind != "moved_to":
            body = _body(item, "old", coarse_now)
            note = _move_note(item, prefix, "old") if item.kind == "moved_from" else ""
            row_old.block(item.old.path, _LEAF_CLASS.get(item.kind, "diff-block-del" if coarse_now else ""),
                          body, note)
        if item.kind != "delete" and item.kind != "moved_from":
            body = _body(item, "new", coarse_now)
            note = _move_note(item, prefix, "new") if item.kind == "moved_to" else _block_note(item)
            row_new.block(item.new.path, _LEAF_CLASS.get(item.kind, "diff-block-ins" if coarse_now else ""),
                          body, note)
    if row_old is not None:
        rows.append((row_old.html(), row_new.html()))
    return inline.html(), "".join(old for old, _new in rows), "".join(new for _old, new in rows), rows


def _words(tokens) -> str:
    return "".join([token[0] for token in tokens]).replace(_BR, "\n")


def _plain(items: list[_Item], coarse_ids: set) -> str:
    marks = _marks()
    lines: list[str] = []
    previous_row = None
    for item in items:
        if item.kind == "moved_from":
            continue
        block = item.new if item.new is not None else item.old
        if item.kind in ("equal",):
            words = _words(block.tokens)
        elif item.kind == "delete" or item.kind == "insert" or id(item) in coarse_ids:
            old = _words(item.old.tokens) if item.old is not None else ""
            new = _words(item.new.tokens) if item.new is not None else ""
            words = (marks.deleted % {"text": old} if old else "") + \
                (marks.inserted % {"text": new} if new else "")
        else:
            parts = []
            for op, chunk in item.ops:
                text = _words(chunk)
                parts.append(text if op == EQUAL else marks.deleted % {"text": text} if op == DELETE
                             else marks.inserted % {"text": text})
            words = "".join(parts)
            if item.kind == "moved_to":
                words = _("[moved here] %(text)s", text=words)
        leaf = block.leaf
        row = block.path[-2][0] if leaf in ("td", "th") and len(block.path) > 1 else None
        if row is not None and row == previous_row:
            lines[-1] += " | " + words
        else:
            lines.append(("• " if leaf == "li" else "") + words)
        previous_row = row
    return "\n\n".join(lines)


def compare_html(old_html: str, new_html: str, *, deadline: float | None = None, id_prefix: str = "",
                 moves: bool = True) -> Comparison:
    """Compare two rendered (sanitised) HTML texts. `deadline` (time.monotonic()) is when word-level work
    stops: the changed blocks left are then shown whole, and the answer says it is coarser. `moves=False`:
    a moved block is shown deleted at its old place and inserted at its new one (the Word redline, whose
    tracked changes must give back both texts exactly)."""
    old = _Reader("o").read(old_html)
    new = _Reader("n").read(new_html)
    _prepare(old)
    _prepare(new)
    # Past the deadline already (a large text read slowly): no search for moves either.
    items = _align(old, new, find_moves=moves and (deadline is None or time.monotonic() < deadline))
    too_big = sum(len(b.tokens) for b in old) + sum(len(b.tokens) for b in new) > MAX_TOKENS
    coarse_ids: set[int] = set()
    for item in items:
        if item.kind in ("modify", "moved_to", "moved_from"):
            if too_big or (deadline is not None and time.monotonic() > deadline) \
                    or len(item.old.tokens) + len(item.new.tokens) > MAX_BLOCK_TOKENS:
                if item.kind == "modify":
                    coarse_ids.add(id(item))
                item.ops = [(op, [(t, m, m) for t, m in block.tokens])
                            for op, block in ((DELETE, item.old), (INSERT, item.new)) if block.tokens]
            else:
                item.ops = _word_diff(item.old, item.new)
    said = _MARKS.set(_Marks.now())
    try:
        inline, old_side, new_side, rows = _write(items, id_prefix, coarse_ids)
        text = _plain(items, coarse_ids)
    finally:
        _MARKS.reset(said)
    coarse = bool(coarse_ids)
    if coarse:
        note = f'<p class="diff-coarse-note">{_escape(coarse_note())}</p>\n'
        inline = note + inline
    return Comparison(html=inline, old_html=old_side, new_html=new_side, rows=rows, text=text,
                      changed=any(i.kind != "equal" for i in items), coarse=coarse,
                      moves=sum(1 for i in items if i.kind == "moved_to"))


def compare_markdown(old_text: str, new_text: str, render: Callable[[str], str], *,
                     deadline: float | None = None, id_prefix: str = "") -> Comparison:
    """Compare two Markdown texts as people read them; `render` is the app's rendering
    (documents.rendering.render_cached), which bounds its own time and memory."""
    return compare_html(render(old_text or ""), render(new_text or ""), deadline=deadline, id_prefix=id_prefix)
