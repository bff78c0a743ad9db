"""IA-INSECURE-SOURCE: package sources that skip signature checks or use plain HTTP.

What it finds, in the final filesystem (the files each tool reads: not `x.list.disabled`, not
commented lines): APT sources marked `[trusted=yes]` or `allow-insecure=yes` (or `Trusted: yes`
in a deb822 .sources file: no signature check at all), apt.conf settings that accept unsigned
repositories or unchecked TLS certificates (AllowUnauthenticated, AllowInsecureRepositories,
Verify-Peer/Verify-Host false), YUM/DNF repositories with `gpgcheck=0` or `sslverify=0`, pip
`trusted-host` settings (pip.conf in /etc, /etc/xdg/pip and root's home), and plain-http
APT/APK/YUM/pip sources.

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
        "/etc/xdg/pip/pip.conf",
        "/root/.config/pip/pip.conf",
        "/root/.pip/pip.conf",
        "/etc/yum.conf",
        "/etc/dnf/dnf.conf",
        "/etc/apt/apt.conf",
    }
)
_DIRS = ("/etc/apt/sources.list.d/", "/etc/yum.repos.d/", "/etc/apt/apt.conf.d/")
_OFF = r"""\s*"?(?:false|no|0|off)\b"?"""
_ON = r"""\s*"?(?:true|yes|1|on)\b"?"""
_UNVERIFIED = re.compile(
    r"trusted=yes|allow-insecure=yes|^[^\S\n]*gpgcheck\s*=\s*(?:0|false|no)\b"
    r"|^[^\S\n]*trusted-host\s*=|^[^\S\n]*Trusted:\s*yes\b"  # deb822 .sources
    r"|^[^\S\n]*sslverify\s*=\s*(?:0|false|no)\b"  # yum/dnf: TLS certificates unchecked
    # apt.conf: signatures or TLS certificates unchecked
    rf"|AllowUnauthenticated{_ON}|AllowInsecureRepositories{_ON}"
    rf"|AllowDowngradeToInsecureRepositories{_ON}|Verify-Peer{_OFF}|Verify-Host{_OFF}",
    re.I | re.M,
)
_PLAIN_HTTP = re.compile(r"^(?![^\S\n]*#).*?\bhttp://\S+", re.M)
r"""(A line's own leading blanks only, here and above: `^\s*` ran over the blank lines after
each line start, time quadratic in a run of them.)"""


_READ_IN = {"/etc/apt/sources.list.d/": (".list", ".sources"), "/etc/yum.repos.d/": (".repo",)}
"""What APT and YUM read in their directories: `x.list.disabled` or `x.repo.rpmsave` is not a
source."""
_APT_CONF_PART = re.compile(r"[A-Za-z0-9_.-]+")
_APT_IGNORED = re.compile(r"~$|\.(?:disabled|bak|save|orig|distUpgrade|dpkg-[a-z]+|ucf-[a-z]+)$")
"""apt.conf.d parts apt skips: other characters in the name, and its Dir::Ignore-Files-Silently
suffixes."""


def _read_by_its_tool(path: str) -> bool:
    if path in _FILES:
        return True
    folder, _, name = path.rpartition("/")
    folder += "/"
    if folder == "/etc/apt/apt.conf.d/":
        return bool(_APT_CONF_PART.fullmatch(name)) and not _APT_IGNORED.search(name)
    return folder in _READ_IN and name.endswith(_READ_IN[folder])


class SourceDetector:
    """Package manager source configuration."""

    rules = (INSECURE,)
    content = ContentWants(paths=_FILES, prefixes=_DIRS)

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """One finding per problem line in each source file of the final filesystem that its
        tool reads; a commented line is none, and a line that turns verification off is one
        finding (medium) even when it is plain http too."""
        for path in [p for p in ctx.fs.paths() if _read_by_its_tool(p)]:
            version = ctx.fs.final_version(path)
            data = ctx.read(path)
            if version is None or not data:
                continue
            text = data.decode("utf-8", "surrogateescape")  # evidence keeps the bytes
            unverified: set[int] = set()
            for pattern, severity in ((_UNVERIFIED, Severity.MEDIUM), (_PLAIN_HTTP, Severity.LOW)):
                for match in pattern.finditer(text):
                    start = text.rfind("\n", 0, match.start()) + 1
                    if text[start : match.start()].lstrip().startswith("#"):
                        continue  # a comment: the tool does not read it
                    line = text.count("\n", 0, match.start()) + 1
                    if severity is Severity.LOW and line in unverified:
                        continue  # the line's medium finding says more
                    unverified.add(line)
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
