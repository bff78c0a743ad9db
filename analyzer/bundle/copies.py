"""The archive's own documents (index.json, manifest.json, an image's manifest and config)
as the bundle holds them: as read, unless a secret value is in them anywhere.

A document is parsed keeping every member of every object, in order: a key given twice is
legal JSON that readers resolve to its last value, so a check of the parsed document alone
would pass a secret hidden in the first one (and copy it in full). Every string (keys too)
passes the redactor, escapes decoded (`\\u0067hp_...` cannot hide a token), and so does the raw
text (a value outside any string, a document that is not JSON). A document with nothing to
redact is copied byte for byte, so its digest still checks; otherwise it is rewritten with
every secret redacted and every member kept, duplicates included, in the layout of
`canonical_json` (sorted keys, two-space indent) and in ASCII: every other character, controls
(C0, C1) and bidirectional overrides among them, is written as its `\\u` escape, so that no
viewer of the copy is handed a raw escape sequence or a reordered line.

Which values are secrets is the scan's business: the redactor knows the value of a repeated
key's earlier member too, since the secrets scan walks every member
(`analyzer.secrets.documents`), not only the value a reader keeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from analyzer.text import json_bytes

Scrub = Callable[[str], str]


class _Members(list[tuple[str, Any]]):
    """A JSON object as read: every (key, value) member, duplicates and order kept."""


def document_copy(raw: bytes, scrub: Scrub) -> bytes:
    """`raw` itself when nothing in it is a secret value, else `scrubbed_document(raw)`
    (or, for text that is not JSON, the text with every secret redacted)."""
    text = raw.decode("utf-8", "surrogateescape")
    try:
        members = _parsed(raw)
        redacted = _walk(members, scrub)
        if redacted == members and scrub(text) == text:
            return raw
        return _serialised(redacted, scrub)
    except (ValueError, RecursionError):  # not JSON, or nested beyond reason
        scrubbed = scrub(text)
        return raw if scrubbed == text else scrubbed.encode("utf-8", "surrogateescape")


def scrubbed_document(raw: bytes, scrub: Scrub) -> bytes:
    """The JSON document `raw`, every member kept, with every secret value redacted (raises
    ValueError when it is not JSON)."""
    return _serialised(_walk(_parsed(raw), scrub), scrub)


def _parsed(raw: bytes) -> Any:
    return json.loads(raw, object_pairs_hook=_Members)


def _walk(value: Any, scrub: Scrub) -> Any:
    """`value` with every string, keys included, passed through `scrub`."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, _Members):
        return _Members((scrub(key), _walk(member, scrub)) for key, member in value)
    if isinstance(value, list):
        return [_walk(item, scrub) for item in value]
    return value


def _serialised(value: Any, scrub: Scrub) -> bytes:
    """The layout of canonical_json, in ASCII; the text passes `scrub` once more, for a value
    that sat outside every string (a number)."""
    return json_bytes(scrub(_text(value, "")) + "\n")


def _text(value: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, _Members):
        if not value:
            return "{}"
        members = sorted(value, key=lambda member: member[0])  # stable: duplicates keep order
        lines = (f"{inner}{_string(key)}: {_text(item, inner)}" for key, item in members)
        return "{\n" + ",\n".join(lines) + f"\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _text(item, inner) for item in value) + f"\n{indent}]"
    return _string(value)


def _string(value: Any) -> str:
    """A value as JSON text (the ASCII escapes are json_bytes's, for the whole document)."""
    return json.dumps(value, ensure_ascii=False)
