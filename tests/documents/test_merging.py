"""Three-way merge: clean where the writers touched different words, conflict where they touched the same."""
from hypothesis import given, settings
from hypothesis import strategies as st

from app.documents.merging import three_way_merge

WORDS = st.sampled_from("public buyers agree fair wages audits suppliers tender criteria labour rights ICT "
                        "procurement transparency city ministry report annual".split())
PARAGRAPH = st.lists(WORDS, min_size=6, max_size=14).map(" ".join)


def test_changes_to_different_paragraphs_merge():
    base = "Fair wages for all.\n\nAudits every year.\n\nReports are public."
    mine = base.replace("Fair wages", "Living wages")
    theirs = base.replace("every year", "every six months")
    result = three_way_merge(base, mine, theirs)
    assert result.clean
    assert result.text == "Living wages for all.\n\nAudits every six months.\n\nReports are public."


def test_changes_to_the_same_words_conflict():
    base = "Fair wages for all.\n\nAudits every year."
    result = three_way_merge(base, base.replace("Fair", "Living"), base.replace("Fair", "Decent"))
    assert not result.clean and result.text is None


def test_deleting_what_the_other_changed_conflicts():
    base = "Fair wages for all.\n\nAudits every year.\n\nEnd."
    mine = "Fair wages for all.\n\nEnd."
    theirs = base.replace("every year", "every month")
    assert not three_way_merge(base, mine, theirs).clean


def test_a_repeated_phrase_is_not_patched_in_the_wrong_place():
    base = "The city will report.\n\nThe city will report.\n\nThe ministry will audit."
    mine = base.replace("The ministry will audit.", "The ministry will audit yearly.")
    theirs = "Preamble.\n\n" + base
    result = three_way_merge(base, mine, theirs)
    assert result.clean
    assert result.text == "Preamble.\n\n" + mine


@settings(max_examples=150, deadline=None)
@given(paragraphs=st.lists(PARAGRAPH, min_size=4, max_size=8, unique=True), data=st.data())
def test_edits_to_different_paragraphs_always_merge_with_both_kept(paragraphs, data):
    base = "\n\n".join(paragraphs)
    i = data.draw(st.integers(0, len(paragraphs) - 1))
    j = data.draw(st.integers(0, len(paragraphs) - 1).filter(lambda k: abs(k - i) > 1))
    mine_par = data.draw(PARAGRAPH.filter(lambda p: p != paragraphs[i]))
    theirs_par = data.draw(PARAGRAPH.filter(lambda p: p != paragraphs[j]))
    mine, theirs = list(paragraphs), list(paragraphs)
    mine[i], theirs[j] = mine_par, theirs_par
    expected = list(paragraphs)
    expected[i], expected[j] = mine_par, theirs_par
    result = three_way_merge(base, "\n\n".join(mine), "\n\n".join(theirs))
    assert result.clean
    assert result.text == "\n\n".join(expected)


@settings(max_examples=150, deadline=None)
@given(paragraphs=st.lists(PARAGRAPH, min_size=3, max_size=6, unique=True), data=st.data())
def test_a_merge_never_drops_either_writers_words(paragraphs, data):
    """Whatever the two edits, a clean merge contains every word each writer inserted."""
    base = "\n\n".join(paragraphs)
    i = data.draw(st.integers(0, len(paragraphs) - 1))
    j = data.draw(st.integers(0, len(paragraphs) - 1))
    mine, theirs = list(paragraphs), list(paragraphs)
    mine[i] = mine[i] + " MINEWORD"
    theirs[j] = "THEIRWORD " + theirs[j]
    result = three_way_merge(base, "\n\n".join(mine), "\n\n".join(theirs))
    if result.clean:
        assert "MINEWORD" in result.text and "THEIRWORD" in result.text
