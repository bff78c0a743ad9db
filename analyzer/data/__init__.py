"""Packaged data files: the offline end-of-life table (eol.json)."""
