"""Installed Alpine packages from apk's database, ``/lib/apk/db/installed``.

The format is documented in the Alpine wiki ("Apk spec", wiki.alpinelinux.org/wiki/Apk_spec,
section "Installed Database V2"): one record per package, records separated by a blank line, each
line a one-letter key, a colon and a value. This parser reads ``P`` (name), ``V`` (version),
``A`` (architecture), ``L`` (license) and ``o`` (origin, the source package); the file lists
(``F``/``R``/``Z``...) and other keys are skipped. Every record in the file is an installed package.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.inventory.model import (
    Notices,
    Package,
    Parsed,
    distro_parts,
    numbered_lines,
    purl,
)
from analyzer.text import quoted

Record = dict[str, str]


def parse_apk_installed(data: bytes, distro: str = "alpine") -> Parsed:
    """The packages in an apk installed database.

    ``distro`` is the os-release ``ID``, optionally with ``-VERSION_ID`` ("alpine-3.20.3"); it
    becomes the purl namespace and ``distro`` qualifier (Wolfi and Chainguard images use apk too).
    apk installs one version of a name: a record that names a package again is reported, and the
    later record wins.

    >>> db = b"C:Q1abc=\\nP:musl\\nV:1.2.5-r0\\nA:x86_64\\nL:MIT\\no:musl\\n\\n"
    >>> parse_apk_installed(db).packages[0].purl
    'pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64'
    """
    notices = Notices()
    latest: dict[str, Package] = {}
    for line_no, record in _records(data.decode("utf-8", "surrogateescape"), notices):
        package = _package(record, distro, line_no, notices)
        if package is None:
            continue
        if package.name in latest:
            again = f"{quoted(package.name)} listed again; this record is kept"
            notices.add(f"apk installed record at line {line_no}: {again}")
        latest[package.name] = package
    return Parsed(tuple(latest.values()), notices.final())


def _records(text: str, notices: Notices) -> Iterator[tuple[int, Record]]:
    """Yield (first line number, first value of each key) for each record."""
    record: Record = {}
    start = 0
    for line_no, line in numbered_lines(text):
        if not line.strip():
            if record:
                yield start, record
            record = {}
        elif len(line) >= 2 and line[1] == ":":
            start = start if record else line_no
            record.setdefault(line[0], line[2:])
        else:
            notices.bad_line("apk installed", line_no, "not a 'K:value' line", line)
    if record:
        yield start, record


def _package(record: Record, distro: str, line_no: int, notices: Notices) -> Package | None:
    name, version = record.get("P", ""), record.get("V", "")
    if not name or not version:
        missing = "P: (name)" if not name else "V: (version)"
        notices.add(f"apk installed record at line {line_no}: no {missing}; skipped")
        return None
    arch = record.get("A", "")
    namespace, qualifier = distro_parts(distro)
    return Package(
        name=name,
        version=version,
        kind="apk",
        arch=arch,
        source=record.get("o", ""),
        license=record.get("L", ""),
        purl=purl("apk", name, version, namespace, {"arch": arch, "distro": qualifier}),
    )
