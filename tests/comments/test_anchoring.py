"""Anchors stay on their words while the text changes around them (property tests with hypothesis)."""
from functools import partial

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.comments.anchoring import Anchor, _Alignment, find_quote, make_anchor, relocate

FILLER = ("public buyers agree on fair wages and audits of suppliers in every tender the criteria for labour "
          "rights in ICT procurement are published yearly by each city , . ; \n\n").split(" ")
QUOTED = "independent living transparent binding ambitious".split()
TINY = ["a", "b", "ab", "a.", "\n", "b a"]  # few words: the quote recurs and edits make look-alikes


@st.composite
def edits(draw, words: list[str], vocabulary: list[str]) -> list[str]:
    """Random insertions, deletions, replacements and in-word changes of a list of words."""
    words = list(words)
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "mutate"]))
        if kind == "insert":
            words.insert(draw(st.integers(0, len(words))), draw(st.sampled_from(vocabulary)))
        elif not words:
            continue
        else:
            index = draw(st.integers(0, len(words) - 1))
            if kind == "delete":
                del words[index]
            elif kind == "replace":
                words[index] = draw(st.sampled_from(vocabulary))
            else:
                word = words[index]
                at = draw(st.integers(0, len(word)))
                words[index] = word[:at] + draw(st.sampled_from(["x", "", "Q", "é"])) + word[at + 1:]
    return words


def _join(left, middle, right):
    """The text and the span of the middle words in it."""
    before = " ".join(left) + (" " if left else "")
    middle_text = " ".join(middle)
    text = before + middle_text + (" " if right else "") + " ".join(right)
    return text, len(before), len(before) + len(middle_text)


@st.composite
def texts_edited_around_a_quote(draw, filler: list[str], quoted: list[str] | None):
    """(old text, anchor on it, new text, where the quote now is): edits never touch the quoted words."""
    left = draw(st.lists(st.sampled_from(filler), max_size=30))
    right = draw(st.lists(st.sampled_from(filler), max_size=30))
    middle = draw(st.lists(st.sampled_from(quoted or filler), min_size=1, max_size=4))
    old, start, end = _join(left, middle, right)
    new, new_start, new_end = _join(draw(edits(left, filler)), middle, draw(edits(right, filler)))
    return old, make_anchor(old, start, end), new, (new_start, new_end)


def occurrences(text: str, quote: str) -> int:
    """How often the quote occurs, overlapping copies included ("a a a" holds "a a" twice; str.count says once)."""
    return sum(1 for i in range(len(text)) if text.startswith(quote, i))


@settings(max_examples=500, deadline=None)
@given(texts_edited_around_a_quote(FILLER + QUOTED, None))
def test_edits_that_do_not_touch_the_quoted_words_always_land_exactly_on_them(case):
    old, anchor, new, expected = case
    assume(occurrences(old, anchor.quote) == 1 and occurrences(new, anchor.quote) == 1)
    for location in (relocate(anchor, new, old), relocate(anchor, new)):
        assert (location.start, location.end) == expected
        assert location.exact and new[location.start:location.end] == anchor.quote


@settings(max_examples=500, deadline=None)
@given(st.one_of(texts_edited_around_a_quote(FILLER, None), texts_edited_around_a_quote(TINY, None)))
def test_recurring_words_land_on_a_copy_that_explains_the_edit_at_least_as_well_as_the_truth(case):
    """Deleting the first or the last of two identical words gives the same text: the texts cannot
    tell which copy stayed. So with recurring words the promise is: the anchor lands on a copy of
    the quoted words whose keeping explains the edit at least as cheaply as the true one does, and
    it is orphaned (or found only fuzzily) only when deleting the quoted words explains the edit
    more cheaply than keeping them. Never other words."""
    old, anchor, new, (start, _end) = case
    location = relocate(anchor, new, old)
    alignment = _Alignment(old, new)
    keeping = partial(alignment.cost_keeping, old, new, anchor.start, anchor.end, length=len(anchor.quote))
    if location.orphaned or not location.exact:
        assert alignment.cost < keeping(at=start), (old, anchor, new, location)
    else:
        assert new[location.start:location.end] == anchor.quote
        assert keeping(at=location.start) <= keeping(at=start), (old, anchor, new, location)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FILLER), max_size=20), st.lists(st.sampled_from(FILLER), max_size=20),
       st.lists(st.sampled_from(QUOTED), min_size=1, max_size=4), st.data())
