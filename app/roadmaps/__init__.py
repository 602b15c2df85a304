"""Roadmap actions: commitments with owners, timeframes and status, versioned with the text."""
