"""The interface follows the reader's language, the document's text its own: what the document page keeps
across requests is kept per language, and the text is marked with the document's (lang=)."""
from app.caching import process_cache
from app.comments.services import add_comment
from app.extensions import db
from tests.documents.conftest import page, section_markup


def _languages_kept(name: str, section_id: int) -> set:
    cache = process_cache(name)
    return {key.language for key in list(cache._items) if key.section_id == section_id}


def test_the_documents_text_is_marked_with_its_language_and_the_interface_with_the_readers(app, client, login,
                                                                                             doc):
    _group, people, document = doc
    document.language = "nl"
    db.session.commit()
    login(client, people["editor"])
    html = page(client, document)
    section = document.sections[0]
    markup = section_markup(html, section)
    assert 'class="section-heading" lang="nl"' in markup and 'class="section-body prose" lang="nl"' in markup
    assert '<ol class="toc-list" lang="nl">' in html and '<h1 lang="nl">Clean buses roadmap</h1>' in html
    assert f'<aside class="discussion" aria-labelledby="{section.anchor}-discussion">' in markup  # the reader's


def test_the_kept_frames_and_threads_are_kept_per_language(app, login, doc):
    _group, people, document = doc
    add_comment(people["member"], document.sections[0], body="Which cities?", quote="Cities")
    db.session.commit()
    reader = app.test_client()
    login(reader, people["editor"])
    in_english = page(reader, document)
    people["editor"].language = "fr"
    db.session.commit()
    in_french = page(reader, document)
    section = document.sections[0]
    # One frame per language, each made for it: a French reader is never given the English reader's markup.
    assert {"en", "fr"} <= _languages_kept("section_frame", section.id)
    pieces = {key.reader[3] for key in list(process_cache("section_piece")._items) if key.section_id == section.id}
    assert {"en", "fr"} <= pieces
    threads = {key[4] for key in list(process_cache("thread_block")._items)}
    assert {"en", "fr"} <= threads
    assert "Which cities?" in in_english and "Which cities?" in in_french
