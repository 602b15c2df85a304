"""A PDF speaks its document's language, whoever asks for it; /verify and the export's messages speak the
reader's (issue #21)."""
from __future__ import annotations

from datetime import datetime

from app.extensions import db


def test_a_document_pdf_is_in_the_documents_language_not_the_requesters(final_setup, app):
    from app.documents.models import Version
    from app.export import specs
    from app.i18n import current_language, in_language

    document = final_setup["document"]
    document.language = "fr"
    db.session.commit()
    version = db.session.get(Version, final_setup["version"]["id"])
    with app.test_request_context("/?lang=de"), in_language("de", "Asia/Tokyo"):
        spec = specs.version_spec(version)
        html = spec.build_html()
        assert current_language() == "de"  # the requester's language is back after the render
    assert '<html lang="fr">' in html
    month = version.created_at.strftime("%m")
    french_months = {"11": "novembre", "12": "décembre", "01": "janvier"}
    if month in french_months:
        assert french_months[month] in html
    assert " UTC" in html  # the evidence page keeps its times in UTC, and says so
    assert spec.key.endswith(":fr")  # a PDF kept in another language is never served for this one


def test_the_words_around_the_page_counters_come_from_one_translated_sentence(app, monkeypatch):
    from app.export import context

    assert context.page_counter_content() == '"Page " counter(page) " of " counter(pages)'
    translation = {"Page %(page)s of %(pages)s": '%(page)s / %(pages)s <"x">'}
    monkeypatch.setattr(context, "_", lambda message, **values: translation[message] % values)
    assert context.page_counter_content() == 'counter(page) " / " counter(pages) " \\3c \\22 x\\22 \\3e "'


def test_evidence_times_stay_utc_in_any_zone(app):
    from app.export.context import utc_moment
    from app.i18n import in_language

    with in_language("de", "Pacific/Auckland"):
        assert utc_moment(datetime(2026, 11, 20, 23, 30)) == "20. November 2026, 23:30 UTC"


def test_a_stored_failure_is_said_again_in_the_readers_language(app, monkeypatch):
    from app.export import messages

    stored = messages.english(messages.RENDER_TOO_SLOW, seconds="120")
    assert stored == "The PDF took longer than 120 seconds to render and was stopped."
    assert messages.translated(stored) == stored
    asked = []
    monkeypatch.setattr("app.i18n.gettext", lambda message, **values: asked.append((message, values)) or "…")
    assert messages.translated(stored) == "…"
    assert asked == [(messages.RENDER_TOO_SLOW, {"seconds": "120"})]
    assert messages.translated("Something written before") == "Something written before"


def test_a_translations_pdf_says_on_every_page_that_it_is_one_and_what_it_follows(final_setup, app, tmp_path):
    import subprocess

    from app.documents.translations import start_translation
    from app.export import specs
    from app.export.render import render_pdf

    original = final_setup["document"]
    translation = start_translation(final_setup["people"]["editor"], original, "fr")
    db.session.commit()
    html = specs.current_spec(translation).build_html()
    assert '<html lang="fr">' in html
    follows = original.final_version.name  # the translation starts from the final text: it follows that version
    footer_text = specs._translation_note(translation)
    assert original.title in footer_text and follows in footer_text
    pdf = tmp_path / "translation.pdf"
    pdf.write_bytes(render_pdf(html).pdf)
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2
    assert all(original.title in " ".join(page.split()) for page in pages[1:]), "a page without the note"
    assert specs._translation_note(original) == ""  # the authoritative text carries no such note
