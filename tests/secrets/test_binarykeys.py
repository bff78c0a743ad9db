"""libmagic is asked about a binary file only where its first bytes leave the question open: a
gzip stream, Python bytecode, a gettext catalog or a program is never named key material, unless
the bytes libmagic would quote hold the words."""

from __future__ import annotations

import gzip
import importlib.util
import io
import struct

import magic
import pytest

from analyzer.secrets import binarykeys
from analyzer.secrets.binarykeys import key_material, plainly_not_a_key


def gettext_catalog(project: str) -> bytes:
    """A one-message GNU .mo file (little endian) whose header names `project`."""
    header = f"Project-Id-Version: {project}\nContent-Type: text/plain; charset=UTF-8\n".encode()
    original_at, translated_at = 28, 36
    strings_at = 44
    head = struct.pack("<7I", 0x950412DE, 0, 1, original_at, translated_at, 0, 0)
    tables = struct.pack("<4I", 0, strings_at, len(header), strings_at + 1)
    return head + tables + b"\x00" + header + b"\x00"


def samples() -> dict[str, bytes]:
    named = io.BytesIO()
    with gzip.GzipFile("private key.p12", "wb", fileobj=named, mtime=0) as stream:
        stream.write(b"x" * 100)
    return {
        "gzip": gzip.compress(b"manual page\n" * 50, mtime=0),
        "gzip named after a key": named.getvalue(),
        "pyc": importlib.util.MAGIC_NUMBER + bytes(12) + b"\xe3" + bytes(40),
        "mo": gettext_catalog("GNU grep 3.8"),
        "mo of a key tool": gettext_catalog("private key manager 1.0"),
        "png": b"\x89PNG\r\n\x1a\n" + bytes(24),
        "elf": b"\x7fELF\x02\x01\x01\x00" + bytes(56),
        "jks": b"\xfe\xed\xfe\xed\x00\x00\x00\x02" + bytes(32),
    }


def libmagic_names_a_key(data: bytes) -> bool:
    """What the sink decided before: libmagic asked about every non-program binary."""
    description = str(magic.Magic().from_buffer(data[:8192]))
    return binarykeys._BINARY_KEYS.search(description) is not None


@pytest.mark.parametrize("name", list(samples()))
def test_the_shortcut_decides_as_libmagic_does(name: str) -> None:
    data = samples()[name]
    expected = libmagic_names_a_key(data) and not data.startswith(b"\x7fELF")
    assert (key_material(data) is not None) == expected


def test_libmagic_is_not_asked_about_formats_the_first_bytes_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_libmagic() -> object:
        raise AssertionError("libmagic asked")

    monkeypatch.setattr(binarykeys, "_magic", no_libmagic)
    for name in ("gzip", "pyc", "mo", "png", "elf"):
        assert key_material(samples()[name]) is None, name


def test_libmagic_is_still_asked_when_the_quoted_bytes_hold_key_words() -> None:
    for name in ("gzip named after a key", "mo of a key tool", "jks"):
        assert not plainly_not_a_key(samples()[name]), name


@pytest.mark.parametrize(
    "named",
    ["Java KeyStore", "JCEKeyStore", "PGP Secret Key -", "pgp xx private key", "PKCS #12",
     "pkcs12", "OpenSSH Private Key", "PEM RSA private key"],
)  # fmt: skip
def test_every_key_material_name_holds_one_of_the_quick_words(named: str) -> None:
    assert binarykeys._BINARY_KEYS.search(named)
    assert any(word in named.lower().encode() for word in binarykeys._KEY_WORDS)
