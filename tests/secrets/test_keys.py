"""A private key is a key only when its body decodes as one: real keys are found, look-alikes
(a header in a string, a block around filler or placeholder text) are not."""

from __future__ import annotations

import base64
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.secrets.structure import StructuralHit, structural_hits
from fixtures.keys import ec_key, ed25519_key, openssh_ed25519, pem, pem_block, rsa_key


def hits(path: str, text: str) -> list[StructuralHit]:
    return structural_hits(path, text.encode())


def body_of(block: str) -> str:
    return "".join(line for line in block.splitlines()[1:-1] if ":" not in line and line)


@pytest.mark.parametrize(
    ("block", "detail"),
    [
        (pem(rsa_key(1)), "RSA (PKCS#1) private key, not encrypted"),
        (pem(ec_key(2)), "EC private key, not encrypted"),
        (pem(ed25519_key(3)), "PKCS#8 private key, not encrypted"),
        (pem(rsa_key(1), traditional=False), "PKCS#8 private key, not encrypted"),
        (openssh_ed25519(4), "OpenSSH private key, not encrypted"),
    ],
    ids=["rsa-pkcs1", "ec-sec1", "ed25519-pkcs8", "rsa-pkcs8", "openssh-ed25519"],
)
def test_a_real_private_key_is_found_with_its_body(block: str, detail: str) -> None:
    (found,) = hits("/app/key.pem", block)
    assert (found.kind, found.line, found.detail) == ("private-key", 1, detail)
    assert found.value == body_of(block)


@pytest.mark.parametrize(
    ("layout", "cipher"),
    [
        (serialization.PrivateFormat.TraditionalOpenSSL, "AES-256-CBC"),  # Proc-Type/DEK-Info
        (serialization.PrivateFormat.PKCS8, "PKCS#8 PBE"),
    ],
)
def test_a_passphrase_protected_key_is_found_and_says_so(
    layout: serialization.PrivateFormat, cipher: str
) -> None:
    protection = serialization.BestAvailableEncryption(b"fixture passphrase")
    block = ec_key(5).private_bytes(serialization.Encoding.PEM, layout, protection).decode()
    (found,) = hits("/srv/tls/server.key", block)
    assert found.kind == "private-key"
    assert found.detail.endswith(f"encrypted with a passphrase ({cipher})")


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
@pytest.mark.parametrize(
    ("passphrase", "detail"), [("", "not encrypted"), ("fixture pass", "(aes256-ctr)")]
)
def test_a_key_ssh_keygen_wrote_is_found_and_its_protection_named(
    tmp_path: Path, passphrase: str, detail: str
) -> None:
    key = tmp_path / "id_ed25519"
    command = ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "", "-f", str(key)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    (found,) = hits("/home/app/.ssh/id_ed25519", key.read_text())
    assert found.kind == "private-key" and found.detail.startswith("OpenSSH private key")
    assert found.detail.endswith(detail)


def test_a_python_file_naming_the_pem_header_in_a_string_holds_no_key() -> None:
    code = (
        '_RSA_HEADER = b"-----BEGIN RSA PRIVATE KEY-----"\n'
        '_RSA_FOOTER = b"-----END RSA PRIVATE KEY-----"\n'
        'if data.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----"):\n'
        "    return load_ssh(data)\n"
    )
    assert hits("/usr/lib/python3/dist-packages/lib/ssh.py", code) == []


@pytest.mark.parametrize(
    "body",
    [
        "somethingSuperRandomAndSecretHereThatShouldNeverBeShared",  # detect-secrets' test data
        base64.b64encode(b"IMAGE-AUDIT FIXTURE, NOT A REAL KEY. " * 12).decode(),
        base64.b64encode(random.Random(7).randbytes(600)).decode(),
    ],
    ids=["a-sentence", "a-notice", "random-bytes"],
)
@pytest.mark.parametrize("label", ["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY"])
def test_a_block_around_filler_is_not_a_key(label: str, body: str) -> None:
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    block = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])
    assert hits("/app/id_rsa", block) == []


def test_legacy_encryption_needs_whole_cipher_blocks() -> None:
    headers = ("Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF")
    block, _ = pem_block("RSA PRIVATE KEY", 8, headers)
    assert [h.kind for h in hits("/srv/key.pem", block)] == ["private-key"]
    cut = base64.b64encode(random.Random(8).randbytes(605)).decode()  # not a multiple of 8
    odd = "\n".join(
        ["-----BEGIN RSA PRIVATE KEY-----", *headers, "", cut, "-----END RSA PRIVATE KEY-----"]
    )
    assert hits("/srv/key.pem", odd) == []


def test_an_ssh2_key_needs_its_magic_and_names_its_cipher() -> None:
    def blob(magic: bytes) -> str:
        strings = b"".join(len(s).to_bytes(4, "big") + s for s in (b"if-modn{sign{rsa}}", b"none"))
        data = magic + (600).to_bytes(4, "big") + strings + random.Random(9).randbytes(500)
        text = base64.b64encode(data).decode()
        lines = [text[i : i + 70] for i in range(0, len(text), 70)]
        head = ['Comment: "rsa-key-20240101 with a comment \\', 'that continues"']
        label = "SSH2 ENCRYPTED PRIVATE KEY"
        return "\n".join([f"---- BEGIN {label} ----", *head, *lines, f"---- END {label} ----"])

    (found,) = hits("/home/app/.ssh/id_rsa_ssh2", blob(bytes.fromhex("3f6ff9eb")))
    assert found.detail == "SSH.com (SSH2) private key, not encrypted"
    assert hits("/home/app/.ssh/id_rsa_ssh2", blob(b"\x00\x00\x00\x00")) == []


def test_a_pgp_block_must_start_with_a_secret_key_packet() -> None:
    block, body = pem_block("PGP PRIVATE KEY BLOCK", 10, ("Version: GnuPG v2",))
    block = block.replace("-----END", "=Abcd\n-----END")  # the armour's checksum line
    (found,) = hits("/root/secret.asc", block)
    assert found.kind == "private-key" and found.value.startswith(body)
    public = block.replace(body[:4], base64.b64encode(b"\x99\x01\x0d").decode(), 1)
    assert hits("/root/secret.asc", public) == []  # a public-key packet (tag 6) first


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=1, max_value=2**32),
    before=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="-"), max_size=80),
    indent=st.sampled_from(["", "  ", "\t"]),
)
def test_a_real_key_is_found_whatever_text_surrounds_it(
    seed: int, before: str, indent: str
) -> None:
    block = pem(ec_key(seed))
    text = before + "\n" + "".join(f"{indent}{line}\n" for line in block.splitlines())
    found = [h for h in hits("/app/values.yaml", text) if h.kind == "private-key"]
    assert [h.value for h in found] == [body_of(block)]
    assert found[0].line == before.count("\n") + 2
