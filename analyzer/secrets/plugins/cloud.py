"""Cloud provider credentials: AWS, Google Cloud, Azure, Alibaba Cloud.

Severity CRITICAL for long-lived keys that act on a whole account (AWS secret keys, Azure
storage keys); HIGH for the rest (temporary AWS session tokens, API keys, client secrets).

- AWS secret access key: 40 base64 characters, recognised next to its key id
  (AKIA/ASIA/ABIA/ACCA + 16 characters, as in credentials.csv; current ids use A-Z and 2-7, per
  a note in gitleaks' aws.go) or assigned to a name such as aws_secret_access_key /
  SecretAccessKey; it must mix upper, lower case and digits.
  AWS session tokens: base64 that starts with the encoding of their fixed header
  (IQoJb3JpZ2luX2Vj / FwoGZXIvYXdzE). AWS does not document this encoding; the headers are the
  ones real tokens start with. Key ids alone are detect-secrets' "AWS Access Key".
  https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds-programmatic-access.html
- Google: API keys AIza + 35 base64url characters; OAuth client secrets GOCSPX- + 28 (Google
  does not document that length; it is the one of noseyparker's np.google.2 rule,
  praetorian-inc/noseyparker crates/noseyparker/data/default/builtin/rules/google.yml).
  https://cloud.google.com/docs/authentication/api-keys ,
  https://developers.google.com/identity/protocols/oauth2 (service-account JSON files are the
  structural gcp-service-account rule).
- Azure: storage account keys (AccountKey=, 88 base64 characters that decode to 64 bytes),
  SAS tokens (sv=<date> and sig=<base64 HMAC-SHA256 that decodes to 32 bytes>), Entra ID
  client secrets (3 characters, then 7Q~ + 31 more or 8Q~ + 34 more, as in Microsoft's own
  rule, microsoft/security-utilities
  src/Microsoft.Security.Utilities.Core/HighConfidenceMicrosoftSecurityModels/SEC101_156_AzureClientAppIdentifiableCredentials.cs).
  https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string ,
  https://learn.microsoft.com/en-us/rest/api/storageservices/create-service-sas ,
  https://learn.microsoft.com/en-us/purview/sit-defn-azure-ad-client-secret
- Alibaba Cloud AccessKey ids: LTAI + 12 or 20 alphanumerics (Alibaba does not document the
  length; gitleaks' alibaba-access-key-id rule has LTAI + 20).
  https://www.alibabacloud.com/help/en/ram/user-guide/create-an-accesskey-pair
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from analyzer.secrets.plugins.base import TokenDetector, b64decode_loose

PLUGINS = (
    "AWSSecretKeyDetector",
    "AWSSessionTokenDetector",
    "GoogleAPIKeyDetector",
    "GoogleOAuthSecretDetector",
    "AzureStorageAccountKeyDetector",
    "AzureSASTokenDetector",
    "AzureClientSecretDetector",
    "AlibabaAccessKeyDetector",
)

_AWS_SECRET = r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
_AWS_SECRET_NAME = (
    r"(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key|aws_?secret)[\"']?[ \t]*(?::=|=>|[:=])"
)


def _mixed(value: str) -> bool:
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )


class AWSSecretKeyDetector(TokenDetector):
    """AWS secret access keys next to their key id or under their usual names."""

    secret_type = "AWS Secret Access Key"
    PROVIDER = "AWS"
    KINDS = "secret access key (next to AKIA/ASIA/ABIA/ACCA key id, or named)"
    VALIDATION = "key id or name context, 40 base64, mixed character classes"
    denylist = (
        re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}[ \t,;:|\"'=]{1,6}" + _AWS_SECRET),
        re.compile(_AWS_SECRET_NAME + r"[ \t]*[\"']?" + _AWS_SECRET),
    )

    def is_valid(self, token: str) -> bool:
        """Random keys mix character classes; words and hashes do not."""
        return _mixed(token)


class AWSSessionTokenDetector(TokenDetector):
    """AWS STS session tokens."""

    secret_type = "AWS Session Token"
    PROVIDER = "AWS"
    KINDS = "STS session token"
    VALIDATION = (
        "fixed encoded header (IQoJb3JpZ2luX2Vj, FwoGZXIvYXdzE), base64 (also URL-encoded, as in"
        " presigned URLs), >= 100 chars"
    )
    denylist = (
        re.compile(
            r"(?:IQoJb3JpZ2luX2Vj|F[wQ]oGZXIvYXdzE)(?:[A-Za-z0-9/+]|%2[BbFf]){100,}"
            r"(?:=|%3[Dd]){0,2}"
        ),
    )


class GoogleAPIKeyDetector(TokenDetector):
    """Google API keys (Maps, Firebase, Gemini and every other Google API)."""

    secret_type = "Google API Key"
    PROVIDER = "Google Cloud"
    KINDS = "API key AIza"
    VALIDATION = "prefix, 35 base64url characters"
    denylist = (re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),)


class GoogleOAuthSecretDetector(TokenDetector):
    """Google OAuth client secrets."""

    secret_type = "Google OAuth Client Secret"
    PROVIDER = "Google Cloud"
    KINDS = "OAuth client secret GOCSPX-"
    VALIDATION = "prefix, 28 base64url characters"
    denylist = (re.compile(r"\bGOCSPX-[0-9A-Za-z_-]{28}(?![0-9A-Za-z_-])"),)


class AzureStorageAccountKeyDetector(TokenDetector):
    """Azure storage account keys, in connection strings or assigned by name."""

    secret_type = "Azure Storage Account Key (validated)"
    PROVIDER = "Azure"
    KINDS = "storage account key (AccountKey=, connection strings)"
    VALIDATION = "88 base64 characters that decode to 64 bytes"
    denylist = (
        re.compile(
            r"(?i:AccountKey|account_?key|storage_?key)[\"']?[ \t]*[:=][ \t]*[\"']?"
            r"([A-Za-z0-9+/]{86}==)"
        ),
    )

    def is_valid(self, token: str) -> bool:
        """Storage keys are 512 random bits."""
        decoded = b64decode_loose(token)
        return decoded is not None and len(decoded) == 64 and _mixed(token)


_SAS_SIG = r"sig=([A-Za-z0-9%+/=]{43,80})"
_SAS_VERSION = r"sv=20\d\d-\d\d-\d\d"


class AzureSASTokenDetector(TokenDetector):
    """Azure shared access signatures (the sig parameter of a SAS URL or token)."""

    secret_type = "Azure SAS Token"
    PROVIDER = "Azure"
    KINDS = "shared access signature (sv= ... sig=)"
    VALIDATION = "sv version date, sig decodes to a 32-byte HMAC-SHA256"
    denylist = (
        re.compile(_SAS_VERSION + r"&[^\s\"'<>]*?\b" + _SAS_SIG),
        re.compile(r"\b" + _SAS_SIG + r"&[^\s\"'<>]*?\b" + _SAS_VERSION),
    )

    def is_valid(self, token: str) -> bool:
        """The signature is a URL-encoded base64 HMAC-SHA256."""
        decoded = b64decode_loose(unquote(token))
        return decoded is not None and len(decoded) == 32


class AzureClientSecretDetector(TokenDetector):
    """Microsoft Entra ID (Azure AD) application client secrets."""

    secret_type = "Azure Client Secret"
    PROVIDER = "Azure"
    KINDS = "Entra ID client secret (xxxNQ~...)"
    VALIDATION = "3 chars, then 7Q~ + 31 or 8Q~ + 34 chars (Microsoft's rule), mixed classes"
    denylist = (
        re.compile(
            r"(?<![A-Za-z0-9_~.-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})"
            r"(?![A-Za-z0-9_~.-])"
        ),
    )

    def is_valid(self, token: str) -> bool:
        """Microsoft's own check (SEC101_156): 37 characters with a 7 before Q~, or 40 with an
        8; generated secrets mix character classes."""
        shape = (len(token), token[3])
        return shape in ((37, "7"), (40, "8")) and _mixed(token[5:])


class AlibabaAccessKeyDetector(TokenDetector):
    """Alibaba Cloud AccessKey ids."""

    secret_type = "Alibaba Cloud AccessKey ID"
    PROVIDER = "Alibaba Cloud"
    KINDS = "AccessKey id LTAI"
    VALIDATION = "prefix, 12 or 20 alphanumerics, mixed classes"
    denylist = (re.compile(r"\bLTAI(?:[A-Za-z0-9]{20}|[A-Za-z0-9]{12})\b"),)

    def is_valid(self, token: str) -> bool:
        """Generated ids mix character classes."""
        return _mixed(token[4:])
