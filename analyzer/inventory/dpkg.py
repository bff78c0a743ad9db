"""Installed Debian packages from dpkg's database.

``/var/lib/dpkg/status`` is in Debian control-file format (deb822, Debian Policy §5.1 and
deb822(5)): stanzas of ``Field: value`` lines separated by blank lines, a value continued on lines
that start with a space or tab. dpkg(1) documents the ``Status`` field as three words, ``want flag
status``; a package is on disk when the flag is ``ok`` and the status ``installed`` (want may be
``install``, ``hold`` or ``deinstall``: held packages are installed too). Other states such as
``config-files`` or ``not-installed`` are left out.

Distroless images (github.com/GoogleContainerTools/distroless) have no status file but one file
per package in ``/var/lib/dpkg/status.d/`` (plus ``*.md5sums`` files that callers should not pass
here): a single stanza, usually without ``Status``. A stanza without ``Status`` is therefore taken
as installed.
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

Stanza = dict[str, str]


def parse_dpkg_status(data: bytes, distro: str = "debian") -> Parsed:
    """The installed packages in a dpkg status file or a distroless ``status.d`` file.

    ``distro`` is the os-release ``ID``, optionally with ``-VERSION_ID`` ("debian-12"); it becomes
    the purl namespace and ``distro`` qualifier. dpkg keeps one record per package name and
    architecture: a stanza that names one again is reported, and the later stanza wins (a package
    listed as installed, then as removed, is removed).

    >>> text = b"Package: zlib1g\\nStatus: install ok installed\\nVersion: 1:1.2.13\\n"
    >>> parse_dpkg_status(text + b"Architecture: amd64\\n", "debian-12").packages[0].purl
    'pkg:deb/debian/zlib1g@1:1.2.13?arch=amd64&distro=debian-12'
    """
    notices = Notices()
    latest: dict[tuple[str, str], Package | None] = {}
    for line_no, stanza in stanzas(data.decode("utf-8", "surrogateescape"), notices):
        package = _package(stanza, distro, line_no, notices)
        key = (stanza.get("package", ""), stanza.get("architecture", ""))
        if key[0] and key in latest:
            again = f"{quoted(':'.join(key))} listed again; this stanza is kept"
            notices.add(f"dpkg status stanza at line {line_no}: {again}")
        if key[0]:
            latest[key] = package
    return Parsed(tuple(p for p in latest.values() if p is not None), notices.final())


def stanzas(text: str, notices: Notices) -> Iterator[tuple[int, Stanza]]:
    """Yield (first line number, fields) for each stanza; field names are case-insensitive.

    A value continued over many lines is kept as a list of its lines and joined once: adding
    each line to a string held in a dict copies the whole value every time (quadratic).
    """
    fields: dict[str, list[str]] = {}
    start, last = 0, ""
    for line_no, line in numbered_lines(text):
        if not line.strip():
            if fields:
                yield start, _joined(fields)
            fields, last = {}, ""
        elif line.startswith("#"):
            continue
        elif line[0] in " \t":
            if last:
                fields[last].append(line.strip())
            else:
                notices.add(f"dpkg status line {line_no}: continuation line outside a field")
        elif ":" in line:
            start = start if fields else line_no
            key, _, value = line.partition(":")
            last = key.strip().lower()
            fields[last] = [value.strip()]
        else:
            notices.bad_line("dpkg status", line_no, "not a 'Field: value' line", line)
    if fields:
        yield start, _joined(fields)


def _joined(fields: dict[str, list[str]]) -> Stanza:
    return {key: "\n".join(lines) for key, lines in fields.items()}


def _package(stanza: Stanza, distro: str, line_no: int, notices: Notices) -> Package | None:
    if not _installed(stanza.get("status")):
        return None
    name, version = stanza.get("package", ""), stanza.get("version", "")
    if not name or not version:
        missing = "Package" if not name else "Version"
        notices.add(f"dpkg status stanza at line {line_no}: no {missing} field; skipped")
        return None
    arch = stanza.get("architecture", "")
    namespace, qualifier = distro_parts(distro)
    return Package(
        name=name,
        version=version,
        kind="deb",
        arch=arch,
        source=source_name(stanza.get("source", "")),
        purl=purl("deb", name, version, namespace, {"arch": arch, "distro": qualifier}),
        source_version=source_version(stanza.get("source", "")),
    )


def _installed(status: str | None) -> bool:
    """True when the Status field says the package is on disk (or there is no Status field).

    >>> [_installed(s) for s in ("install ok installed", "hold ok installed", None)]
    [True, True, True]
    >>> [_installed(s) for s in ("deinstall ok config-files", "install reinstreq half-installed")]
    [False, False]
    """
    if status is None:
        return True
    words = status.split()
    return len(words) == 3 and words[1] == "ok" and words[2] == "installed"


def source_name(source: str) -> str:
    """The source package name without the version dpkg adds when it differs.

    >>> source_name("openssl (3.0.11-1~deb12u2)")
    'openssl'
    """
    return source.split("(", 1)[0].strip()


def source_version(source: str) -> str:
    """The version in a ``Source:`` field, "" when it names none.

    >>> source_version("openssl (3.0.11-1~deb12u2)"), source_version("openssl")
    ('3.0.11-1~deb12u2', '')
    """
    _, paren, rest = source.partition("(")
    return rest.split(")", 1)[0].strip() if paren else ""
