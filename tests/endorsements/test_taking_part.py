"""Who takes part in a group's decisions, counted once for the sign-off board, the confirmation pages and the
notice of a final text: the organisations of its members, each with its representatives and whether one of them
may sign. However many organisations, the same few queries."""
from __future__ import annotations

from app.endorsements.services import taking_part
from app.extensions import db
from app.groups.models import Membership
from app.organisations.models import Representative


def _add_organisation(group, make_user, make_organisation, role="member"):
    organisation = make_organisation()
    person = make_user(organisation=organisation)
    db.session.add(Membership(group_id=group.id, user_id=person.id, role=role))
    db.session.add(Representative(organisation_id=organisation.id, user_id=person.id))
    db.session.commit()
    return organisation


def test_an_observer_representative_cannot_sign_and_counting_costs_the_same_for_two_or_ten(
        make_group, make_user, make_organisation, count_queries):
    group, _people = make_group(roles=())
    watched = _add_organisation(group, make_user, make_organisation, role="observer")
    _add_organisation(group, make_user, make_organisation)
    counts = []
    for total in (2, 10):
        while len(taking_part(group.id)) < total:
            _add_organisation(group, make_user, make_organisation)
        db.session.expire_all()
        with count_queries() as queries:
            rows = taking_part(group.id)
            assert all(person.name for _organisation, people, _can in rows for person in people)
        counts.append(queries.count)
    assert counts[0] == counts[1], counts
    signs = {organisation.id: can_sign for organisation, _people, can_sign in rows}
    assert signs.pop(watched.id) is False and all(signs.values())
