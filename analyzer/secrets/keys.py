"""Private keys in text: PEM and PGP armour, SSH.com (SSH2) blocks, PuTTY key files and Google
Cloud service-account key files.

A key is a key only when its body decodes as one. A BEGIN line in a string, a block around
placeholder text or random filler (test fixtures, documentation) is a look-alike: the body must
be base64 that parses as the structure its label names (DER of PKCS#1, SEC1, DSA or PKCS#8,
an openssh-key-v1 blob with its magic, a PGP secret-key packet, an SSH2 key blob with its magic),
or ciphertext of a block cipher's size under legacy PEM encryption (Proc-Type / DEK-Info).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator

from analyzer.secrets.der import INTEGER, OCTET_STRING, SEQUENCE, children, whole
from analyzer.secrets.structure_formats import Found, Source, sha256_hex

_KEY_BEGIN = re.compile(
    r"(-----|---- )BEGIN ((?:RSA |EC |DSA |ENCRYPTED |OPENSSH |)PRIVATE KEY"
    r"|PGP PRIVATE KEY BLOCK|SSH2 ENCRYPTED PRIVATE KEY)(-----| ----)"
)
_KEY_FORMATS = {"RSA": "RSA (PKCS#1)", "": "PKCS#8", "ENCRYPTED": "PKCS#8", "OPENSSH": "OpenSSH"}
_KEY_FORMATS |= {"SSH2 ENCRYPTED": "SSH.com (SSH2)"}
_BASE64 = re.compile(r"[A-Za-z0-9+/=]{16,}")
_PGP_CHECKSUM = re.compile(r"=[A-Za-z0-9+/]{4}$")
_PUTTY = re.compile(r"^PuTTY-User-Key-File-([23]):[ \t]*(\S*)", re.M)
_PUTTY_ENCRYPTION = re.compile(r"^Encryption:[ \t]*(\S+)", re.M)
_PUTTY_PRIVATE = re.compile(r"^Private-Lines:[ \t]*(\d{1,4})[ \t]*\r?\n", re.M)
_OPENSSH_MAGIC = b"openssh-key-v1\x00"
_SSH2_MAGIC = bytes.fromhex("3f6ff9eb")
_SMALLEST_KEY = 32
"""Bytes of the smallest real key structure (an Ed25519 PKCS#8 key is 48)."""


def private_keys(src: Source) -> Iterator[Found]:
    """Armoured private keys (also with JSON-escaped newlines) and PuTTY keys.

    Keys compiled into executables and libraries are skipped: they are almost always a library's
    self-test vectors (libgnutls carries a dozen), and would be reported for every image with it.
    """
    if src.is_executable:
        return
    for offset, body, detail in pem_keys(src.text):
        yield Found(src.line_at(offset), body, detail)
    yield from _putty_keys(src)


def pem_keys(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset of BEGIN, base64 body, description) of each complete block whose body decodes
    as the key its label names."""
    begins = list(_KEY_BEGIN.finditer(text))
    for i, begin in enumerate(begins):
        stop = begins[i + 1].start() if i + 1 < len(begins) else len(text)
        dashes, label, tail = begin.groups()
        end = text.find(f"{dashes}END {label}{tail}", begin.end(), stop)
        parsed = _pem_body(text[begin.end() : end]) if end >= 0 else None
        if parsed is not None and _is_key(label, *parsed):
            body, headers = parsed
            yield begin.start(), body, _pem_detail(label, headers, body)


def _pem_body(raw: str) -> tuple[str, list[str]] | None:
    """The base64 body and the header lines (RFC 1421 and RFC 4716 headers, whose lines may
    continue with a backslash); None when anything else is in between."""
    headers: list[str] = []
    parts: list[str] = []
    continued = False
    for raw_line in raw.replace("\\r", "").replace("\\n", "\n").split("\n"):
        line = raw_line.strip()
        is_header = continued or ":" in line
        (headers if is_header else parts).append(line)
        continued = is_header and line.endswith("\\")
    body = "".join(parts)
    # A body with anything but base64 in it is prose or code around a key, not a key.
    return (body, headers) if _BASE64.fullmatch(body) else None


def _decoded(label: str, body: str) -> bytes | None:
    if label.startswith("PGP"):
        body = _PGP_CHECKSUM.sub("", body)  # the armour's CRC-24 line
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None


def _is_key(label: str, body: str, headers: list[str]) -> bool:
    raw = _decoded(label, body)
    if raw is None or len(raw) < _SMALLEST_KEY:
        return False
    if any(header.startswith("DEK-Info:") for header in headers):
        return len(raw) % 8 == 0  # legacy PEM encryption: CBC ciphertext, whole blocks
    return _STRUCTURES[label](raw)


def _sequence_of(*tags: int) -> Callable[[bytes], bool]:
    """A check that the bytes are one DER SEQUENCE whose first children have these tags."""

    def check(raw: bytes) -> bool:
        outer = whole(raw, SEQUENCE)
        if outer is None:
            return False
        found = [child.tag for child in children(raw, outer, len(tags))]
        return found == list(tags)

    return check


def _pgp_secret_key(raw: bytes) -> bool:
    """The first packet is a secret key or subkey (tags 5 and 7), in the old or new format."""
    first = raw[0]
    if first & 0xC0 == 0xC0:
        return first & 0x3F in (5, 7)
    return first & 0x80 != 0 and (first >> 2) & 0x0F in (5, 7)


_STRUCTURES: dict[str, Callable[[bytes], bool]] = {
    "RSA PRIVATE KEY": _sequence_of(*[INTEGER] * 9),  # version, n, e, d, p, q, dp, dq, qinv
    "DSA PRIVATE KEY": _sequence_of(*[INTEGER] * 6),  # version, p, q, g, y, x
    "EC PRIVATE KEY": _sequence_of(INTEGER, OCTET_STRING),  # SEC1: version, private key
    "PRIVATE KEY": _sequence_of(INTEGER, SEQUENCE, OCTET_STRING),  # PKCS#8
    "ENCRYPTED PRIVATE KEY": _sequence_of(SEQUENCE, OCTET_STRING),  # algorithm, ciphertext
    "OPENSSH PRIVATE KEY": lambda raw: raw.startswith(_OPENSSH_MAGIC),
    "SSH2 ENCRYPTED PRIVATE KEY": lambda raw: raw.startswith(_SSH2_MAGIC),
    "PGP PRIVATE KEY BLOCK": _pgp_secret_key,
}


def _pem_detail(label: str, headers: list[str], body: str) -> str:
    prefix = label.partition("PRIVATE")[0].strip()
    what = f"{_KEY_FORMATS.get(prefix, prefix)} private key"
    if label == "PGP PRIVATE KEY BLOCK":
        return f"{what} (passphrase protection not checked)"
    cipher = None
    if label == "OPENSSH PRIVATE KEY":
        cipher = _ssh_cipher(body, len(_OPENSSH_MAGIC), 0)
    elif label == "SSH2 ENCRYPTED PRIVATE KEY":
        cipher = _ssh_cipher(body, 8, 1)  # magic, total length; the key type comes first
    elif label == "ENCRYPTED PRIVATE KEY":
        cipher = "PKCS#8 PBE"
    for header in headers:
        if header.startswith("DEK-Info:"):
            cipher = header.split(":", 1)[1].split(",")[0].strip() or "legacy PEM"
    return _encryption_note(what, cipher)


def _encryption_note(what: str, cipher: str | None) -> str:
    if cipher is None or cipher == "none":
        return f"{what}, not encrypted"
    return f"{what}, encrypted with a passphrase ({cipher})"


def _ssh_cipher(body: str, offset: int, skip: int) -> str | None:
    """The cipher an OpenSSH or SSH2 blob names: the string at `offset`, after `skip` others
    ("none" when the key is not encrypted)."""
    head = body[:256]
    try:
        raw = base64.b64decode(head[: len(head) // 4 * 4])
    except (binascii.Error, ValueError):
        return None
    for _ in range(skip + 1):
        if len(raw) < offset + 4:
            return None
        size = int.from_bytes(raw[offset : offset + 4], "big")
        start, offset = offset + 4, offset + 4 + size
    return raw[start : start + min(size, 64)].decode("ascii", "replace")


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
