"""Three-way merge of two writers' changes to one section, without losing words.

The patch from the common base to "mine" is applied on "theirs" (the current
text) with diff-match-patch, but with fuzzy matching switched off: a hunk
applies only where its context and the words it changes are still there,
letter for letter. Then the same is done the other way round (the patch from
base to theirs applied on mine). Both must apply cleanly and give the same
text; otherwise the edits touch the same words, and the merge is refused
as a conflict so that a person decides. This check is what keeps one
writer's change from being laid over another's.
"""
from __future__ import annotations

from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from app.documents.diffing import diff_texts


@dataclass(frozen=True)
class MergeResult:
    clean: bool
    text: str | None


def _exact_dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0.5
    # Exact matching only: no errors allowed, but the exact context may sit
    # anywhere (the other writer may have moved it by editing earlier text);
    # the nearest exact occurrence wins.
    dmp.Match_Threshold = 1e-9
    dmp.Match_Distance = 10**12
    dmp.Patch_DeleteThreshold = 0.0
    dmp.Patch_Margin = 8
    return dmp


def _apply(base: str, changed: str, target: str) -> str | None:
    dmp = _exact_dmp()
    patches = dmp.patch_make(base, diff_texts(base, changed))
    result, applied = dmp.patch_apply(patches, target)
    return result if all(applied) else None


def three_way_merge(base: str, mine: str, theirs: str) -> MergeResult:
    if mine == theirs:
        return MergeResult(True, mine)
    if base == theirs:
        return MergeResult(True, mine)
    if base == mine:
        return MergeResult(True, theirs)
    forward = _apply(base, mine, theirs)
    if forward is None:
        return MergeResult(False, None)
    backward = _apply(base, theirs, mine)
    if backward is None or backward != forward:
        return MergeResult(False, None)
    return MergeResult(True, forward)
