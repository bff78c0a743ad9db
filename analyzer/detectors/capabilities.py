"""Decode the `security.capability` extended attribute (VFS file capabilities, v2 and v3)."""

from __future__ import annotations

import struct

CAPABILITY_NAMES = (
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
)
"""Linux capability numbers 0..40, as in linux/capability.h (without the cap_ prefix)."""

DANGEROUS = frozenset(
    {
        "sys_admin",
        "sys_module",
        "sys_ptrace",
        "dac_override",
        "dac_read_search",
        "setuid",
        "setgid",
        "sys_rawio",
        "bpf",
        "net_admin",
    }
)
"""Capabilities that amount to (or easily lead to) root."""


_SIZES = {1: 12, 2: 20, 3: 24}
"""The size the kernel requires of each revision of the attribute (XATTR_CAPS_SZ_1..3)."""


def malformed(raw: bytes) -> str | None:
    """Why the kernel would refuse this attribute as it refuses to read it on exec (None
    when it is well-formed): an unknown revision, or a size that is not its revision's.

    >>> malformed(bytes.fromhex("0100000200200000000000000000000000000000")) is None
    True
    >>> malformed(bytes.fromhex("01000002"))
    '4 bytes where revision 2 has 20'
    """
    if len(raw) < 4:
        return f"{len(raw)} bytes, too short to hold a revision"
    revision = raw[3]  # the top byte of the little-endian magic_etc word
    size = _SIZES.get(revision)
    if size is None:
        return f"unknown revision {revision}"
    if len(raw) != size:
        return f"{len(raw)} bytes where revision {revision} has {size}"
    return None


def decode_capabilities(raw: bytes) -> tuple[list[str], bool]:
    """Names of the permitted capabilities, and whether the effective bit is set.

    >>> decode_capabilities(bytes.fromhex("0100000200200000000000000000000000000000"))
    (['net_raw'], True)
    """
    if len(raw) < 12:
        return [], False
    magic_etc, permitted_lo, _ = struct.unpack_from("<III", raw)
    permitted_hi = struct.unpack_from("<I", raw, 12)[0] if len(raw) >= 16 else 0
    permitted = permitted_lo | (permitted_hi << 32)
    names = [
        CAPABILITY_NAMES[bit] if bit < len(CAPABILITY_NAMES) else f"cap{bit}"
        for bit in range(64)
        if permitted >> bit & 1
    ]
    return names, bool(magic_etc & 1)
