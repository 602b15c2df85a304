"""How section revisions are stored so that small edits cost little.

A revision is either a *snapshot* (the whole text, zlib-compressed) or a
*delta* against the revision just before it, in diff-match-patch's compact
delta form ("=5120\t-4\t+living\t=14980": keep, delete, insert). A delta
is exact: it is rebuilt by replaying it on the text it was made from, never
by fuzzy matching. A one-word edit to a 20 KB section thus stores a few
dozen bytes instead of 20 KB.

Every SNAPSHOT_EVERY-th revision, and any revision whose delta would not be
much smaller than the text itself, is a snapshot, so rebuilding any old
revision replays at most SNAPSHOT_EVERY - 1 deltas. The current text of a
section is also kept whole on the section row, so reading the current
document never touches the history.
"""
from __future__ import annotations

import zlib

from diff_match_patch import diff_match_patch

SNAPSHOT = "snapshot"
DELTA = "delta"
SNAPSHOT_EVERY = 32
_COMPRESSED, _RAW = b"Z", b"R"


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0.2  # any valid diff makes a correct delta; a coarse one is only bigger
    return dmp


def _pack(data: bytes) -> bytes:
    if len(data) > 200:
        compressed = zlib.compress(data, 6)
        if len(compressed) < len(data):
            return _COMPRESSED + compressed
    return _RAW + data


def _unpack(blob: bytes) -> bytes:
    blob = bytes(blob)
    return zlib.decompress(blob[1:]) if blob[:1] == _COMPRESSED else blob[1:]


def encode(previous: str | None, text: str, number: int) -> tuple[str, bytes]:
    """(kind, payload) for revision `number` whose predecessor's text is `previous`."""
    snapshot = _pack(text.encode("utf-8"))
    if previous is None or (number - 1) % SNAPSHOT_EVERY == 0:
        return SNAPSHOT, snapshot
    dmp = _dmp()
    diffs = dmp.diff_main(previous, text, False)
    delta = _pack(dmp.diff_toDelta(diffs).encode("utf-8"))
    if len(delta) * 2 > len(snapshot):
        return SNAPSHOT, snapshot
    return DELTA, delta


def decode_snapshot(payload: bytes) -> str:
    return _unpack(payload).decode("utf-8")


def apply_delta(text: str, payload: bytes, dmp: diff_match_patch | None = None) -> str:
    """The text after applying one delta to it (ValueError when the delta was not made from this text)."""
    dmp = dmp or _dmp()
    return dmp.diff_text2(dmp.diff_fromDelta(text, _unpack(payload).decode("utf-8")))


def replay(snapshot_payload: bytes, delta_payloads: list[bytes]) -> str:
    """The text after applying each delta, in order, to the snapshot."""
    dmp = _dmp()
    text = decode_snapshot(snapshot_payload)
    for payload in delta_payloads:
        text = apply_delta(text, payload, dmp)
    return text


def unpacks_within(payload: bytes, limit: int) -> bool:
    """Whether a stored payload unpacks to at most `limit` bytes, found without unpacking more than that:
    a payload that may be damaged (the integrity check reads every one) is measured before it is used.
    zlib.error when the compressed bytes are damaged."""
    blob = bytes(payload)
    if blob[:1] != _COMPRESSED:
        return len(blob) - 1 <= limit
    return len(zlib.decompressobj().decompress(blob[1:], limit + 1)) <= limit
