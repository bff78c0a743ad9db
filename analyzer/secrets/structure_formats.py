"""Readers for the file formats that `analyzer.secrets.structure` recognises.

Each reader takes a `Source` and yields `Found(line, value, detail)`; the kind, the placeholder
policy and the de-duplication are applied by the caller. Readers never raise on malformed input:
a truncated keystore, JSON that does not parse or binary garbage yields nothing (a Java keystore
that cannot be walked yields the conservative answer: it may hold keys).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True, slots=True)
class Found:
    """One secret a reader found, before it gets a kind."""

    line: int
    value: str
    detail: str


_EXECUTABLE_MAGIC = (b"\x7fELF", b"!<arch>\n", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")


def looks_executable(data: bytes) -> bool:
    """An ELF, PE or Mach-O program or library, or an ar archive, by its first bytes.

    >>> looks_executable(b"\\x7fELF\\x02\\x01"), looks_executable(b"\\xfe\\xed\\xfe\\xed")
    (True, False)
    """
    return data.startswith(_EXECUTABLE_MAGIC)


class Source:
    """One file's path and bytes; the text is decoded (and parsed) once, only when asked for."""

    def __init__(self, path: str, data: bytes, markers: frozenset[bytes] = frozenset()) -> None:
        self.path = path
        self.name = path[path.rfind("/") + 1 :]
        self.data = data
        self.markers = markers
        """The content markers found in `data` in one pass (see markers.MarkerSet)."""

    @cached_property
    def is_text(self) -> bool:
        """No NUL byte near the start (the same test the secrets sink uses)."""
        return b"\x00" not in self.data[:8192]

    @cached_property
    def is_executable(self) -> bool:
        """An ELF, PE or Mach-O program or library, or an ar archive of objects."""
        return not self.is_text and looks_executable(self.data)

    @cached_property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    @cached_property
    def lines(self) -> list[str]:
        """Lines split on \\n only, so that numbers agree with `line_at`."""
        return [line.removesuffix("\r") for line in self.text.split("\n")]

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0, *(m.end() for m in re.finditer("\n", self.text))]

    def line_at(self, offset: int) -> int:
        """The 1-based line holding a character offset of `text`."""
        return bisect_right(self._line_starts, offset)

    def line_of(self, needle: str) -> int:
        """The line where `needle` first occurs in the text, 0 when it does not."""
        offset = self.text.find(needle) if needle else -1
        return self.line_at(offset) if offset >= 0 else 0

    @cached_property
    def json(self) -> object:
        """The parsed document, or None when the text is not JSON."""
        try:
            return json.loads(self.text.lstrip("\ufeff"))
        except (ValueError, RecursionError):
            return None


