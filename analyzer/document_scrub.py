"""Every string that leaves the tool passes the image's redactor, whatever field it is in.

Detectors redact the secrets they find in their own evidence, but the same value can sit
anywhere else the image lets it: in a tag, a file name, a symlink target, a label, the os-release
PRETTY_NAME, a package's version or license. So once an output document is built, every string
in it (values, and the keys of mappings the archive chose, such as labels) passes through the
image's scrubber, which knows the config's secrets and, after a scan, those found in files.

Left as they are: our own vocabulary (severities, rule ids, change kinds...), which no archive
chose, and well-formed digests and fingerprints, which a scrubber must not corrupt (a 4-character
secret such as "cafe" would otherwise rewrite every digest that happens to contain it), unless a
recognised secret too long to be there by chance lies in one (`Scrubber.in_digest`): a referrer's
`subject` may be any hex, a private key's included.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from analyzer.secrets.config import secret_env
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.policy import GUESSES
from analyzer.secrets.scrubber import Scrubber
from analyzer.secrets.sources import Source, secrets_in
from analyzer.secrets.structure import is_placeholder

Scrub = Callable[[str], str]

OWN_FIELDS = frozenset(
    {
        "severity",
        "rule_id",
        "category",
        "title",
        "pci",
        "change",
        "type",
        "how",
        "cause",
        "digest_source",
        "compression",
        "kind",
        "format",
        "source_format",
        "mode",
        "eol_status",
        "eol_date",
    }
)
"""Fields whose values are the tool's own words, never text from the archive."""
DIGEST_FIELDS = frozenset(
    {
        "digest",
        "diff_id",
        "config_digest",
        "manifest_digest",
        "sha256",
        "secret_sha256",
        "fingerprint",
        "subject",
        "signatures",
    }
)
"""Fields holding digests: kept when well formed and holding no long secret (anything else in
them is scrubbed)."""
ARCHIVE_KEYED = frozenset({"labels"})
"""Mappings whose keys the archive chose: their keys are scrubbed as well, also where a change
of one is shown as {"old": mapping, "new": mapping} (`diff`)."""
_SIDES = {"old", "new"}

_DIGEST = re.compile(r"(?:[a-z0-9]+(?:[+._-][a-z0-9]+)*:)?[0-9a-f]{32,128}")
_VALID_TEXT = re.compile("[^\ud800-\udfff]+")


