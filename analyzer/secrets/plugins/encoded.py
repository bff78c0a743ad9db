"""Credentials recognised by their encoding: age secret keys and JSON Web Tokens.

(Connection strings with passwords are the structural database-url rule; private key blocks
the private-key rule.)

- age secret keys: AGE-SECRET-KEY-1 + 58 bech32 characters, whose bech32 checksum (BIP 173,
  human-readable part "age-secret-key-") must hold. Severity CRITICAL: the key decrypts every
  file encrypted to its recipient. https://age-encryption.org/v1 ,
  https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki
- hex EC private keys in context: 64 hex digits (optionally 0x) assigned to a name that says
  private/signing/wallet/secret key or secp256k1, whose value is a valid secp256k1 scalar
  (1 <= k < n; SEC 2, https://www.secg.org/sec2-v2.pdf). Severity CRITICAL: the key itself.
- JSON Web Tokens (RFC 7519): header.payload.signature in base64url, where the header decodes
  to a JSON object naming an "alg" and the payload to a JSON object; a signed token (alg other
  than "none") must carry a signature. Stricter than detect-secrets' "JSON Web Token", hence its
  own type. Severity MEDIUM: a bearer credential, but often short-lived or a test fixture.
  https://datatracker.ietf.org/doc/html/rfc7519
"""

from __future__ import annotations

import re

from analyzer.secrets.plugins.base import TokenDetector, b64decode_loose, json_object

PLUGINS = ("AgeSecretKeyDetector", "ValidatedJWTDetector", "HexPrivateKeyDetector")

SECP256K1_ORDER = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16)
"""n, the order of secp256k1: a private key is an integer in [1, n-1]."""

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def bech32_valid(text: str) -> bool:
    """True when a bech32 string's checksum holds (BIP 173; case-insensitive).

    >>> bech32_valid("A12UEL5L"), bech32_valid("a12uel5m")
    (True, False)
    """
    lower = text.lower()
    hrp, _, data = lower.rpartition("1")
    if not hrp or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    return _polymod(values + [_BECH32.index(c) for c in data]) == 1


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(_GENERATOR):
            if (top >> bit) & 1:
                check ^= generator
    return check


class AgeSecretKeyDetector(TokenDetector):
    """age (file encryption) secret keys with a valid bech32 checksum."""

    secret_type = "age Secret Key"
    PROVIDER = "age"
    KINDS = "secret key AGE-SECRET-KEY-1"
    VALIDATION = "bech32 alphabet, 58 characters, bech32 checksum"
    denylist = (re.compile(r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b"),)

    def is_valid(self, token: str) -> bool:
        """The bech32 checksum holds."""
        return bech32_valid(token)


class ValidatedJWTDetector(TokenDetector):
    """JSON Web Tokens whose header and payload decode to JSON objects."""

    secret_type = "Validated JWT"
    PROVIDER = "JSON Web Token"
    KINDS = "JWS compact serialisation eyJ...eyJ..."
    VALIDATION = "header JSON with alg, payload JSON object, signature unless alg none"
    denylist = (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),)

    def is_valid(self, token: str) -> bool:
        """Both parts decode to JSON objects, the header names an algorithm."""
        head, payload, signature = token.split(".", 2)
        header = json_object(b64decode_loose(head))
        if header is None or not isinstance(header.get("alg"), str):
            return False
        if json_object(b64decode_loose(payload)) is None:
            return False
        return header["alg"].lower() == "none" or len(signature) >= 16


class HexPrivateKeyDetector(TokenDetector):
    """A raw EC (secp256k1) private key written as hex next to a name that says so."""

    secret_type = "Hex Private Key"
    PROVIDER = "EC / secp256k1"
    KINDS = "hex private key (private_key, signing_key, wallet_key, secret_key = 0x...)"
    VALIDATION = "name context, 64 hex digits, scalar in [1, n-1] of secp256k1"
    denylist = (
        re.compile(
            r"(?i)(?:priv(?:ate)?|signing|wallet|secret|eth|secp256k1)[_ -]?key"
            r"[A-Za-z0-9_\"']{0,20}?[ \t]*[=:][ \t]*[\"']?(?:0x)?([0-9a-f]{64})(?![0-9a-f])"
        ),
    )

    def is_valid(self, token: str) -> bool:
        """A usable scalar: neither zero nor at or above the group order."""
        return 0 < int(token, 16) < SECP256K1_ORDER
