"""The comparison engine: word-level track changes on the formatted text, as a reader sees them."""
import re
import time

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.documents import comparing
from app.documents.comparing import compare_html, compare_markdown, tokens_of
from app.documents.rendering import render_markdown

MARKERS = ("**", "|---", "| ---", "- ", "# ", "](", "__")


def compare(old, new, **kwargs):
    return compare_markdown(old, new, render_markdown, **kwargs)


def fragment_text(html, drop=()):
    """The words a reader sees, with the screen-reader labels and the notes about changes left out."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in root.xpath('.//*[contains(@class, "visually-hidden") or contains(@class, "diff-note")'
                              ' or contains(@class, "diff-coarse-note")]'):
        element.drop_tree()
    for tag in drop:
        for element in root.iter(tag):
            element.drop_tree()
    return root.text_content()


def marked(html, tag):
    """The words inside each <ins> or <del>, without their labels."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in root.xpath('.//*[contains(@class, "visually-hidden")]'):
        element.drop_tree()
    return [element.text_content() for element in root.iter(tag)]


def no_markdown_markers(html):
    text = fragment_text(html)
    return not any(marker in text for marker in MARKERS) and not re.search(r"^\s*#", text, re.M)


# --- The word rule -------------------------------------------------------------------------------------

def test_a_changed_word_is_replaced_whole_never_split():
    result = compare("It is done once a year.", "It is done twice a year.")
    assert marked(result.html, "del") == ["once"]
    assert marked(result.html, "ins") == ["twice"]
    assert "[deleted: once][inserted: twice]" in result.text


def test_neighbouring_small_changes_read_as_one_phrase_replaced():
    result = compare("This is not an optional extra for buyers.", "This is never a voluntary add-on for buyers.")
    assert marked(result.html, "del") == ["not an optional extra"]
    assert marked(result.html, "ins") == ["never a voluntary add-on"]


def test_words_of_french_german_and_norwegian_are_whole_tokens():
    assert tokens_of("l'Union européenne, aujourd’hui") == ["l'Union", " ", "européenne", ",", " ", "aujourd’hui"]
    assert "Vergabe-Richtlinie" in tokens_of("Die Vergabe-Richtlinie gilt.")
    assert "Straßenbahnbeschaffung" in tokens_of("Die Straßenbahnbeschaffung.")
    assert tokens_of("Færøyene og Åsane") == ["Færøyene", " ", "og", " ", "Åsane"]
    assert tokens_of("2,5 % of 1.000 buses.") == ["2,5", " ", "%", " ", "of", " ", "1.000", " ", "buses", "."]
    assert tokens_of("e\u0301te\u0301") == ["e\u0301te\u0301"]  # decomposed accents stay in their word
    assert tokens_of("中文字") == ["中", "文", "字"]


def test_accented_words_change_whole():
    result = compare("Les achats de l'Union européenne.", "Les achats de l'Unité européenne.")
    assert marked(result.html, "del") == ["l'Union"]
    assert marked(result.html, "ins") == ["l'Unité"]
    norwegian = compare("Innkjøp i Tromsø.", "Innkjøp i Bodø.")
    assert (marked(norwegian.html, "del"), marked(norwegian.html, "ins")) == (["Tromsø"], ["Bodø"])
    german = compare("Die Vergabe-Richtlinie gilt ab 2,5 Mio.", "Die Beschaffungs-Richtlinie gilt ab 3,5 Mio.")
    assert marked(german.html, "del") == ["Vergabe-Richtlinie gilt ab 2,5"] or (
        set(marked(german.html, "del")) == {"Vergabe-Richtlinie", "2,5"})


# --- Formatting kept and formatting changes said -------------------------------------------------------

def test_formatting_is_kept_and_no_markdown_marker_shows():
    old = "## Scope\n\nBuyers **must** publish *each* [notice](https://ted.europa.eu).\n\n- one\n- two\n"
    new = "## Scope\n\nBuyers **shall** publish *each* [notice](https://ted.europa.eu).\n\n- one\n- two\n"
    result = compare(old, new)
    assert "<h2>Scope</h2>" in result.html
    assert "<strong><del>" in result.html and "<ins>" in result.html
    assert "<em>each</em>" in result.html and 'href="https://ted.europa.eu"' in result.html
    assert "<ul><li>one</li>" in result.html
    assert no_markdown_markers(result.html)
    for old_side, new_side in result.rows:
        assert no_markdown_markers(old_side) and no_markdown_markers(new_side)


def test_bold_added_is_said_as_such():
    result = compare("This is important.", "This is **important**.")
    assert not marked(result.html, "ins") and not marked(result.html, "del")
    assert "(bold added)" in result.html
    assert "<strong>" in result.html


def test_a_changed_link_is_said_with_its_old_address():
    result = compare("See [the rule](https://a.example/x).", "See [the rule](https://b.example/y).")
    assert "link changed, was https://a.example/x" in result.html
    assert 'href="https://b.example/y"' in result.html
    assert not marked(result.html, "ins")


