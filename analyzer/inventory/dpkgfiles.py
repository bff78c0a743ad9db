"""The files dpkg installed and their MD5 digests.

dpkg writes, per package, ``/var/lib/dpkg/info/<package>[:<arch>].md5sums``: one line per
regular file, ``<md5 hex>  <path>`` with the path relative to the root (no leading slash), as
``md5sum`` prints it (dh_md5sums; dpkg(1), deb-md5sums(5)). Conffiles are not in it: their
MD5 as shipped is in the package's ``Conffiles`` field of ``/var/lib/dpkg/status`` (one line per
file, `` <path> <md5 hex>`` with an optional ``obsolete`` or ``remove-on-upgrade`` after it;
deb-conffiles(5)). An edited conffile keeps its shipped MD5 there, which is how an edit shows.
Distroless images keep ``/var/lib/dpkg/status.d/<package>`` and often
``status.d/<package>.md5sums`` beside it, in the same formats.

Paths are decoded as the tar reader decodes names (UTF-8, other bytes kept as surrogates), so a
recorded path and the image's path are the same string.
"""

from __future__ import annotations

from analyzer.filesystem.paths import normalize
from analyzer.inventory.dpkg import stanzas
from analyzer.inventory.model import Notices
from analyzer.inventory.ownership import Owner, Recorded, RecordedFile
from analyzer.text import printable

_HEX = frozenset("0123456789abcdefABCDEF")
_MD5_HEX = 32


def md5sums_package(path: str) -> str:
    """The package an md5sums file belongs to, from its name (the architecture dropped).

    >>> md5sums_package("/var/lib/dpkg/info/libc6:amd64.md5sums")
    'libc6'
    >>> md5sums_package("/var/lib/dpkg/status.d/tzdata.md5sums")
    'tzdata'
    """
    name = path.rsplit("/", 1)[-1].removesuffix(".md5sums")
    return name.split(":", 1)[0]


def parse_md5sums(data: bytes, package: str) -> Recorded:
    """The files of one ``.md5sums`` file, owned by `package`.

    >>> recorded = parse_md5sums(b"d41d8cd98f00b204e9800998ecf8427e  usr/bin/true\\n", "coreutils")
    >>> recorded.files[0].path, recorded.files[0].digest.hex()[:8]
    ('/usr/bin/true', 'd41d8cd9')
    """
    owner = Owner(package, "dpkg")
    notices = Notices()
    files = []
    # one split rather than numbered_lines: ~100,000 lines on a large image, each one short
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    for line_no, line in enumerate(lines, start=1):
        digest, path = _md5_line(line.removesuffix("\r"))
        if digest is None:
            if line.strip():
                where = f"{printable(package)}.md5sums"
                notices.bad_line(where, line_no, "not '<md5>  <path>'", line)
            continue
        files.append(RecordedFile(normalize(path)[0], "md5", digest, owner))
    return Recorded(tuple(files), notices.final())


def _md5_line(line: str) -> tuple[bytes | None, str]:
    """(digest, path) of an md5sum line ("<hex>  path" or "<hex> *path"); (None, "") if not one.

    >>> _md5_line("d41d8cd98f00b204e9800998ecf8427e *bin/x")[1], _md5_line("zz  x")
    ('bin/x', (None, ''))
    """
    sep, path = line[_MD5_HEX : _MD5_HEX + 2], line[_MD5_HEX + 2 :]
    if sep not in ("  ", " *") or not path:
        return None, ""
    try:
        digest = bytes.fromhex(line[:_MD5_HEX])
    except ValueError:
        return None, ""
    return (digest, path) if len(digest) == _MD5_HEX // 2 else (None, "")  # fromhex skips spaces


def parse_conffiles(data: bytes) -> Recorded:
    """The conffiles of every package in a dpkg status file (or a status.d file), with the MD5
    each package shipped. Packages whose state is config-files are included: their conffiles
    are still on disk. The placeholder ``newconffile`` is no digest and is left out.

    >>> md5 = b"0123456789abcdef0123456789abcdef"
    >>> status = b"Package: base-files\\nConffiles:\\n /etc/issue " + md5 + b" obsolete\\n"
    >>> [(f.path, f.owner.package) for f in parse_conffiles(status).files]
    [('/etc/issue', 'base-files')]
    """
    notices = Notices()
    files = []
    # the file's syntax (a line that is no field...) is reported once, by the package inventory
    # that reads the same file (parse_dpkg_status); here only what is wrong with a conffile
    text = data.decode("utf-8", "surrogateescape")
    for line_no, stanza in stanzas(text, Notices()):
        listed = stanza.get("conffiles", "")
        if not listed:
            continue
        owner = Owner(stanza.get("package", "").split(":", 1)[0] or "(unnamed)", "dpkg")
        for entry in listed.split("\n"):
            recorded = _conffile(entry, owner)
            if recorded is not None:
                files.append(recorded)
            elif entry.strip() and "newconffile" not in entry:
                notices.add(f"dpkg status stanza at line {line_no}: unreadable conffile line")
    return Recorded(tuple(files), notices.final())


def _conffile(entry: str, owner: Owner) -> RecordedFile | None:
    """One Conffiles line: the path may hold spaces, the digest is the first 32-hex word after
    it (a flag such as ``obsolete`` may follow)."""
    words = entry.split(" ")
    for at in range(len(words) - 1, 0, -1):
        word = words[at]
        if len(word) == _MD5_HEX and _HEX.issuperset(word):
            path = " ".join(words[:at])
            if path.startswith("/"):
                return RecordedFile(normalize(path)[0], "md5", bytes.fromhex(word), owner)
            return None
    return None
