"""The redaction walk over output documents: every archive string scrubbed, our own words and
well-formed digests left intact, keys of archive-chosen mappings scrubbed too."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.document_scrub import scrub_document, scrub_valid_text
from analyzer.secrets.redact import redact
from analyzer.secrets.scrubber import Scrubber

SECRET = "cafe1234"
DIGEST = "sha256:" + "cafe1234" * 8


def hide(text: str) -> str:
    text.encode("utf-8")  # like a scrubber that hashes: it cannot take a surrogate
    return text.replace(SECRET, "[hidden]")


def test_every_string_from_the_archive_is_scrubbed_wherever_it_sits() -> None:
    doc = {
        "refs": [f"app:{SECRET}"],
        "os": {"pretty_name": f"Debian {SECRET}"},
        "packages": [{"version": f"1-{SECRET}", "license": SECRET}],
        "findings": [{"path": f"/app/{SECRET}", "details": {"note": SECRET}}],
        "nested": [[{"deep": SECRET}]],
    }
    assert SECRET not in repr(scrub_document(doc, hide))


def test_our_own_words_and_well_formed_digests_are_left_intact() -> None:
    doc: dict[str, Any] = {
        "severity": SECRET,
        "rule_id": SECRET,
        "config_digest": DIGEST,
        "fingerprint": "cafe1234" * 4,
        "layers": [{"digest": DIGEST, "diff_id": DIGEST}],
        "signatures": [DIGEST],
    }
    assert scrub_document(doc, hide) == doc


def test_a_digest_field_that_holds_no_digest_is_scrubbed() -> None:
    assert scrub_document({"digest": f"sha256:{SECRET}!"}, hide) == {"digest": "sha256:[hidden]!"}


def test_label_keys_are_scrubbed_and_schema_keys_are_not() -> None:
    doc = {"labels": {SECRET: SECRET}, SECRET: 1}
    assert scrub_document(doc, hide) == {"labels": {"[hidden]": "[hidden]"}, SECRET: 1}


def test_a_secret_percent_encoded_in_a_purl_is_found() -> None:
    purl = "pkg:deb/debian/x@1%2Bcafe1234?arch=amd64"
    assert SECRET not in scrub_document({"purl": purl}, hide).get("purl")


def test_text_around_bytes_that_were_not_utf8_is_scrubbed() -> None:
    assert scrub_valid_text(f"/app/\udcff{SECRET}\udcfe", hide) == "/app/\udcff[hidden]\udcfe"


@settings(max_examples=300, derandomize=True)
@given(st.text(st.characters(codec=None, max_codepoint=0xFFFF), max_size=40))
def test_scrubbing_never_crashes_and_never_leaves_the_secret(text: str) -> None:
    scrubbed = scrub_document({"path": text + SECRET + text}, hide)["path"]
    assert SECRET not in scrubbed.replace("\udcff", "")


def test_a_digest_that_is_a_recognised_secret_is_redacted_and_no_other_digest_is() -> None:
    """A referrer's `subject` may be any hex: one that is a private key the scan recognised
    showed in full. A digest holding only a short secret by chance ("cafe1234") stays whole."""
    key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    scrub = Scrubber([SECRET, key])
    doc = {"subject": f"sha256:{key}", "digest": DIGEST, "signatures": [f"sha256:{key}"]}
    scrubbed = scrub_document(doc, scrub)
    assert key not in repr(scrubbed) and scrubbed["digest"] == DIGEST
    assert scrubbed["subject"].startswith("sha256:4c08... (64 chars, sha256:")


def test_a_digest_holding_a_file_secret_known_by_its_redacted_form_is_redacted() -> None:
    key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    scrub = Scrubber([SECRET]).with_hashed([redact(key)])
    assert key not in scrub_document({"subject": f"sha256:{key}"}, scrub)["subject"]
