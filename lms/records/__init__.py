"""Recorded and imported course completions (docs/records.md)."""
