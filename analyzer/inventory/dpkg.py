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

from analyzer.inventory.model import Package, Parsed, capped, distro_parts, purl

Stanza = dict[str, str]


def parse_dpkg_status(data: bytes, distro: str = "debian") -> Parsed:
    """The installed packages in a dpkg status file or a distroless ``status.d`` file.

    ``distro`` is the os-release ``ID``, optionally with ``-VERSION_ID`` ("debian-12"); it becomes
    the purl namespace and ``distro`` qualifier.

    >>> text = b"Package: zlib1g\\nStatus: install ok installed\\nVersion: 1:1.2.13\\n"
    >>> parse_dpkg_status(text + b"Architecture: amd64\\n", "debian-12").packages[0].purl
    'pkg:deb/debian/zlib1g@1:1.2.13?arch=amd64&distro=debian-12'
    """
    notices: list[str] = []
    packages = []
    for line_no, stanza in _stanzas(data.decode("utf-8", "replace"), notices):
        package = _package(stanza, distro, line_no, notices)
        if package is not None:
            packages.append(package)
    return Parsed(tuple(packages), capped(notices))


def _stanzas(text: str, notices: list[str]) -> Iterator[tuple[int, Stanza]]:
    """Yield (first line number, fields) for each stanza; field names are case-insensitive."""
    stanza: Stanza = {}
    start = 0
    last = ""
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if stanza:
                yield start, stanza
            stanza, last = {}, ""
        elif line.startswith("#"):
            continue
        elif line[0] in " \t":
            if last:
                stanza[last] += "\n" + line.strip()
            else:
                notices.append(f"dpkg status line {line_no}: continuation line outside a field")
        elif ":" in line:
            start = start if stanza else line_no
            key, _, value = line.partition(":")
            last = key.strip().lower()
            stanza[last] = value.strip()
        else:
            notices.append(f"dpkg status line {line_no}: not a 'Field: value' line: {line[:60]!r}")
    if stanza:
        yield start, stanza


def _package(stanza: Stanza, distro: str, line_no: int, notices: list[str]) -> Package | None:
    if not _installed(stanza.get("status")):
        return None
    name, version = stanza.get("package", ""), stanza.get("version", "")
    if not name or not version:
        missing = "Package" if not name else "Version"
        notices.append(f"dpkg status stanza at line {line_no}: no {missing} field; skipped")
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
