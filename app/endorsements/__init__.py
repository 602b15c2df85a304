"""Endorsements of final versions; their rows are held to the audit chain (audit_facts)."""
from app.endorsements import audit_facts  # noqa: F401  (connects its check to audit.services.chain_verified)
