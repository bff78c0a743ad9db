"""Offline known-vulnerability data: import public advisory formats once, match an inventory.

- ``sources``: the documents inside what the auditor carries in (loose files, folders, .zip,
  .tar.gz), read in memory with a size cap per member; nothing is ever extracted
- ``ecosystems``: OSV ecosystem names, releases and each ecosystem's version ordering (univers)
- ``records``: OSV records and Alpine secdb files validated and normalised into rows
- ``store``: the SQLite database ``vulndb import`` writes and ``scan --vuln-db`` reads (read-only)
- ``match``: the inventory against the database: one vulnerability per package, aliases merged
- ``severity``: a CVSS vector to a base score and a severity (the ``cvss`` library)
"""

from analyzer.vulndb.match import Match, match_packages
from analyzer.vulndb.store import VulnDb, import_sources, open_vulndb

__all__ = ["Match", "VulnDb", "import_sources", "match_packages", "open_vulndb"]