def test_deleted_words_orphan_the_anchor_instead_of_highlighting_something_else(left, right, middle, data):
    old, start, end = _join(left, middle, right)
    anchor = make_anchor(old, start, end)
    new = " ".join(data.draw(edits(left, FILLER)) + data.draw(edits(right, FILLER)))
    assert relocate(anchor, new, old).orphaned
    assert relocate(anchor, new).orphaned


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FILLER), max_size=20), st.lists(st.sampled_from(FILLER), max_size=20),
       st.lists(st.sampled_from(QUOTED), min_size=2, max_size=4), st.data())
def test_quoted_words_replaced_by_other_words_orphan_the_anchor_even_when_they_recur_elsewhere(
        left, right, middle, data):
    elsewhere = " ".join(middle)
    old, start, end = _join(left + [elsewhere], middle, right)
    anchor = make_anchor(old, start, end)
    replaced = data.draw(st.lists(st.sampled_from(FILLER), min_size=1, max_size=4))
    new, _s, _e = _join(left + [elsewhere], replaced, right)
    assume(" ".join(middle) not in " ".join(replaced))
    location = relocate(anchor, new, old)
    assert location.orphaned, (old, new, location)


def test_a_lightly_edited_quote_is_found_fuzzily_and_said_to_be_inexact():
    old = "We agree on fair wages for every worker in the supply chain of ICT hardware."
    anchor = make_anchor(old, *find_quote(old, "fair wages for every worker"))
    new = old.replace("fair wages for every worker", "fair wages for each worker")
    location = relocate(anchor, new, old)
    assert not location.orphaned and not location.exact
    assert new[location.start:location.end] == "fair wages for each worker"


def test_a_moved_paragraph_keeps_its_anchor():
    first, second = "Audits happen every year in each city.", "Suppliers publish their labour criteria."
    old = first + "\n\n" + second
    anchor = make_anchor(old, *find_quote(old, "every year"))
    new = second + "\n\n" + first
    location = relocate(anchor, new, old)
    assert new[location.start:location.end] == "every year" and location.exact


def test_a_long_quote_is_found_after_an_edit_inside_it():
    quote = ("Each signatory publishes its criteria for fair labour conditions in ICT procurement and reports "
             "on their application every year")
    old = "Preamble. " + quote + ". Closing words."
    anchor = make_anchor(old, *find_quote(old, quote))
    new = "A longer preamble now. " + quote.replace("every year", "each year") + ". Closing words."
    location = relocate(anchor, new, old)
    assert not location.orphaned
    quoted = new[location.start:location.end]
    assert quoted.startswith("Each signatory") and "each year" in quoted


def test_whole_section_anchors_have_no_position():
    location = relocate(Anchor(quote=""), "any text")
    assert not location.orphaned and location.start is None


def test_find_quote_sees_through_markdown_markup_and_picks_the_counted_occurrence():
    text = "We agree on **fair** wages.\n\nAnd on [fair wages](https://example.eu) again: fair wages."
    assert find_quote(text, "fair wages") == (text.index("fair wages"), text.index("fair wages") + 10)
    span = find_quote(text, "We agree on fair wages")
    assert text[span[0]:span[1]] == "We agree on **fair** wages"
    # counted as on the rendered page: "fair wages" (bold), "fair wages" (a link), "fair wages"
    assert find_quote(text, "fair wages", occurrence=1) == (text.index("[fair") + 1, text.index("[fair") + 11)
    assert find_quote(text, "fair wages", occurrence=2) == (text.rindex("fair wages"), len(text) - 1)
    assert find_quote(text, "fair wages", occurrence=0) == (text.index("fair"), text.index("wages") + 5)
    assert find_quote(text, "  ") is None and find_quote(text, "unfair pay") is None
