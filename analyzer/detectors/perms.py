"""IA-SETUID, IA-SETGID, IA-FILECAP, IA-WORLD-WRITABLE: privileges carried by file metadata.

What it finds:
- IA-SETUID / IA-SETGID: files with the setuid or setgid bit in the final filesystem, with the
  layer that set the bit (low where the file is not executable, or for setgid not by its group:
  exec ignores the bit then); and, at lower severity, files that had the bit in some layer but
  not in the final filesystem (cleared by a later `chmod`, or deleted): the bit is still inside
  that layer's tar, so anyone unpacking the layer alone gets a setuid file.
- IA-FILECAP: files carrying Linux file capabilities (`security.capability`), decoded.
- IA-WORLD-WRITABLE: files writable by everyone, and world-writable directories without the
  sticky bit (anyone may delete or replace others' files there).

Why it matters: setuid/setgid binaries and file capabilities are the usual way from a
compromised unprivileged process to root (container guidance 12.3; PCI DSS 7.2.1, 7.2.2 least
privilege); world-writable paths let any process alter what others execute (PCI DSS 2.2.6).

Fix: `chmod u-s,g-s` what does not need it (or remove the binary) in the same layer that adds
it; drop capabilities with `setcap -r`; fix permissions with `chmod o-w` or add the sticky bit.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.detectors.base import NOTHING
from analyzer.detectors.capabilities import DANGEROUS, decode_capabilities, malformed
from analyzer.detectors.context import ImageContext
from analyzer.filesystem.model import EntryKind, Version
from analyzer.findings.model import Finding, Rule, Severity

SETUID = Rule(
    "IA-SETUID",
    "Setuid file",
    "privilege",
    Severity.MEDIUM,
    "A setuid file runs with its owner's privileges (usually root) for any caller.",
    "Remove the setuid bit (chmod u-s) or the file, in the layer that adds it.",
)
SETGID = Rule(
    "IA-SETGID",
    "Setgid file",
    "privilege",
    Severity.LOW,
    "A setgid file runs with its group's privileges for any caller.",
    "Remove the setgid bit (chmod g-s) or the file, in the layer that adds it.",
)
FILECAP = Rule(
    "IA-FILECAP",
    "File with Linux capabilities",
    "privilege",
    Severity.MEDIUM,
    "File capabilities grant part of root's power to whoever runs the file.",
    "Remove them with setcap -r unless the application needs them.",
)
WORLD_WRITABLE = Rule(
    "IA-WORLD-WRITABLE",
    "World-writable path",
    "configuration",
    Severity.MEDIUM,
    "Any process can modify a world-writable file, or replace files in a "
    "world-writable directory without the sticky bit.",
    "chmod o-w, or add the sticky bit (chmod +t) to shared directories.",
)
_FILES = (EntryKind.FILE, EntryKind.HARDLINK)
_BITS = ((SETUID, 0o4000, "setuid"), (SETGID, 0o2000, "setgid"))
_EXECUTE = {0o4000: 0o111, 0o2000: 0o010}
"""The execute bits without which exec ignores the bit (setgid needs the group's: without it
the bit marks mandatory locking, not a privilege)."""
_BY = {0o4000: "", 0o2000: " by its group"}


class PermissionDetector:
    """Setuid/setgid bits, file capabilities and world-writable paths."""

    rules = (SETUID, SETGID, FILECAP, WORLD_WRITABLE)

    content = NOTHING

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """Walk every path's history once (findings are sorted by the scan)."""
        for path, versions in ctx.fs.histories():
            if not any(map(_notable, versions)):
                continue  # nearly every path: no special bit, capability or o+w in any version
            history = tuple(versions)
            for spec in _BITS:
                yield from _special_bit(ctx, path, history, spec)
            yield from _capabilities(ctx, path, history)
            yield from _world_writable(ctx, path)


