"""Code hosting and package registry tokens: push rights to source and to published packages.

Severity HIGH: whoever holds one can read private code, or publish a poisoned release.

- GitHub classic tokens: ghp_ (personal), gho_ (OAuth), ghu_ (user-to-server), ghs_
  (server-to-server / Actions), ghr_ (refresh), then 36 base62 characters: 30 random ones and a
  6-character checksum, CRC-32 of those 30 in base62 (0-9A-Za-z), zero-padded. A failed
  checksum means "not a token". GitHub's newer stateless installation tokens (ghs_<app id>_<JWT>,
  about 520 characters) do not have this layout and are not matched here.
  https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/
- GitHub fine-grained personal access tokens: github_pat_ + 22 base62 + "_" + 59 base62 (93
  characters; gitleaks' github-fine-grained-pat rule is github_pat_ + 82 word characters). GitHub
  does not document the layout or a checksum for these, so only the layout is checked.
  https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens
- GitLab: glpat- (personal, project, group), gldt- (deploy), glrt- (runner), glptt- (pipeline
  trigger), glft- (feed), glimt- (incoming mail), glagent- (cluster agent), gloas- (OAuth app
  secret), glsoat- (SCIM), glcbt- (CI job), glffct- (feature flags), GR1348941 (runner
  registration). GitLab documents the prefixes; the fixed lengths are those of gitleaks' rules
  (gitleaks/gitleaks cmd/generate/config/rules/gitlab.go). Or the routable format (Cells):
  prefix + base64url payload + "." + [2 base36 digits of token version + "."] + payload length
  (2 base36 digits) + CRC-32 of everything before it (7 base36 digits), which is verified.
  https://docs.gitlab.com/security/tokens/#token-prefixes ,
  https://handbook.gitlab.com/handbook/engineering/architecture/design-documents/cells/routable_tokens
- npm: npm_ + 36 base62 characters, the last 6 the same CRC-32 checksum as GitHub's.
  https://github.blog/2021-09-23-announcing-npms-new-access-token-format/
- PyPI: pypi- + a base64url macaroon whose decoded bytes name its location (pypi.org or
  test.pypi.org). https://pypi.org/help/#apitoken
- Docker Hub: dckr_pat_ (personal) or dckr_oat_ (organisation) + base64url characters. Docker
  does not publish the length; 27-32 as TruffleHog's detector
  (trufflesecurity/trufflehog pkg/detectors/dockerhub/v2/dockerhub.go).
  https://docs.docker.com/security/for-developers/access-tokens/
- JFrog Artifactory: API keys AKCp + 69 alphanumerics (gitleaks' artifactory-api-key rule);
  reference tokens, which JFrog documents as cmVmd + 59 alphanumerics (64 characters), base64
  of "reftkn:01:<digits>:<random>" (the decoded layout as checked by Samsung/CredSweeper
  credsweeper/filters/value_jfrog_token_check.py), which must decode to that.
  https://jfrog.com/help/r/jfrog-platform-administration-documentation/understanding-identity-tokens
"""

from __future__ import annotations

import re
import zlib

from analyzer.secrets.plugins.base import (
    BASE36,
    TokenDetector,
    b64decode_loose,
    crc32_base62,
    encode,
)

PLUGINS = (
    "GitHubChecksumTokenDetector",
    "GitHubFineGrainedTokenDetector",
    "GitLabPrefixedTokenDetector",
    "NpmChecksumTokenDetector",
    "PyPIMacaroonDetector",
    "DockerHubTokenDetector",
    "JFrogTokenDetector",
)


class GitHubChecksumTokenDetector(TokenDetector):
    """GitHub classic tokens whose CRC-32 checksum holds."""

    secret_type = "GitHub Token (checksum verified)"
    PROVIDER = "GitHub"
    KINDS = "personal ghp_, OAuth gho_, user ghu_, server ghs_, refresh ghr_"
    VALIDATION = "prefix, 36 base62, CRC-32 checksum (base62) of the random part"
    denylist = (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),)

    def is_valid(self, token: str) -> bool:
        """The last 6 characters are the checksum of the 30 before them."""
        return crc32_base62(token[4:34]) == token[34:]


