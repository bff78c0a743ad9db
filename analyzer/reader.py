"""Read an archive end to end: index it, load its images, walk each layer once, merge.

This is the single pass every command and detector stands on. Layers shared by several images
are read once. Layers are read in storage order, so a compressed archive is decompressed once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from analyzer.archive.digest import verify
from analyzer.archive.source import Archive, Member, open_archive
from analyzer.errors import (
    ArchiveError,
    CorruptStream,
    DamagedLayer,
    DigestMismatch,
    ManifestError,
    StreamEndsEarly,
    UnsupportedFormat,
)
from analyzer.filesystem.content import ContentSink
from analyzer.filesystem.layered import LayeredFS
from analyzer.filesystem.model import LayerListing
from analyzer.filesystem.walk import Budget, walk_layer
from analyzer.image.algorithms import algorithm_of
from analyzer.image.label import image_label
from analyzer.image.loader import load_catalog
from analyzer.image.model import Catalog, Image, Layer
from analyzer.image.selection import select_images
from analyzer.limits import Limits
from analyzer.text import quoted


@runtime_checkable
class Phases(Protocol):
    """A progress display that can also name the phases after the read."""

    def phase(self, text: str) -> None:
        """Name a phase of the work ("examining 120 more file(s) for secrets")."""


Progress = Callable[[int, int, str], None]
"""Called as progress(bytes_done, bytes_total, label) as the stored blob bytes are read:
once with 0 before the first, after each chunk, and after each layer."""


@dataclass(frozen=True, slots=True)
class ImageView:
    """One image with its layers read and merged."""

    image: Image
    listings: tuple[LayerListing, ...]
    fs: LayeredFS


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Everything one read of an archive produced."""

    archive: Archive
    catalog: Catalog
    images: tuple[ImageView, ...]
    notices: tuple[str, ...]


def read_archive(
    path: Path,
    *,
    platform: str | None = None,
    image: str | None = None,
    limits: Limits | None = None,
    sinks: Sequence[ContentSink] = (),
    progress: Progress | None = None,
) -> ReadResult:
    """Open, verify and read every selected image of the archive at `path`: all of them, or
    those `image` names (a reference, a digest or a number, see `analyzer.image.selection`) and
    `platform` ("os/arch[/variant]") fits."""
    limits = limits or Limits()
    archive = open_archive(path, limits)
    catalog = load_catalog(archive)
    images = select_images(catalog, platform, image)
    listings = _read_layers(archive, images, limits, sinks, progress)
    views = []
    notices = list(catalog.notices)
    for selected in images:
        layer_listings = tuple(listings[layer.member] for layer in selected.layers)
        _verify_layers(selected, layer_listings)
        fs = LayeredFS.build(layer_listings, limits.max_symlink_hops)
        label = image_label(selected.refs, selected.config_digest)
        notices.extend(f"{label}: {n}" for n in fs.notices)
        views.append(ImageView(selected, layer_listings, fs))
    for member, listing in listings.items():
        notices.extend(f"layer {member}: {n}" for n in listing.notices)
    return ReadResult(archive, catalog, tuple(views), tuple(notices))


def _read_layers(
    archive: Archive,
    images: Sequence[Image],
    limits: Limits,
    sinks: Sequence[ContentSink],
    progress: Progress | None,
) -> dict[str, LayerListing]:
    by_member = _blobs_to_read(archive, images)
    budget = Budget(limits)
    listings: dict[str, LayerListing] = {}
    streams = archive.stream_members(by_member)
    total_bytes, done_bytes = sum(m.size for m in by_member), 0
    if progress is not None:
        progress(0, total_bytes, "")
    for done, (member, chunks) in enumerate(streams, start=1):
        names = by_member[member]
        first = names[0][1]
        what = f"layer {first.digest or quoted(member.name)}"
        stream = chunks
        if progress is not None:
            label = f"layer {done}/{len(streams)}"
            stream = _reporting(chunks, progress, (done_bytes, total_bytes), label)
        try:
            listing = walk_layer(stream, what, budget, sinks, key=member.name, **_algorithms(first))
        except DamagedLayer as damage:
            raise _root_cause(damage, names, what) from None
        for name, layer in names:
            _verify_blob(layer, listing, what)
            listings[name] = listing
        done_bytes += member.size
        if progress is not None:
            progress(done_bytes, total_bytes, f"layer {done}/{len(streams)}")
    return listings


def _reporting(
    chunks: Iterator[bytes], progress: Progress, where: tuple[int, int], label: str
) -> Iterator[bytes]:
    """`chunks`, reporting after each how many of the archive's stored bytes are read (a
    layer of gigabytes shows its progress as it streams, not only once it is done)."""
    done, total = where
    for chunk in chunks:
        done += len(chunk)
        progress(min(done, total), total, label)
        yield chunk


