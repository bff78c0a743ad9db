"""age secret keys (bech32 checksum) and JWTs whose parts decode."""

from __future__ import annotations

import json

import pytest

from analyzer.secrets.plugins.encoded import _BECH32, _polymod, bech32_valid
from tests.secrets.plugins.tokens import B64URL, b64url, rand, rand_bytes, scan_types


def age_key() -> str:
    """A bech32 string with human-readable part age-secret-key- over 32 random bytes."""
    bits = "".join(f"{b:08b}" for b in rand_bytes(32)) + "0000"
    data = [int(bits[i : i + 5], 2) for i in range(0, 260, 5)]
    hrp = "age-secret-key-"
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    check = _polymod([*expanded, *data, 0, 0, 0, 0, 0, 0]) ^ 1
    data += [(check >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(_BECH32[d] for d in data)).upper()


def jwt(
    header: dict[str, object] | None = None, payload: bytes | None = None, sig: str = ""
) -> str:
    head = b64url(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(payload or json.dumps({"sub": "svc-build", "iat": 1767225600}).encode())
    return f"{head}.{body}.{sig or rand(43, B64URL)}"


def test_generated_age_key_has_a_valid_checksum_and_is_reported() -> None:
    key = age_key()
    assert bech32_valid(key)
    assert "age Secret Key" in scan_types(f"{key}\n", filename="keys.txt")
    assert "age Secret Key" not in scan_types(f"{key}\n", filename="keys.txt", plain=True)


def test_age_key_with_one_character_changed_is_not_reported() -> None:
    key = age_key()
    broken = key[:-1] + ("Q" if key[-1] != "Q" else "P")
    assert "age Secret Key" not in scan_types(f"{broken}\n", filename="keys.txt")


def test_jwt_with_decodable_parts_is_reported_under_its_own_type() -> None:
    token = jwt()
    assert "Validated JWT" in scan_types(f'AUTH = "{token}"\n')
    assert "Validated JWT" not in scan_types(f'AUTH = "{token}"\n', plain=True)


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (jwt(header={"typ": "JWT"}), "header names no alg"),
        (jwt(payload=b"not json at all, just text"), "payload is not JSON"),
        (jwt(payload=b"[1, 2, 3]"), "payload is not an object"),
        (jwt().rsplit(".", 1)[0] + ".", "signed but no signature"),
    ],
)
def test_jwt_near_misses_are_not_reported(token: str, why: str) -> None:
    assert "Validated JWT" not in scan_types(f'AUTH = "{token}"\n'), why


def test_unsigned_jwt_with_alg_none_is_still_a_bearer_token() -> None:
    token = jwt(header={"alg": "none"}).rsplit(".", 1)[0] + "."
    assert "Validated JWT" in scan_types(f'AUTH = "{token}"\n')


def test_hex_ec_private_key_next_to_its_name_is_reported() -> None:
    from tests.secrets.plugins.tokens import scan_values  # noqa: PLC0415

    key = rand_bytes(32).hex()
    text = f'WALLET_PRIVATE_KEY = "0x{key}"\n'
    assert scan_values(text, "Hex Private Key") == [key]


@pytest.mark.parametrize(
    "line",
    [
        "sha256 = '{key}'\n",  # a digest is not a key: no key name
        "private_key = '{order}'\n",  # not a valid scalar: the group order itself
        "private_key = '{key}0'\n",  # 65 digits: not a 32-byte key
    ],
)
def test_hex_strings_that_are_not_ec_private_keys_stay_quiet(line: str) -> None:
    from analyzer.secrets.plugins.encoded import SECP256K1_ORDER  # noqa: PLC0415

    text = line.format(key=rand_bytes(32).hex(), order=f"{SECP256K1_ORDER:064x}")
    assert "Hex Private Key" not in scan_types(text)