def sha256_hex(data: bytes | str) -> str:
    """The sha256 of bytes (or of a string's UTF-8 encoding), in hex."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


_PLACEHOLDER_WORDS = {
    *("changeme", "change_me", "change-me", "replaceme", "replace_me", "placeholder", "redacted"),
    *(
        "password",
        "passwd",
        "pass",
        "secret",
        "example",
        "null",
        "none",
        "nil",
        "undefined",
        "todo",
    ),
}
_TEMPLATE = re.compile(r"\$\{[^}]*\}|\{\{.*?\}\}|%\([^)]*\)[sd]|\$\([^)]*\)")
_WHOLE_PLACEHOLDER = re.compile(
    r"<[^<>]*>|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|(?i:your[_-]?[a-z0-9_-]*)"
)


def is_placeholder(value: str) -> bool:
    """True when a value is a stand-in (template, variable, mask), never a real secret.

    >>> [is_placeholder(v) for v in ("", "changeme", "PASSWORD", "${DB_PASS}", "$DB_PASS")]
    [True, True, True, True, True]
    >>> [is_placeholder(v) for v in ("<token>", "{{ vault_pw }}", "%(password)s", "'***'")]
    [True, True, True, True]
    >>> [is_placeholder(v) for v in ("xxxx", "XXXX-XXXX", "aaaaaaa", "your_api_key")]
    [True, True, True, True]
    >>> is_placeholder("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    True
    >>> [is_placeholder(v) for v in ("t0k3n-9f8a7c", "hunter2", "$apr1$r31.$Xx1b2c3d")]
    [False, False, False]
    """
    bare = value.strip().strip("'\"").strip()
    if not bare or len(set(bare)) == 1 or bare.lower() in _PLACEHOLDER_WORDS:
        return True
    if "example" in bare.lower() or _TEMPLATE.search(bare):
        return True
    unmasked = re.sub(r"[._\- ]", "", bare)
    return re.fullmatch(r"[xX*]{3,}", unmasked) is not None or bool(
        _WHOLE_PLACEHOLDER.fullmatch(bare)
    )


# ---- private keys: PEM / PGP armour, PuTTY ------------------------------------------------------

_KEY_BEGIN = re.compile(
    r"-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED |OPENSSH |)PRIVATE KEY|PGP PRIVATE KEY BLOCK)-----"
)
_KEY_FORMATS = {"RSA": "RSA (PKCS#1)", "": "PKCS#8", "ENCRYPTED": "PKCS#8", "OPENSSH": "OpenSSH"}
_BASE64 = re.compile(r"[A-Za-z0-9+/=]{16,}")
_PUTTY = re.compile(r"^PuTTY-User-Key-File-([23]):[ \t]*(\S*)", re.M)
_PUTTY_ENCRYPTION = re.compile(r"^Encryption:[ \t]*(\S+)", re.M)
_PUTTY_PRIVATE = re.compile(r"^Private-Lines:[ \t]*(\d{1,4})[ \t]*\r?\n", re.M)


def private_keys(src: Source) -> Iterator[Found]:
    """PEM / PGP private key blocks (also with JSON-escaped newlines) and PuTTY keys.

    Keys compiled into executables and libraries are skipped: they are almost always a library's
    self-test vectors (libgnutls carries a dozen), and would be reported for every image with it.
    """
    if src.is_executable:
        return
    for offset, body, detail in pem_keys(src.text):
        yield Found(src.line_at(offset), body, detail)
    yield from _putty_keys(src)


def pem_keys(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset of BEGIN, base64 body, description) of each complete private key block."""
    begins = list(_KEY_BEGIN.finditer(text))
    for i, begin in enumerate(begins):
        stop = begins[i + 1].start() if i + 1 < len(begins) else len(text)
        end = text.find(f"-----END {begin.group(1)}-----", begin.end(), stop)
        parsed = _pem_body(text[begin.end() : end]) if end >= 0 else None
        if parsed is not None:
            body, headers = parsed
            yield begin.start(), body, _pem_detail(begin.group(1), headers, body)


def _pem_body(raw: str) -> tuple[str, list[str]] | None:
    headers: list[str] = []
    parts: list[str] = []
    for line in raw.replace("\\r", "").replace("\\n", "\n").split("\n"):
        (headers if ":" in line else parts).append(line.strip())
    body = "".join(parts)
    # A body with anything but base64 in it is prose or code around a key, not a key.
    return (body, headers) if _BASE64.fullmatch(body) else None


def _pem_detail(label: str, headers: list[str], body: str) -> str:
    prefix = label.partition("PRIVATE")[0].strip()
    what = f"{_KEY_FORMATS.get(prefix, prefix)} private key"
    if label == "PGP PRIVATE KEY BLOCK":
        return f"{what} (passphrase protection not checked)"
    cipher = None
    if label == "OPENSSH PRIVATE KEY" and (cipher := _openssh_cipher(body)) is None:
        return f"{what} (body is not an openssh-key-v1 blob)"
    if label == "ENCRYPTED PRIVATE KEY":
        cipher = "PKCS#8 PBE"
    for header in headers:
        if header.startswith("DEK-Info:"):
            cipher = header.split(":", 1)[1].split(",")[0].strip() or "legacy PEM"
    return _encryption_note(what, cipher)


def _encryption_note(what: str, cipher: str | None) -> str:
    if cipher is None or cipher == "none":
        return f"{what}, not encrypted"
    return f"{what}, encrypted with a passphrase ({cipher})"


def _openssh_cipher(body: str) -> str | None:
    """The cipher named in an openssh-key-v1 blob ("none" when unencrypted)."""
    head = body[:128]
    try:
        raw = base64.b64decode(head[: len(head) // 4 * 4])
    except (binascii.Error, ValueError):
        return None
    magic = b"openssh-key-v1\x00"
    if not raw.startswith(magic) or len(raw) < len(magic) + 4:
        return None
    size = int.from_bytes(raw[len(magic) : len(magic) + 4], "big")
    return raw[len(magic) + 4 : len(magic) + 4 + min(size, 64)].decode("ascii", "replace")


def _putty_keys(src: Source) -> Iterator[Found]:
    text = src.text
    heads = list(_PUTTY.finditer(text))
    for i, head in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        section = text[head.end() : min(stop, head.end() + 65536)]
        private = _PUTTY_PRIVATE.search(section)
        if private is None:
            continue
        count = int(private.group(1))
        body = "".join(x.strip() for x in section[private.end() :].split("\n")[:count])
        if _BASE64.fullmatch(body):
            encryption = _PUTTY_ENCRYPTION.search(section)
            what = f"PuTTY v{head.group(1)} {head.group(2) or 'unknown-type'} private key"
            cipher = encryption.group(1) if encryption else None
            line = src.line_at(head.end() + private.end())
            yield Found(line, body, _encryption_note(what, cipher))


# ---- keystores --------------------------------------------------------------------------------

_JAVA_MAGIC = {b"\xfe\xed\xfe\xed": "jks", b"\xce\xce\xce\xce": "jceks"}
_PKCS7_DATA = bytes.fromhex("06092a864886f70d010701")  # OID 1.2.840.113549.1.7.1
_KEY_BAGS = (  # OIDs 1.2.840.113549.1.12.10.1.1 (keyBag) and .2 (pkcs8ShroudedKeyBag)
    bytes.fromhex("060b2a864886f70d010c0a0101"),
    bytes.fromhex("060b2a864886f70d010c0a0102"),
)
# PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo SEQUENCE, ... }
_PFX_HEAD = re.compile(rb"\x30(?:\x80|\x81.|\x82..|\x83...|\x84....)\x02\x01\x03\x30", re.S)
PKCS12_SUFFIXES = (".p12", ".pfx", ".pkcs12")


def keystores(src: Source) -> Iterator[Found]:
    """A Java keystore holding key entries, or a PKCS#12 store (see `_pkcs12`)."""
    found = _java_keystore(src.data) or _pkcs12(src)
    if found is not None:
        kind, detail = found
        yield Found(0, f"{kind}:{sha256_hex(src.data)}", detail)


def _java_keystore(data: bytes) -> tuple[str, str] | None:
    kind = _JAVA_MAGIC.get(data[:4])
    if kind is None:
        return None
    keys = java_key_entries(data)
    if keys == 0:
        return None  # a truststore (e.g. cacerts): certificates only, nothing secret
    if keys is None:
        return kind, f"{kind.upper()} keystore that cannot be walked; it may hold private keys"
    return kind, f"{kind.upper()} keystore with private or secret key entries: {keys}"


def java_key_entries(data: bytes) -> int | None:
    """Key entries in a JKS/JCEKS store: 0 for a truststore, None when it cannot be walked."""
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


def _pkcs12(src: Source) -> tuple[str, str] | None:
    """PKCS#12 by DER shape; without a .p12/.pfx name only when it visibly holds a key bag."""
    data = src.data
    if len(data) < 16 or data[0] != 0x30 or not 0x80 <= data[1] <= 0x84:
        return None
    if _PKCS7_DATA not in data[:64]:
        return None
    has_key = any(bag in data for bag in _KEY_BAGS)
    named = src.name.lower().endswith(PKCS12_SUFFIXES)
    if has_key and (named or _PFX_HEAD.match(data)):
        return "pkcs12", "PKCS#12 store with a private key bag"
    if named:
        return "pkcs12", "PKCS#12 store (no clear-text key bag; keys may be in encrypted content)"
    return None


# ---- JSON documents ---------------------------------------------------------------------------


def gcp_service_account(src: Source) -> Iterator[Found]:
    """A service-account key file: value is the key id (or account + hash of the key)."""
    doc = src.json
    if not isinstance(doc, dict) or doc.get("type") != "service_account":
        return
    key, key_id, email = doc.get("private_key"), doc.get("private_key_id"), doc.get("client_email")
    if not isinstance(key, str) or next(pem_keys(key), None) is None:
        return
    account = email[:100] if isinstance(email, str) else "an unnamed account"
    value = key_id.strip() if isinstance(key_id, str) else ""
    value = value or f"{account}:{sha256_hex(key)[:16]}"
    line = src.line_at(m.start()) if (m := re.search(r'"private_key"\s*:', src.text)) else 0
    yield Found(line, value, f"service account key for {account}")


def docker_auths(src: Source) -> Iterator[Found]:
    """Registry credentials in a docker/podman config: auths.<host>.auth / identitytoken."""
    doc = src.json
    if not isinstance(doc, dict):
        return
    auths = doc.get("auths")
    legacy = src.name == ".dockercfg"  # the pre-1.7 format: hosts at the top level
    entries = auths if isinstance(auths, dict) else doc if legacy else {}
    for host, entry in entries.items():
        if not isinstance(entry, dict):
            continue
        for field in ("auth", "identitytoken", "registrytoken", "password"):
            value = entry.get(field)
            if isinstance(value, str) and (field != "auth" or _auth_has_password(value)):
                yield Found(src.line_of(value), value, f"{field} for registry {host[:100]}")


def _auth_has_password(auth: str) -> bool:
    try:
        decoded = base64.b64decode(auth, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return True  # not base64 "user:password", but still what docker would send
    return ":" not in decoded or not is_placeholder(decoded.split(":", 1)[1])


# ---- netrc ------------------------------------------------------------------------------------


def netrc_passwords(src: Source) -> Iterator[Found]:
    """`password` tokens of a .netrc (tokens, not lines: one entry may span one or many lines)."""
    machine, key, skip_to = "default", "", 0
    for token in re.finditer(r"\S+", src.text):
        word = token.group()
        if token.start() < skip_to:
            continue
        if key == "password":
            yield Found(src.line_at(token.start()), word, f"password for {machine}")
        machine = word[:100] if key == "machine" else machine
        if key:
            key = ""
        elif word in ("machine", "login", "password", "account"):
            key = word
        elif word == "default":
            machine = "default"
        elif word == "macdef":  # the macro body runs to the next blank line
            end = src.text.find("\n\n", token.end())
            skip_to = end if end >= 0 else len(src.text)
