"""IA-SHELL: interactive shells and BusyBox in the image.

What it finds: sh, bash, dash, ash, zsh, ksh/mksh, csh/tcsh, fish: a file of a bin, sbin or
libexec folder reached by one of those names that is a program (an ELF binary or a script, after
following links: a text file named bash is none), one finding per real binary with every name
that reaches it. A shell renamed, or kept elsewhere (/opt/tools/bash), is not recognised.
BusyBox is reported once per binary, with the applets its links provide (shells,
package-manager look-alikes such as its minimal `dpkg` and `rpm` applets, network tools).

Why it matters: a shell is what an attacker needs after a remote-code-execution bug; images that
do not need one should not ship one (PCI DSS 2.2.4, container guidance 12.1: minimal images).

Fix: use a distroless or scratch-based final stage; if a shell is needed for start-up scripts,
consider replacing the script with an entrypoint binary.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.detectors.base import ContentWants
from analyzer.detectors.context import ImageContext
from analyzer.detectors.executables import busybox_hashes, programs
from analyzer.detectors.tools import Family, any_of, names, tool_findings
from analyzer.findings.model import Finding, Rule, Severity

SHELL = Rule(
    id="IA-SHELL",
    title="Shell present in the image",
    category="unnecessary-software",
    severity=Severity.LOW,
    why="A shell turns a code-execution bug into an interactive foothold.",
    fix="Ship a minimal (distroless or scratch) final stage without a shell.",
)
BUSYBOX = Rule(
    id="IA-BUSYBOX",
    title="BusyBox multi-call binary present",
    category="unnecessary-software",
    severity=Severity.LOW,
    why="BusyBox provides a shell and hundreds of utilities (wget, nc, vi ...) in one binary.",
    fix="Remove BusyBox from the final image or build from scratch/distroless.",
)
SHELLS = Family(
    SHELL,
    names(
        "sh",
        "bash",
        "rbash",
        "dash",
        "ash",
        "zsh",
        "ksh",
        "ksh93",
        "mksh",
        "pdksh",
        "csh",
        "tcsh",
        "fish",
        "yash",
    ),
    "shell",
)
NOTABLE_APPLETS = (
    "sh",
    "ash",
    "bash",
    "hush",
    "dpkg",
    "rpm",
    "apk",
    "wget",
    "nc",
    "telnet",
    "telnetd",
    "httpd",
    "ftpd",
    "tftp",
    "su",
    "vi",
)
_NAMES = any_of(names("busybox"), SHELLS.names)


class ShellDetector:
    """Shells and BusyBox."""

    rules = (SHELL, BUSYBOX)

    content = ContentWants(program_heads=True, head_names=_NAMES.pattern)

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """Real shells, then one finding per BusyBox binary."""
        yield from tool_findings(ctx, SHELLS)
        yield from _busybox(ctx)


def _busybox(ctx: ImageContext) -> Iterator[Finding]:
    for sha in sorted(busybox_hashes(ctx)):
        found = [p for p in programs(ctx) if p.sha256 == sha]
        named = [p for p in found if p.name == "busybox"]
        binary = (named or sorted(found, key=lambda p: len(p.path)))[0]
        applets = sorted({p.name for p in found if p.name != "busybox"})
        notable = [a for a in NOTABLE_APPLETS if a in applets]
        evidence = f"BusyBox at {binary.target} provides {len(applets)} applets"
        if notable:
            evidence += f", including {', '.join(notable)}"
        if {"dpkg", "rpm", "apk"} & set(applets):
            evidence += " (its dpkg/rpm/apk applets are BusyBox's own, not the distro tools)"
        yield ctx.finding(
            BUSYBOX,
            path=binary.target,
            layer=binary.version.layer,
            evidence=evidence,
            key=binary.target,
            details=(("applets", " ".join(applets)),),
        )
