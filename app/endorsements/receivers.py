"""What endorsements do when a layer below announces something: the audit chain's check compares the
endorsement rows with the facts their events recorded (audit.services.chain_verified)."""
from __future__ import annotations

from app.audit.services import chain_verified
from app.endorsements.audit_facts import compare_endorsements


def connect_receivers() -> None:
    chain_verified.connect(compare_endorsements)
