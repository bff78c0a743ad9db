"""Which package a file belongs to, and whether it is still the file the package shipped.

Package managers record a digest for every regular file they install: dpkg an MD5
(``/var/lib/dpkg/info/*.md5sums``, conffiles in ``status``), apk a SHA-1 (``Z:Q1...``), rpm MD5
on old and SHA-256 on current distributions (``FILEDIGESTALGO``), pip a SHA-256 in each
``*.dist-info/RECORD``. The parsers in this package turn those into ``RecordedFile``s; a
``FileIndex`` holds them by path and judges one version of one file:

- ``unmodified``: its content digest equals a digest a package database recorded for that path;
- ``modified``: some package owns the path, and every recorded digest could be compared and
  differs (an edited ``/etc`` conffile, a patched library);
- ``not-verified``: some package owns the path, but a recorded digest is of an algorithm not
  computed for this file (dpkg's MD5 of a file nobody hashed with MD5): never a guess;
- ``unowned``: no package database records the path.

The index is the union of every version of every database an image's layers hold: a file that
an earlier layer installed and a later layer upgraded is still the earlier package's file.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analyzer.inventory.model import Notices

EXTRA_ALGORITHMS = ("md5", "sha1")
"""Digests package databases record besides SHA-256, which the reader computes for every file
(dpkg: MD5, apk: SHA-1, old rpm: MD5); computed only where they can matter."""

Digests = Mapping[str, bytes]
"""A file's digests by hashlib name ("md5" -> 16 bytes)."""

MAX_RECORDS = 1_000_000
"""Recorded files kept per image (a large distribution image records ~100,000); past this a
notice says so and paths that were not recorded are not called unowned."""


def extra_digests(data: bytes) -> dict[str, bytes]:
    """The EXTRA_ALGORITHMS digests of `data`.

    >>> extra_digests(b"")["md5"].hex()
    'd41d8cd98f00b204e9800998ecf8427e'
    """
    return {name: hashlib.new(name, data).digest() for name in EXTRA_ALGORITHMS}


@dataclass(frozen=True, slots=True)
class Owner:
    """A package that recorded a file."""

    package: str
    manager: str
    """"dpkg", "apk", "rpm" or "python" (a RECORD written by pip or another installer)."""
    vendor: bool = True
    """True when the package is published content every user of it gets (a distribution's
    dpkg, apk and rpm packages); False for Python distributions, which may as well be the
    image owner's own code (analyzer.inventory.pyrecord)."""


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """One file as a package database records it."""

    path: str
    """Normalized absolute path, as the database names it (before any symlink)."""
    algorithm: str
    """hashlib's name: "md5", "sha1", "sha256"...; an unknown one is never comparable."""
    digest: bytes
    owner: Owner


@dataclass(frozen=True, slots=True)
class Recorded:
    """What one package database file records, and what in it could not be read."""

    files: tuple[RecordedFile, ...]
    notices: tuple[str, ...] = ()


class Provenance(enum.Enum):
    """What a file version is with respect to the package databases."""

    UNMODIFIED = "unmodified"
    MODIFIED = "modified"
    NOT_VERIFIED = "not-verified"
    UNOWNED = "unowned"


@dataclass(frozen=True, slots=True)
class Origin:
    """The verdict on one version of one file."""

    provenance: Provenance
    owner: Owner | None = None
    """The package that shipped it (unmodified) or owns the path (modified, not verified)."""

    @property
    def vendor(self) -> bool:
        """True for an unmodified file of a published package: content every user of that
        package has, not the image owner's."""
        return (
            self.provenance is Provenance.UNMODIFIED
            and self.owner is not None
            and (self.owner.vendor)
        )

    @property
    def modified(self) -> str:
        """ "true", "false" or "not-verified" (a finding's `details.modified`).

        >>> Origin(Provenance.NOT_VERIFIED, Owner("bash", "dpkg")).modified
        'not-verified'
        """
        return {
            Provenance.UNMODIFIED: "false",
            Provenance.MODIFIED: "true",
        }.get(self.provenance, "not-verified")

    def fields(self) -> dict[str, str]:
        """package, manager and provenance, as `ls --history` and inventory.csv show them.

        >>> Origin(Provenance.UNMODIFIED, Owner("bash", "dpkg")).fields()
        {'package': 'bash', 'manager': 'dpkg', 'provenance': 'unmodified'}
        >>> Origin(Provenance.UNOWNED).fields()
        {'package': '', 'manager': '', 'provenance': 'unowned'}
        """
        owner = self.owner
        return {
            "package": owner.package if owner else "",
            "manager": owner.manager if owner else "",
            "provenance": self.provenance.value,
        }


UNOWNED = Origin(Provenance.UNOWNED)

Records = dict[tuple[str, bytes], Owner]
"""(algorithm, digest) -> the package that recorded it, for one path."""


class FileIndex:
    """Recorded files of every package database of one image, by path."""

    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self._by_path: dict[str, Records] = {}
        self._owner_of: dict[str, Owner] = {}
        """The package that recorded each path last (the one named when it was modified)."""
        self._room = self._limit = max_records
        self.complete = True
        """False when a database could not be read in full: a path it does not list may
        still belong to a package, so it is not called unowned."""
        self.notices = Notices()

    def add(self, records: Iterable[RecordedFile], where: str) -> None:
        """Index the files one database version records; `where` names it in notices."""
        for record in records:
            found = self._by_path.get(record.path)
            key = (record.algorithm, record.digest)
            if found is None or key not in found:  # a new record: the same one is kept once
                if self._room <= 0:
                    limit = f"more than {self._limit} recorded files"
                    self.incomplete(f"{where}: {limit}; the rest ignored")
                    return
                self._room -= 1
                found = self._by_path.setdefault(record.path, {})
            found[key] = record.owner
            self._owner_of[record.path] = record.owner

    def add_alias(self, path: str, alias: str) -> None:
        """Let `alias` (the path where the file really lives, e.g. /usr/bin/ls for a recorded
        /bin/ls when /bin is a symlink to usr/bin) share `path`'s records."""
        records = self._by_path.get(path)
        if records is None or alias == path:
            return
        merged = self._by_path.setdefault(alias, {})
        merged.update(records)
        self._owner_of[alias] = self._owner_of[path]

    def incomplete(self, notice: str) -> None:
        """A database could not be read in full: say why; unrecorded paths become unknown."""
        self.complete = False
        self.notices.add(notice)

    def __len__(self) -> int:
        return len(self._by_path)

    def paths(self) -> list[str]:
        """Every recorded path (aliases included)."""
        return list(self._by_path)

    def origin(self, path: str, sha256: bytes, extra: Digests | None = None) -> Origin | None:
        """The verdict on the file at `path` whose content has this sha256 (`extra`: other
        digests of the same content, by algorithm); None when not known (the path is
        unrecorded but a database could not be read in full)."""
        records = self._by_path.get(path)
        if records is None:
            return UNOWNED if self.complete else None
        comparable, matched = True, None
        for (algorithm, digest), owner in records.items():
            have = sha256 if algorithm == "sha256" else (extra or {}).get(algorithm)
            if have is None:
                comparable = False
            elif have == digest:
                if owner.vendor:  # a distribution package's file, whoever else records it
                    return Origin(Provenance.UNMODIFIED, owner)
                matched = matched or owner
        if matched is not None:
            return Origin(Provenance.UNMODIFIED, matched)
        state = Provenance.MODIFIED if comparable else Provenance.NOT_VERIFIED
        return Origin(state, self._owner_of[path])
