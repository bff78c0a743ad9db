"""Find the programs an image ships: every file in a bin/sbin directory, resolved and identified.

A name is only a hint: a path counts as a program when, after following symlinks (inside the
image) and hardlinks, it is an ELF binary or a script with a shebang. Programs that are the same
bytes as a BusyBox binary are BusyBox applets, whatever their name says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from analyzer.detectors.context import ImageContext
from analyzer.detectors.identify import FileType
from analyzer.filesystem.model import EntryKind, Version

_PROGRAM_DIRS = frozenset({"bin", "sbin"})


def in_program_dir(path: str) -> bool:
    """True for paths directly inside a bin/ or sbin/ directory, or under a libexec/ directory.

    >>> in_program_dir("/usr/local/bin/gcc"), in_program_dir("/usr/share/doc/bash")
    (True, False)
    """
    if "bin/" not in path:  # nearly every path: one substring test (halves a 16k-path walk)
        return "/libexec/" in path
    slash = path.rfind("/")
    directory = path[path.rfind("/", 0, slash) + 1 : slash]
    return directory in _PROGRAM_DIRS or "/libexec/" in path


@dataclass(frozen=True, slots=True)
class Program:
    """A runnable file in the final filesystem, reached under some name."""

    path: str
    """The name it is reached by (e.g. /bin/sh)."""
    target: str
    """The real file after following symlinks (e.g. /bin/busybox)."""
    version: Version
    """The final version of the real file (its layer is where the bytes came from)."""
    file_type: FileType
    sha256: str

    @property
    def name(self) -> str:
        """The basename the program is reached by."""
        return self.path.rsplit("/", 1)[-1]


def programs(ctx: ImageContext) -> list[Program]:
    """Every program (an ELF binary or a script, by its bytes) reachable from a bin/sbin/libexec
    path, by the name it is reached by (cached)."""
    if "programs" not in ctx.cache:
        ctx.cache["programs"] = [
            p
            for path in ctx.fs.paths()
            if in_program_dir(path)
            if (p := _program(ctx, path)) is not None
        ]
    return cast(list[Program], ctx.cache["programs"])


def _program(ctx: ImageContext, path: str) -> Program | None:
    entry = ctx.fs.get(path)
    if entry is None or entry.kind not in (EntryKind.FILE, EntryKind.HARDLINK, EntryKind.SYMLINK):
        return None
    target = ctx.fs.resolve(path)
    version = ctx.fs.final_version(target) if target else None
    if target is None or version is None or version.entry is None:
        return None
    if version.entry.kind not in (EntryKind.FILE, EntryKind.HARDLINK):
        return None
    file_type = ctx.file_type(version)  # the version `path` resolved to: not resolved again
    if file_type is None or not file_type.executable:
        return None
    return Program(path, target, version, file_type, version.entry.sha256)


def busybox_hashes(ctx: ImageContext) -> set[str]:
    """Content hashes of the BusyBox binaries in the image."""
    return {p.sha256 for p in programs(ctx) if p.target.endswith("/busybox") and p.sha256}


def group_by_binary(found: list[Program]) -> list[list[Program]]:
    """Group programs that are the same bytes (symlinks, hardlinks, copies), first-seen order."""
    groups: dict[str, list[Program]] = {}
    for program in found:
        groups.setdefault(program.sha256 or program.target, []).append(program)
    return list(groups.values())