class GitHubFineGrainedTokenDetector(TokenDetector):
    """GitHub fine-grained personal access tokens."""

    secret_type = "GitHub Fine-grained Token"
    PROVIDER = "GitHub"
    KINDS = "fine-grained personal github_pat_"
    VALIDATION = "prefix, 22 + 59 base62 layout"
    denylist = (re.compile(r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b"),)


_GITLAB_LEGACY = (
    r"gl(?:pat|dt|rt|ft|soat|ffct)-[A-Za-z0-9_-]{20}|glimt-[A-Za-z0-9_-]{25}"
    r"|glagent-[A-Za-z0-9_-]{50}|gloas-[A-Za-z0-9_-]{64}|glptt-[0-9a-f]{40}"
    r"|glcbt-[0-9a-zA-Z]{1,5}_[A-Za-z0-9_-]{20}|GR1348941[A-Za-z0-9_-]{20}"
)
_GITLAB_ROUTABLE = r"gl[a-z]{1,6}-[A-Za-z0-9_-]{27,300}\.(?:[0-9a-z]{2}\.)?[0-9a-z]{9}"


class GitLabPrefixedTokenDetector(TokenDetector):
    """GitLab's prefixed tokens, legacy fixed-length or routable with a CRC."""

    secret_type = "GitLab Token (prefixed)"
    PROVIDER = "GitLab"
    KINDS = (
        "glpat- gldt- glrt- glptt- glft- glimt- glagent- gloas- glsoat- glcbt- glffct- GR1348941"
    )
    VALIDATION = "prefix and fixed length; routable tokens: length field and CRC-32 (base36)"
    denylist = (
        re.compile(rf"\b(?:{_GITLAB_ROUTABLE})\b"),
        re.compile(rf"\b(?:{_GITLAB_LEGACY})(?![A-Za-z0-9_.-])"),
    )

    def is_valid(self, token: str) -> bool:
        """Routable tokens carry their payload length and a CRC-32 of everything before it."""
        if "." not in token:
            return True
        head, crc = token[:-7], token[-7:]
        payload = head.split("-", 1)[1].split(".", 1)[0]
        return encode(zlib.crc32(head.encode()), BASE36, 7) == crc and head[-2:] == encode(
            len(payload), BASE36, 2
        )


class NpmChecksumTokenDetector(TokenDetector):
    """npm access tokens whose CRC-32 checksum holds."""

    secret_type = "npm Token (checksum verified)"
    PROVIDER = "npm"
    KINDS = "access token npm_"
    VALIDATION = "prefix, 36 base62, CRC-32 checksum (base62) of the random part"
    denylist = (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),)

    def is_valid(self, token: str) -> bool:
        """The last 6 characters are the checksum of the 30 before them."""
        return crc32_base62(token[4:34]) == token[34:]


class PyPIMacaroonDetector(TokenDetector):
    """PyPI API tokens: macaroons that decode and name their index."""

    secret_type = "PyPI API Token (macaroon)"
    PROVIDER = "PyPI"
    KINDS = "API token pypi-"
    VALIDATION = "prefix, base64url macaroon naming pypi.org / test.pypi.org"
    denylist = (re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{60,}"),)

    def is_valid(self, token: str) -> bool:
        """The macaroon decodes (its first complete base64 quantum suffices) to its location."""
        body = token[5:]
        decoded = b64decode_loose(body[: len(body) - len(body) % 4])
        return decoded is not None and (b"pypi.org" in decoded[:40])


class DockerHubTokenDetector(TokenDetector):
    """Docker Hub personal and organisation access tokens."""

    secret_type = "Docker Hub Access Token"
    PROVIDER = "Docker Hub"
    KINDS = "personal dckr_pat_, organisation dckr_oat_"
    VALIDATION = "prefix, 27-32 base64url characters"
    denylist = (re.compile(r"\bdckr_[po]at_[A-Za-z0-9_-]{27,32}(?![A-Za-z0-9_-])"),)


class JFrogTokenDetector(TokenDetector):
    """JFrog Artifactory API keys and reference tokens."""

    secret_type = "JFrog Artifactory Token"
    PROVIDER = "JFrog Artifactory"
    KINDS = "API key AKCp, reference token cmVmdGtu"
    VALIDATION = "prefix and length; reference tokens decode to reftkn:01:"
    denylist = (
        re.compile(r"\bAKCp[A-Za-z0-9]{69}\b"),
        re.compile(r"\bcmVmdGtuOjAxOj[A-Za-z0-9+/]{50}(?![A-Za-z0-9+/=])"),
    )

    def is_valid(self, token: str) -> bool:
        """A reference token is base64 of "reftkn:01:<expiry>:<random>"."""
        if token.startswith("AKCp"):
            return True
        decoded = b64decode_loose(token)
        return decoded is not None and re.match(rb"reftkn:01:\d+:", decoded) is not None
