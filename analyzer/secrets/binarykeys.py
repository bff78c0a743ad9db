"""Which binary files libmagic names as key material, asking libmagic only where it could.

libmagic (the database of `file(1)`) names Java and JCE key stores, PKCS#12 bundles, PGP secret
keys and binary private keys. Most binary files of an image are something else that their first
bytes already say: programs (never a key store), gzip streams (man pages), Python bytecode and
gettext catalogs. For those, libmagic's description is its own fixed words for that format
(none of which names key material) plus text it copies from the bytes it is given; so when
those bytes hold none of the words its key-material names need, libmagic cannot name a key
store and is not asked (it took ~0.17 ms a file: 0.7 s for the 4,300 such files of the Debian
image of scripts/bench-scan).
"""

from __future__ import annotations

import functools
import re

import magic

from analyzer.secrets.structure_formats import looks_executable

MAGIC_BYTES = 8192
"""How much of a file libmagic is shown."""
_BINARY_KEYS = re.compile(
    r"Java KeyStore|JCE ?KeyStore|PGP.{0,20}(?:secret|private) key|OpenSSH private key"
    r"|PKCS ?#?12|private key",
    re.I,
)
_PLAIN_FORMATS = (
    b"\x1f\x8b",  # gzip
    b"\xde\x12\x04\x95",  # GNU gettext catalog, little endian
    b"\x95\x04\x12\xde",  # the same, big endian
    b"\x89PNG\r\n\x1a\n",
    b"\x28\xb5\x2f\xfd",  # zstd
    b"\xfd7zXZ\x00",  # xz
)
"""First bytes of formats whose libmagic description never names key material by itself."""
_KEY_WORDS = (b"keystore", b"pgp", b"private key", b"pkcs")
"""Lower-cased, one of these is in every text _BINARY_KEYS matches (a regex search of 8 KB
took 0.4 ms, longer than libmagic)."""


@functools.cache
def _magic() -> magic.Magic:
    return magic.Magic()


def _python_bytecode(head: bytes) -> bool:
    """A CPython 3 .pyc: a 2-byte version number (3000-3999), then \\r\\n.

    >>> _python_bytecode(bytes.fromhex("a70d0d0a")), _python_bytecode(b"MZ\\r\\n")
    (True, False)
    """
    return head[2:4] == b"\r\n" and 3000 <= int.from_bytes(head[:2], "little") < 4000


def plainly_not_a_key(head: bytes) -> bool:
    """True when the first bytes say what the file is and libmagic cannot name it key material.

    >>> gzip, jks = b"\\x1f\\x8b\\x08\\x00" + bytes(8), b"\\xfe\\xed\\xfe\\xed"
    >>> plainly_not_a_key(gzip), plainly_not_a_key(jks)
    (True, False)
    >>> plainly_not_a_key(b"\\x1f\\x8b\\x08\\x08" + b"private key.p12\\x00")
    False
    """
    if looks_executable(head):
        return True  # a program is never a key store
    if not (head.startswith(_PLAIN_FORMATS) or _python_bytecode(head)):
        return False
    lowered = head.lower()
    return not any(word in lowered for word in _KEY_WORDS)


def key_material(data: bytes) -> str | None:
    """libmagic's description of `data` when it names key material, else None."""
    head = data[:MAGIC_BYTES]
    if plainly_not_a_key(head):
        return None
    description = str(_magic().from_buffer(head))
    return description if _BINARY_KEYS.search(description) else None
