"""The document page reuses each section's frame (heading, discussion box, tools) across requests:
what a reader sees must still follow every edit, every reader's rights and every session's token."""
import re

from app.comments.services import add_comment, delete_comment, edit_comment, reply, resolve
from app.documents import services
from app.documents.fragments import BODY, CSRF, PAGE_BODY, THREADS
from app.extensions import db
from app.groups.models import Membership
from tests.documents.conftest import page, section_markup, thread_and_another_member, thread_markup


def test_a_renamed_heading_shows_everywhere_in_its_frame(app, client, login, doc):
    _group, people, document = doc
    section = document.sections[1]
    login(client, people["editor"])
    assert "Edit<span class=\"visually-hidden\"> §2 Goals</span>" in page(client, document)
    services.save_section(people["editor"], section, heading="Goals for 2030", body=section.body, base_revision=1)
    db.session.commit()
    markup = section_markup(page(client, document), section)
    assert "§2</span> Goals for 2030</h" in markup
    assert "Edit<span class=\"visually-hidden\"> §2 Goals for 2030</span>" in markup
    assert "Revision 2" in markup and "Revision 1" not in markup


def test_each_reader_gets_the_tools_of_their_own_role_from_the_same_server(app, login, doc):
    _group, people, document = doc
    editor, observer = app.test_client(), app.test_client()
    login(editor, people["editor"])
    login(observer, people["observer"])
    as_editor = page(editor, document)  # fills the frames for the editor's rights first
    as_observer = page(observer, document)
    section = document.sections[0]
    assert f"/sections/{section.id}/edit" in as_editor and "Remove…<span" in as_editor
    assert f"/sections/{section.id}/edit" not in as_observer
    assert "Remove…<span" not in as_observer and "Post comment" not in as_observer
    assert "Post comment" in as_editor


def test_every_form_carries_the_token_of_the_session_that_asked(app, login, doc):
    _group, people, document = doc
    first, second = app.test_client(), app.test_client()
    other = login(first, people["editor"])
    token = login(second, people["member"])
    page(first, document)
    html = page(second, document)
    # A token is the session's secret, signed with a timestamp: compare the secret part.
    secrets = {t.split(".")[0] for t in re.findall(r'name="csrf_token" value="([^"]+)"', html)}
    assert secrets == {token.split(".")[0]} and other.split(".")[0] not in secrets
    section = document.sections[2]
    response = second.post(f"/sections/{section.id}/comments",
                           data={"csrf_token": token, "body": "Which prices?", "quote": "", "occurrence": ""})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]


def test_moving_a_section_renumbers_it_and_its_move_buttons(app, client, login, doc):
    _group, people, document = doc
    login(client, people["editor"])
    page(client, document)
    money = document.sections[2]
    services.reorder_sections(people["editor"], document, [money.id] + [s.id for s in document.sections[:2]])
    db.session.commit()
    markup = section_markup(page(client, document), money)
    assert "§1</span> Money" in markup
    assert re.search(r'value="up"[^>]*disabled', markup)
    assert not re.search(r'value="down"[^>]*disabled', markup)


