"""Revision storage: exact round trips, and small edits stored small."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app.documents import storage


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(max_size=300), min_size=1, max_size=10))
def test_every_revision_rebuilds_exactly(texts):
    payloads = []
    previous = None
    for number, text in enumerate(texts, start=1):
        kind, payload = storage.encode(previous, text, number)
        payloads.append((kind, payload))
        previous = text
    for target in range(len(texts)):
        start = max(i for i in range(target + 1) if payloads[i][0] == storage.SNAPSHOT)
        rebuilt = storage.replay(payloads[start][1], [p for _k, p in payloads[start + 1:target + 1]])
        assert rebuilt == texts[target]


def test_one_word_edits_to_a_20kb_section_store_little():
    rng = random.Random(7)
    words = [rng.choice(["procurement", "public", "wages", "audit", "supplier", "city"]) for _ in range(2600)]
    text = " ".join(words)
    assert 19_000 < len(text.encode()) < 25_000
    total = 0
    previous = None
    for number in range(1, 201):
        words[rng.randrange(len(words))] = rng.choice(["fair", "decent", "open", "shared"])
        new = " ".join(words)
        kind, payload = storage.encode(previous, new, number)
        total += len(payload)
        previous = new
    assert total < 200 * 2_000  # far below 200 copies of 20 KB
