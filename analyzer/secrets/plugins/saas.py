"""SaaS tokens: Slack, Stripe, Mailgun, Shopify, Linear, Notion, Figma, Grafana, 1Password.

Severity CRITICAL for Stripe live secret keys (payments: in scope of PCI DSS itself) and
1Password service accounts (every secret of their vaults); MEDIUM for Slack incoming webhooks
(post-only); HIGH for the rest. SendGrid and Twilio are detect-secrets' own plugins.

- Slack: bot xoxb-<team>-<bot>-<24>, user xoxp-<id>-<id>-<id>-<32 hex>, app-level
  xapp-1-A<app>-<n>-<64 hex>, configuration xoxe.xoxp-1-/xoxe.xoxb-1- and refresh xoxe-1-.
  Slack documents the token types, not their layouts; the layouts (and the configuration and
  refresh token lengths, 163-166 and 146) are those of gitleaks' rules
  (gitleaks/gitleaks cmd/generate/config/rules/slack.go).
  https://docs.slack.dev/authentication/tokens ; incoming webhooks
  https://hooks.slack.com/services/T<team>/B<hook>/<24>: https://api.slack.com/messaging/webhooks
- Stripe: live secret sk_live_ and restricted rk_live_ keys; webhook signing secrets whsec_.
  Stripe documents the prefixes; per Stripe's security team (gitlab-org/gitlab issue #458019)
  live keys are (sk|rk)_live_ + 10-128 alphanumerics. https://docs.stripe.com/keys
- Mailgun private API keys (key-<32 hex>, or <32 hex>-<8 hex>-<8 hex>) under a Mailgun name.
  Mailgun does not document the layout; the hex-hex-hex form is also that of webhook signing
  keys (gitleaks' mailgun-signing-key rule, cmd/generate/config/rules/mailgun.go).
  https://documentation.mailgun.com/docs/mailgun/api-reference/authentication/
- Shopify: shpat_ (Admin API), shpca_ (custom app), shppa_ (private app) + 32 hex, per Shopify's
  changelog; shpss_ (shared secret) + 32 hex as in gitleaks' shopify.go.
  https://shopify.dev/changelog/length-of-the-shopify-access-token-is-increasing ,
  https://shopify.dev/docs/apps/build/authentication-authorization
- Linear API keys lin_api_ + 40 (gitleaks' linear.go).
  https://linear.app/developers/graphql#personal-api-keys
- Notion integration tokens: ntn_ + 11 digits + 35, or legacy secret_ + 43 (Notion does not
  document the lengths; the ntn_ layout is that of gitleaks' notion-api-token rule).
  https://developers.notion.com/docs/authorization
- Figma personal access tokens figd_ + 40-48 base64url (Figma does not document the length;
  TruffleHog's figmapersonalaccesstoken v2 detector uses figd_ + 40), and the newer figp_ + 40-54
  of base64url or "=" (TruffleHog's v3 detector). https://www.figma.com/developers/api#access-tokens
- Grafana: Cloud access policy tokens glc_ + base64 JSON (which must decode), service
  account tokens glsa_<32>_<8 hex> (as in gitleaks' grafana.go).
  https://grafana.com/docs/grafana/latest/administration/service-accounts/
- 1Password service account tokens ops_ + base64 JSON (which must decode; gitleaks'
  1password.go matches ops_eyJ + 250 or more base64 characters).
  https://developer.1password.com/docs/service-accounts/
"""

from __future__ import annotations

import re

from analyzer.secrets.plugins.base import TokenDetector, b64decode_loose, json_object

PLUGINS = (
    "SlackTokenShapeDetector",
    "SlackWebhookDetector",
    "StripeLiveKeyDetector",
    "StripeWebhookSecretDetector",
    "MailgunKeyDetector",
    "ShopifyTokenDetector",
    "LinearKeyDetector",
    "NotionTokenDetector",
    "FigmaTokenDetector",
    "GrafanaTokenDetector",
    "OnePasswordServiceAccountDetector",
)


def _mixed(value: str) -> bool:
    return any(c.isalpha() for c in value) and any(c.isdigit() for c in value)


class SlackTokenShapeDetector(TokenDetector):
    """Slack bot, user, app-level and configuration tokens in their exact layouts."""

    secret_type = "Slack Token (validated shape)"
    PROVIDER = "Slack"
    KINDS = "bot xoxb-, user xoxp-, app xapp-1-, config xoxe.xoxp-1-, refresh xoxe-1-"
    VALIDATION = "prefix, numeric id groups, fixed-length secret part"
    denylist = (
        re.compile(r"\bxoxb-\d{8,14}-\d{8,14}-[A-Za-z0-9]{24}\b"),
        re.compile(r"\bxoxp-\d{8,14}-\d{8,14}-\d{8,14}-[a-f0-9]{32}\b"),
        re.compile(r"\bxapp-1-A[A-Z0-9]{8,12}-\d{8,14}-[a-f0-9]{64}\b"),
        re.compile(r"\bxoxe\.xox[bp]-1-[A-Za-z0-9]{150,180}\b"),
        re.compile(r"\bxoxe-1-[A-Za-z0-9]{130,160}\b"),
    )


class SlackWebhookDetector(TokenDetector):
    """Slack incoming webhook URLs."""

    secret_type = "Slack Webhook URL"
    PROVIDER = "Slack"
    KINDS = "incoming webhook hooks.slack.com/services/"
    VALIDATION = "T<team>/B<hook>/<24 alphanumerics> layout"
    denylist = (
        re.compile(
            r"https://hooks\.slack\.com/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}"
            r"/[A-Za-z0-9]{24}\b"
        ),
    )


