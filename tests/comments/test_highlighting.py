"""Commented words highlighted in rendered Markdown: exactly those words, never a broken or altered page."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.comments.highlighting import _without_marks, highlighted_html
from app.documents.rendering import render_markdown

PIECES = ["fair", "wages", "**bold**", "*em*", "`code`", "[link](https://example.eu/a)", "\n\n", "\n- item",
          "\n1. first", "\n# Title\n", "> quoted", "&amp;", "<b>", "|a|b|\n|-|-|\n|c|d|", "\n```\nfenced\n```\n",
          "word.", "é", "[^1]", "\n\n[^1]: note"]


def marked_words(html: str, key: int) -> str:
    return "".join(re.findall(rf'<mark class="comment-mark" data-comments="[^"]*\b{key}\b[^"]*">(.*?)</mark>', html,
                              flags=re.S))


def test_words_in_a_paragraph_are_marked_with_a_target_for_the_comment_link():
    text = "We agree on fair wages for all."
    html = highlighted_html(text, [(12, 22, 7)])
    assert html == ('<p>We agree on <span id="mark-7" class="mark-target"></span>'
                    '<mark class="comment-mark" data-comments="7">fair wages</mark> for all.</p>')


def test_a_highlight_across_paragraphs_and_emphasis_keeps_the_html_well_formed():
    text = "We agree on **fair wages**.\n\nAudits every year."
    start, end = text.index("fair"), text.index("every") + 5
    html = highlighted_html(text, [(start, end, 3)])
    assert _without_marks(html) == render_markdown(text)
    assert marked_words(html, 3) == "fair wages.Audits every"


def test_overlapping_highlights_name_every_comment_on_the_words():
    text = "We agree on fair wages for all."
    html = highlighted_html(text, [(12, 22, 1), (17, 26, 2)])
    assert marked_words(html, 1) == "fair wages" and marked_words(html, 2) == "wages for"
    assert 'data-comments="1 2">wages</mark>' in html


def test_a_marker_that_would_break_a_link_is_left_out_and_the_page_is_unchanged():
    text = "See [the guide](https://example.eu/guide) here."
    html = highlighted_html(text, [(text.index("guide"), text.index("example") + 3, 4)])
    assert html == render_markdown(text)


def test_text_holding_our_marker_characters_is_rendered_plainly():
    text = "Odd \ue000\ue100 characters."
    assert highlighted_html(text, [(0, 3, 1)]) == render_markdown(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map(" ".join),
       st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), max_size=4))
def test_highlighting_never_changes_what_the_page_says_or_how_it_is_built(text, raw_spans):
    spans = [(start, min(len(text), start + length), key) for key, (start, length) in enumerate(raw_spans)
             if start < len(text)]
    html = highlighted_html(text, spans)
    assert _without_marks(html) == render_markdown(text)
    assert html.count("<mark") == html.count("</mark>")
