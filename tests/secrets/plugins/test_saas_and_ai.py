"""SaaS and AI platform tokens: prefixes, fixed layouts and decodable payloads decide."""

from __future__ import annotations

import base64
import json

import pytest

from tests.secrets.plugins.tokens import ALNUM, B64URL, HEX, rand, rand_bytes, scan_types

LETTERS = ALNUM[:52]
UPPER_DIGITS = "ABCDEFGH0123456789"


def b64_json(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode().rstrip("=")


GRAFANA = {"o": "123456", "n": "stack-1-deploy", "k": rand(24), "m": {"r": "prod-eu-west-2"}}
ONE_PASSWORD = {
    "signInAddress": "my.1password.com",
    "userAuth": {"method": "SRPg-4096"},
    "email": "svc@example.invalid",
    "srpX": rand(64, HEX),
    "muk": {"k": rand(43)},
}

POSITIVES = [
    (
        "Slack Token (validated shape)",
        f"xoxb-{rand(11, '0123456789')}-{rand(13, '0123456789')}-{rand(24)}",
    ),
    (
        "Slack Token (validated shape)",
        "xoxp-" + "-".join(rand(12, "0123456789") for _ in range(3)) + f"-{rand(32, HEX)}",
    ),
    (
        "Slack Token (validated shape)",
        f"xapp-1-A{rand(10, 'ABCDEFGHJK0123456789')}-{rand(13, '0123456789')}-{rand(64, HEX)}",
    ),
    (
        "Slack Webhook URL",
        f"https://hooks.slack.com/services/T{rand(10, UPPER_DIGITS)}/B{rand(10, UPPER_DIGITS)}/"
        f"{rand(24)}",
    ),
    ("Stripe Live Secret Key", f"sk_live_{rand(99)}"),
    ("Stripe Live Secret Key", f"rk_live_{rand(24)}"),
    ("Stripe Live Secret Key", f"sk_live_{rand(12)}"),
    ("Stripe Webhook Secret", f"whsec_{rand(32)}"),
    ("Shopify Token", f"shpat_{rand(32, HEX)}"),
    ("Shopify Token", f"shpss_{rand(32, HEX)}"),
    ("Linear API Key", f"lin_api_{rand(40)}"),
    ("Notion Integration Token", f"ntn_{rand(11, '0123456789')}{rand(35)}"),
    ("Notion Integration Token", f"secret_{rand(43)}"),
    ("Figma Access Token", f"figd_{rand(43, B64URL)}"),
    ("Figma Access Token", f"figp_{rand(50, B64URL)}"),
    ("Grafana Token", f"glc_{b64_json(GRAFANA)}"),
    ("Grafana Token", f"glsa_{rand(32)}_{rand(8, HEX)}"),
    ("1Password Service Account Token", f"ops_{b64_json(ONE_PASSWORD)}"),
    ("OpenAI API Key", f"sk-proj-{rand(74, B64URL)}T3BlbkFJ{rand(74, B64URL)}"),
    ("OpenAI API Key", f"sk-svcacct-{rand(58, B64URL)}T3BlbkFJ{rand(58, B64URL)}"),
    ("OpenAI API Key", f"sk-{rand(20)}T3BlbkFJ{rand(20)}"),
    ("Anthropic API Key", f"sk-ant-api03-{rand(93, B64URL)}AA"),
    ("Anthropic API Key", f"sk-ant-admin01-{rand(93, B64URL)}AA"),
    ("Groq API Key", f"gsk_{rand(52)}"),
    ("Hugging Face Token", f"hf_{rand(34, LETTERS)}"),
    ("Hugging Face Token", f"api_org_{rand(34, LETTERS)}"),
]

NEAR_MISSES = [
    (
        "Slack Token (validated shape)",
        f"xoxb-{rand(11, '0123456789')}-{rand(13, '0123456789')}-{rand(23)}",
        "too short",
    ),
    (
        "Slack Token (validated shape)",
        "xoxb-123456789012-1234567890123-xxxxxxxxxxxxxxxxxxxxxxxx",
        "placeholder",
    ),
    (
        "Slack Webhook URL",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "placeholder",
    ),
    ("Stripe Live Secret Key", f"sk_test_{rand(99)}", "test key"),
    ("Stripe Live Secret Key", "sk_live_" + "a" * 24, "filler"),
    ("Stripe Live Secret Key", f"sk_live_{rand(9)}", "too short"),
    ("Stripe Live Secret Key", f"sk_live_{rand(129)}", "too long"),
    ("Shopify Token", f"shpat_{rand(31, HEX)}", "too short"),
    ("Shopify Token", f"shpat_{rand(32, 'ghijklmnop')}", "not hex"),
    ("Linear API Key", f"lin_api_{rand(39)}", "too short"),
    ("Notion Integration Token", f"ntn_{rand(11)}{rand(35)}", "letters where digits go"),
    ("Figma Access Token", f"figd_{rand(30, B64URL)}", "too short"),
    ("Grafana Token", "glc_" + base64.b64encode(rand_bytes(60)).decode().rstrip("="), "not JSON"),
    ("1Password Service Account Token", "ops_eyJ" + rand(200), "not JSON"),
    ("OpenAI API Key", f"sk-proj-{rand(74, B64URL)}{rand(82, B64URL)}", "no T3BlbkFJ marker"),
    (
        "OpenAI API Key",
        f"sk-proj-{rand(60, B64URL)}T3BlbkFJ{rand(60, B64URL)}",
        "wrong half length",
    ),
    ("Anthropic API Key", f"sk-ant-api03-{rand(93, B64URL)}AB", "wrong suffix"),
    ("Anthropic API Key", f"sk-ant-api03-{rand(92, B64URL)}AA", "too short"),
    ("Groq API Key", f"gsk_{rand(51)}", "too short"),
    ("Hugging Face Token", f"hf_{rand(34, ALNUM)}", "digits in a letters-only token"),
    ("Hugging Face Token", "hf_" + "abcdefghijklmnopqrstuvwxyzabcdefgh", "sequential, one case"),
    ("Hugging Face Token", "hf_<your-token>", "placeholder"),
]


@pytest.mark.parametrize(("secret_type", "value"), POSITIVES)
def test_generated_token_is_reported_by_its_plugin(secret_type: str, value: str) -> None:
    assert secret_type in scan_types(f'TOKEN = "{value}"\n')


def test_plain_detect_secrets_reports_none_of_these_types() -> None:
    text = "".join(f'TOKEN = "{value}"\n' for _, value in POSITIVES)
    assert not scan_types(text, plain=True) & {t for t, _ in POSITIVES}


@pytest.mark.parametrize(("secret_type", "value", "why"), NEAR_MISSES)
def test_near_miss_is_not_reported(secret_type: str, value: str, why: str) -> None:
    assert secret_type not in scan_types(f'TOKEN = "{value}"\n'), why


def test_mailgun_key_needs_a_mailgun_name() -> None:
    key = f"key-{rand(32, HEX)}"
    assert "Mailgun API Key" in scan_types(f"MAILGUN_API_KEY={key}\n")
    assert "Mailgun API Key" not in scan_types(f"cache={key}\n")
