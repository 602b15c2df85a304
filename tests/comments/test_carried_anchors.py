"""Anchors are carried forward at each save, so the page never relocates across the whole history,
and what a reader sees is the same as relocating from the comment's own revision would show."""
from hypothesis import given, settings
from hypothesis import strategies as st

from app.comments import anchoring, services
from app.comments.anchoring import Location, carry, relocate
from app.comments.models import Comment
from app.documents import services as documents
from app.extensions import db

from .test_anchoring import FILLER, QUOTED, _join, edits


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FILLER), max_size=20), st.lists(st.sampled_from(FILLER), max_size=20),
       st.lists(st.sampled_from(QUOTED), min_size=1, max_size=3), st.data())
def test_words_no_edit_touches_are_carried_exactly_through_many_saves(left, right, middle, data):
    text, start, end = _join(left, middle, right)
    quote = text[start:end]
    where = Location(start, end)
    for _ in range(data.draw(st.integers(1, 6))):  # one save after another, each editing around the words
        left, right = data.draw(edits(left, FILLER)), data.draw(edits(right, FILLER))
        new, new_start, new_end = _join(left, middle, right)
        if new.count(quote) != 1:
            return
        where = carry(quote, where, text, new)
        assert (where.start, where.end) == (new_start, new_end) and where.exact
        text = new


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FILLER), max_size=20), st.lists(st.sampled_from(FILLER), max_size=20),
       st.lists(st.sampled_from(QUOTED), min_size=1, max_size=3), st.data())
def test_once_the_words_are_deleted_the_thread_stays_outdated(left, right, middle, data):
    text, start, end = _join(left, middle, right)
    quote = text[start:end]
    gone = " ".join(data.draw(edits(left, FILLER)) + data.draw(edits(right, FILLER)))
    where = carry(quote, Location(start, end), text, gone)
    assert where.orphaned
    assert carry(quote, where, gone, gone + " " + quote).orphaned


def test_a_reworded_quote_is_followed_and_said_to_have_changed():
    old = "We agree on fair wages for every worker in the supply chain of ICT hardware."
    start = old.index("fair wages for every worker")
    quote = "fair wages for every worker"
    new = old.replace("every worker", "each worker")
    where = carry(quote, Location(start, start + len(quote)), old, new)
    assert new[where.start:where.end] == "fair wages for each worker" and not where.exact
    later = "Preamble. " + new
    where = carry(quote, where, new, later)
    assert later[where.start:where.end] == "fair wages for each worker" and not where.exact


def test_saves_carry_open_threads_and_the_page_needs_no_old_revision(setting, monkeypatch):
    s = setting
    section, editor = s["section"], s["people"]["editor"]
    thread = services.add_comment(s["people"]["member"], section, body="Which criteria?", quote="its criteria")
    whole = services.add_comment(s["people"]["member"], section, body="On the whole section.")
    db.session.commit()
    for n in range(12):
        documents.save_section(editor, section, body=f"Note {n}. " + section.body,
                               base_revision=section.current_revision)
        db.session.commit()
    db.session.refresh(thread)
    assert thread.located_revision == section.current_revision == 13 and thread.located_state == "exact"
    assert section.body[thread.located_start:thread.located_end] == "its criteria"
    assert whole.located_state is None  # nothing to carry for a comment on the whole section
    # Reading now needs no old revision: rebuilding one would fail the page.
    monkeypatch.setattr(documents, "revision_text", lambda *a: (_ for _ in ()).throw(AssertionError("rebuilt")))
    anchoring._CACHE.clear()
    [found] = [t for t in services.threads_of([section])[section.id] if t.comment.id == thread.id]
    assert found.quoted_now(section.body) == "its criteria" and found.location.exact
    # ... and says the same as relocating from the comment's own revision.
    monkeypatch.undo()
    direct = relocate(services.anchor_of(thread), section.body, documents.revision_text(section.id, 1))
    assert (direct.start, direct.end) == (found.location.start, found.location.end)


def test_deleted_words_are_outdated_on_the_page_and_stay_so(setting, client, login):
    s = setting
    section, editor = s["section"], s["people"]["editor"]
    thread = services.add_comment(s["people"]["member"], section, body="Which criteria?", quote="its criteria")
    db.session.commit()
    documents.save_section(editor, section, body=section.body.replace("publishes its criteria", "reports"),
                           base_revision=1)
    db.session.commit()
    documents.save_section(editor, section, body=section.body + "\n\nAlso its criteria, elsewhere.",
                           base_revision=2)
    db.session.commit()
    db.session.refresh(thread)
    assert thread.located_state == "orphaned" and thread.located_revision == 3
    login(client, s["people"]["member"])
    html = client.get(f"/documents/{s['document'].id}").get_data(as_text=True)
    assert "Outdated" in html and "Which criteria?" in html


def test_a_thread_from_before_carrying_is_relocated_once_and_then_carried(setting):
    s = setting
    section, editor = s["section"], s["people"]["editor"]
    thread = services.add_comment(s["people"]["member"], section, body="Fair?", quote="fair wages")
    db.session.commit()
    documents.save_section(editor, section, body="Intro. " + section.body, base_revision=1)
    db.session.commit()
    # As data written before migration 0008: anchored on revision 1, never carried.
    db.session.execute(db.update(Comment).where(Comment.id == thread.id).values(
        located_revision=None, located_start=None, located_end=None, located_state=None))
    db.session.commit()
    documents.save_section(editor, section, body="More. " + section.body, base_revision=2)
    db.session.commit()
    db.session.refresh(thread)
    assert thread.located_revision == 3 and thread.located_state == "exact"
    assert section.body[thread.located_start:thread.located_end] == "fair wages"


def test_a_resolved_thread_is_not_carried_and_is_found_again_when_reopened(setting):
    s = setting
    section, editor = s["section"], s["people"]["editor"]
    thread = services.add_comment(s["people"]["member"], section, body="Fair?", quote="fair wages")
    services.resolve(editor, thread)
    db.session.commit()
    documents.save_section(editor, section, body="Intro. " + section.body, base_revision=1)
    db.session.commit()
    db.session.refresh(thread)
    assert thread.located_state is None
    services.reopen(editor, thread)
    db.session.commit()
    [found] = services.threads_of([section])[section.id]
    assert found.quoted_now(section.body) == "fair wages"
