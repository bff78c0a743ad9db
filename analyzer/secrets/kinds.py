"""Rules for secrets: one per detect-secrets secret type and per structural kind.

Rule ids are IA-SECRET-<KIND>; all map to container guidance 12.4 and PCI DSS 8.6.2.
"""

from __future__ import annotations

import re

from analyzer.findings.model import Rule, Severity

_WHY = "Anyone who can pull or read the image archive can use this credential."
_FIX = (
    "Remove it from every layer (not just the last): rebuild without it, use build secrets "
    "(RUN --mount=type=secret) or runtime injection, and rotate the credential."
)

# detect-secrets secret types -> (kind slug, severity)
DS_TYPES: dict[str, tuple[str, Severity]] = {
    "AWS Access Key": ("AWS-KEY", Severity.CRITICAL),
    "Artifactory Credentials": ("ARTIFACTORY", Severity.HIGH),
    "Azure Storage Account access key": ("AZURE-STORAGE-KEY", Severity.CRITICAL),
    "Base64 High Entropy String": ("HIGH-ENTROPY-BASE64", Severity.MEDIUM),
    "Basic Auth Credentials": ("URL-CREDENTIALS", Severity.HIGH),
    "Cloudant Credentials": ("CLOUDANT", Severity.HIGH),
    "Discord Bot Token": ("DISCORD", Severity.HIGH),
    "GitHub Token": ("GITHUB-TOKEN", Severity.HIGH),
    "GitLab Token": ("GITLAB-TOKEN", Severity.HIGH),
    "Hex High Entropy String": ("HIGH-ENTROPY-HEX", Severity.MEDIUM),
    "IBM COS HMAC Credentials": ("IBM-COS-HMAC", Severity.HIGH),
    "IBM Cloud IAM Key": ("IBM-CLOUD-IAM", Severity.HIGH),
    "JSON Web Token": ("JWT", Severity.MEDIUM),
    "Mailchimp Access Key": ("MAILCHIMP", Severity.HIGH),
    "NPM tokens": ("NPM-TOKEN", Severity.HIGH),
    "OpenAI Token": ("OPENAI", Severity.HIGH),
    "Private Key": ("PRIVATE-KEY", Severity.CRITICAL),
    "Hex Private Key": ("HEX-PRIVATE-KEY", Severity.CRITICAL),
    "Public IP (ipv4)": ("PUBLIC-IP", Severity.INFO),
    "PyPI Token": ("PYPI-TOKEN", Severity.HIGH),
    "Secret Keyword": ("KEYWORD", Severity.MEDIUM),
    "SendGrid API Key": ("SENDGRID", Severity.HIGH),
    "Slack Token": ("SLACK", Severity.HIGH),
    "SoftLayer Credentials": ("SOFTLAYER", Severity.HIGH),
    "Square OAuth Secret": ("SQUARE", Severity.HIGH),
    "Stripe Access Key": ("STRIPE", Severity.HIGH),
    "Telegram Bot Token": ("TELEGRAM", Severity.HIGH),
    "Twilio API Key": ("TWILIO", Severity.HIGH),
    # image-audit's own plugins (analyzer.secrets.plugins)
    "GitHub Token (checksum verified)": ("GITHUB-TOKEN-VERIFIED", Severity.HIGH),
    "GitHub Fine-grained Token": ("GITHUB-FINE-GRAINED-TOKEN", Severity.HIGH),
    "GitLab Token (prefixed)": ("GITLAB-PREFIXED-TOKEN", Severity.HIGH),
    "npm Token (checksum verified)": ("NPM-TOKEN-VERIFIED", Severity.HIGH),
    "PyPI API Token (macaroon)": ("PYPI-MACAROON", Severity.HIGH),
    "Docker Hub Access Token": ("DOCKER-HUB-TOKEN", Severity.HIGH),
    "JFrog Artifactory Token": ("JFROG-TOKEN", Severity.HIGH),
    "AWS Secret Access Key": ("AWS-SECRET-KEY", Severity.CRITICAL),
    "AWS Session Token": ("AWS-SESSION-TOKEN", Severity.HIGH),
    "Google API Key": ("GOOGLE-API-KEY", Severity.HIGH),
    "Google OAuth Client Secret": ("GOOGLE-OAUTH-SECRET", Severity.HIGH),
    "Azure Storage Account Key (validated)": ("AZURE-STORAGE-KEY-VERIFIED", Severity.CRITICAL),
    "Azure SAS Token": ("AZURE-SAS-TOKEN", Severity.HIGH),
    "Azure Client Secret": ("AZURE-CLIENT-SECRET", Severity.HIGH),
    "Alibaba Cloud AccessKey ID": ("ALIBABA-ACCESS-KEY", Severity.HIGH),
    "DigitalOcean Token": ("DIGITALOCEAN-TOKEN", Severity.HIGH),
    "Cloudflare API Credential": ("CLOUDFLARE", Severity.HIGH),
    "Databricks Token": ("DATABRICKS-TOKEN", Severity.HIGH),
    "HashiCorp Vault Token": ("VAULT-TOKEN", Severity.CRITICAL),
    "Terraform Cloud Token": ("TERRAFORM-CLOUD-TOKEN", Severity.HIGH),
    "Tailscale Key": ("TAILSCALE-KEY", Severity.HIGH),
    "Vercel Token": ("VERCEL-TOKEN", Severity.HIGH),
    "Slack Token (validated shape)": ("SLACK-TOKEN-VERIFIED", Severity.HIGH),
    "Slack Webhook URL": ("SLACK-WEBHOOK", Severity.MEDIUM),
    "Stripe Live Secret Key": ("STRIPE-LIVE-KEY", Severity.CRITICAL),
    "Stripe Webhook Secret": ("STRIPE-WEBHOOK-SECRET", Severity.HIGH),
    "Mailgun API Key": ("MAILGUN", Severity.HIGH),
    "Shopify Token": ("SHOPIFY-TOKEN", Severity.HIGH),
    "Linear API Key": ("LINEAR-API-KEY", Severity.HIGH),
    "Notion Integration Token": ("NOTION-TOKEN", Severity.HIGH),
    "Figma Access Token": ("FIGMA-TOKEN", Severity.HIGH),
    "Grafana Token": ("GRAFANA-TOKEN", Severity.HIGH),
    "1Password Service Account Token": ("ONEPASSWORD-SERVICE-ACCOUNT", Severity.CRITICAL),
    "OpenAI API Key": ("OPENAI-API-KEY", Severity.HIGH),
    "Anthropic API Key": ("ANTHROPIC-API-KEY", Severity.HIGH),
    "Groq API Key": ("GROQ-API-KEY", Severity.HIGH),
    "Hugging Face Token": ("HUGGING-FACE-TOKEN", Severity.HIGH),
    "age Secret Key": ("AGE-SECRET-KEY", Severity.CRITICAL),
    "Validated JWT": ("JWT-VALIDATED", Severity.MEDIUM),
}