def _notable(version: Version) -> bool:
    """True when some rule here may apply to this version: setuid, setgid or world-writable
    mode bits on anything but a symlink (every symlink is 0777, and no rule here judges a
    symlink's mode: a thousand of them cost 4 ms), or extended attributes (where file
    capabilities live)."""
    entry = version.entry
    if entry is None:
        return False
    return bool(entry.xattrs) or (bool(entry.mode & 0o6002) and entry.kind is not EntryKind.SYMLINK)


def _runs(history: tuple[Version, ...], bit: int) -> list[tuple[int, int | None]]:
    """(first index, index after the run) of each stretch of versions with `bit` set."""
    runs: list[tuple[int, int | None]] = []
    start: int | None = None
    for i, version in enumerate(history):
        has = (
            version.entry is not None
            and version.entry.kind in _FILES
            and bool(version.entry.mode & bit)
        )
        if has and start is None:
            start = i
        elif not has and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, None))
    return runs


def _special_bit(
    ctx: ImageContext, path: str, history: tuple[Version, ...], spec: tuple[Rule, int, str]
) -> Iterator[Finding]:
    rule, bit, name = spec
    for start, end in _runs(history, bit):
        version = history[start]
        entry = version.entry
        assert entry is not None  # runs only cover stored versions
        owner = f"owner {entry.uid}:{entry.gid}"
        if end is None:
            inert = not entry.mode & _EXECUTE[bit]
            yield ctx.finding(
                rule,
                path=path,
                layer=version.layer,
                key="final",
                severity=Severity.LOW if inert else None,
                evidence=f"mode {entry.mode:04o}, {owner}; {name} since layer {version.layer}"
                + (f"; not executable{_BY[bit]}, so the kernel ignores the bit" if inert else ""),
            )
            continue
        after = history[end]
        how = "deleted" if after.entry is None else f"{name} bit cleared"
        yield ctx.finding(
            rule,
            path=path,
            layer=version.layer,
            present=False,
            severity=Severity.LOW,
            key=f"layer-{version.layer}",
            evidence=f"mode {entry.mode:04o}, {owner}; {name} in layer {version.layer}, {how} in "
            f"layer {after.layer}; still {name} inside layer {version.layer}'s tar",
        )


def _capabilities(ctx: ImageContext, path: str, history: tuple[Version, ...]) -> Iterator[Finding]:
    for version in history:
        entry = version.entry
        raw = entry.capability if entry is not None else None
        if entry is None or raw is None:
            continue
        final = ctx.fs.final_version(path) == version
        severity, evidence = _capability_verdict(raw, final)
        yield ctx.finding(
            FILECAP,
            path=path,
            layer=version.layer,
            present=final,
            key=f"layer-{version.layer}",
            severity=severity,
            evidence=evidence,
        )


def _capability_verdict(raw: bytes, final: bool) -> tuple[Severity | None, str]:
    """The severity (None: the rule's) and evidence of a `security.capability` attribute: a
    malformed one names no capability (the kernel refuses it), it says what is there."""
    problem = malformed(raw)
    if problem is not None:
        return Severity.LOW, (
            f"malformed security.capability attribute ({problem}): the kernel grants no "
            "capability from it (a damaged or tampered attribute)"
        )
    names, effective = decode_capabilities(raw)
    risky = DANGEROUS & set(names)
    severity = Severity.HIGH if risky and final else (None if final else Severity.LOW)
    granted = "+".join("cap_" + n for n in names) or "(none)"
    return severity, f"capabilities {granted}{' (effective)' if effective else ''}"


def _world_writable(ctx: ImageContext, path: str) -> Iterator[Finding]:
    version = ctx.fs.final_version(path)
    entry = version.entry if version else None
    if version is None or entry is None or not entry.mode & 0o002:
        return
    if entry.kind in _FILES:
        what = "file writable by everyone"
    elif entry.kind is EntryKind.DIR and not entry.is_sticky:
        what = "directory writable by everyone without the sticky bit"
    else:
        return
    yield ctx.finding(
        WORLD_WRITABLE,
        path=path,
        layer=version.layer,
        key="final",
        evidence=f"mode {entry.mode:04o}: {what}",
        severity=Severity.LOW if entry.kind is EntryKind.DIR else None,
    )
