"""Anchors: which words of a section a comment is about, found again after edits.

An anchor keeps the quoted words with some context before and after them and
their position in the revision the comment was made on, in the spirit of the
W3C Web Annotation text-quote and text-position selectors. `relocate` finds
the words in a newer text:

1. When the old text is known, a character diff (diff-match-patch) maps the
   old position onto the new text. Words that no edit touched come out of the
   diff unchanged, and land exactly where they now are.
2. Otherwise the exact occurrences of the quote near where the words should
   be are candidates, each costed as the cheapest edit that keeps it intact.
   When the only candidates are copies of the words that already stood
   elsewhere, untouched, and keeping them costs more than the diff, the
   quoted words were edited away: no candidate. Otherwise the cheapest
   explanation wins (deleting the first or the second of two identical words
   gives the same text; the texts cannot say which, the cost can), then the
   context that agrees best, then the nearest. Without the old text: the
   context, then the nearest.
3. Otherwise diff-match-patch's fuzzy `match_main` looks for an edited form of
   the quote near that place; the result counts only when it is still close
   to the quote and lies where the quoted words were.
4. Otherwise the anchor is orphaned: the words are gone, and the comment shows
   the words it was made on instead of highlighting anything.

Pure functions, no database: see tests/comments/test_anchoring.py for the
property tests.
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

CONTEXT = 32  # characters of context kept on each side of the quote
MATCH_BITS = 32  # diff-match-patch's bitap works on patterns of at most this length
MAX_CANDIDATES = 5000
MAX_EXPLAINED = 32  # occurrences nearest to the expected place whose explanation is costed
FUZZY_THRESHOLD = 0.4  # match_main: 0 exact only, 1 anything
MIN_SIMILARITY = 0.75  # a fuzzy match must keep three quarters of the quote's characters
DIFF_TIMEOUT = 0.2
FIRST_DIFF_TIMEOUT = 0.05  # a character diff of two whole texts, before falling back on lines
REFINE_TIMEOUT = 0.2  # seconds to diff changed lines again by characters (a quarter at most for one run)


@dataclass(frozen=True)
class Anchor:
    """The quoted words, their context and their position [start, end) in the text they were quoted from."""

    quote: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None

    @property
    def whole_section(self) -> bool:
        return not self.quote


@dataclass(frozen=True)
class Location:
    """Where an anchor is in a text: [start, end), or orphaned. `exact` is False for a fuzzy match."""

    start: int | None
    end: int | None
    orphaned: bool = False
    exact: bool = True


WHOLE = Location(None, None)
ORPHANED = Location(None, None, orphaned=True, exact=False)


# --- making an anchor ---------------------------------------------------------------

# Between two words of a quote taken from the rendered page, the Markdown source
# may hold spaces, line breaks, emphasis and code markers or a link's target.
_MARKUP_GAP = r"(?:\s|[*_`~\\]|\]\([^)\s]*\)|\[|\])+"


def _exact_occurrences(text: str, quote: str, limit: int = MAX_CANDIDATES) -> list[int]:
    found, index = [], text.find(quote)
    while index != -1 and len(found) < limit:
        found.append(index)
        index = text.find(quote, index + 1)
    return found


def find_quote(text: str, quote: str, *, occurrence: int | None = None,
               near: int | None = None) -> tuple[int, int] | None:
    """The span [start, end) of `quote` in `text`, or None when it is not there.

    The words of the quote match with any whitespace or Markdown markup
    between them, since a selection made on the rendered page does not show
    the markup. Among several occurrences: the `occurrence`-th (0-based, as
    counted in the rendered text, where markup is invisible too); else an
    exact occurrence before one through markup, the nearest to `near`, else
    the first.
    """
    quote = quote.strip()
    if not quote:
        return None
    pattern = re.compile(_MARKUP_GAP.join(re.escape(w) for w in quote.split()))
    if occurrence is not None:
        for index, match in enumerate(pattern.finditer(text)):
            if index == occurrence:
                return match.span()
            if index >= MAX_CANDIDATES:
                break
    spans = [(i, i + len(quote)) for i in _exact_occurrences(text, quote)]
    if not spans:
        for match in pattern.finditer(text):
            spans.append(match.span())
            if len(spans) >= MAX_CANDIDATES:
                break
    if not spans:
        return None
    if near is not None:
        return min(spans, key=lambda span: (abs(span[0] - near), span[0]))
    return spans[0]


def make_anchor(text: str, start: int, end: int) -> Anchor:
    """The anchor of text[start:end], with its context."""
    return Anchor(quote=text[start:end], prefix=text[max(0, start - CONTEXT):start],
                  suffix=text[end:end + CONTEXT], start=start, end=end)


# --- finding it again -----------------------------------------------------------------

class _MinimalDiff(diff_match_patch):
    """diff-match-patch without its half-match speed-up, which may return a longer edit than needed:
    the anchors' reasoning compares edit costs, so the diff must be minimal (until the time-out)."""

    def diff_halfMatch(self, text1, text2):  # noqa: N802  (overrides the library's method of that name)
        return None