def test_a_change_inside_a_table_is_marked_in_its_cell():
    table = "| Lot | Value |\n|---|---|\n| Buses | {} |\n| Trams | 4 |\n"
    result = compare(table.format("two million"), table.format("three million"))
    root = lxml.html.fragment_fromstring(result.html, create_parent="div")
    changed_cells = [cell for cell in root.iter("td") if cell.find(".//del") is not None]
    assert len(changed_cells) == 1 and "million" in changed_cells[0].text_content()
    assert all(element.getparent().tag in ("td", "th") for element in root.iter("ins", "del"))
    assert len(root.findall(".//tr")) == 3
    assert no_markdown_markers(result.html)


def test_a_list_item_added_is_one_inserted_item():
    result = compare("- buses\n- trams\n", "- buses\n- trams\n- ferries\n")
    root = lxml.html.fragment_fromstring(result.html, create_parent="div")
    items = root.findall(".//ul/li")
    assert [item.text_content().replace("[inserted: ", "").rstrip("]") for item in items] == [
        "buses", "trams", "ferries"]
    assert marked(result.html, "ins") == ["ferries"]
    assert "• [inserted: ferries]" in result.text


def test_a_moved_paragraph_is_shown_as_moved_with_its_edits():
    old = ("Buyers share their plans early.\n\nSecond point stays.\n\nThird point stays.\n\n"
           "Suppliers hear of tenders a year ahead.")
    new = ("Second point stays.\n\nThird point stays.\n\nSuppliers hear of tenders a year ahead.\n\n"
           "Buyers share their plans very early.")
    result = compare(old, new)
    assert result.moves == 1
    assert "Moved from here to" in result.html and "Moved here from" in result.html
    assert marked(result.html, "ins") == ["very "]
    assert not marked(result.html, "del")  # the paragraph is not deleted and inserted again
    assert 'href="#move-1-to"' in result.html and 'id="move-1-to"' in result.html


def test_no_change_is_no_change():
    result = compare("Same **text**.\n\n- a\n", "Same **text**.\n\n- a\n")
    assert not result.changed and "<ins" not in result.html and "<del" not in result.html


def test_a_writers_own_del_and_ins_do_not_read_as_changes():
    result = compare("Keep <del>this</del>.", "Keep <del>this</del>.")
    assert "<del" not in result.html and "<s>this</s>" in result.html


def test_over_the_budget_changed_blocks_are_shown_whole_and_said_coarser():
    result = compare("One two three.\n\nFour five.", "One two four.\n\nFour six.", deadline=time.monotonic() - 1)
    assert result.coarse and comparing.COARSE_NOTE in result.html
    assert marked(result.html, "del") == ["One two three.", "Four five."]
    assert marked(result.html, "ins") == ["One two four.", "Four six."]


def test_a_huge_section_answers_quickly_and_coarser(monkeypatch):
    monkeypatch.setattr(comparing, "MAX_TOKENS", 5_000)
    old = "\n\n".join(f"Paragraph {n} says word{n} and more." for n in range(2_000))
    new = "\n\n".join(f"Paragraph {n} says term{n} and more." for n in range(2_000))
    started = time.monotonic()
    result = compare_html(render_markdown(old), render_markdown(new))
    assert time.monotonic() - started < 3
    assert result.coarse


# --- Properties: each side gives back its text ---------------------------------------------------------

def squeeze(text):
    return "".join(text.split())


WORDS = st.sampled_from(["buyers", "l'Union", "européenne", "Vergabe-Richtlinie", "Tromsø", "2,5", "1.000",
                         "once", "twice", "tenders", ",", ".", "**bold**", "*it*", "[link](https://a.eu)",
                         "`code`", "ø", "été"])
LINE = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)
BLOCK = st.one_of(LINE, LINE.map(lambda line: "## " + line), st.lists(LINE, min_size=1, max_size=3).map(
    lambda items: "\n".join("- " + item for item in items)), st.lists(LINE, min_size=2, max_size=2).map(
    lambda cells: f"| a | b |\n|---|---|\n| {cells[0]} | {cells[1]} |"))
TEXT = st.lists(BLOCK, max_size=5).map("\n\n".join)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT)
def test_each_side_of_a_comparison_gives_back_its_rendered_text(old, new):
    old_html, new_html = render_markdown(old), render_markdown(new)
    result = compare_html(old_html, new_html)
    old_text, new_text = squeeze(fragment_text(old_html)), squeeze(fragment_text(new_html))
    assert squeeze(fragment_text(result.old_html, drop=("ins",))) == old_text
    assert squeeze(fragment_text(result.new_html, drop=("del",))) == new_text
    if not result.moves:  # inline, a moved block sits at its new place only
        assert squeeze(fragment_text(result.html, drop=("ins",))) == old_text
        assert squeeze(fragment_text(result.html, drop=("del",))) == new_text
    assert no_markdown_markers(result.html)
