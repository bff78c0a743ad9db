"""Read the small blobs (indexes, manifests, configs) by digest: each read, verified and parsed
once, however many descriptors name it (5,000 images may share one config)."""

from __future__ import annotations

from analyzer.archive.digest import verify
from analyzer.archive.source import Archive, Member
from analyzer.errors import ManifestError, MissingBlob, UnsafeInput
from analyzer.image.algorithms import algorithm_of, checked_digest, content_digest
from analyzer.image.config import LoadedConfig, load_config
from analyzer.image.document import Document, parse_document
from analyzer.text import quoted


class BlobStore:
    """Digest-addressed access to an archive's blobs/<algorithm>/<hex> files."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.verified: list[tuple[str, str]] = []
        """(what, digest) of each blob verified, once per digest."""
        self.notices: list[str] = []
        self._documents: dict[str, Document] = {}
        """Digest (or, for index.json and manifest.json, name) -> the document it holds."""
        self._configs: dict[str, LoadedConfig] = {}

    @staticmethod
    def member_name(digest: str, where: str) -> str:
        """The archive path that holds the blob `digest`."""
        algorithm, _, encoded = checked_digest(digest, where).partition(":")
        return f"blobs/{algorithm}/{encoded}"

    def member(self, name: str, what: str) -> Member:
        """The archive member `name` (links followed), or an error quoting the name."""
        try:
            return self.archive.resolve(name)
        except MissingBlob:
            raise MissingBlob(
                f"{what}: {quoted(name)} is not in the archive; "
                "the archive is incomplete, truncated or was edited"
            ) from None
        except UnsafeInput:
            raise UnsafeInput(
                f"{what}: {quoted(name)} points outside the archive; refusing to follow it"
            ) from None

    def read(self, digest: str, size: int | None, what: str) -> bytes:
        """Read the blob named by `digest`, check its size and hash, and record it."""
        name = self.member_name(digest, what)
        # "manifest sha256:ab.. (index.json manifests[0])" names the digest already
        member = self.member(name, what if digest in what else f"{what} ({digest})")
        if size is not None and member.kind == "file" and member.size != size:
            raise self._size_mismatch(digest, member.size, size, what)  # before hashing it
        data = self.archive.read_small(name, what)
        self.check(data, digest, size, what)
        return data

    def document(self, digest: str, size: int | None, what: str) -> Document:
        """The JSON document stored as blob `digest`, verified and parsed (once)."""
        found = self._documents.get(digest)
        if found is None:
            found = parse_document(self.read(digest, size, what), what)
            self.notices.extend(found.notices())
            self._documents[digest] = found
        elif size is not None and size != len(found.raw):
            raise self._size_mismatch(digest, len(found.raw), size, what)
        return found

    def named_document(self, name: str) -> Document:
        """A document the archive names rather than addresses (index.json, manifest.json)."""
        found = self._documents.get(name)
        if found is None:
            found = parse_document(self.archive.read_small(name, name), name)
            self.notices.extend(found.notices())
            self._documents[name] = found
        return found

    def config(self, digest: str, size: int | None, what: str) -> LoadedConfig:
        """The image config stored as blob `digest`, verified and parsed (once)."""
        found = self._configs.get(digest)
        if found is None:
            found = load_config(self.document(digest, size, what), digest, self.archive.limits)
            self._configs[digest] = found
        elif size is not None and size != len(found.raw):
            raise self._size_mismatch(digest, len(found.raw), size, what)
        return found

    def check(self, data: bytes, digest: str, size: int | None, what: str) -> None:
        """Verify `data` against its digest (with the digest's own algorithm) and declared
        size, then record it."""
        if size is not None and size != len(data):
            raise self._size_mismatch(digest, len(data), size, what)
        verify(what, digest, content_digest(data, algorithm_of(digest)))
        self.verified.append((what, digest))

    @staticmethod
    def _size_mismatch(digest: str, actual: int, declared: int, what: str) -> ManifestError:
        return ManifestError(
            f"{what} ({digest}) is {actual} bytes but its descriptor says {declared}; "
            "the archive is inconsistent"
        )
