"""Readable, bounded diffs with diff-match-patch.

Line mode first (cheap whatever the size), then each changed block refined
to words and characters, then diff-match-patch's semantic clean-up. Every
call has a short time-out and large rewritten blocks are not refined, so no
request ever waits on the library's one-second default time-out.
"""
from __future__ import annotations

import bisect

from diff_match_patch import diff_match_patch

DELETE, EQUAL, INSERT = -1, 0, 1
REFINE_LIMIT = 40_000  # characters of a changed block beyond which we show it whole
TIMEOUT = 0.1  # seconds, for any single diff_main call


def _dmp(timeout: float = TIMEOUT) -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    return dmp


def _line_diff(dmp: diff_match_patch, a: str, b: str) -> list[tuple[int, str]]:
    chars_a, chars_b, lines = dmp.diff_linesToChars(a, b)
    diffs = dmp.diff_main(chars_a, chars_b, False)
    dmp.diff_charsToLines(diffs, lines)
    return diffs


def diff_texts(a: str, b: str, refine: bool = True) -> list[tuple[int, str]]:
    """`refine=False` stops at whole lines (used once a whole-document comparison has spent its time budget).

    [(op, text), ...] with op -1 delete, 0 equal, 1 insert; joining the 0 and -1 parts gives a, 0 and 1 gives b."""
    if a == b:
        return [(EQUAL, a)] if a else []
    dmp = _dmp()
    out: list[tuple[int, str]] = []
    pending_delete, pending_insert = [], []

    def flush():
        deleted, inserted = "".join(pending_delete), "".join(pending_insert)
        pending_delete.clear()
        pending_insert.clear()
        if refine and deleted and inserted and len(deleted) + len(inserted) <= REFINE_LIMIT:
            refined = dmp.diff_main(deleted, inserted, False)
            dmp.diff_cleanupSemantic(refined)
            out.extend(refined)
        else:
            if deleted:
                out.append((DELETE, deleted))
            if inserted:
                out.append((INSERT, inserted))

    for op, text in _line_diff(dmp, a, b):
        if op == DELETE:
            pending_delete.append(text)
        elif op == INSERT:
            pending_insert.append(text)
        else:
            flush()
            out.append((EQUAL, text))
    flush()
    return _merge_neighbours(out)


def _merge_neighbours(diffs):
    merged: list[tuple[int, str]] = []
    for op, text in diffs:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def side_by_side(diffs) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The old side (equal and deleted parts) and the new side (equal and inserted parts)."""
    old = [(op, text) for op, text in diffs if op != INSERT]
    new = [(op, text) for op, text in diffs if op != DELETE]
    return old, new


def has_changes(diffs) -> bool:
    return any(op != EQUAL for op, _ in diffs)


def moved_items(old_ids: list, new_ids: list) -> set:
    """Items (sections, by id) present in both orders that are not in the longest common subsequence of the
    two orders: the fewest that must have moved to turn one order into the other."""
    common = set(old_ids) & set(new_ids)
    a = [i for i in old_ids if i in common]
    b = [i for i in new_ids if i in common]
    if a == b:
        return set()
    # Both orders hold the same ids once each, so their longest common subsequence is the
    # longest increasing subsequence of a's ids' positions in b: O(n log n).
    position = {value: index for index, value in enumerate(b)}
    sequence = [position[i] for i in a]

    tails, tails_idx, parents = [], [], [-1] * len(sequence)
    for index, value in enumerate(sequence):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tails_idx.append(index)
        else:
            tails[k] = value
            tails_idx[k] = index
        parents[index] = tails_idx[k - 1] if k > 0 else -1
    keep = set()
    index = tails_idx[-1] if tails_idx else -1
    while index != -1:
        keep.add(a[index])
        index = parents[index]
    return common - keep