def _dmp() -> diff_match_patch:
    dmp = _MinimalDiff()
    dmp.Diff_Timeout = DIFF_TIMEOUT
    dmp.Match_Threshold = FUZZY_THRESHOLD
    return dmp


class _Alignment:
    """The unchanged stretches of a diff from an old text to a new one, for mapping positions."""

    def __init__(self, old: str, new: str):
        dmp = _dmp()
        dmp.Diff_Timeout = FIRST_DIFF_TIMEOUT
        started = time.monotonic()
        self.diffs = dmp.diff_main(old, new, False)  # characters, no clean-up: every unchanged one stays aligned
        dmp.Diff_Timeout = DIFF_TIMEOUT
        # When a diff gives up (large texts, many edits) it says little: diff whole lines instead, then
        # characters again within each run of changed lines (small, so quick), as long as time allows.
        self.reliable = time.monotonic() - started < FIRST_DIFF_TIMEOUT * 0.9
        if not self.reliable:
            started = time.monotonic()
            chars_old, chars_new, lines = dmp.diff_linesToChars(old, new)
            lined = dmp.diff_main(chars_old, chars_new, False)
            dmp.diff_charsToLines(lined, lines)
            self.reliable = time.monotonic() - started < DIFF_TIMEOUT * 0.9
            self.diffs = _refined(dmp, lined, time.time() + REFINE_TIMEOUT)
        self.segments: list[tuple[int, int, int]] = []  # (old start, new start, length) of equal stretches
        old_at = new_at = 0
        for op, chunk in self.diffs:
            if op == 0:
                self.segments.append((old_at, new_at, len(chunk)))
            if op != 1:
                old_at += len(chunk)
            if op != -1:
                new_at += len(chunk)
        self._old_length, self._new_length = len(old), len(new)
        self._old_starts = [s[0] for s in self.segments]
        self._new_starts = [s[1] for s in self.segments]
        self._old_ends = [s[0] + s[2] for s in self.segments]
        self._new_ends = [s[1] + s[2] for s in self.segments]
        self._equal_before = list(itertools.accumulate((s[2] for s in self.segments), initial=0))
        self._dmp = dmp

    def _segment(self, starts: list[int], index: int, side: int):
        i = bisect.bisect_right(starts, index) - 1
        if i >= 0:
            segment = self.segments[i]
            if segment[side] <= index < segment[side] + segment[2]:
                return segment
        return None

    def unchanged_span(self, start: int, end: int) -> int | None:
        """The new position of old [start, end) when no edit touched it (one unchanged stretch), else None."""
        segment = self._segment(self._old_starts, start, 0)
        if segment is None or end > segment[0] + segment[2]:
            return None
        return segment[1] + (start - segment[0])

    def new_index(self, old_index: int) -> int:
        """The new position of an old one: exact in unchanged text; within a changed stretch, at the same
        proportion of the text that replaced it (a pure deletion maps to where it was)."""
        i = bisect.bisect_right(self._old_starts, old_index) - 1
        if i >= 0:
            old_start, new_start, length = self.segments[i]
            if old_index < old_start + length:
                return new_start + (old_index - old_start)
            old_from, new_from = old_start + length, new_start + length
        else:
            old_from = new_from = 0
        if i + 1 < len(self.segments):
            old_to, new_to = self.segments[i + 1][0], self.segments[i + 1][1]
        else:
            old_to, new_to = self._old_length, self._new_length
        return new_from + (old_index - old_from) * (new_to - new_from) // max(1, old_to - old_from)

    def old_index(self, new_index: int) -> int | None:
        """The old position of an unchanged character of the new text, else None."""
        segment = self._segment(self._new_starts, new_index, 1)
        return None if segment is None else segment[0] + (new_index - segment[1])

    def image(self, start: int, end: int) -> tuple[int, int]:
        """Where old [start, end) went in the new text, edits within it included."""
        first = self.new_index(start)
        if end <= start:
            return first, first
        if self._segment(self._old_starts, end - 1, 0) is not None:  # the last character is unchanged
            return first, max(first, self.new_index(end - 1) + 1)
        # It lies in a changed stretch: the end goes to the same proportion of what replaced the stretch
        # (nothing, for a deletion).
        i = bisect.bisect_right(self._old_starts, end - 1) - 1
        old_from, new_from = (self._old_ends[i], self._new_ends[i]) if i >= 0 else (0, 0)
        old_to, new_to = (self.segments[i + 1][0], self.segments[i + 1][1]) if i + 1 < len(self.segments) \
            else (self._old_length, self._new_length)
        last = new_from - (-(end - old_from) * (new_to - new_from) // max(1, old_to - old_from))
        return first, max(first, min(last, new_to))

    def is_old_copy_elsewhere(self, start: int, end: int, anchor_start: int, anchor_end: int) -> bool:
        """True when new [start, end) is one unchanged stretch of the old text outside the anchor: a copy
        of the words that already stood elsewhere, untouched."""
        old = self.old_index(start)
        if old is None or self.unchanged_span(old, old + (end - start)) != start:
            return False
        return old + (end - start) <= anchor_start or old >= anchor_end

    @property
    def cost(self) -> int:
        """Characters inserted or deleted by the diff."""
        return sum(len(chunk) for op, chunk in self.diffs if op)

    def _sync_before(self, old_index: int, new_index: int) -> tuple[int, int, int]:
        """The last point (old, new) of the diff's path, within an unchanged stretch, with old <= old_index
        and new <= new_index, and how many unchanged characters come before it."""
        i = min(bisect.bisect_right(self._old_starts, old_index), bisect.bisect_right(self._new_starts, new_index)) - 1
        if i < 0:
            return 0, 0, 0
        old_start, new_start, length = self.segments[i]
        k = min(length, old_index - old_start, new_index - new_start)
        return old_start + k, new_start + k, self._equal_before[i] + k

    def _sync_after(self, old_index: int, new_index: int) -> tuple[int, int, int]:
        """The first point (old, new) of the diff's path, within an unchanged stretch, with old >= old_index
        and new >= new_index, and how many unchanged characters come after it."""
        j = max(bisect.bisect_left(self._old_ends, old_index), bisect.bisect_left(self._new_ends, new_index))
        if j >= len(self.segments):
            return self._old_length, self._new_length, 0
        old_start, new_start, _length = self.segments[j]
        k = max(0, old_index - old_start, new_index - new_start)
        return old_start + k, new_start + k, self._equal_before[-1] - self._equal_before[j] - k

    def cost_keeping(self, old: str, new: str, start: int, end: int, at: int, length: int,
                     deadline: float | None = None) -> int:
        """The cost of explaining the edit with old [start, end) kept intact as new [at, at + length).

        Away from the words and the candidate place, the diff already says what changed: the cost is
        the diff's up to the nearest unchanged character before both and from the nearest after both,
        plus small diffs of what lies between (an upper bound of the cheapest edit, and the same
        reckoning for every candidate). So costing a candidate reads a few hundred characters, not
        both texts."""
        before_old, before_new, equal_before = self._sync_before(start, at)
        after_old, after_new, equal_after = self._sync_after(end, at + length)
        outside = (before_old + before_new - 2 * equal_before
                   + self._old_length - after_old + self._new_length - after_new - 2 * equal_after)

        def cost(a: str, b: str) -> int:
            if not a or not b:
                return len(a) + len(b)
            return sum(len(chunk) for op, chunk in self._dmp.diff_main(a, b, False, deadline) if op)
        return outside + cost(old[before_old:start], new[before_new:at]) + cost(old[end:after_old],
                                                                              new[at + length:after_new])

    def similar_image(self, old: str, new: str, start: int, end: int, deadline: float | None = None) -> Location:
        """Where old [start, end) went, as far as the diff alone tells: ORPHANED when every character of it
        was deleted or what stands there now is no longer close to it."""
        first, last = self.image(start, end)
        if first == last:
            return ORPHANED
        # Within a changed word the diff maps characters, not words: a quote that began or ended with a
        # whole word does so again.
        if (start == 0 or not old[start - 1].isalnum()) and old[start].isalnum():
            while first > 0 and new[first - 1].isalnum() and new[first].isalnum():
                first -= 1
        if (end == len(old) or not old[end].isalnum()) and old[end - 1].isalnum():
            while last < len(new) and new[last].isalnum() and new[last - 1].isalnum():
                last += 1
        words, found = old[start:end], new[first:last]
        if words == found:
            return Location(first, last)
        distance = self._dmp.diff_levenshtein(self._dmp.diff_main(words, found, False, deadline))
        if distance > (1 - MIN_SIMILARITY) * max(len(words), len(found)):
            return ORPHANED
        return Location(first, last, exact=False)


def _refined(dmp: diff_match_patch, diffs: list[tuple[int, str]], deadline: float) -> list[tuple[int, str]]:
    """A line diff with each run of deleted and inserted lines diffed again by characters, until `deadline`
    (time.time()); runs left when it passes stay whole."""
    out: list[tuple[int, str]] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush():
        if deleted and inserted and time.time() < deadline:
            out.extend(dmp.diff_main("".join(deleted), "".join(inserted), False,
                                     min(deadline, time.time() + REFINE_TIMEOUT / 4)))
        else:
            out.extend([(-1, "".join(deleted))] if deleted else [])
            out.extend([(1, "".join(inserted))] if inserted else [])
        deleted.clear()
        inserted.clear()

    for op, chunk in diffs:
        if op == -1:
            deleted.append(chunk)
        elif op == 1:
            inserted.append(chunk)
        else:
            flush()
            out.append((op, chunk))
    flush()
    return out


def _common_suffix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b)):
        if x != y:
            break
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _context_score(text: str, index: int, anchor: Anchor) -> int:
    """How many characters of the anchor's context agree with the text around `index`."""
    end = index + len(anchor.quote)
    before = text[max(0, index - len(anchor.prefix)):index]
    after = text[end:end + len(anchor.suffix)]
    return _common_suffix(anchor.prefix, before) + _common_prefix(anchor.suffix, after)


