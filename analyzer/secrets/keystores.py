"""Key stores: Java JKS and JCEKS, PKCS#12. A store is a secret when it holds a key.

- A trust store (certificates only: the JDK's cacerts, a CA bundle as PKCS#12) is no secret and
  yields nothing.
- keystore: private or secret key entries (JKS/JCEKS entry tags 1 and 3; PKCS#12 key, shrouded
  key and secret bags) under a password that is not a well-known default. The keys are
  encrypted with that password, so using them takes a password guess or an offline attack.
- keystore-default-password: the same, but the store opens with an empty or well-known password
  (changeit, password, changeme): anyone holding the image can use the keys.
- encrypted-keystore: a store named as PKCS#12 (.p12, .pfx) whose content is all encrypted under
  a password that is not a well-known default and shows no key bag: it may hold keys, or only
  certificates (what such stores usually hold); it cannot be told without the password.

PKCS#12 stores are opened with `cryptography` (a real PKCS#12 implementation); before that, the
iteration counts the store asks for are read (bounded DER walk) and a store that asks for more
work than `MAX_ITERATIONS` is not opened: a hostile file must not stall the scan. Java stores
are walked by hand (no maintained library reads JKS), their integrity digest checked against the
default passwords.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import warnings
from collections.abc import Iterator

from analyzer.secrets.der import INTEGER, OCTET_STRING, SEQUENCE, Tlv, children, oid, read_tlv
from analyzer.secrets.structure_formats import Found, Source, sha256_hex

DEFAULT_PASSWORDS = ("", "changeit", "password", "changeme")
"""Passwords tried on every store: empty (PKCS#12 tools' and Java's default for trust stores)
and the well-known defaults of keytool (changeit) and of countless tutorials."""
MAX_ITERATIONS = 200_000
"""The most key-derivation iterations one store may ask for before it is opened (real stores
ask for 2048 to 10000; each wrong password costs one MAC derivation)."""
PKCS12_SUFFIXES = (".p12", ".pfx", ".pkcs12")

_JAVA_MAGIC = {b"\xfe\xed\xfe\xed": "jks", b"\xce\xce\xce\xce": "jceks"}
_JAVA_DIGEST_SALT = b"Mighty Aphrodite"  # what keytool mixes into the store's SHA-1 digest
_PKCS7_DATA = oid("1.2.840.113549.1.7.1")
_KEY_BAGS = tuple(  # keyBag, pkcs8ShroudedKeyBag, secretBag
    oid(f"1.2.840.113549.1.12.10.1.{n}") for n in (1, 2, 5)
)


def keystores(src: Source) -> Iterator[Found]:
    """A Java or PKCS#12 store that holds keys (see the module documentation for the kinds)."""
    found = _java_keystore(src.data) or _pkcs12(src)
    if found is not None:
        kind, store, detail = found
        yield Found(0, f"{store}:{sha256_hex(src.data)}", detail, kind)


def _opened_by(password: str) -> str:
    return "an empty password" if not password else f"the well-known password '{password}'"


# ---- Java: JKS and JCEKS ----------------------------------------------------------------------


def _java_keystore(data: bytes) -> tuple[str, str, str] | None:
    store = _JAVA_MAGIC.get(data[:4])
    if store is None:
        return None
    keys = java_key_entries(data)
    name = store.upper()
    if keys is None:
        return "keystore", store, f"{name} keystore that cannot be walked; it may hold keys"
    if keys == 0:
        return None  # a trust store (e.g. cacerts): certificates only, nothing secret
    what = f"{name} keystore with private or secret key entries: {keys}"
    password = java_default_password(data)
    if password is None:
        return "keystore", store, what
    return "keystore-default-password", store, f"{what}; it opens with {_opened_by(password)}"


def java_key_entries(data: bytes) -> int | None:
    """Key entries in a JKS/JCEKS store: 0 for a trust store, None when it cannot be walked."""
    try:
        version, count = struct.unpack_from(">II", data, 4)
        pos, keys = 12, 0
        for _ in range(min(count, 1 << 16)):
            (tag,) = struct.unpack_from(">I", data, pos)
            pos = _skip(data, pos + 4, ">H") + 8  # alias (modified UTF-8), then a timestamp
            if tag == 1:  # private key: encrypted key, then the certificate chain
                keys += 1
                pos = _skip(data, pos, ">I")
                (chain,) = struct.unpack_from(">I", data, pos)
                pos += 4
                for _ in range(min(chain, 1 << 10)):
                    pos = _skip_certificate(data, pos, version)
            elif tag == 2:  # trusted certificate
                pos = _skip_certificate(data, pos, version)
            else:  # 3 is a JCEKS sealed secret key (a Java serialised object we do not walk)
                return keys + 1 if tag == 3 else None
    except struct.error:
        return None
    return keys if pos + 20 <= len(data) else None  # the store ends with a SHA-1 digest


def _skip(data: bytes, pos: int, size_format: str) -> int:
    size: int = struct.unpack_from(size_format, data, pos)[0]
    return pos + struct.calcsize(size_format) + size


def _skip_certificate(data: bytes, pos: int, version: int) -> int:
    if version == 2:
        pos = _skip(data, pos, ">H")  # certificate type, e.g. "X.509"
    return _skip(data, pos, ">I")


def java_default_password(data: bytes) -> str | None:
    """The default password that the store's closing digest was made with, if any.

    keytool ends a store with SHA-1(password as UTF-16BE, "Mighty Aphrodite", the store).
    """
    body, digest = data[:-20], data[-20:]
    for password in DEFAULT_PASSWORDS:
        mixed = hashlib.sha1(
            password.encode("utf-16-be") + _JAVA_DIGEST_SALT, usedforsecurity=False
        )
        mixed.update(body)
        if mixed.digest() == digest:
            return password
    return None


# ---- PKCS#12 ----------------------------------------------------------------------------------


def _pkcs12(src: Source) -> tuple[str, str, str] | None:
    """PKCS#12 by its DER shape (PFX version 3 around PKCS#7 data), opened when it can be."""
    data = src.data
    pfx = _pfx(data)
    if pfx is None:
        return None
    key_bag = any(bag in data for bag in _KEY_BAGS)  # plain bags; encrypted ones are invisible
    opened = _open_pkcs12(data, pfx)
    if opened is not None:
        password, has_key = opened
        if not (has_key or key_bag):
            return None  # certificates only: a trust store
        detail = f"PKCS#12 store with a private key; it opens with {_opened_by(password)}"
        return "keystore-default-password", "pkcs12", detail
    if key_bag:
        detail = "PKCS#12 store with a private key bag under a password that is not a default"
        return "keystore", "pkcs12", detail
    if src.name.lower().endswith(PKCS12_SUFFIXES):
        detail = "PKCS#12 store encrypted under a password that is not a default: it may hold keys"
        return "encrypted-keystore", "pkcs12", detail
    return None


def _pfx(data: bytes) -> Tlv | None:
    """The PFX SEQUENCE { INTEGER 3, ContentInfo { data OID, ... }, ... }, or None."""
    outer = read_tlv(data)
    if outer is None or outer.tag != SEQUENCE:
        return None
    first = list(children(data, outer, 2))
    if len(first) != 2 or first[0].tag != INTEGER or data[first[0].start : first[0].end] != b"\x03":
        return None
    auth_safe = first[1]
    return outer if data[auth_safe.start :].startswith(_PKCS7_DATA) else None


def _open_pkcs12(data: bytes, pfx: Tlv) -> tuple[str, bool] | None:
    """(the default password that opens the store, whether it holds a private key), or None."""
    if most_iterations(data, pfx) > MAX_ITERATIONS:
        return None
    from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: PLC0415

    for password in DEFAULT_PASSWORDS:
        for attempt in (None, b"") if not password else (password.encode(),):
            try:
                with warnings.catch_warnings():  # odd certificates inside are not our concern
                    warnings.simplefilter("ignore")
                    store = pkcs12.load_pkcs12(data, attempt)
            except (ValueError, TypeError):
                continue  # wrong password, or a structure the library does not take
            return password, store.key is not None
    return None


def most_iterations(data: bytes, top: Tlv, budget: int = 4096) -> int:
    """The largest key-derivation iteration count anywhere in the store's clear DER (MAC data,
    PBE and PBKDF2 parameters all put it as an INTEGER right after the salt OCTET STRING).
    More than `MAX_ITERATIONS` when any part cannot be read (BER chunks, forged lengths) or
    when more than `budget` values would have to be visited: what cannot be seen may ask for
    any amount of work."""
    most, stack, seen = 0, [top], 0
    while stack:
        node, seen = stack.pop(), seen + 1
        kids = _inside(data, node)
        if kids is None or seen > budget:
            return MAX_ITERATIONS + 1
        for before, after in itertools.pairwise(kids):
            if before.tag == OCTET_STRING and after.tag == INTEGER:
                most = max(most, _count(data, after))
        stack.extend(kids)
    return most


def _inside(data: bytes, node: Tlv) -> list[Tlv] | None:
    """The values a node holds: a constructed node's children (None unless they fill it
    exactly), or the DER an OCTET STRING wraps (PKCS#7 data content, SafeContents)."""
    if node.tag == 0x24:
        return None  # a BER constructed OCTET STRING: its DER is cut into pieces
    if node.tag & 0x20:
        kids = list(children(data, node, 256))
        filled = (kids[-1].end if kids else node.start) == node.end
        return kids if filled else None
    return _wrapped(data, node)


def _wrapped(data: bytes, node: Tlv) -> list[Tlv]:
    """The DER inside an OCTET STRING that holds DER (PKCS#7 data content, SafeContents)."""
    if node.tag == OCTET_STRING and data[node.start : node.start + 1] in (b"\x30", b"\xa0"):
        inner = read_tlv(data, node.start, node.end)
        if inner is not None and inner.end == node.end:
            return [inner]
    return []


def _count(data: bytes, integer: Tlv) -> int:
    if integer.size > 4:
        return MAX_ITERATIONS + 1
    return int.from_bytes(data[integer.start : integer.end], "big")
