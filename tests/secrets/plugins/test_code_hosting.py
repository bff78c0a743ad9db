"""Code hosting and registry tokens: checksums and layouts decide, placeholders stay quiet."""

from __future__ import annotations

import base64
import zlib

import pytest

from analyzer.secrets.plugins.base import BASE36, crc32_base62, encode
from tests.secrets.plugins.tokens import (
    ALNUM,
    B64URL,
    HEX,
    b64url,
    rand,
    rand_bytes,
    scan_types,
    scan_values,
)


def github(prefix: str) -> str:
    random_part = rand(30)
    return f"{prefix}_{random_part}{crc32_base62(random_part)}"


def gitlab_routable(prefix: str = "glpat-", version: str = "") -> str:
    """Built the way GitLab's RoutableToken generator does (payload, [version,] length, CRC-32);
    the version is 2 base36 characters."""
    payload = b"o:1x2y\nu:9z" + rand_bytes(16) + bytes([16])
    head = f"{prefix}{b64url(payload)}.{version}{encode(len(b64url(payload)), BASE36, 2)}"
    return head + encode(zlib.crc32(head.encode()), BASE36, 7)


def pypi(location: bytes = b"pypi.org") -> str:
    macaroon = b"\x02\x01" + bytes([len(location)]) + location + b"\x02\x01" + rand_bytes(90)
    return "pypi-" + b64url(macaroon)


def jfrog_reference() -> str:
    while True:
        token = base64.b64encode(b"reftkn:01:1767225600:" + rand(27).encode()).decode()
        if "=" not in token:
            return token


GITHUB = "GitHub Token (checksum verified)"
POSITIVES = [
    *[(GITHUB, github(p)) for p in ("ghp", "gho", "ghu", "ghs", "ghr")],
    ("GitHub Fine-grained Token", f"github_pat_{rand(22)}_{rand(59)}"),
    *[("GitLab Token (prefixed)", f"{p}-{rand(20, B64URL)}") for p in ("glpat", "gldt", "glrt")],
    ("GitLab Token (prefixed)", f"glptt-{rand(40, HEX)}"),
    ("GitLab Token (prefixed)", gitlab_routable()),
    ("GitLab Token (prefixed)", gitlab_routable(version="0a.")),
    ("npm Token (checksum verified)", github("npm")),
    ("PyPI API Token (macaroon)", pypi()),
    ("PyPI API Token (macaroon)", pypi(b"test.pypi.org")),
    ("Docker Hub Access Token", f"dckr_pat_{rand(27, B64URL)}"),
    ("Docker Hub Access Token", f"dckr_oat_{rand(32, B64URL)}"),
    ("JFrog Artifactory Token", f"AKCp{rand(69)}"),
    ("JFrog Artifactory Token", jfrog_reference()),
]

_GOOD = github("ghp")
_ROUTABLE = gitlab_routable()
NEAR_MISSES = [
    (GITHUB, _GOOD[:-1] + ("A" if _GOOD[-1] != "A" else "B"), "wrong checksum"),
    (GITHUB, _GOOD[:-2], "too short"),
    (GITHUB, "ghp_" + "x" * 36, "placeholder"),
    (GITHUB, "ghp_" + ALNUM[:36], "sequential"),
    (GITHUB, "ghx_" + _GOOD[4:], "unknown prefix"),
    ("GitHub Fine-grained Token", f"github_pat_{rand(22)}_{rand(58)}", "too short"),
    ("GitLab Token (prefixed)", f"glpat-{rand(19)}", "too short"),
    ("GitLab Token (prefixed)", "glpat-" + "X" * 20, "placeholder"),
    ("GitLab Token (prefixed)", _ROUTABLE[:-1] + ("0" if _ROUTABLE[-1] != "0" else "1"), "bad CRC"),
    ("GitLab Token (prefixed)", f"glptt-{rand(40, 'ghijkl')}", "wrong alphabet"),
    ("npm Token (checksum verified)", "npm_" + rand(30) + "ABCDEF", "wrong checksum"),
    ("PyPI API Token (macaroon)", pypi(b"evil.example"), "other location"),
    ("Docker Hub Access Token", f"dckr_pat_{rand(26, B64URL)}", "too short"),
    ("Docker Hub Access Token", f"dckr_pat_{rand(33, B64URL)}", "too long"),
    ("Docker Hub Access Token", "dckr_pat_<your-token-here>", "placeholder"),
    ("JFrog Artifactory Token", f"AKCp{rand(68)}", "too short"),
    ("JFrog Artifactory Token", "cmVmdGtuOjAxO" + "j" + rand(50), "does not decode"),
]


@pytest.mark.parametrize(("secret_type", "value"), POSITIVES)
def test_generated_token_is_reported_by_its_plugin(secret_type: str, value: str) -> None:
    assert secret_type in scan_types(f'TOKEN = "{value}"\n')


@pytest.mark.parametrize(("secret_type", "value"), POSITIVES[:1] + POSITIVES[5:6])
def test_plain_detect_secrets_lacks_these_types(secret_type: str, value: str) -> None:
    assert secret_type not in scan_types(f'TOKEN = "{value}"\n', plain=True)


@pytest.mark.parametrize(("secret_type", "value", "why"), NEAR_MISSES)
def test_near_miss_is_not_reported(secret_type: str, value: str, why: str) -> None:
    assert secret_type not in scan_types(f'TOKEN = "{value}"\n'), why


def test_routable_gitlab_token_is_one_finding_with_the_whole_token() -> None:
    token = gitlab_routable()
    assert scan_values(f"export GITLAB_TOKEN={token}\n", "GitLab Token (prefixed)") == [token]
