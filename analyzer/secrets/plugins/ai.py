"""AI platform API keys: OpenAI, Anthropic, Groq, Hugging Face.

Severity HIGH: usage is billed to the key's owner, and keys can read uploaded files,
fine-tuning data and (Hugging Face) private models and datasets.

- OpenAI: project sk-proj-, service account sk-svcacct-, admin sk-admin- keys, and legacy
  user keys sk-<20>; all carry T3BlbkFJ (base64 of "OpenAI") between two random halves
  (58 or 74 base64url characters for the prefixed kinds, 20 alphanumerics for legacy keys).
  OpenAI does not document the layout; it is the one of gitleaks' openai-api-key rule
  (gitleaks/gitleaks cmd/generate/config/rules/openai.go).
  https://platform.openai.com/docs/api-reference/authentication
- Anthropic: API keys sk-ant-api03- and admin keys sk-ant-admin01- + 93 base64url + "AA"
  (undocumented by Anthropic; as in gitleaks' cmd/generate/config/rules/anthropic.go).
  https://docs.anthropic.com/en/api/overview#authentication
- Groq: gsk_ + 52 alphanumerics (undocumented by Groq; noseyparker's np.groq.1 examples in
  praetorian-inc/noseyparker crates/noseyparker/data/default/builtin/rules/groq.yml have 52,
  gitleaks' groq.go uses 48). https://console.groq.com/docs/api-keys
- Hugging Face: user access tokens hf_ + 34 letters, organisation tokens api_org_ + 34
  (deprecated by Hugging Face); lengths as in gitleaks' huggingface.go.
  https://huggingface.co/docs/hub/security-tokens
"""

from __future__ import annotations

import re

from analyzer.secrets.plugins.base import TokenDetector

PLUGINS = (
    "OpenAIKeyDetector",
    "AnthropicKeyDetector",
    "GroqKeyDetector",
    "HuggingFaceTokenDetector",
)

_HALF = r"(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})"


class OpenAIKeyDetector(TokenDetector):
    """OpenAI project, service account, admin and legacy keys."""

    secret_type = "OpenAI API Key"
    PROVIDER = "OpenAI"
    KINDS = "project sk-proj-, service account sk-svcacct-, admin sk-admin-, legacy sk-"
    VALIDATION = "prefix, T3BlbkFJ marker between two fixed-length random halves"
    denylist = (
        re.compile(rf"\bsk-(?:proj|svcacct|admin)-{_HALF}T3BlbkFJ{_HALF}(?![A-Za-z0-9_-])"),
        re.compile(r"\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b"),
    )


class AnthropicKeyDetector(TokenDetector):
    """Anthropic API and admin keys."""

    secret_type = "Anthropic API Key"
    PROVIDER = "Anthropic"
    KINDS = "API key sk-ant-api03-, admin key sk-ant-admin01-"
    VALIDATION = "prefix, 93 base64url, AA suffix"
    denylist = (re.compile(r"\bsk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA(?![A-Za-z0-9_-])"),)


class GroqKeyDetector(TokenDetector):
    """Groq API keys."""

    secret_type = "Groq API Key"
    PROVIDER = "Groq"
    KINDS = "API key gsk_"
    VALIDATION = "prefix, 52 alphanumerics"
    denylist = (re.compile(r"\bgsk_[A-Za-z0-9]{52}\b"),)


class HuggingFaceTokenDetector(TokenDetector):
    """Hugging Face user and organisation tokens."""

    secret_type = "Hugging Face Token"
    PROVIDER = "Hugging Face"
    KINDS = "user access token hf_, organisation api_org_"
    VALIDATION = "prefix, 34 letters, mixed case"
    denylist = (re.compile(r"\b(?:hf|api_org)_[A-Za-z]{34}\b"),)

    def is_valid(self, token: str) -> bool:
        """Generated tokens mix upper and lower case."""
        body = token[-34:]
        return any(c.isupper() for c in body) and any(c.islower() for c in body)