def _blobs_to_read(
    archive: Archive, images: Sequence[Image]
) -> dict[Member, list[tuple[str, Layer]]]:
    """Each layer blob to read, once, with every name it is reached under."""
    wanted: dict[str, Layer] = {}
    for image in images:
        for layer in image.layers:
            _same_algorithms(wanted.setdefault(layer.member, layer), layer)
    by_member: dict[Member, list[tuple[str, Layer]]] = {}
    for name, layer in wanted.items():  # the same blob may be reached under several names
        names = by_member.setdefault(archive.resolve(name), [])
        names.append((name, layer))
        _same_algorithms(names[0][1], layer)
    return by_member


def _same_algorithms(first: Layer, other: Layer) -> None:
    """A blob is hashed once, so every image must check it with the same algorithms."""
    if _algorithms(first) != _algorithms(other):
        raise UnsupportedFormat(
            f"layer {first.digest or quoted(first.member)} is checked with {_hashes(first)} by "
            f"one image and with {_hashes(other)} by another; image-audit reads each layer once "
            "and can verify it with one pair of algorithms only"
        )


def _hashes(layer: Layer) -> str:
    return f"a {algorithm_of(layer.digest)} digest and a {algorithm_of(layer.diff_id)} diff_id"


def _algorithms(layer: Layer) -> dict[str, str]:
    """The hash algorithms of the layer's blob digest and diff_id, as walk_layer's keywords.

    The manifest may name a layer by sha512 (the OCI spec registers sha256 and sha512); hashing
    it with sha256 would call a valid blob modified.
    """
    return {
        "digest_algorithm": algorithm_of(layer.digest),
        "diff_id_algorithm": algorithm_of(layer.diff_id),
    }


def _blob(layer: Layer, what: str) -> str:
    """The layer as a digest error names it: with its blob's member in the archive."""
    return f"{what} (blob {quoted(layer.member)})"


def _verify_blob(layer: Layer, listing: LayerListing, what: str) -> None:
    if layer.digest_known:
        verify(_blob(layer, what), layer.digest, listing.digest)
    if layer.size >= 0 and layer.digest_known and layer.size != listing.compressed_size:
        raise ManifestError(
            f"{what} is {listing.compressed_size} bytes but the manifest says {layer.size}"
        )


def _root_cause(
    damage: DamagedLayer, names: Sequence[tuple[str, Layer]], what: str
) -> ArchiveError:
    """The error for a layer blob, hashed to its end, that could not be decompressed or read as
    a tar: root cause first. A blob that does not hash to the digest its manifest names is that
    finding (the failed read follows from it); only a blob that does is damaged as named, and
    then the failure itself is the finding."""
    for _, layer in names:
        if layer.digest_known and damage.digest != layer.digest:
            return _not_the_named_blob(layer, damage, what)
    if any(layer.digest_known for _, layer in names):
        return _damaged_as_named(damage.cause, what)
    return damage.cause  # a legacy layer: no digest tells whether it changed


def _not_the_named_blob(layer: Layer, damage: DamagedLayer, what: str) -> ArchiveError:
    """A layer blob that does not hash to its digest: truncated when it is shorter than its
    manifest declares, else a DigestMismatch; either way the failed read is named after it."""
    blob = _blob(layer, what)
    if damage.size < layer.size:
        failure = damage.cause.message.removeprefix(f"{what}: ")
        return ArchiveError(
            f"{blob} is truncated: it has {damage.size} of the {layer.size} bytes its manifest "
            f"declares; reading it fails: {failure}"
        )
    also = f"reading it fails too: {_failure_in_whole_blob(damage.cause, what)}"
    return DigestMismatch(blob, layer.digest, damage.digest, also)


def _damaged_as_named(cause: ArchiveError, what: str) -> ArchiveError:
    """`cause` for a blob that is the one its manifest names: a compressed stream that cannot be
    decoded was damaged before the manifest was written."""
    if not isinstance(cause, CorruptStream):
        return cause
    return CorruptStream(
        f"{what}: {_failure_in_whole_blob(cause, what)}; the blob matches its digest (the damage "
        "predates the manifest)",
        cause.compression,
    )


def _failure_in_whole_blob(cause: ArchiveError, what: str) -> str:
    """What `cause` says went wrong in a blob that has its declared size, without the `what`
    prefix: a compressed stream that runs out of data there is not called truncated."""
    if isinstance(cause, StreamEndsEarly):
        return f"{cause.compression} data is corrupt: its stream does not end within the blob"
    return cause.message.removeprefix(f"{what}: ")


def _verify_layers(image: Image, listings: Sequence[LayerListing]) -> None:
    for layer, listing in zip(image.layers, listings, strict=True):
        if layer.diff_id and layer.diff_id != listing.diff_id:
            label = quoted(image_label(image.refs, image.config_digest))
            raise DigestMismatch(
                f"{label} layer {layer.index} ({quoted(layer.member)}): uncompressed content vs "
                "config rootfs.diff_ids",
                layer.diff_id,
                listing.diff_id,
            )
