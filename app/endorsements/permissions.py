"""Who may endorse, and withdraw an endorsement, on an organisation's behalf: pure predicates.

Endorsing commits an organisation, so it takes two things: being one of the
organisation's representatives (named by a site admin) and being a member of
the group who takes part in its decisions, that is with the member role or
above. Observers read only, in this as in everything else, even when they
represent an organisation. Withdrawing follows the same rule. A representative
may delegate signature for one version to a colleague of the same organisation
(a Delegation): the delegate then endorses for that organisation on that
version only, and nowhere else. Pages, the API and the services all ask these
predicates.
"""
from __future__ import annotations

from app.groups.permissions import role_at_least, role_in
from app.organisations.services import is_representative

ENDORSING_ROLE = "member"


def takes_part_in(user, group_id: int) -> bool:
    """Whether the user's role in the group lets them endorse at all (observers do not)."""
    return role_at_least(role_in(user, group_id), ENDORSING_ROLE)


def represents(user, organisation_id: int, version) -> bool:
    """A representative of the organisation who takes part in the version's group (no delegation needed)."""
    return takes_part_in(user, version.document.group_id) and is_representative(user, organisation_id)


def active_delegation(user, organisation_id: int, version):
    """The standing (not revoked) delegation of signature to the user for this organisation and version."""
    from sqlalchemy import select

    from app.endorsements.models import Delegation
    from app.extensions import db

    if not getattr(user, "is_authenticated", False) or not isinstance(organisation_id, int):
        return None
    return db.session.scalar(select(Delegation).where(
        Delegation.version_id == version.id, Delegation.organisation_id == organisation_id,
        Delegation.delegate_id == user.id, Delegation.revoked_at.is_(None)))


def can_endorse(user, organisation_id: int, version) -> bool:
    if not takes_part_in(user, version.document.group_id):
        return False
    return is_representative(user, organisation_id) or active_delegation(user, organisation_id, version) is not None


def can_withdraw(user, endorsement) -> bool:
    return can_endorse(user, endorsement.organisation_id, endorsement.version)
