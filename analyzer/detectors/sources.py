"""IA-INSECURE-SOURCE: package sources that skip signature checks or use plain HTTP.

What it finds, in the final filesystem: APT sources marked `[trusted=yes]` or
`allow-insecure=yes` (no signature check at all) and plain-http APT/APK/YUM/pip sources, YUM/DNF
repositories with `gpgcheck=0`, pip indexes or `trusted-host` settings over http.

Why it matters: a package installed later from such a source (in a derived image, or by
anyone with a shell in the container) can be tampered with in transit (PCI DSS 2.2.6). APT and
YUM verify signatures over http, so plain http alone is low severity; disabled verification is
not.

Fix: use https sources and keep signature checking on (remove trusted=yes, set gpgcheck=1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzer.detectors.base import ContentWants
from analyzer.detectors.context import ImageContext
from analyzer.findings.model import Finding, Rule, Severity

INSECURE = Rule(
    "IA-INSECURE-SOURCE",
    "Insecure package source",
    "configuration",
    Severity.MEDIUM,
    "Packages from an unverified source can be tampered with.",
    "Use https sources with signature checking on.",
)
_FILES = frozenset(
    {
        "/etc/apt/sources.list",
        "/etc/apk/repositories",
        "/etc/pip.conf",
        "/etc/yum.conf",
        "/etc/dnf/dnf.conf",
    }
)
_DIRS = ("/etc/apt/sources.list.d/", "/etc/yum.repos.d/")
_UNVERIFIED = re.compile(
    r"trusted=yes|allow-insecure=yes|^\s*gpgcheck\s*=\s*(?:0|false|no)\b"
    r"|^\s*trusted-host\s*=",
    re.I | re.M,
)
_PLAIN_HTTP = re.compile(r"^(?!\s*#).*?\bhttp://\S+", re.M)


class SourceDetector:
    """Package manager source configuration."""

    rules = (INSECURE,)
    content = ContentWants(paths=_FILES, prefixes=_DIRS)

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """One finding per problem line in each source file of the final filesystem."""
        paths = [p for p in ctx.fs.paths() if p in _FILES or p.startswith(_DIRS)]
        for path in paths:
            version = ctx.fs.final_version(path)
            data = ctx.read(path)
            if version is None or not data:
                continue
            text = data.decode("utf-8", "surrogateescape")  # evidence keeps the bytes
            for pattern, severity in ((_UNVERIFIED, Severity.MEDIUM), (_PLAIN_HTTP, Severity.LOW)):
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    shown = ctx.quote(" ".join(match.group(0).split()), 120)
                    yield ctx.finding(
                        INSECURE,
                        path=path,
                        layer=version.layer,
                        severity=severity,
                        key=f"{line}:{shown}",
                        line=line,
                        evidence=f"line {line}: {shown}",
                    )
