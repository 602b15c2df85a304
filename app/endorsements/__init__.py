"""Endorsements of final versions; their rows are held to the audit chain (audit_facts, connected by receivers)."""