def _similar(dmp: diff_match_patch, quote: str, found: str) -> bool:
    if not found:
        return False
    distance = dmp.diff_levenshtein(dmp.diff_main(quote, found, False))
    return distance <= (1 - MIN_SIMILARITY) * max(len(quote), len(found))


def _fuzzy(text: str, anchor: Anchor, expected: int, region: tuple[int, int] | None) -> Location | None:
    """An edited form of the quote near `expected` with match_main (bitap), checked for similarity.

    The pattern is at most 32 characters: the quote's head is matched first,
    then its tail where the head's match says it should end; the context
    before the quote, when it is still there, sharpens where to look.
    """
    dmp = _dmp()
    dmp.Match_Distance = max(1000, len(anchor.quote) * 4)
    quote = anchor.quote
    expected = max(0, min(expected, len(text)))
    context = anchor.prefix[-MATCH_BITS:]
    if context:
        at = dmp.match_main(text, context, max(0, expected - len(context)))
        if at != -1:
            expected = at + len(context)
    head, tail = quote[:MATCH_BITS], quote[-MATCH_BITS:]
    start = dmp.match_main(text, head, expected)
    if start == -1:
        return None
    tail_at = dmp.match_main(text, tail, max(start, start + len(quote) - len(tail)))
    if tail_at == -1 or tail_at < start:
        return None
    end = tail_at + len(tail)
    # Trim or stretch the ends to where the quote's first and last characters went.
    window = text[start:end + len(quote) // 4 + 1]
    diffs = dmp.diff_main(quote, window, False)
    start, end = start + dmp.diff_xIndex(diffs, 0), start + dmp.diff_xIndex(diffs, len(quote) - 1) + 1
    if region is not None and 2 * (min(end, region[1]) - max(start, region[0])) < end - start:
        return None  # mostly not where the quoted words went: other words that look alike
    if not _similar(dmp, quote, text[start:end]):
        return None
    return Location(start, end, exact=False)


_CACHE: OrderedDict[tuple, Location] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 4096
TIME_BUDGET = 0.5  # seconds spent costing candidates for one anchor, whatever the texts


def _digest(text: str | None) -> bytes | None:
    return None if text is None else hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def relocate(anchor: Anchor, text: str, old_text: str | None = None, *, old_key=None,
             load_old: Callable[[], str | None] | None = None) -> Location:
    """Where the anchor's words are in `text` (see the module's docstring); `old_text` is the
    text the anchor was made on, when known.

    Results are remembered by the texts' digests, so a page shown again costs no diff and no text
    is held in memory for it. A caller who can name the old text (`old_key`, such as a section
    revision's identity) passes `load_old` instead of the text: it is loaded only when the result
    is not remembered.
    """
    if anchor.whole_section:
        return WHOLE
    key = (anchor, _digest(text), old_key if old_key is not None else _digest(old_text))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    if old_text is None and load_old is not None:
        old_text = load_old()
    location = _relocate(anchor, text, old_text)
    with _CACHE_LOCK:
        _CACHE[key] = location
        if len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return location


def carry(quote: str, location: Location, old_text: str, new_text: str) -> Location:
    """Where the words at `location` in `old_text` are in `new_text`, one save later.

    Relocating a quote from the revision it was made on across hundreds of later edits costs a diff
    of two texts that have drifted far apart (up to a second in pure Python). Carried along at each
    save instead, the step is a diff of two consecutive texts, which differ by one edit: cheap.
    The words standing at the location now become the anchor for the step, so an anchor whose words
    were reworded follows the rewording; `exact` says whether they are still the words first quoted.
    Once the words are gone the thread stays outdated (ORPHANED)."""
    return carry_all([(quote, location)], old_text, new_text)[0]


CARRY_BUDGET = 0.5  # seconds one save spends searching for the words its edit touched, whatever their number


def carry_all(anchors: list[tuple[str, Location]], old_text: str, new_text: str, *,
              budget: float = CARRY_BUDGET) -> list[Location]:
    """`carry` for every (quote, location) of a section at once, within `budget` seconds.

    The two texts are diffed once for all of them. Words no edit touched are mapped through that
    diff (a look-up each). Words an edit touched are searched for as `relocate` does, the diff shared,
    until the budget is spent; after that, they are taken where the diff says they went when the words
    there are still close to them, else outdated. So a save costs one diff and at most `budget`
    seconds more, however many threads are open (the search took up to a second per thread)."""
    if old_text == new_text:
        return [location for _quote, location in anchors]
    deadline = time.monotonic() + budget
    alignment = None
    out = []
    for quote, location in anchors:
        if location.orphaned or location.start is None:
            out.append(location)
            continue
        alignment = alignment or _Alignment(old_text, new_text)
        start, end = location.start, location.end
        kept = alignment.unchanged_span(start, end)
        if kept is not None:
            step = Location(kept, kept + (end - start))
        elif time.monotonic() < deadline:
            step = _relocate(make_anchor(old_text, start, end), new_text, old_text, alignment=alignment,
                             deadline=deadline)
        else:
            step = alignment.similar_image(old_text, new_text, start, end, time.time() + 0.05)
        if step.orphaned or step.start is None:
            out.append(ORPHANED)
        else:
            out.append(Location(step.start, step.end, exact=new_text[step.start:step.end] == quote))
    return out


def relocate_all(anchors: list[Anchor], text: str, old_text: str | None, *,
                 deadline: float) -> list[Location | None]:
    """`relocate` for anchors made on the same `old_text`, sharing one diff of the two texts; None for
    each anchor not reached before `deadline` (time.monotonic())."""
    alignment = _Alignment(old_text, text) if old_text is not None and old_text != text else None
    out: list[Location | None] = []
    for anchor in anchors:
        if anchor.whole_section:
            out.append(WHOLE)
        elif time.monotonic() >= deadline:
            out.append(None)
        else:
            out.append(_relocate(anchor, text, old_text, alignment=alignment, deadline=deadline))
    return out


def _relocate(anchor: Anchor, text: str, old_text: str | None, *, alignment: _Alignment | None = None,
              deadline: float | None = None) -> Location:
    """`relocate` without the memory; `alignment`, when given, is the diff of `old_text` and `text`, and
    `deadline` (time.monotonic()) ends the search for the words early, as CARRY_BUDGET says."""
    quote = anchor.quote
    expected = anchor.start or 0
    region = None
    if old_text is not None and anchor.start is not None and old_text[anchor.start:anchor.end] == quote:
        if old_text == text:
            return Location(anchor.start, anchor.end)
        alignment = alignment or _Alignment(old_text, text)
        kept = alignment.unchanged_span(anchor.start, anchor.end)
        if kept is not None and text[kept:kept + len(quote)] == quote:
            return Location(kept, kept + len(quote))
        if alignment.reliable:
            expected = alignment.new_index(anchor.start)
            region = alignment.image(anchor.start, anchor.end)
        else:
            alignment = None  # as if the old text were unknown: context and position decide
    else:
        alignment = None
    candidates = _exact_occurrences(text, quote)
    if alignment is not None:
        nearest = sorted(candidates, key=lambda i: (abs(i - expected), i))[:MAX_EXPLAINED]
        costs: dict[int, float] = {}
        until = time.monotonic() + TIME_BUDGET
        if deadline is not None:
            until = min(until, deadline)
        for i in nearest:  # nearest first; beyond the time budget a candidate counts as costly
            remaining = until - time.monotonic()
            costs[i] = alignment.cost_keeping(old_text, text, anchor.start, anchor.end, i, len(quote),
                                              time.time() + remaining) if remaining > 0 else math.inf
        credible = [i for i in nearest if costs[i] <= alignment.cost
                    or not alignment.is_old_copy_elsewhere(i, i + len(quote), anchor.start, anchor.end)]
        if credible:
            best = min(nearest, key=lambda i: (costs[i], -_context_score(text, i, anchor), abs(i - expected), i))
            return Location(best, best + len(quote))
    elif candidates:
        best = max(candidates, key=lambda i: (_context_score(text, i, anchor), -abs(i - expected), -i))
        return Location(best, best + len(quote))
    if region is not None:
        if region[0] == region[1]:
            return ORPHANED  # every quoted character was deleted
        found = alignment.similar_image(old_text, text, anchor.start, anchor.end, time.time() + DIFF_TIMEOUT)
        if not found.orphaned:
            return found  # the words the diff put in the quote's place are still close to it
    return _fuzzy(text, anchor, expected, region) or ORPHANED
