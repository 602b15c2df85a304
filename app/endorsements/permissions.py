"""Who may endorse, and withdraw an endorsement, on an organisation's behalf: pure predicates.

Endorsing commits an organisation, so it takes two things: being one of the
organisation's representatives (named by a site admin) and being a member of
the group who takes part in its decisions, that is with the member role or
above. Observers read only, in this as in everything else, even when they
represent an organisation. Withdrawing follows the same rule. Pages, the API
and the services all ask these predicates.
"""
from __future__ import annotations

from app.groups.permissions import role_at_least, role_in
from app.organisations.services import is_representative

ENDORSING_ROLE = "member"


def takes_part_in(user, group_id: int) -> bool:
    """Whether the user's role in the group lets them endorse at all (observers do not)."""
    return role_at_least(role_in(user, group_id), ENDORSING_ROLE)


def can_endorse(user, organisation_id: int, version) -> bool:
    return takes_part_in(user, version.document.group_id) and is_representative(user, organisation_id)


def can_withdraw(user, endorsement) -> bool:
    return can_endorse(user, endorsement.organisation_id, endorsement.version)
