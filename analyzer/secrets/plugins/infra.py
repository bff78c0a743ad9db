"""Infrastructure platforms: DigitalOcean, Cloudflare, Databricks, HashiCorp Vault and
Terraform Cloud, Tailscale, Vercel.

Severity CRITICAL for Vault tokens (they open every other secret); HIGH for the rest (control
of hosting, networks, data platforms or infrastructure state).

- DigitalOcean: dop_v1_ (personal), doo_v1_ (OAuth), dor_v1_ (refresh) + 64 hex (as in
  gitleaks' digitalocean.go).
  https://docs.digitalocean.com/reference/api/create-personal-access-token/
- Cloudflare: Origin CA keys v1.0-<24 hex>-<146 hex>; API tokens (40 base64url) and global
  API keys (37 hex) only where a name says Cloudflare (layouts as in gitleaks' cloudflare.go).
  https://developers.cloudflare.com/fundamentals/api/get-started/
- Databricks personal access tokens: dapi + 32 hex, optionally -<digits> (as noseyparker's
  np.databricks.1 rule). https://docs.databricks.com/en/dev-tools/auth/pat.html
- HashiCorp Vault: service tokens hvs. (90-120 base64url), batch tokens hvb. (138+), lengths as
  in gitleaks' hashicorp_vault.go; recovery tokens hvr. (no published length; matched with the
  service-token range). https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes
  Terraform Cloud / Enterprise API tokens: <14 alphanumerics>.atlasv1.<60-70> (as in gitleaks'
  hashicorp.go).
  https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens
- Tailscale: tskey-auth- / tskey-api- / tskey-client- / tskey-webhook- / tskey-scim- + key id
  + "-" + secret (the layout of Tailscale's documented tskey-api- example).
  https://tailscale.com/kb/1277/key-prefixes , https://tailscale.com/kb/1085/auth-keys
- Vercel access tokens (24 alphanumerics, as in TruffleHog's pkg/detectors/vercel/vercel.go;
  Vercel does not document the format) where a name says Vercel.
  https://vercel.com/docs/rest-api#creating-an-access-token
"""

from __future__ import annotations

import re

from analyzer.secrets.plugins.base import TokenDetector

PLUGINS = (
    "DigitalOceanTokenDetector",
    "CloudflareTokenDetector",
    "DatabricksTokenDetector",
    "VaultTokenDetector",
    "TerraformCloudTokenDetector",
    "TailscaleKeyDetector",
    "VercelTokenDetector",
)

# A name containing `word`, then an assignment, then the value (group 1).
_NAMED = r"(?i:{word})[A-Za-z0-9_.-]{{0,30}}[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?"


def _mixed(value: str) -> bool:
    return any(c.isalpha() for c in value) and any(c.isdigit() for c in value)


class DigitalOceanTokenDetector(TokenDetector):
    """DigitalOcean personal, OAuth and refresh tokens."""

    secret_type = "DigitalOcean Token"
    PROVIDER = "DigitalOcean"
    KINDS = "personal dop_v1_, OAuth doo_v1_, refresh dor_v1_"
    VALIDATION = "prefix, 64 hex"
    denylist = (re.compile(r"\bdo[por]_v1_[a-f0-9]{64}\b"),)


class CloudflareTokenDetector(TokenDetector):
    """Cloudflare Origin CA keys, and API tokens / global keys under a Cloudflare name."""

    secret_type = "Cloudflare API Credential"
    PROVIDER = "Cloudflare"
    KINDS = "Origin CA key v1.0-, API token, global API key"
    VALIDATION = "Origin CA layout; tokens: Cloudflare name, fixed length, mixed classes"
    denylist = (
        re.compile(r"\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b"),
        re.compile(
            _NAMED.format(word="cloudflare|cf_api") + r"([A-Za-z0-9_-]{40}|[a-f0-9]{37})"
            r"(?![A-Za-z0-9_-])"
        ),
    )

    def is_valid(self, token: str) -> bool:
        """Generated values mix letters and digits."""
        return _mixed(token)


class DatabricksTokenDetector(TokenDetector):
    """Databricks personal access tokens."""

    secret_type = "Databricks Token"
    PROVIDER = "Databricks"
    KINDS = "personal access token dapi"
    VALIDATION = "prefix, 32 hex with letters and digits"
    denylist = (re.compile(r"\bdapi[a-f0-9]{32}(?:-\d+)?\b"),)

    def is_valid(self, token: str) -> bool:
        """Generated values mix letters and digits."""
        return _mixed(token[4:])


class VaultTokenDetector(TokenDetector):
    """HashiCorp Vault service, batch and recovery tokens."""

    secret_type = "HashiCorp Vault Token"
    PROVIDER = "HashiCorp Vault"
    KINDS = "service hvs., batch hvb., recovery hvr."
    VALIDATION = "prefix, base64url length range"
    denylist = (
        re.compile(r"\bhv[sr]\.[A-Za-z0-9_-]{90,120}(?![A-Za-z0-9_-])"),
        re.compile(r"\bhvb\.[A-Za-z0-9_-]{138,300}(?![A-Za-z0-9_-])"),
    )


class TerraformCloudTokenDetector(TokenDetector):
    """Terraform Cloud / Enterprise API tokens."""

    secret_type = "Terraform Cloud Token"
    PROVIDER = "HashiCorp Terraform Cloud"
    KINDS = "user/team/org API token .atlasv1."
    VALIDATION = "14 + .atlasv1. + 60-70 layout"
    denylist = (re.compile(r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}(?![A-Za-z0-9_=-])"),)


class TailscaleKeyDetector(TokenDetector):
    """Tailscale auth keys, API access tokens, OAuth clients, webhook and SCIM keys."""

    secret_type = "Tailscale Key"
    PROVIDER = "Tailscale"
    KINDS = "tskey-auth- tskey-api- tskey-client- tskey-webhook- tskey-scim-"
    VALIDATION = "prefix, key id and secret parts"
    denylist = (
        re.compile(
            r"\btskey-(?:auth|api|client|webhook|scim)-[A-Za-z0-9]{6,20}-[A-Za-z0-9]{16,64}\b"
        ),
    )


class VercelTokenDetector(TokenDetector):
    """Vercel access tokens under a Vercel name."""

    secret_type = "Vercel Token"
    PROVIDER = "Vercel"
    KINDS = "access token"
    VALIDATION = "Vercel name, 24 alphanumerics, mixed classes"
    denylist = (re.compile(_NAMED.format(word="vercel") + r"([A-Za-z0-9]{24})(?![A-Za-z0-9])"),)

    def is_valid(self, token: str) -> bool:
        """Generated values mix letters and digits."""
        return _mixed(token)
