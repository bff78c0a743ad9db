"""Tell what a file is from its first bytes: an ELF program, a script, or just data.

The first bytes decide (the ELF magic, a shebang line, which names a script's interpreter); a
text file that happens to be called `bash` is not a shell. libmagic (the database of `file(1)`)
describes the file for a report, and is asked only when a report shows that description (it
took ~0.17 ms a file: 0.1 s for the ~500 programs of the Debian image of bench-scan).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import magic


@dataclass(frozen=True, slots=True)
class FileType:
    """What a file is."""

    kind: str
    """"elf" (an ELF executable or shared object), "script" (has a shebang), "empty" or "data"."""
    head: bytes = field(repr=False)
    """The first bytes the kind was told from."""
    interpreter: str = ""
    """For scripts: the program named by the shebang (e.g. "python3" for #!/usr/bin/env python3)."""

    @property
    def description(self) -> str:
        """libmagic's description, e.g. "ELF 64-bit LSB pie executable, x86-64 ..."."""
        return str(_magic().from_buffer(self.head)) if self.head else "empty"

    @property
    def executable(self) -> bool:
        """True for programs a user could run: ELF binaries and scripts."""
        return self.kind in ("elf", "script")


@functools.cache
def _magic() -> magic.Magic:
    return magic.Magic()


def _interpreter(head: bytes) -> str:
    """The interpreter a shebang names.

    >>> _interpreter(b"#!/usr/bin/env -S python3 -u\\n")
    'python3'
    >>> _interpreter(b"#! /bin/sh\\n")
    'sh'
    """
    words = head[2:].split(b"\n", 1)[0].decode("utf-8", "surrogateescape").split()
    if words and words[0].endswith("/env"):
        words = [w for w in words[1:] if not w.startswith("-")]
    return words[0].rsplit("/", 1)[-1] if words else ""


def identify(head: bytes) -> FileType:
    """Classify a file from its first bytes."""
    if not head:
        return FileType("empty", head)
    if head.startswith(b"\x7fELF"):
        return FileType("elf", head)
    if head.startswith(b"#!"):
        return FileType("script", head, _interpreter(head))
    return FileType("data", head)