def scrub_document(value: Any, scrub: Scrub, field: str = "") -> Any:
    """`value` (a JSON-ready document) with every string from the archive passed to `scrub`.

    >>> hide = lambda text: text.replace("hunter22", "hu...")
    >>> scrub_document({"refs": ["app:hunter22"], "labels": {"hunter22": "x"}, "kind": "hunter22"},
    ...                hide)
    {'refs': ['app:hu...'], 'labels': {'hu...': 'x'}, 'kind': 'hunter22'}
    >>> scrub_document({"labels": {"old": {}, "new": {"hunter22": "x"}}}, hide)
    {'labels': {'old': {}, 'new': {'hu...': 'x'}}}
    """
    if isinstance(value, str):
        return _scrubbed_text(value, scrub, field)
    if isinstance(value, dict):
        if field in ARCHIVE_KEYED and value.keys() == _SIDES:
            return {side: scrub_document(v, scrub, field) for side, v in value.items()}
        keys = (lambda key: _scrubbed_text(key, scrub, "")) if field in ARCHIVE_KEYED else str
        return {keys(k): scrub_document(v, scrub, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_document(v, scrub, field) for v in value]
    return value


def _scrubbed_text(text: str, scrub: Scrub, field: str) -> str:
    if field in OWN_FIELDS:
        return text
    if field in DIGEST_FIELDS and _DIGEST.fullmatch(text):
        return scrub.in_digest(text) if isinstance(scrub, Scrubber) else text
    if field == "purl":
        return _scrubbed_purl(text, scrub)
    return scrub_valid_text(text, scrub)


def _scrubbed_purl(purl: str, scrub: Scrub) -> str:
    """A package URL percent-encodes a version or name ("+" as %2B): a secret in it is looked
    for in the decoded form too, and the purl is shown decoded and redacted if one is there."""
    plain = unquote(purl)
    hidden = scrub_valid_text(plain, scrub)
    return scrub_valid_text(purl, scrub) if hidden == plain else hidden


def scrub_valid_text(text: str, scrub: Scrub) -> str:
    """`scrub` applied to each run of `text` between surrogates (bytes of a name that were
    not UTF-8): a secret is text, so it never spans one, and a scrubber that hashes what it
    looks at may not be able to encode a surrogate.

    >>> scrub_valid_text("a\\udcffhunter22", lambda text: text.replace("hunter22", "hu..."))
    'a\\udcffhu...'
    """
    if text.isascii():
        return scrub(text)
    return _VALID_TEXT.sub(lambda run: scrub(run.group()), text)


def redacted_message(message: str) -> str:
    """An error message with every secret the engine finds in it redacted.

    An error may be raised before its image's scrubber exists (a tag or a layer path that
    holds a token, quoted by a digest mismatch or a missing blob), so the message is judged on
    its own, as the strings of the archive's index documents are (`archive_values`). A token's
    shape is redacted wherever it stands; a guess (a keyword's value, a high-entropy string)
    only inside a string the message quotes from the archive (`text.quoted`), since the tool's
    own words around a path such as "/etc/passwd: it holds no bytes" would read as one; and a
    NAME=value whose name says secret (`DB_PASSWORD=...`) as ENV's entries are judged.

    >>> redacted_message("no layer 'ghp_" + "x1Y2z3" * 6 + "/layer.tar'")[:36]
    "no layer 'ghp_... (40 chars, sha256:"
    >>> redacted_message("/etc/passwd is a symbolic link to /x/passwd: it holds no bytes")
    '/etc/passwd is a symbolic link to /x/passwd: it holds no bytes'
    >>> redacted_message("Config: 'DB_PASSWORD=Qz88rESQedUStPKR!x' is missing")[:30]
    "Config: 'DB_PASSWORD=Qz88... ("
    """
    engine = SecretEngine()
    quoted_texts = archive_strings(message)
    found = [
        value
        for kind, value in _secrets(message, engine)
        if kind not in GUESSES or any(value in text for text in quoted_texts)
    ]  # an entropy guess needs the quotes around its string to be seen
    for text in quoted_texts:
        # alone, "sha256:ca4e0fd555a7" would read as an INI option with a random value
        found += [value for kind, value in _secrets(text, engine) if kind not in _ENTROPY]
        found += _assigned_secrets(text)
    found += _assigned_secrets(message)
    scrubber = Scrubber(value for value in found if not is_placeholder(value))
    return scrub_valid_text(message, scrubber)


_ENTROPY = GUESSES - {"Secret Keyword"}
"""Guesses from entropy alone: judged on a quoted string in its message, quotes and all."""
_QUOTED = re.compile(r"""(?<![\w'"])(['"])(.+?)\1(?![\w'"])""")
"""A string a message quotes (`text.quoted`, or a repr): its quotes touch no word character
on the outside, so an apostrophe inside it ("it's") does not end it."""
_ASSIGNMENT = re.compile(r"(?<![\w.-])([A-Za-z_][\w.-]*)=([^\s'\"]+)")
"""NAME=value, the value up to a blank or a quote: in a message only the archive writes one."""


def archive_strings(message: str) -> list[str]:
    """The strings of the archive `message` quotes, as it quotes them.

    >>> archive_strings("entry 0: Config: 'it's.json' is not in ('a', 'b'); layer 'c'")
    ["it's.json", 'a', 'b', 'c']
    """
    return [match.group(2) for match in _QUOTED.finditer(message)]


def _secrets(text: str, engine: SecretEngine) -> list[tuple[str, str]]:
    return secrets_in(Source("ERROR", text, None), engine)


def _assigned_secrets(text: str) -> list[str]:
    """The values of the NAME=value assignments in `text` that ENV would call secret: the
    whole text when it is one (a quoted string, blanks and all), else each word that is one.

    >>> _assigned_secrets("DB_PASSWORD=horse staple"), _assigned_secrets("a REDIS_PASS=x9Z!q b")
    (['horse staple', 'horse'], ['x9Z!q'])
    >>> _assigned_secrets("DB_PASSWORD=my pass phrase")  # a fill-in word: a placeholder
    []
    >>> _assigned_secrets("DB_PASSWORD_FILE=/run/x PATH=/usr/bin")
    []
    """
    whole = re.fullmatch(r"([A-Za-z_][\w.-]*)=(.+)", text, re.S)
    pairs = [whole.groups()] if whole else []
    pairs += [(m.group(1), m.group(2)) for m in _ASSIGNMENT.finditer(text)]
    return list(dict.fromkeys(value for name, value in pairs if secret_env(name, value)))
