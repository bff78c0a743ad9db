"""Every JSON document of an archive (index.json, manifest.json, manifests, indexes, configs,
oci-layout) is parsed here, under one policy.

The policy, and why:

- size: the archive refuses to read a document over `Limits.max_json_bytes` (16 MiB) before it
  reaches us;
- UTF-8 only (RFC 8259 for documents exchanged between systems): other bytes are a clear error
  rather than a guess; a leading UTF-8 byte-order mark is ignored, as the RFC allows;
- nesting deeper than MAX_DEPTH is refused: real documents nest six levels at most, and a
  deeper one would make Python's parser (and every recursive reader after it) run out of stack;
- more than MAX_CONTAINERS arrays and objects in one document are refused: 16 MiB of `{},`
  parse into 4 million objects (about 400 MB, and the secrets detector parses the config once
  more); the largest real documents (an index of 5,000 images) hold tens of thousands;
- NaN, Infinity and numbers that overflow to them are refused: they are not JSON, and would be
  written back as invalid JSON into the evidence bundle; so are integers longer than Python
  reads (4300 digits), no descriptor needs one;
- a key repeated in one object keeps its last value, as Go's encoding/json (Docker, containerd)
  does, so we read what the runtime reads; a notice names the key, since two readers that
  disagree on which value counts is a known way to hide content;
- escaped lone surrogates (`"\\ud800"`) are kept as data: the output side escapes them.

Its fields are then read, each with its type checked, through `analyzer.image.fields`.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyzer.errors import LimitExceeded, ManifestError
from analyzer.text import quoted

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted in one document."""
MAX_CONTAINERS = 1_000_000
"""Most arrays and objects accepted in one document (about 100 MB of Python objects)."""


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed JSON document and what was odd about it."""

    what: str
    """How messages name it: "index.json", "manifest sha256:ab12...", "config <name>"."""
    value: Any
    duplicate_keys: tuple[str, ...] = ()
    """Keys that appeared more than once in one object (the last value was kept)."""
    raw: bytes = field(default=b"", repr=False)
    """The bytes it was parsed from."""

    def notices(self) -> list[str]:
        """Notices for the report about this document (repeated keys)."""
        if not self.duplicate_keys:
            return []
        keys = ", ".join(quoted(k, 40) for k in self.duplicate_keys[:5])
        more = f" and {len(self.duplicate_keys) - 5} more" if len(self.duplicate_keys) > 5 else ""
        return [
            f"{self.what} repeats keys within one object ({keys}{more}); the last value of "
            "each was used, as Docker and containerd do; the document may have been edited"
        ]


def parse_document(raw: bytes, what: str) -> Document:
    """Parse `raw` under the policy above, or raise ManifestError naming `what`."""
    duplicates: list[str] = []
    text = _utf8(raw, what)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_objects(duplicates),
            parse_constant=_no_constant(what),
            parse_float=_finite(what),
        )
    except RecursionError:
        raise _too_deep(what) from None
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"{what} is not valid JSON ({exc.msg.removesuffix(' at')} at line {exc.lineno} "
            f"column {exc.colno}); "
            "the archive is corrupt or was edited"
        ) from None
    except ValueError:  # the only other ValueError json raises: int() of too many digits
        raise ManifestError(
            f"{what} holds an integer of more than {sys.get_int_max_str_digits()} digits; "
            "no image document needs one, the document was crafted or corrupted"
        ) from None
    _check_shape(value, text, what)
    return Document(what, value, tuple(dict.fromkeys(duplicates)), raw)


def _check_shape(value: Any, text: str, what: str) -> None:
    """Refuse a document nested too deep or holding too many arrays and objects."""
    # each array or object opens a bracket: with few of them (manifests, small configs) no walk
    # is needed
    brackets = text.count("[") + text.count("{")
    if brackets <= MAX_DEPTH:
        return
    too_deep, containers = _shape(value, MAX_DEPTH)
    if too_deep:
        raise _too_deep(what)
    if containers > MAX_CONTAINERS:
        raise LimitExceeded(
            f"{what} holds {containers:,} arrays and objects, over the limit of "
            f"{MAX_CONTAINERS:,} for one document; the largest real documents hold tens of "
            "thousands, the document was crafted or corrupted"
        )


def _utf8(raw: bytes, what: str) -> str:
    if b"\x00" in raw[:4]:  # JSON starts with ASCII: a zero byte there is UTF-16 or UTF-32
        raise ManifestError(f"{what} is not UTF-8 text (it looks like UTF-16 or UTF-32)")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            f"{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "expected a JSON document"
        ) from None


def _too_deep(what: str) -> ManifestError:
    return ManifestError(
        f"{what} nests arrays and objects more than {MAX_DEPTH} levels deep; "
        "no image document does, the document was crafted or corrupted"
    )


def _objects(duplicates: list[str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            duplicates.extend(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        return built

    return build


def _no_constant(what: str) -> Callable[[str], Any]:
    def refuse(name: str) -> Any:
        raise ManifestError(f"{what} holds {name}, which is not a JSON number")

    return refuse


def _finite(what: str) -> Callable[[str], float]:
    def number(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ManifestError(f"{what} holds the number {quoted(text, 40)}, too large to read")
        return value

    return number


def _shape(value: Any, limit: int) -> tuple[bool, int]:
    """Whether `value` nests more than `limit` arrays/objects, and how many it holds down to
    that depth; breadth-first, no recursion."""
    level = [value] if isinstance(value, (list, dict)) else []
    containers = len(level)
    for _ in range(limit):
        below: list[Any] = []
        for container in level:
            items = container.values() if isinstance(container, dict) else container
            below.extend(v for v in items if isinstance(v, (list, dict)))
        if not below:
            return False, containers
        containers += len(below)
        level = below
    return bool(level), containers
