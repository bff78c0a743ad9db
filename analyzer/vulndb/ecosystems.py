"""OSV ecosystem names, the release an ecosystem string scopes to, and version ordering.

OSV names an ecosystem ``Name[:release]`` (``PyPI``, ``Debian:12``, ``Alpine:v3.18``,
``Ubuntu:22.04:LTS``, ``Rocky Linux:8``). We keep the lowercased name as the ecosystem key and the
release as digits (``12``, ``3.18``, ``22.04``); an image's release is scoped the same way from
its os-release (Debian ``VERSION_ID`` 12 or codename bookworm, Alpine 3.11.6 -> 3.11,
RHEL 9.3 -> 9).
Versions are compared with univers, each ecosystem with its own ordering.
"""

from __future__ import annotations

import functools
import re

from univers.versions import (
    AlpineLinuxVersion,
    DebianVersion,
    PypiVersion,
    RpmVersion,
    SemverVersion,
    Version,
)

KNOWN_ECOSYSTEMS = frozenset(
    {
        "almalinux", "alpine", "android", "bitnami", "chainguard", "conancenter", "cran",
        "crates.io", "debian", "git", "github actions", "go", "hackage", "hex", "linux", "maven",
        "mageia", "npm", "nuget", "oss-fuzz", "openeuler", "opensuse", "packagist", "photon os",
        "pub", "pypi", "red hat", "rocky linux", "rubygems", "suse", "swifturl", "ubuntu",
        "wolfi",
    }
)  # fmt: skip
"""OSV's published ecosystem names (lowercased); anything else is a bad record."""

VERSION_CLASSES: dict[str, type[Version]] = {
    "pypi": PypiVersion,
    "npm": SemverVersion,
    "debian": DebianVersion,
    "ubuntu": DebianVersion,
    "alpine": AlpineLinuxVersion,
    "wolfi": AlpineLinuxVersion,
    "chainguard": AlpineLinuxVersion,
    "red hat": RpmVersion,
    "rocky linux": RpmVersion,
    "almalinux": RpmVersion,
    "opensuse": RpmVersion,
    "suse": RpmVersion,
    "mageia": RpmVersion,
    "photon os": RpmVersion,
    "openeuler": RpmVersion,
}
"""Ecosystems whose versions we compare (those the inventory can hold packages of)."""

DISPLAY = {"pypi": "PyPI", "npm": "npm"}

DEBIAN_CODENAMES = {
    "buzz": "1.1", "hamm": "2", "potato": "2.2", "woody": "3.0", "sarge": "3.1", "etch": "4",
    "lenny": "5", "squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9",
    "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
}  # fmt: skip

OS_ECOSYSTEMS = {
    "debian": "debian",
    "ubuntu": "ubuntu",
    "alpine": "alpine",
    "wolfi": "wolfi",
    "chainguard": "chainguard",
    "rhel": "red hat",
    "rocky": "rocky linux",
    "almalinux": "almalinux",
    "opensuse-leap": "opensuse",
    "sles": "suse",
    "mageia": "mageia",
    "photon": "photon os",
    "openeuler": "openeuler",
}
"""os-release ``ID`` -> the OSV ecosystem its distribution packages are published under."""

_RELEASE = re.compile(r"v?(\d+(?:\.\d+)?)")


def split_ecosystem(text: str) -> tuple[str, str]:
    """(ecosystem key, release) of an OSV ecosystem string.

    >>> split_ecosystem("Debian:12"), split_ecosystem("Alpine:v3.18"), split_ecosystem("PyPI")
    (('debian', '12'), ('alpine', '3.18'), ('pypi', ''))
    >>> split_ecosystem("Ubuntu:Pro:22.04:LTS")
    ('ubuntu', '22.04')
    """
    name, _, rest = text.partition(":")
    release = ""
    for part in rest.split(":"):
        if match := _RELEASE.fullmatch(part.strip()):
            release = match.group(1)
            break
    return name.strip().lower(), release


def image_release(ecosystem: str, version_id: str, codename: str = "") -> str:
    """The release an image's os-release scopes to, as ``split_ecosystem`` writes it.

    >>> image_release("alpine", "3.11.6"), image_release("debian", "", "bookworm")
    ('3.11', '12')
    >>> image_release("red hat", "9.3"), image_release("ubuntu", "22.04")
    ('9', '22.04')
    """
    if ecosystem == "debian":
        if version_id:
            return version_id.split(".", maxsplit=1)[0]
        return DEBIAN_CODENAMES.get(codename.lower(), "")
    parts = version_id.split(".")
    if ecosystem in ("alpine", "ubuntu"):
        return ".".join(parts[:2])
    return parts[0] if version_id else ""


def normalise_name(ecosystem: str, name: str) -> str:
    """The name a package is indexed and looked up by (PEP 503 for PyPI, lowercase for deb/npm).

    >>> normalise_name("pypi", "Zope.Interface_x"), normalise_name("debian", "LibC6")
    ('zope-interface-x', 'libc6')
    """
    if ecosystem == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    if ecosystem in ("debian", "ubuntu", "npm"):
        return name.lower()
    return name


@functools.lru_cache(maxsize=1 << 16)
def parse_version(ecosystem: str, text: str) -> Version | None:
    """`text` in the ecosystem's ordering; None when it does not parse (or is not comparable).
    Cached: the same range boundaries come back for every package of a name."""
    cls = VERSION_CLASSES.get(ecosystem)
    if cls is None:
        return None
    try:
        return cls(text)
    except (ValueError, TypeError, AttributeError, IndexError):
        return None


def display(ecosystem: str) -> str:
    """How a report names an ecosystem key ("PyPI", "Debian", "Rocky Linux")."""
    return DISPLAY.get(ecosystem) or ecosystem.title()
