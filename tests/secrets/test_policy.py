"""The severity policy on top of the engine: guesses alone are low, header-only private keys
are low, trust stores are no secret, everything else keeps its rule's severity."""

from __future__ import annotations

import pytest

from analyzer.findings.model import Severity
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.policy import GUESSES, guess_alone, verdict
from analyzer.secrets.redact import redact
from analyzer.secrets.sink import Examiner, SecretHit
from fixtures.keys import certificate, java_store, pem, rsa_key


@pytest.fixture(scope="module")
def examiner() -> Examiner:
    return Examiner(SecretEngine())


def severities(
    examiner: Examiner, path: str, text: str | bytes
) -> list[tuple[str, Severity | None]]:
    data = text.encode() if isinstance(text, str) else text
    hits, _ = examiner.examine(path, data)
    judged = [(hit.kind, verdict(path, hit)) for hit in hits]
    return [(kind, v.severity) for kind, v in judged if v is not None]


def hit(kind: str, detail: str, low_confidence: bool = False) -> SecretHit:
    return SecretHit(kind, 1, redact("Zq8-Lm2Rt7Wy3Kx9Pv"), detail, low_confidence)


@pytest.mark.parametrize("kind", sorted(GUESSES))
def test_a_guess_alone_is_low_and_says_why(kind: str) -> None:
    judged = verdict("/usr/lib/python3.11/base64.py", hit(kind, kind))
    assert judged is not None and judged.severity is Severity.LOW
    assert "nothing else agrees" in judged.note


def test_a_guess_another_plugin_agrees_with_keeps_its_severity() -> None:
    agreed = hit(
        "Secret Keyword", "Secret Keyword (also: Hex High Entropy String, Stripe Access Key)"
    )
    assert not guess_alone(agreed) and verdict("/app/x.py", agreed) == verdict("/app/y.py", agreed)
    judged = verdict("/app/x.py", agreed)
    assert judged is not None and judged.severity is None
    two_guesses = hit("Secret Keyword", "Secret Keyword (also: Hex High Entropy String)")
    assert guess_alone(two_guesses)


def test_test_paths_of_vendored_packages_and_prose_stay_low() -> None:
    path = "/usr/lib/python3/dist-packages/pkg/tests/test_api.py"
    judged = verdict(path, hit("GitHub Token", "GitHub Token"))
    assert judged is not None and judged.severity is Severity.LOW
    prose = verdict("/etc/x.conf", hit("Slack Token", "Slack Token", low_confidence=True))
    assert prose is not None and prose.severity is Severity.LOW


def test_a_trust_store_libmagic_names_is_no_secret(examiner: Examiner) -> None:
    """The structure reads Java stores itself and reports every one with a key; a store it
    left alone holds certificates only. libmagic's "Java KeyStore" adds nothing then."""
    store = java_store([("ca", certificate(rsa_key(1), "CA", 1), None)], "changeit")
    hits, _ = examiner.examine("/etc/ssl/certs/java/cacerts", store)
    assert [h.kind for h in hits] == ["keystore"]  # what libmagic says
    assert verdict("/etc/ssl/certs/java/cacerts", hits[0]) is None


def test_a_private_key_header_alone_is_low(examiner: Examiner) -> None:
    code = 'HEADER = "-----BEGIN RSA PRIVATE KEY-----"\nOTHER = "-----BEGIN EC PRIVATE KEY-----"\n'
    assert severities(examiner, "/app/lib/pem.py", code) == [
        ("Private Key", Severity.LOW),
        ("Private Key", Severity.LOW),
    ]


def test_a_real_private_key_keeps_its_severity(examiner: Examiner) -> None:
    assert severities(examiner, "/app/lib/pem.py", f'KEY = """{pem(rsa_key(1))}"""\n') == [
        ("private-key", None)
    ]


def test_a_credential_in_configuration_keeps_its_severity_and_a_guess_in_code_is_low(
    examiner: Examiner,
) -> None:
    assert severities(examiner, "/etc/app/db.yml", "password: Kp9-mXt2Lq\n") == [("keyword", None)]
    vector = 'EXPECTED = "f9bf78b9a18ce6d46a0cd2b0b86df9da"\n'
    assert severities(examiner, "/usr/lib/python3.11/secrets.py", vector) == [
        ("Hex High Entropy String", Severity.LOW)
    ]
