"""The audit trail page reads in plain words, with people's names; ids stay as detail."""
from __future__ import annotations

import html
import re

from app.audit.models import AuditEvent
from app.audit.services import record
from app.audit.wording import Names, describe, references
from app.extensions import db
from tests.endorsements.conftest import endorse_body


def _sentences(client, group) -> list[str]:
    page = client.get(f"/groups/{group.id}/audit").get_data(as_text=True)
    return [html.unescape(s) for s in re.findall(r'<span class="audit-sentence">(.*?)</span>', page)]


def _named(s):
    s["people"]["coordinator"].name = "Marta Puig"
    s["people"]["member"].name = "Anna De Smet"
    db.session.commit()


def test_making_final_endorsing_and_withdrawing_read_with_names(final_setup, api, client, login):
    s = final_setup
    _named(s)
    member = api(s["people"]["member"])
    endorsement = member.post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                              json=endorse_body(s["ghent"])).get_json()
    assert member.post(f"/api/v1/endorsements/{endorsement['id']}/withdraw", json={"reason": "Vote"}).status_code == 200
    login(client, s["people"]["coordinator"])
    sentences = _sentences(client, s["group"])
    number = s["version"]["number"]
    assert f"Marta Puig made version {number} of “Fair ICT” final" in sentences
    assert f"Anna De Smet endorsed version {number} of “Fair ICT” for City of Ghent" in sentences
    assert (f"Anna De Smet withdrew the endorsement of City of Ghent for version {number} of “Fair ICT”"
            in sentences)
    assert "Marta Puig sent “Fair ICT” for review" in sentences
    assert sentences[-1] == f"Marta Puig created the group “{s['group'].name}”"  # newest first
    page = client.get(f"/groups/{s['group'].id}/audit").get_data(as_text=True)
    assert "<code>endorsement.withdraw</code>" in page and f"<code>endorsement:{endorsement['id']}</code>" in page


def test_a_deadline_reads_as_a_day(final_setup, api, client, login):
    s = final_setup
    _named(s)
    coordinator = api(s["people"]["coordinator"])
    vid = s["version"]["id"]
    for day in ("2099-12-31", "2099-03-15"):
        assert coordinator.put(f"/api/v1/versions/{vid}/endorsement-settings",
                               json={"deadline": day}).status_code == 200
    login(client, s["people"]["coordinator"])
    sentences = _sentences(client, s["group"])
    number = s["version"]["number"]
    assert (f"Marta Puig set the endorsement deadline of version {number} of “Fair ICT” to 31 December 2099"
            in sentences)
    assert (f"Marta Puig moved the endorsement deadline of version {number} of “Fair ICT” to 15 March 2099"
            in sentences)


def test_hostile_names_are_shown_as_text(final_setup, api, client, login):
    s = final_setup
    s["people"]["member"].name = "<script>alert(1)</script> Anna"
    s["ghent"].name = "Ghent & <b>Co</b>"
    db.session.commit()
    api(s["people"]["member"]).post(f"/api/v1/versions/{s['version']['id']}/endorsements",
                                    json=endorse_body(s["ghent"]))
    login(client, s["people"]["coordinator"])
    page = client.get(f"/groups/{s['group'].id}/audit").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<b>Co</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Anna endorsed version" in page
    assert "for Ghent &amp; &lt;b&gt;Co&lt;/b&gt;" in page


def test_an_action_without_its_own_sentence_still_reads(final_setup, client, login):
    s = final_setup
    _named(s)
    record(s["group"].id, s["people"]["coordinator"], "organisation.something_new", "organisation:7", x=1)
    record(s["group"].id, None, "document.transition", f"document:{s['document'].id}", to="final",
           final_version_id=999999)  # a version gone since, and nobody acting
    db.session.commit()
    login(client, s["people"]["coordinator"])
    sentences = _sentences(client, s["group"])
    assert sentences[0] == "Accord made version #999999 of “Fair ICT” final"
    assert sentences[1] == "Marta Puig: organisation.something_new (organisation:7)"


def test_the_page_loads_names_in_bulk(final_setup, api, client, login, count_queries, make_organisation):
    s = final_setup
    coordinator = api(s["people"]["coordinator"])

    def name_more(count):
        for n in range(count):  # more people, organisations, sections named
            organisation = make_organisation(f"Town {count}-{n}")
            coordinator.post(f"/api/v1/documents/{s['document'].id}/sections",
                             json={"heading": f"Part {n}", "body": "x"})
            record(s["group"].id, s["people"]["editor"], "endorsement.create", "endorsement:1",
                   version_id=s["version"]["id"], organisation_id=organisation.id)
        db.session.commit()

    name_more(1)
    login(client, s["people"]["coordinator"])
    with count_queries(this_thread_only=True) as few:
        assert client.get(f"/groups/{s['group'].id}/audit").status_code == 200
    name_more(6)
    with count_queries(this_thread_only=True) as many:
        assert client.get(f"/groups/{s['group'].id}/audit").status_code == 200
    assert len(many.statements) == len(few.statements)


def test_an_event_outside_any_group_is_described():
    """Organisation-level events carry no group: the wording needs none."""
    event = AuditEvent(id=1, group_id=None, seq=1, actor_id=5, action="endorsement.withdraw",
                       object="endorsement:3", data='{"organisation_id": 2, "version_id": 4}')
    assert references([event])["organisations"] == {2}
    names = Names(users={5: "Jan Peeters"}, organisations={2: "City of Ghent"}, documents={8: "Fair ICT"},
                  versions={4: (3, 8)})
    assert describe(event, names) == "Jan Peeters withdrew the endorsement of City of Ghent for version 3 of “Fair ICT”"
    broken = AuditEvent(id=2, group_id=None, seq=2, actor_id=None, action="membership.role", object="user:x",
                        data="not json")
    assert describe(broken, Names()).startswith("Accord made someone")
