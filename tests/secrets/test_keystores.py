"""A key store is a secret when it holds a key: trust stores are not, stores that open with a
default password are their own finding, stores that cannot be opened are judged by what shows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.secrets.der import read_tlv
from analyzer.secrets.keystores import MAX_ITERATIONS, java_default_password, most_iterations
from analyzer.secrets.structure import StructuralHit, structural_hits
from fixtures.keys import certificate, ec_key, java_store, pkcs12_store, rsa_key

STRONG = "Zq8-Lm2Rt7Wy3Kx9Pv"
"""A store password that is no well-known default."""
CERTS = [certificate(rsa_key(1), f"CA {n}", n) for n in (1, 2)]
KEY = rsa_key(2)
KEY_CERT = certificate(KEY, "server", 3)


def store_hits(path: str, data: bytes) -> list[tuple[str, str]]:
    return [(h.kind, h.detail) for h in structural_hits(path, data)]


def only(path: str, data: bytes) -> StructuralHit:
    (found,) = structural_hits(path, data)
    return found


# ---- Java key stores ----------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["changeit", STRONG])
def test_a_java_trust_store_holds_no_secret(password: str) -> None:
    """The JDK's cacerts: trusted certificates only, under the well-known password."""
    data = java_store([("ca1", CERTS[0], None), ("ca2", CERTS[1], None)], password)
    assert store_hits("/etc/ssl/certs/java/cacerts", data) == []


def test_a_jks_private_key_under_a_strong_password_is_a_keystore() -> None:
    data = java_store([("ca", CERTS[0], None), ("server", KEY_CERT, KEY)], STRONG)
    found = only("/opt/app/conf/server.jks", data)
    assert found.kind == "keystore" and found.line == 0 and found.value.startswith("jks:")
    assert found.detail == "JKS keystore with private or secret key entries: 1"


@pytest.mark.parametrize("password", ["changeit", "password", ""])
def test_a_jks_private_key_under_a_default_password_is_its_own_finding(password: str) -> None:
    data = java_store([("server", KEY_CERT, KEY)], password)
    found = only("/opt/app/conf/server.jks", data)
    assert found.kind == "keystore-default-password"
    assert found.detail.endswith(f"'{password}'" if password else "an empty password")
    assert java_default_password(data) == password


@pytest.mark.parametrize(
    ("password", "kind"), [(STRONG, "keystore"), ("changeit", "keystore-default-password")]
)
def test_a_jceks_secret_key_is_a_keystore_whatever_the_name(password: str, kind: str) -> None:
    data = java_store([("ca", CERTS[0], None)], password, kind="jceks", secret_keys=1)
    found = only("/opt/app/conf/store", data)
    assert found.kind == kind and found.value.startswith("jceks:")


def test_a_truncated_java_store_may_hold_keys() -> None:
    data = java_store([("ca", CERTS[0], None), ("server", KEY_CERT, KEY)], STRONG)
    found = only("/opt/app/keystore", data[:700])
    assert found.kind == "keystore" and "cannot be walked" in found.detail


# ---- PKCS#12 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", [None, "changeit", "password"])
@pytest.mark.parametrize("path", ["/etc/ssl/ca.p12", "/opt/app/trust"])
def test_a_certificate_only_pkcs12_that_opens_is_a_trust_store(
    path: str, password: str | None
) -> None:
    assert store_hits(path, pkcs12_store(None, CERTS, password)) == []


def test_a_certificate_only_pkcs12_that_cannot_be_opened_is_low_only_when_named() -> None:
    data = pkcs12_store(None, CERTS, STRONG)
    found = only("/etc/ssl/ca.p12", data)
    assert found.kind == "encrypted-keystore" and "may hold keys" in found.detail
    assert store_hits("/opt/app/blob", data) == []  # no name, no visible key: nothing to say


@pytest.mark.parametrize(
    ("password", "opened_by"),
    [(None, "an empty password"), ("changeit", "'changeit'"), ("password", "'password'")],
)
def test_a_pkcs12_key_under_a_default_password_is_its_own_finding(
    password: str | None, opened_by: str
) -> None:
    data = pkcs12_store(KEY, [KEY_CERT, *CERTS], password)
    for path in ("/srv/tls/server.pfx", "/srv/tls/identity"):
        found = only(path, data)
        assert found.kind == "keystore-default-password" and found.value.startswith("pkcs12:")
        assert found.detail.endswith(opened_by)