class StripeLiveKeyDetector(TokenDetector):
    """Stripe live secret and restricted keys."""

    secret_type = "Stripe Live Secret Key"
    PROVIDER = "Stripe"
    KINDS = "live secret sk_live_, restricted rk_live_"
    VALIDATION = "prefix, 10-128 alphanumerics (Stripe's stated range), mixed classes"
    denylist = (re.compile(r"\b[rs]k_live_[A-Za-z0-9]{10,128}\b"),)

    def is_valid(self, token: str) -> bool:
        """Generated keys mix letters and digits."""
        return _mixed(token[8:])


class StripeWebhookSecretDetector(TokenDetector):
    """Stripe webhook signing secrets (forged events are accepted as Stripe's)."""

    secret_type = "Stripe Webhook Secret"
    PROVIDER = "Stripe"
    KINDS = "webhook signing secret whsec_"
    VALIDATION = "prefix, 32+ base64, mixed classes"
    denylist = (re.compile(r"\bwhsec_[A-Za-z0-9+/]{32,64}={0,2}"),)

    def is_valid(self, token: str) -> bool:
        """Generated secrets mix letters and digits."""
        return _mixed(token[6:])


class MailgunKeyDetector(TokenDetector):
    """Mailgun private API keys under a Mailgun name."""

    secret_type = "Mailgun API Key"
    PROVIDER = "Mailgun"
    KINDS = "private API key (key-..., or hex-hex-hex)"
    VALIDATION = "Mailgun name, hex layout"
    denylist = (
        re.compile(
            r"(?i:mailgun|mg_api)[A-Za-z0-9_.-]{0,30}[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?"
            r"(key-[a-f0-9]{32}|[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8})\b"
        ),
    )

    def is_valid(self, token: str) -> bool:
        """Generated keys mix letters and digits."""
        return _mixed(token.removeprefix("key-"))


class ShopifyTokenDetector(TokenDetector):
    """Shopify access tokens and shared secrets."""

    secret_type = "Shopify Token"
    PROVIDER = "Shopify"
    KINDS = "shpat_ shpca_ shppa_ shpss_"
    VALIDATION = "prefix, 32 hex"
    denylist = (re.compile(r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),)


class LinearKeyDetector(TokenDetector):
    """Linear personal API keys."""

    secret_type = "Linear API Key"
    PROVIDER = "Linear"
    KINDS = "API key lin_api_"
    VALIDATION = "prefix, 40 alphanumerics"
    denylist = (re.compile(r"\blin_api_[A-Za-z0-9]{40}\b"),)


class NotionTokenDetector(TokenDetector):
    """Notion integration tokens."""

    secret_type = "Notion Integration Token"
    PROVIDER = "Notion"
    KINDS = "ntn_, legacy secret_"
    VALIDATION = "prefix, ntn_: 11 digits + 35; secret_: 43 alphanumerics, mixed classes"
    denylist = (
        re.compile(r"\bntn_\d{11}[A-Za-z0-9]{35}\b"),
        re.compile(r"\bsecret_[A-Za-z0-9]{43}\b"),
    )

    def is_valid(self, token: str) -> bool:
        """Generated tokens mix letters and digits."""
        return _mixed(token.split("_", 1)[1])


class FigmaTokenDetector(TokenDetector):
    """Figma personal access tokens."""

    secret_type = "Figma Access Token"
    PROVIDER = "Figma"
    KINDS = "personal access token figd_, figp_"
    VALIDATION = "figd_: prefix, 40-48 base64url; figp_: prefix, 40-54 base64url or ="
    denylist = (
        re.compile(r"\bfigd_[A-Za-z0-9_-]{40,48}(?![A-Za-z0-9_-])"),
        re.compile(r"\bfigp_[A-Za-z0-9_=-]{40,54}(?![A-Za-z0-9_=-])"),
    )


class GrafanaTokenDetector(TokenDetector):
    """Grafana Cloud access policy tokens and Grafana service account tokens."""

    secret_type = "Grafana Token"
    PROVIDER = "Grafana"
    KINDS = "Cloud access policy glc_, service account glsa_"
    VALIDATION = "glc_: base64 JSON object; glsa_: 32 alphanumerics + _ + 8 hex"
    denylist = (
        re.compile(r"\bglc_[A-Za-z0-9+/]{32,400}={0,2}"),
        re.compile(r"\bglsa_[A-Za-z0-9]{32}_[a-fA-F0-9]{8}\b"),
    )

    def is_valid(self, token: str) -> bool:
        """A Cloud token is the base64 of a JSON object."""
        if token.startswith("glsa_"):
            return True
        return json_object(b64decode_loose(token[4:])) is not None


class OnePasswordServiceAccountDetector(TokenDetector):
    """1Password service account tokens."""

    secret_type = "1Password Service Account Token"
    PROVIDER = "1Password"
    KINDS = "service account token ops_"
    VALIDATION = "prefix, base64 JSON object"
    denylist = (re.compile(r"\bops_eyJ[A-Za-z0-9+/_-]{100,}={0,2}"),)

    def is_valid(self, token: str) -> bool:
        """The token is the base64 of a JSON object."""
        return json_object(b64decode_loose(token[4:])) is not None
