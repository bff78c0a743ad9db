"""IA-BASE-OS, IA-OS-EOL: which distribution the image is built on, and whether
it still gets security updates.

What it finds: the final filesystem's /etc/os-release (or /usr/lib/os-release, /etc/alpine-release,
/etc/debian_version) names the base distribution and version; the offline end-of-life table
shipped with image-audit (analyzer/data/eol.json: dated, with its sources) says whether free
security updates have ended. IA-BASE-OS states the base and its package count (a minimal base
has few); IA-OS-EOL fires once the end-of-life date has passed.

Why it matters: container guidance 12.1 asks for trusted, current, minimal base images; PCI DSS
6.3.3 for components protected by security patches, which an end-of-life distribution no longer
receives.

Fix: rebuild on a supported release of the base image (or a distroless/minimal one).
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.detectors.base import ContentWants
from analyzer.detectors.context import ImageContext
from analyzer.findings.model import Finding, Rule, Severity
from analyzer.inventory import (
    OsRelease,
    lookup_eol,
    parse_alpine_release,
    parse_debian_version,
    parse_os_release,
)

BASE_OS = Rule(
    "IA-BASE-OS",
    "Base operating system",
    "base-image",
    Severity.INFO,
    "An assessor needs to know which distribution and release an image is built on.",
    "Prefer minimal, supported base images from a registry you control.",
)
EOL = Rule(
    "IA-OS-EOL",
    "Base OS past end of life",
    "base-image",
    Severity.HIGH,
    "An end-of-life distribution receives no security updates.",
    "Rebuild on a supported release of the base image.",
)
_RELEASE_FILES = ("/etc/os-release", "/usr/lib/os-release")
_NAME_SHOWN = 200
_ID_SHOWN = 50


def identify_os(ctx: ImageContext) -> tuple[OsRelease, str] | None:
    """The distribution of the final filesystem and the file that says so."""
    for path in _RELEASE_FILES:
        data = ctx.read(path)
        if data:
            return parse_os_release(data), path
    for path, parse in (
        ("/etc/alpine-release", parse_alpine_release),
        ("/etc/debian_version", parse_debian_version),
    ):
        data = ctx.read(path)
        if data:
            return parse(data), path
    return None


class BaseOsDetector:
    """Base distribution, release and end-of-life status."""

    rules = (BASE_OS, EOL)
    content = ContentWants(
        paths=frozenset({*_RELEASE_FILES, "/etc/alpine-release", "/etc/debian_version"})
    )

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """One IA-BASE-OS finding, and IA-OS-EOL when support has ended."""
        found = identify_os(ctx)
        if found is None:
            ctx.facts["os"] = None
            return
        release, path = found
        status = lookup_eol(release, ctx.options.today)
        version = ctx.fs.final_version(ctx.fs.resolve(path) or path)
        layer = version.layer if version else None
        ctx.facts["os"] = {
            "id": release.id,
            "version_id": release.version_id,
            "codename": release.version_codename,
            "pretty_name": release.pretty_name,
            "eol_date": status.eol_date.isoformat() if status.eol_date else None,
            "eol_status": status.status,
            "eol_source": status.source,
            "identified_by": path,
        }
        name = shown_name(release)
        yield ctx.finding(
            BASE_OS,
            path=path,
            layer=layer,
            key="os",
            evidence=f"{name}; end of life: {status.eol_date or 'unknown'}",
        )
        if status.status == "eol":
            yield ctx.finding(
                EOL,
                path=path,
                layer=layer,
                key=f"{release.id}-{release.version_id}",
                evidence=f"{name} reached end of life on {status.eol_date} ({status.source})",
            )


def shown_name(release: OsRelease) -> str:
    """PRETTY_NAME, and the ID and VERSION_ID the end of life was looked up by when it does
    not say them (`Alpine Linux v3.18` is 3.18.4; a crafted or stale PRETTY_NAME may name
    another system). os-release values are short; a crafted one may be megabytes, in every
    report format: each is cut.

    >>> shown_name(OsRelease(id="debian", version_id="12", pretty_name="Debian GNU/Linux 12"))
    'Debian GNU/Linux 12'
    >>> shown_name(OsRelease(id="alpine", version_id="3.10.9", pretty_name="Debian 12"))
    'Debian 12 (ID alpine, VERSION_ID 3.10.9)'
    """
    pretty = (release.pretty_name or "Linux")[:_NAME_SHOWN]
    said = pretty.casefold()
    if release.id.casefold() in said and release.version_id.casefold() in said:
        return pretty
    version = release.version_id[:_ID_SHOWN] or "not set"
    return f"{pretty} (ID {release.id[:_ID_SHOWN]}, VERSION_ID {version})"
