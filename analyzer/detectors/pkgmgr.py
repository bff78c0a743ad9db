"""IA-PKGMGR: package managers left in the image.

What it finds: dpkg, apt/apt-get, apk, rpm, yum/dnf/microdnf/zypper, opkg, pacman, pip, pipx,
poetry, uv, easy_install, npm/yarn/pnpm, gem, bundler, conda/mamba, composer, cpan/cpanm: a
program (ELF or script, after following links) reached by such a name from a bin, sbin or
libexec folder. BusyBox's own `dpkg`/`rpm` applets are not package managers here (they are
listed on the BusyBox finding).

Why it matters: a package manager lets anyone with code execution install tools at will, and is
rarely needed at run time (PCI DSS 2.2.4, container guidance 12.1).

Fix: install packages in a build stage and copy only the result into the final stage, or remove
the package manager in the final layer of a single-stage build.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.detectors.base import ContentWants
from analyzer.detectors.context import ImageContext
from analyzer.detectors.tools import Family, names, tool_findings
from analyzer.findings.model import Finding, Rule, Severity

PKGMGR = Rule(
    id="IA-PKGMGR",
    title="Package manager present in the image",
    category="unnecessary-software",
    severity=Severity.MEDIUM,
    why="A package manager lets an intruder install any tool they need.",
    fix="Install packages in a build stage and copy only the results to the final image.",
)
MANAGERS = Family(
    PKGMGR,
    names(
        "dpkg",
        "apt",
        "apt-get",
        "aptitude",
        "apk",
        "rpm",
        "yum",
        "dnf",
        "dnf-3",
        "dnf5",
        "microdnf",
        "zypper",
        "tdnf",
        r"pip[23]?(?:\.\d+)?",
        "npm",
        "yarn",
        "yarnpkg",
        "pnpm",
        "gem",
        "conda",
        "mamba",
        "micromamba",
        "composer",
        "composer.phar",
        "cpan",
        "cpanm",
        "pipx",
        "poetry",
        "uv",
        r"easy_install(?:-\d+(?:\.\d+)?)?",
        "bundle",
        "bundler",
        "opkg",
        "pacman",
    ),
    "package manager",
)


class PackageManagerDetector:
    """Package managers."""

    rules = (PKGMGR,)

    content = ContentWants(program_heads=True, head_names=MANAGERS.names.pattern)

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """One finding per package-manager binary."""
        yield from tool_findings(ctx, MANAGERS)
