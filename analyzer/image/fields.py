"""One JSON object of an archive document, read a field at a time with its type checked.

A field of the wrong JSON type is a ManifestError naming the document and the field
(`config sha256:ab12...: config.Env must be a list of strings, found a string`); null and a
missing field read as "none", as Go's decoder (Docker, containerd) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.errors import LimitExceeded, ManifestError
from analyzer.image.algorithms import checked_digest
from analyzer.text import quoted

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

    def bound(self, key: str, limit: int) -> Fields:
        """These fields, once the list or object `key` is known to hold at most `limit` items
        (a LimitExceeded naming the field otherwise); read before turning items into records."""
        value = self.data.get(key)
        if isinstance(value, (list, dict)) and len(value) > limit:
            raise LimitExceeded(
                f"{self.document}: {self.at(key)} holds {len(value):,} items, over the limit of "
                f"{limit:,} for one list or object of an image document; real images hold a few "
                "hundred at most, the document was crafted or corrupted"
            )
        return self

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
