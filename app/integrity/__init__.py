"""Integrity checks of the stored history: section revisions, version hashes and audit chains."""