def test_a_new_thread_updates_the_count_and_resolving_it_moves_it_to_the_discussion_page(app, client, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    login(client, people["member"])
    assert "open)" not in section_markup(page(client, document), section)
    comment = add_comment(people["member"], section, body="Which cities?", quote="Cities")
    db.session.commit()
    markup = section_markup(page(client, document), section)
    assert "(1 open)" in markup and "Which cities?" in markup
    resolve(people["editor"], comment)
    db.session.commit()
    markup = section_markup(page(client, document), section)
    assert "(1 open)" not in markup and "Which cities?" not in markup  # resolved threads are history
    assert f'href="/sections/{section.id}/discussion#resolved">Resolved threads' in markup
    discussion = client.get(f"/sections/{section.id}/discussion").get_data(as_text=True)
    assert "Resolved threads (1)" in discussion and "Which cities?" in discussion
    assert "Open threads (0)" in discussion


def test_text_that_looks_like_a_frame_mark_is_shown_as_typed(app, client, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    fake = "\ue000body\ue000 \ue000threads\ue000 \ue000csrf\ue000"
    services.save_section(people["editor"], section, heading=f"Context {fake}", body=f"Cities {fake}",
                          base_revision=1)
    db.session.commit()
    login(client, people["member"])
    html = page(client, document)
    assert html.count(f"Context {fake}") >= 2  # contents and heading, untouched
    for mark in (BODY, THREADS, CSRF, PAGE_BODY):
        assert mark not in html


# --- open threads, reused across readers (app/comments/fragments.py) ------------------------------

def test_each_reader_gets_the_thread_tools_their_rights_allow(app, login, make_user, doc):
    _group, people, document = doc
    thread = thread_and_another_member(people, make_user, doc)
    clients = {}
    for role in ("editor", "member", "other member", "observer"):
        clients[role] = app.test_client()
        login(clients[role], people[role])
    seen = {role: thread_markup(page(client, document), thread) for role, client in clients.items()}
    assert "Post reply" in seen["other member"]  # a member who did not write it replies, nothing more
    for tool in (f"/comments/{thread.id}/edit", "Delete<span", "Resolve<span"):
        assert tool not in seen["other member"]
    assert f"/comments/{thread.id}/edit" in seen["member"]  # the author edits and deletes
    assert "Delete<span" in seen["member"] and "Resolve<span" in seen["member"]
    assert f"/comments/{thread.id}/edit" not in seen["editor"]  # an editor deletes and resolves, not edits
    assert "Delete<span" in seen["editor"] and "Resolve<span" in seen["editor"]
    for tool in (f"/comments/{thread.id}/edit", "Delete<span", "Resolve<span", "Post reply"):
        assert tool not in seen["observer"]


def test_a_thread_shows_every_change_to_its_comments(app, client, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    thread = add_comment(people["member"], section, body="Which cities?", quote="Cities")
    db.session.commit()
    login(client, people["editor"])
    assert "Which cities?" in thread_markup(page(client, document), thread)
    edit_comment(people["member"], thread, body="Which cities, exactly?")
    answer = reply(people["editor"], thread, body="All of them.")
    people["member"].name = "Mara Member-Renamed"
    db.session.commit()
    markup = thread_markup(page(client, document), thread)
    assert "Which cities, exactly?" in markup and "edited" in markup
    assert "All of them." in markup and "Mara Member-Renamed" in markup
    delete_comment(people["editor"], answer)
    db.session.commit()
    assert "All of them." not in thread_markup(page(client, document), thread)


def test_thread_forms_carry_the_token_of_the_session_that_asked(app, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    thread = add_comment(people["member"], section, body="Which cities?", quote="Cities")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, people["editor"])
    token = login(second, people["editor"])
    page(first, document)
    markup = thread_markup(page(second, document), thread)
    secrets = {t.split(".")[0] for t in re.findall(r'name="csrf_token" value="([^"]+)"', markup)}
    assert secrets == {token.split(".")[0]}
    assert second.post(f"/comments/{thread.id}/resolve", data={"csrf_token": token}).status_code == 302


def test_the_page_asks_the_database_the_same_number_of_questions_however_many_threads_and_sections(
        app, client, login, make_user, doc, count_queries):
    group, people, document = doc
    login(client, people["editor"])

    def queries():
        with count_queries() as counted:
            page(client, document)
        return counted.count

    add_comment(people["member"], document.sections[0], body="First.", quote="Cities")
    db.session.commit()
    few = queries()
    for n in range(6):  # more threads, by more people, with replies, on every section
        writer = make_user(f"Writer {n}")
        db.session.add(Membership(group_id=group.id, user_id=writer.id, role="member"))
        db.session.flush()
        thread = add_comment(writer, document.sections[n % 3], body=f"Thread {n}.")
        reply(people["editor"], thread, body=f"Answer {n}.")
    for n in range(4):  # more sections, their texts read for the page (loaded without them) in one go
        services.add_section(people["editor"], document, heading=f"Annex {n}", body=f"Buses of type {n}.")
    db.session.commit()
    assert queries() == few
    html = page(client, document)
    assert "Buses of type 3." in html and "Thread 5." in html


def test_indented_code_in_a_section_and_a_comment_keeps_its_spaces_and_lines(app, client, login, doc):
    _group, people, document = doc
    section = document.sections[0]
    code = "```\nfor tender in tenders:\n    check(tender)\n\n        audit(tender)\n```"
    services.save_section(people["editor"], section, heading="Context", body=f"Cities buy buses.\n\n{code}",
                          base_revision=1)
    db.session.commit()
    add_comment(people["member"], section, body=f"Like this?\n\n{code}", quote="")
    db.session.commit()
    login(client, people["member"])
    markup = section_markup(page(client, document), section)
    expected = "for tender in tenders:\n    check(tender)\n\n        audit(tender)\n</code></pre>"
    assert markup.count(expected) == 2  # in the text and in the thread


def test_the_caches_hold_at_most_their_weight_and_drop_the_least_recently_used():
    from app.caching import LRUCache

    cache = LRUCache(10, max_weight=100)
    for key in "abc":
        cache.put(key, key * 40, 40)
    assert cache.get("a") is None and cache.get("b") == "b" * 40 and cache.weight == 80
    cache.put("d", "d" * 40, 40)  # "c" was used least recently ("b" was just read)
    assert cache.get("c") is None and cache.get("b") and cache.get("d") and cache.weight == 80
    cache.put("b", "small", 5)
    assert cache.weight == 45 and len(cache) == 2


def test_reopened_threads_suggestions_and_carried_words_show_at_once_on_a_page_already_seen(app, client, login,
                                                                                            doc):
    """The page keeps each section's markup until its text or its discussion changes: every change to the
    discussion, whichever way it is written, shows on the next request."""
    from app.comments.services import propose_amendment, reject_amendment, reopen

    _group, people, document = doc
    section = document.sections[0]
    thread = add_comment(people["member"], section, body="Which cities?", quote="Cities")
    resolve(people["member"], thread)
    db.session.commit()
    login(client, people["editor"])
    assert "Which cities?" not in section_markup(page(client, document), section)
    reopen(people["member"], thread)
    db.session.commit()
    markup = section_markup(page(client, document), section)
    assert "(1 open)" in markup and "Which cities?" in markup
    assert f'data-comments="{thread.id}">Cities</mark>' in markup
    amendment = propose_amendment(people["member"], section, body="Cities and regions buy buses.", base_revision=1)
    db.session.commit()
    assert "1 suggested change<span" in section_markup(page(client, document), section)
    reject_amendment(people["editor"], amendment, reason="Regions do not buy buses.")
    db.session.commit()
    assert "suggested change" not in section_markup(page(client, document), section)
    services.save_section(people["editor"], section, body="Many cities buy buses.", base_revision=1)
    db.session.commit()
    assert f'data-comments="{thread.id}">cities</mark>' in section_markup(page(client, document), section)


def test_a_readers_own_comment_tools_never_reach_another_reader_whoever_reads_first(app, login, make_user, doc):
    _group, people, document = doc
    thread = thread_and_another_member(people, make_user, doc)
    clients = {role: app.test_client() for role in ("member", "other member")}
    for role, client in clients.items():
        login(client, people[role])
    for order in (("other member", "member"), ("member", "other member")):
        reply(people["editor"], thread, body=f"Read by {order[0]} first.")  # a new state: nothing kept yet
        db.session.commit()
        seen = {role: thread_markup(page(clients[role], document), thread) for role in order}
        assert f"/comments/{thread.id}/edit" in seen["member"] and "Resolve<span" in seen["member"]
        assert f"/comments/{thread.id}/edit" not in seen["other member"]
        assert "Resolve<span" not in seen["other member"]
        assert f"Read by {order[0]} first." in seen["other member"]


def test_a_page_seen_before_reads_no_thread_when_nothing_changed_and_one_section_when_one_did(
        app, client, login, make_user, doc, count_queries):
    """What keeps the page fast under load, with hundreds of open threads: an unchanged section's markup
    is reused without asking for its comments."""
    group, people, document = doc
    for n, section in enumerate(document.sections):
        add_comment(people["member"], section, body=f"Thread {n}.")
    db.session.commit()
    login(client, people["editor"])
    page(client, document)

    def comment_reads():
        with count_queries() as queries:
            html = page(client, document)
        return html, [(s, p) for s, p in queries.statements if "comments.body" in s]  # threads read, not just ids

    html, reads = comment_reads()
    assert reads == [] and "Thread 2." in html
    changed = document.sections[1]
    add_comment(people["member"], changed, body="Thread 1, again.")
    db.session.commit()
    html, reads = comment_reads()
    assert "Thread 1, again." in section_markup(html, changed)
    asked = {value for s, p in reads if "section_id IN" in s for value in (p.values() if isinstance(p, dict) else p)}
    assert changed.id in asked and not {document.sections[0].id, document.sections[2].id} & asked


def test_comment_text_and_names_that_look_like_authorship_marks_are_shown_as_typed(app, login, make_user, doc):
    from app.comments import fragments

    group, people, document = doc
    fake = "\ue000hole\ue000 7 \ue000or\ue000 x \ue000or\ue000 y \ue000end\ue000"
    odd = make_user(f"Odd {fake}")
    db.session.add(Membership(group_id=group.id, user_id=odd.id, role="member"))
    db.session.flush()
    thread = add_comment(odd, document.sections[0], body=f"Look: {fake}", quote="Cities")
    reply(people["member"], thread, body="Which mark?")
    db.session.commit()
    for reader in (odd, people["member"], people["editor"]):
        client = app.test_client()
        login(client, reader)
        markup = thread_markup(page(client, document), thread)
        assert f"Look: {fake}" in markup and f"Odd {fake}" in markup
        for mark in (fragments._HOLE, fragments._OR, fragments._END, CSRF):
            assert mark not in markup
        assert (f"/comments/{thread.id}/edit" in markup) == (reader is odd)
        assert ("Resolve<span" in markup) == (reader is not people["member"])


def test_the_readers_own_comments_are_found_among_open_threads_only(app, make_user, login, doc):
    """Which comments of open threads the reader wrote, asked on every page: found through the open roots'
    partial index. SQLite's planner, given a join to sections instead, read every thread ever started (through
    the parent index), and the page was 4.5x slower at 100x the history (bench_load.py)."""
    from sqlalchemy import text

    from app.comments.services import _readers_open_comments, document_discussion

    _group, people, document = doc
    thread = thread_and_another_member(people, make_user, doc)
    answer = reply(people["member"], thread, body="And which towns?")
    other = add_comment(people["other member"], document.sections[1], body="Mine, not theirs.")
    done = add_comment(people["member"], document.sections[2], body="Settled.")
    resolve(people["editor"], done)
    db.session.commit()
    assert document_discussion(people["member"], document).mine == {thread.id, answer.id}
    assert document_discussion(people["other member"], document).mine == {other.id}
    if db.engine.dialect.name == "sqlite":  # PostgreSQL plans by its statistics: bench_load.py measures it
        sql = str(_readers_open_comments().compile(db.engine)).replace("?", "1")
        plan = [row[3] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
        roots = [step for step in plan if step.startswith("SEARCH comments_1")]
        assert len(roots) == 2 and all("ix_comments_open_roots" in step for step in roots), plan