def test_a_pkcs12_key_under_a_strong_password_is_a_keystore() -> None:
    """The key bag is visible (shrouded, but not inside encrypted content): a private key
    protected by a password we cannot guess. High, not critical: it takes a password."""
    ec = ec_key(4)
    data = pkcs12_store(ec, [certificate(ec, "ec server", 4)], STRONG)
    for path in ("/srv/tls/server.p12", "/srv/tls/identity"):
        assert store_hits(path, data) == [
            (
                "keystore",
                "PKCS#12 store with a private key bag under a password that is not a default",
            )
        ]


def test_a_store_that_asks_for_too_much_work_is_not_opened() -> None:
    """Key derivation costs what the file asks for; a hostile store could ask for years. Over
    the limit the store is judged by what shows: here a key bag, so a keystore."""
    data = pkcs12_store(KEY, [KEY_CERT], "changeit", rounds=MAX_ITERATIONS + 1)
    top = read_tlv(data)
    assert top is not None and most_iterations(data, top) == MAX_ITERATIONS + 1
    assert [kind for kind, _ in store_hits("/srv/tls/server.p12", data)] == ["keystore"]


def test_the_iterations_a_store_asks_for_are_read_from_its_clear_parts() -> None:
    data = pkcs12_store(KEY, [KEY_CERT], STRONG, rounds=3000)
    top = read_tlv(data)
    assert top is not None and most_iterations(data, top) == 3000


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=1, max_value=1600))
def test_hostile_and_truncated_stores_never_raise(tail: bytes, cut: int) -> None:
    real = pkcs12_store(KEY, [KEY_CERT], "changeit")
    for data in (real[:cut], real[:16] + tail, b"\x30\x82\x01\x00\x02\x01\x03" + tail):
        structural_hits("/srv/tls/server.p12", data)
        structural_hits("/opt/app/conf/server.jks", b"\xfe\xed\xfe\xed" + tail)


# ---- stores written by the real tools -----------------------------------------------------------

KEYTOOL = shutil.which("keytool")
OPENSSL = shutil.which("openssl")
JDK_CACERTS = Path("/etc/ssl/certs/java/cacerts")


def keytool(*args: str) -> None:
    subprocess.run([str(KEYTOOL), *args], check=True, capture_output=True, timeout=120)


@pytest.mark.slow
@pytest.mark.skipif(KEYTOOL is None, reason="keytool is not installed")
@pytest.mark.parametrize("storetype", ["jks", "jceks", "pkcs12"])
@pytest.mark.parametrize(
    ("password", "kind"), [("changeit", "keystore-default-password"), (STRONG, "keystore")]
)
def test_keytool_stores_with_a_key_pair(
    tmp_path: Path, storetype: str, password: str, kind: str
) -> None:
    store = tmp_path / f"server.{storetype}"
    keytool(
        *("-genkeypair", "-keystore", str(store), "-storetype", storetype),
        *("-storepass", password, "-keypass", password, "-alias", "server"),
        *("-keyalg", "EC", "-dname", "CN=server", "-validity", "30"),
    )
    assert [k for k, _ in store_hits(f"/opt/app/{store.name}", store.read_bytes())] == [kind]


@pytest.mark.slow
@pytest.mark.skipif(KEYTOOL is None, reason="keytool is not installed")
@pytest.mark.parametrize("storetype", ["jks", "pkcs12"])
def test_keytool_trust_stores_hold_no_secret(tmp_path: Path, storetype: str) -> None:
    cert = tmp_path / "ca.pem"
    cert.write_bytes(CERTS[0].public_bytes(serialization.Encoding.PEM))
    store = tmp_path / f"trust.{storetype}"
    keytool(
        *("-importcert", "-noprompt", "-keystore", str(store), "-storetype", storetype),
        *("-storepass", "changeit", "-alias", "ca", "-file", str(cert)),
    )
    assert store_hits(f"/opt/app/{store.name}", store.read_bytes()) == []


@pytest.mark.slow
@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_openssl_pkcs12_under_an_empty_password_opens(tmp_path: Path) -> None:
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    key.write_bytes(
        KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(KEY_CERT.public_bytes(serialization.Encoding.PEM))
    store = tmp_path / "id.pfx"
    command = [str(OPENSSL), "pkcs12", "-export", "-inkey", str(key), "-in", str(cert)]
    subprocess.run([*command, "-out", str(store), "-passout", "pass:"], check=True, timeout=60)
    found = only("/srv/id.pfx", store.read_bytes())
    assert found.kind == "keystore-default-password" and found.detail.endswith("empty password")


@pytest.mark.skipif(not JDK_CACERTS.is_file(), reason="no JDK trust store on this machine")
def test_the_jdk_trust_store_holds_no_secret() -> None:
    assert store_hits(str(JDK_CACERTS), JDK_CACERTS.read_bytes()) == []
