"""Every JSON document of an archive (index.json, manifest.json, manifests, indexes, configs,
oci-layout) is parsed here, under one policy, and read field by field with its type checked.

The policy, and why:

- size: the archive refuses to read a document over `Limits.max_json_bytes` (16 MiB) before it
  reaches us;
- UTF-8 only (RFC 8259 for documents exchanged between systems): other bytes are a clear error
  rather than a guess; a leading UTF-8 byte-order mark is ignored, as the RFC allows;
- nesting deeper than MAX_DEPTH is refused: real documents nest six levels at most, and a
  deeper one would make Python's parser (and every recursive reader after it) run out of stack;
- NaN, Infinity and numbers that overflow to them are refused: they are not JSON, and would be
  written back as invalid JSON into the evidence bundle; so are integers longer than Python
  reads (4300 digits), no descriptor needs one;
- a key repeated in one object keeps its last value, as Go's encoding/json (Docker, containerd)
  does, so we read what the runtime reads; a notice names the key, since two readers that
  disagree on which value counts is a known way to hide content;
- escaped lone surrogates (`"\\ud800"`) are kept as data: the output side escapes them.

`Fields` reads one object: a field of the wrong JSON type is a ManifestError naming the document
and the field (`config sha256:ab12...: config.Env must be a list of strings, found a string`);
null and a missing field read as "none", as Go's decoder reads them.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyzer.errors import ManifestError
from analyzer.image.algorithms import checked_digest
from analyzer.text import quoted

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted in one document."""
MAX_SIZE = (1 << 63) - 1
"""Largest blob size a descriptor may declare (the spec's int64)."""

_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "true/false"),
    (int, "a number"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


def json_type(value: object) -> str:
    """The JSON type of a parsed value, for messages.

    >>> json_type(None), json_type(True), json_type([1])
    ('null', 'true/false', 'a list')
    """
    return next((name for kind, name in _KINDS if isinstance(value, kind)), "null")


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
    # each level opens a bracket: with few of them (manifests, small configs) no walk is needed
    if text.count("[") + text.count("{") > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise _too_deep(what)
    return Document(what, value, tuple(dict.fromkeys(duplicates)), raw)


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


def _deeper_than(value: Any, limit: int) -> bool:
    """True when `value` nests more than `limit` arrays/objects; breadth-first, no recursion."""
    level = [value] if isinstance(value, (list, dict)) else []
    for _ in range(limit):
        below: list[Any] = []
        for container in level:
            items = container.values() if isinstance(container, dict) else container
            below.extend(v for v in items if isinstance(v, (list, dict)))
        if not below:
            return False
        level = below
    return bool(level)


@dataclass(frozen=True, slots=True)
class Fields:
    """One JSON object of a document, read a field at a time with its type checked."""

    data: dict[str, Any]
    document: str
    """The document's name in messages."""
    path: str = ""
    """Where the object sits in the document ("" for the top, "config.Healthcheck")."""

    @classmethod
    def of(cls, value: Any, document: str, path: str = "") -> Fields:
        """`value` as Fields, or a ManifestError when it is not a JSON object."""
        if not isinstance(value, dict):
            where = f"{document}: {path}" if path else document
            raise ManifestError(f"{where} must be a JSON object, found {json_type(value)}")
        return cls(value, document, path)

    def at(self, key: str) -> str:
        """The path of field `key`, for messages."""
        return f"{self.path}.{key}" if self.path else key

    def wrong(self, key: str, expected: str, value: Any) -> ManifestError:
        """The error for field `key` holding `value` instead of `expected`."""
        return ManifestError(
            f"{self.document}: {self.at(key)} must be {expected}, found {json_type(value)}"
        )

    def has(self, key: str) -> bool:
        """True when the field is present and not null."""
        return self.data.get(key) is not None

    def text(self, key: str, default: str = "") -> str:
        """A string field; `default` when missing or null."""
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.wrong(key, "a string", value)
        return value

    def texts(self, key: str, *, single: bool = False) -> tuple[str, ...]:
        """A list of strings (null items skipped); with `single`, a lone string is a list of one
        (Docker's strslice for Cmd, Entrypoint and Healthcheck.Test)."""
        value = self.data.get(key)
        if value is None:
            return ()
        if single and isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            raise self.wrong(key, "a list of strings", value)
        for index, item in enumerate(value):
            if item is not None and not isinstance(item, str):
                raise self.wrong(f"{key}[{index}]", "a string", item)
        return tuple(item for item in value if item is not None)

    def flag(self, key: str) -> bool:
        """A true/false field; False when missing or null."""
        value = self.data.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.wrong(key, "true or false", value)
        return bool(value)

    def size(self, key: str) -> int | None:
        """A byte count (0 to 2**63-1); None when missing or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.wrong(key, "a byte count", value)
        if not 0 <= value <= MAX_SIZE:
            raise ManifestError(
                f"{self.document}: {self.at(key)} is {quoted(value, 40)}, not a byte count "
                "(0 to 2**63-1)"
            )
        return value

    def digest(self, key: str) -> str:
        """A required digest of a supported algorithm."""
        value = self.data.get(key)
        if not isinstance(value, str):
            raise self.wrong(key, "a digest string", value)
        return checked_digest(value, f"{self.document}: {self.at(key)}")

    def child(self, key: str) -> Fields | None:
        """An object field; None when missing or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.wrong(key, "an object", value)
        return Fields(value, self.document, self.at(key))

    def children(self, key: str) -> list[Fields] | None:
        """A list of objects; None when missing or null."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.wrong(key, "a list of objects", value)
        return [
            Fields.of(item, self.document, f"{self.at(key)}[{i}]") for i, item in enumerate(value)
        ]

    def string_map(self, key: str) -> dict[str, str]:
        """An object of string values (labels, annotations); empty when missing or null."""
        found = self.child(key)
        if found is None:
            return {}
        for name, value in found.data.items():
            if not isinstance(value, str):
                raise ManifestError(
                    f"{self.document}: {found.path}[{quoted(name, 60)}] must be a string, "
                    f"found {json_type(value)}"
                )
        return found.data

    def key_names(self, key: str) -> tuple[str, ...]:
        """The keys of an object field (ExposedPorts, Volumes), sorted; () when missing or null."""
        found = self.child(key)
        return tuple(sorted(found.data)) if found is not None else ()
