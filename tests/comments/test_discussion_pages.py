"""The discussion in the browser's pages: comments beside the sections, suggestions, notifications, activity."""
import re

from sqlalchemy import select

from app.comments import services
from app.comments.models import Amendment, Comment
from app.documents.services import save_section
from app.extensions import db
from app.notifications import services as notifications
from tests.comments.conftest import PURPOSE


def page(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def test_a_comment_posted_on_selected_words_sits_beside_its_section_with_the_words_highlighted(setting, client, login):
    s = setting
    token = login(client, s["people"]["member"])
    response = client.post(f"/sections/{s['section'].id}/comments", data={
        "csrf_token": token, "quote": "fair wages", "occurrence": "0", "body": "Say **living** wages?"})
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    assert response.headers["Location"].endswith(f"/documents/{s['document'].id}#comment-{comment.id}")
    html = page(client, f"/documents/{s['document'].id}")
    assert f'id="comment-{comment.id}"' in html and "<strong>living</strong>" in html
    assert (f'<span id="mark-{comment.id}" class="mark-target"></span>'
            f'<mark class="comment-mark" data-comments="{comment.id}">fair wages</mark>') in html
    assert f'href="#mark-{comment.id}"' in html  # the excerpt beside the comment links to the words
    assert "Notifications (0" in html


def test_without_javascript_a_typed_quote_or_none_works_and_a_wrong_quote_comes_back_with_the_error(
        setting, client, login):
    s = setting
    token = login(client, s["people"]["member"])
    whole = client.post(f"/sections/{s['section'].id}/comments", data={"csrf_token": token, "quote": "",
                                                                       "body": "On the whole."})
    assert whole.status_code == 302
    wrong = client.post(f"/sections/{s['section'].id}/comments", data={
        "csrf_token": token, "quote": "unfair pay", "body": "Keep my words."})
    assert wrong.status_code == 400
    text = wrong.get_data(as_text=True)
    assert "These words are not in the current text of the section." in text and "Keep my words." in text
    empty = client.post(f"/sections/{s['section'].id}/comments", data={"csrf_token": token, "body": "  "})
    assert empty.status_code == 400 and "There is a problem" in empty.get_data(as_text=True)
    assert "On the whole section" in page(client, f"/documents/{s['document'].id}")


def test_an_oversized_comment_from_the_form_is_413(setting, client, login):
    token = login(client, setting["people"]["member"])
    response = client.post(f"/sections/{setting['section'].id}/comments", data={
        "csrf_token": token, "body": "x" * (services.MAX_COMMENT_CHARS + 1)})
    assert response.status_code == 413
    assert f"A comment may hold at most {services.MAX_COMMENT_CHARS:,} characters." in response.get_data(as_text=True)
    assert db.session.scalars(select(Comment)).all() == []


def test_replies_resolve_and_reopen_through_the_forms_and_resolved_threads_move_to_the_discussion_page(
        setting, client, login):
    s = setting
    sid = s["section"].id
    thread = services.add_comment(s["people"]["member"], s["section"], body="Too vague.", quote="every year")
    db.session.commit()
    token = login(client, s["people"]["editor"])
    assert client.post(f"/sections/{sid}/comments", data={
        "csrf_token": token, "parent_id": str(thread.id), "body": "Agreed, fixing."}).status_code == 302
    assert "Agreed, fixing." in page(client, f"/documents/{s['document'].id}")  # replies of open threads shown
    assert client.post(f"/comments/{thread.id}/resolve", data={"csrf_token": token}).status_code == 302
    html = page(client, f"/documents/{s['document'].id}")
    assert "Too vague." not in html and "Agreed, fixing." not in html
    assert f'href="/sections/{sid}/discussion#resolved">Resolved threads' in html
    assert 'class="comment-mark"' not in html  # a resolved thread's words are no longer highlighted
    discussion = page(client, f"/sections/{sid}/discussion")
    resolved = discussion[discussion.index('id="resolved"'):]
    assert "Too vague." in resolved and "Agreed, fixing." in resolved and "Resolved by Editor" in resolved
    assert client.post(f"/comments/{thread.id}/reopen", data={"csrf_token": token}).status_code == 302
    html = page(client, f"/documents/{s['document'].id}")
    assert "Too vague." in html and "Agreed, fixing." in html and "Resolved threads" not in html


def test_readers_see_the_discussion_but_no_forms_and_cannot_resolve(setting, client, login):
    s = setting
    thread = services.add_comment(s["people"]["member"], s["section"], body="A point.")
    db.session.commit()
    token = login(client, s["people"]["observer"])
    html = page(client, f"/documents/{s['document'].id}")
    assert "A point." in html and 'name="body"' not in html and "Suggest a change" not in html
    assert client.post(f"/comments/{thread.id}/resolve", data={"csrf_token": token}).status_code == 403
    assert page(client, f"/sections/{s['section'].id}/suggest", status=403)


def test_edit_and_delete_through_the_pages(setting, client, login):
    s = setting
    thread = services.add_comment(s["people"]["member"], s["section"], body="Frist.")
    services.reply(s["people"]["editor"], thread, body="Typo?")
    db.session.commit()
    token = login(client, s["people"]["member"])
    assert "Frist." in page(client, f"/comments/{thread.id}/edit")
    assert client.post(f"/comments/{thread.id}/edit", data={"csrf_token": token, "body": "First."}).status_code == 302
    assert client.post(f"/comments/{thread.id}/delete", data={"csrf_token": token}).status_code == 302
    html = page(client, f"/documents/{s['document'].id}")
    assert "This comment was deleted." in html and "Typo?" in html and "First." not in html
    other = client.application.test_client()
    login(other, s["people"]["observer"])
    assert other.get(f"/comments/{thread.id}/edit").status_code == 403


def test_an_anchor_whose_words_are_gone_is_marked_outdated_with_its_words(setting, client, login):
    s = setting
    services.add_comment(s["people"]["member"], s["section"], body="Why yearly?", quote="every year")
    services.add_comment(s["people"]["member"], s["section"], body="Good.", quote="fair wages")
    db.session.commit()
    save_section(s["people"]["editor"], s["section"], body="Preamble.\n\n" + PURPOSE.replace(" every year", ""),
                 base_revision=1)
    db.session.commit()
    login(client, s["people"]["observer"])
    html = page(client, f"/documents/{s['document'].id}")
    assert "Outdated" in html and "<q class=\"quoted-words\">every year</q>" in html
    assert html.count('class="comment-mark"') == 1 and ">fair wages</mark>" in html


def test_hostile_markdown_in_a_comment_is_sanitised_on_the_page(setting, client, login):
    services.add_comment(setting["people"]["member"], setting["section"],
                         body="<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))")
    db.session.commit()
    login(client, setting["people"]["observer"])
    html = page(client, f"/documents/{setting['document'].id}")
    assert "<script>alert" not in html and "onerror" not in html and "javascript:alert" not in html


def queries_for_page(count_queries, client, path):
    with count_queries() as queries:
        page(client, path)
    return queries.count


def test_the_document_page_does_not_ask_the_database_once_per_comment(setting, client, login, count_queries):
    s = setting

    def queries_for_page_():
        return queries_for_page(count_queries, client, f"/documents/{s['document'].id}")

    login(client, s["people"]["observer"])
    thread = services.add_comment(s["people"]["member"], s["section"], body="One.", quote="fair wages")
    db.session.commit()
    few = queries_for_page_()
    for n in range(12):
        services.reply(s["people"]["editor"], thread, body=f"Reply {n}.")
        services.add_comment(s["people"]["editor"], s["other"], body=f"More {n}.", quote="together")
    db.session.commit()
    assert queries_for_page_() <= few + 2


def test_anchors_made_on_old_revisions_are_re_located_once_not_on_every_view(setting, client, login, count_queries):
    s = setting
    login(client, s["people"]["observer"])
    path = f"/documents/{s['document'].id}"
    bare = queries_for_page(count_queries, client, path)
    for n in range(6):
        services.add_comment(s["people"]["member"], s["section"], body=f"On wages {n}.", quote="fair wages")
        services.add_comment(s["people"]["member"], s["other"], body=f"On acting {n}.", quote="act together")
        db.session.commit()
        for section in (s["section"], s["other"]):  # every comment ends up on an older revision
            save_section(s["people"]["editor"], section, body=section.body + f" ({n})",
                         base_revision=section.current_revision)
        db.session.commit()
    first = queries_for_page(count_queries, client, path)
    assert page(client, path).count('class="comment-mark"') >= 2
    again = queries_for_page(count_queries, client, path)
    assert again <= bare + 3 and again <= first


def test_suggest_a_change_preview_post_and_accept(setting, client, login):
    s = setting
    token = login(client, s["people"]["member"])
    form = page(client, f"/sections/{s['section'].id}/suggest")
    assert PURPOSE.split("\n")[0] in form and 'name="base_revision" type="hidden" value="1"' in form
    proposal = PURPOSE.replace("fair wages", "living wages")
    preview = client.post(f"/sections/{s['section'].id}/suggest", data={
        "csrf_token": token, "body": proposal, "base_revision": "1", "rationale": "Stronger.", "preview": "1"})
    assert preview.status_code == 200
    assert 'living<span class="visually-hidden">]</span></ins>' in preview.get_data(as_text=True)
    assert db.session.scalar(select(Amendment)) is None
    posted = client.post(f"/sections/{s['section'].id}/suggest", data={
        "csrf_token": token, "body": proposal, "base_revision": "1", "rationale": "Stronger."})
    amendment = db.session.scalar(select(Amendment))
    assert posted.status_code == 302 and posted.headers["Location"].endswith(f"/amendments/{amendment.id}")
    html = page(client, f"/amendments/{amendment.id}")
    assert "<del><span class=\"visually-hidden\">[deleted: </span>fair" in html and "Stronger." in html
    side = page(client, f"/amendments/{amendment.id}?view=side")
    assert "diff-rows" in side and "[inserted: </span>living<" in side
    assert 'class="diff diff-inline"' in page(client, f"/amendments/{amendment.id}?view=source")
    assert 'id="decide-heading"' not in html  # members do not decide
    assert "1 suggested change" in page(client, f"/documents/{s['document'].id}")
    editor = client.application.test_client()
    editor_token = login(editor, s["people"]["editor"])
    decide = page(editor, f"/amendments/{amendment.id}")
    assert "Support this suggestion" in decide and 'id="decide-heading"' in decide
    accepted = editor.post(f"/amendments/{amendment.id}/accept", data={"csrf_token": editor_token})
    assert accepted.status_code == 302
    db.session.expire_all()
    assert "living wages" in s["section"].body
    assert "credited to Member" in page(editor, f"/documents/{s['document'].id}")


def test_accepting_a_suggestion_that_no_longer_merges_shows_the_resolution_view(setting, client, login):
    s = setting
    amendment = services.propose_amendment(s["people"]["member"], s["section"],
                                           body=PURPOSE.replace("fair wages", "living wages"), base_revision=1)
    save_section(s["people"]["editor"], s["section"], body=PURPOSE.replace("fair wages", "decent wages"),
                 base_revision=1)
    db.session.commit()
    token = login(client, s["people"]["editor"])
    response = client.post(f"/amendments/{amendment.id}/accept", data={"csrf_token": token})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This suggestion no longer merges" in html and "decent" in html and "living" in html
    # The accept screen compares formatted text, whole words: "decent" (current) against "living" (suggested).
    assert re.search(r'<del><span class="visually-hidden">\[deleted: </span>decent<', html)
    assert re.search(r'<ins><span class="visually-hidden">\[inserted: </span>living<', html)
    assert re.search(r'name="base_revision" type="hidden" value="2"', html)
    resolved = PURPOSE.replace("fair wages", "decent, living wages")
    done = client.post(f"/amendments/{amendment.id}/accept", data={
        "csrf_token": token, "body": resolved, "base_revision": "2"})
    assert done.status_code == 302
    db.session.expire_all()
    assert s["section"].body == resolved and amendment.status == "accepted"


def test_reject_and_support_through_the_pages(setting, client, login):
    s = setting
    amendment = services.propose_amendment(s["people"]["member"], s["section"], body=PURPOSE + "\n\nMore.",
                                           base_revision=1)
    db.session.commit()
    token = login(client, s["people"]["editor"])
    assert client.post(f"/amendments/{amendment.id}/support", data={"csrf_token": token}).status_code == 302
    assert "Supported by Editor" in page(client, f"/amendments/{amendment.id}")
    assert client.post(f"/amendments/{amendment.id}/reject", data={
        "csrf_token": token, "reason": "Not now."}).status_code == 302
    html = page(client, f"/amendments/{amendment.id}")
    assert "Rejected by Editor" in html and "Not now." in html


def test_notifications_count_in_the_header_open_and_the_email_choice(setting, client, login):
    s = setting
    services.add_comment(s["people"]["member"], s["section"], body="What does @Editor think?")
    db.session.commit()
    token = login(client, s["people"]["editor"])
    home = page(client, "/")
    assert 'Notifications (1<span class="visually-hidden"> unread</span>)' in home
    html = page(client, "/notifications")
    assert "Member mentioned you in a comment on §1 Purpose of “Fair ICT”" in html
    nid = re.search(r'/notifications/(\d+)/open', html).group(1)
    opened = client.post(f"/notifications/{nid}/open", data={"csrf_token": token})
    assert opened.status_code == 302 and f"/documents/{s['document'].id}#comment-" in opened.headers["Location"]
    assert "Notifications (0" in page(client, "/")
    assert client.post("/notifications/settings", data={"csrf_token": token, "email": "daily"}).status_code == 302
    assert notifications.email_preference(s["people"]["editor"]) == "daily"
    assert 'checked id="email-1" name="email" type="radio" value="daily"' in page(client, "/notifications")
    other = client.application.test_client()
    other_token = login(other, s["people"]["member"])
    assert other.post(f"/notifications/{nid}/open", data={"csrf_token": other_token}).status_code == 404


def test_watching_a_document_from_its_page(setting, client, login):
    s = setting
    token = login(client, s["people"]["observer"])
    assert "Watch this document" in page(client, f"/documents/{s['document'].id}")
    client.post(f"/documents/{s['document'].id}/watch", data={"csrf_token": token, "watch": "1"})
    assert "Stop watching" in page(client, f"/documents/{s['document'].id}")
    services.add_comment(s["people"]["member"], s["other"], body="Hello.")
    db.session.commit()
    assert "Notifications (1" in page(client, "/")


def test_the_group_page_links_to_its_activity_feed(setting, client, login):
    s = setting
    services.add_comment(s["people"]["member"], s["section"], body="Hello.")
    db.session.commit()
    login(client, s["people"]["observer"])
    assert f'href="/groups/{s["group"].id}/activity"' in page(client, f"/groups/{s['group'].id}")
    html = page(client, f"/groups/{s['group'].id}/activity")
    # each line one sentence (so that every language can order its words), the whole of it the link
    assert re.search(r'<a href="/documents/\d+#comment-\d+">Member commented on “Purpose” in “Fair ICT”</a>', html)
    assert re.search(r'<a href="/documents/\d+">Editor started “Fair ICT”</a>', html)


def test_a_removed_section_keeps_its_discussion_readable(setting, client, login):
    from app.documents.services import delete_section

    s = setting
    services.add_comment(s["people"]["member"], s["section"], body="Keep me.")
    delete_section(s["people"]["editor"], s["section"])
    db.session.commit()
    login(client, s["people"]["member"])
    history = page(client, f"/sections/{s['section'].id}/history")
    assert f"/sections/{s['section'].id}/discussion" in history
    html = page(client, f"/sections/{s['section'].id}/discussion")
    assert "Keep me." in html and "was removed" in html and 'name="body"' not in html


def test_the_activity_feed_publishes_the_latest_sealed_audit_checkpoint(setting, client, login):
    """Issue #25: the chain's head is published where every member looks, not only in the database."""
    from app.audit.checkpoints import seal_checkpoint
    from app.audit.services import head

    s = setting
    login(client, s["people"]["observer"])
    assert "no sealed checkpoint yet" in page(client, f"/groups/{s['group'].id}/activity")
    checkpoint = seal_checkpoint(s["group"].id, head(s["group"].id))
    db.session.commit()
    html = page(client, f"/groups/{s['group'].id}/activity")
    assert checkpoint.head_hash in html and f"sealed at event {checkpoint.seq}" in html