# structural kinds (analyzer.secrets.structure) -> severity
STRUCTURAL: dict[str, Severity] = {
    "ssh-host-key": Severity.CRITICAL,
    "private-key": Severity.CRITICAL,
    "keystore": Severity.HIGH,  # keys under a password that is not a known default
    "keystore-default-password": Severity.CRITICAL,  # keys anyone can open
    "encrypted-keystore": Severity.LOW,  # all encrypted: keys, or (usually) certificates only
    "aws-credentials": Severity.CRITICAL,
    "gcp-service-account": Severity.CRITICAL,
    "azure-credentials": Severity.HIGH,
    "docker-config-auth": Severity.HIGH,
    "git-credentials": Severity.HIGH,
    "netrc": Severity.HIGH,
    "npmrc-token": Severity.HIGH,
    "pypirc-password": Severity.HIGH,
    "pgpass": Severity.HIGH,
    "kubeconfig": Severity.HIGH,
    "kubernetes-secret": Severity.HIGH,
    "dotenv": Severity.HIGH,
    "shell-history": Severity.LOW,
    "history-credential": Severity.HIGH,
    "php-define": Severity.HIGH,
    # A key an application signs or encrypts with (ASP.NET machineKey, a JWT signing key,
    # Drupal's hash_salt, Magento's crypt key, Laravel's APP_KEY): who has it forges sessions.
    "application-key": Severity.HIGH,
    "connection-string": Severity.HIGH,
    "database-url": Severity.HIGH,
    "htpasswd": Severity.MEDIUM,
    "env": Severity.HIGH,
    # A value assigned to a secret name where the file says credential: detect-secrets'
    # Secret Keyword rule, with the context that makes its guess one (analyzer.secrets.policy).
    "keyword": Severity.MEDIUM,
}


def slug(kind: str) -> str:
    """A rule-id suffix from a kind or secret type.

    >>> slug("ssh-host-key"), slug("Some New Token")
    ('SSH-HOST-KEY', 'SOME-NEW-TOKEN')
    """
    return re.sub(r"[^A-Z0-9]+", "-", kind.upper()).strip("-")


def _rule(kind: str, title: str, severity: Severity) -> Rule:
    return Rule(f"IA-SECRET-{slug(kind)}", title, "secrets", severity, _WHY, _FIX)


_TITLES = {"env": "Secret in an ENV variable of the image config"}
"""Titles of the kinds that are not files."""
_BY_DS_TYPE = {t: _rule(k, f"Secret: {t}", s) for t, (k, s) in DS_TYPES.items()}
_BY_ID = {r.id: r for r in _BY_DS_TYPE.values()}
RULES: dict[str, Rule] = {
    **_BY_DS_TYPE,
    # A structural kind with the same id as a detect-secrets type (private-key) is that rule.
    **{
        k: _BY_ID.get(f"IA-SECRET-{slug(k)}")
        or _rule(k, _TITLES.get(k) or f"Sensitive file: {k.replace('-', ' ')}", s)
        for k, s in STRUCTURAL.items()
    },
}


def rule_for(kind: str) -> Rule:
    """The rule of a detect-secrets type or structural kind (unknown types get a generic one)."""
    return RULES.get(kind) or _rule(kind, f"Secret: {kind}", Severity.HIGH)
